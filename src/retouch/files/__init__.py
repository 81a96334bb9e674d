"""Object storage for uploads and outputs, behind one small interface (local directory or S3)."""
