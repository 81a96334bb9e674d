"""Request state and the queue, behind one interface (SQLite embedded, Redis distributed)."""
