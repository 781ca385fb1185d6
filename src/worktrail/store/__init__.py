"""SQLite storage: connection, migrations, one repository per aggregate."""
