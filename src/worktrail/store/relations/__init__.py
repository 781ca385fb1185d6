"""Relations: the store's repositories for this family."""
