"""Campaigns: pydantic models on the wire: request and response bodies (-> schemas/openapi.json)."""
