"""The board: a live web view of the whole ledger for the people beside the agents, served by
`serve --http` at `/` and by `worktrail board`. It is one more client of the registry: every page
reads, and every action writes, through the tools agents call, as the logged-in person."""
