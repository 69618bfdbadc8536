"""Loyalty: use cases; authorization (store scoping, roles) is enforced here."""
