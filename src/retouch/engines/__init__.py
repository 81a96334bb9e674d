"""Engines: the code that actually edits pixels. Each knows nothing of HTTP, queues or storage."""
