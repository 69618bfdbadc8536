"""Local stand-ins for the providers the product calls, speaking their published APIs (shared/contracts)."""
