"""The `worktrail` command."""
