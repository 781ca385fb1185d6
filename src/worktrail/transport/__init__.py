"""The MCP binding (official SDK, low-level Server): knows registry outcomes, not the domain."""
