"""Missions (seed 003): definitions, their runs, the runs' plans of steps and their events."""
