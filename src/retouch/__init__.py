"""Retouch: a self-hostable image-editing API server."""

__version__ = "0.1.0"
