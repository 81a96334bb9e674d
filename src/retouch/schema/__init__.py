"""Pydantic models: the single source of the API's request and response shapes (OpenAPI is generated from them)."""
