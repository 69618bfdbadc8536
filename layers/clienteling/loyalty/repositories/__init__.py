"""Loyalty: DynamoDB access (the only code of the feature that talks to the table)."""
