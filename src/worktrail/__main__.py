"""`python -m worktrail` is the `worktrail` command."""

from worktrail.cli.main import main

raise SystemExit(main())
