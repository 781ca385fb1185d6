"""Workflows (seed 004): definitions with input and output schemas, their runs, the runs'
secrets and attachments."""
