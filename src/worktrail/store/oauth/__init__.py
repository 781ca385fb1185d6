"""OAuth: clients, authorization codes, grants and their tokens (issue 29)."""
