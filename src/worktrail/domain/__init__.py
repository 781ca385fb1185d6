"""The domain: lifecycles, errors, ids, clock and field rules. Imports nothing of ours."""
