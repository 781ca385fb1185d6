"""The board's sessions and one-time login addresses, kept in the ledger so every process honours them."""
