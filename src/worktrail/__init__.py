"""worktrail: a work ledger that AI agents keep over the Model Context Protocol."""

__version__ = "0.1.0"
