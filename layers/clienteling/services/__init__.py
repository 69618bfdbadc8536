"""Use cases, one module per concept. Authorization (store scoping, roles) is enforced here."""
