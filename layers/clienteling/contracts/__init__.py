"""Pydantic models that ARE the public contract: request and response bodies, event details."""
