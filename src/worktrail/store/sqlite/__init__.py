"""What the SQLite store does its own way."""
