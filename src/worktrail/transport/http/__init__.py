"""MCP over streamable HTTP: the SDK's app, bearer API keys, limits, health and an access log."""
