"""Tools: the registry and one module per namespace."""
