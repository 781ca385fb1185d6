"""What the PostgreSQL store does its own way."""
