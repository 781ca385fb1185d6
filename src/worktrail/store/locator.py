"""Where a ledger lives, from what `--db` (or WORKTRAIL_DB) says: a file path, a `sqlite:` URL in
SQLAlchemy's form (`sqlite:///relative.db`, `sqlite:////absolute/path.db`), or a PostgreSQL URL
(`postgresql://user[:password]@host[:port]/dbname?sslmode=...`, libpq's form; `postgres://` too).

A location is shown (in logs, errors and every command's output) without its password."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit, urlunsplit

Kind = Literal["sqlite", "postgresql"]

_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
_POSTGRESQL = ("postgresql", "postgres")
_HALF_URL = re.compile(r"^(postgresql|postgres|sqlite):", re.IGNORECASE)
FORMS = "a file path, sqlite:///PATH, or postgresql://USER@HOST[:PORT]/DBNAME"


class LocationError(ValueError):
    """`--db` names no place a ledger can be: the message says what it takes instead."""


@dataclass(frozen=True)
class Location:
    """A ledger's place: a SQLite file (`path`) or a PostgreSQL database (`url`)."""

    kind: Kind
    path: Path | None = None
    url: str | None = None

    @property
    def shown(self) -> str:
        """The location as it may be printed: the path, or the URL without its password."""
        if self.path is not None:
            return str(self.path)
        assert self.url is not None
        return without_password(self.url)

    def __str__(self) -> str:
        return self.shown


def locate(text: str) -> Location:
    """The location `text` names (raises LocationError, naming the forms it takes)."""
    text = text.strip()
    if not text:
        raise LocationError(f"--db is empty; give {FORMS}")
    scheme = _SCHEME.match(text)
    if scheme is None:
        if _HALF_URL.match(text):  # postgresql:/db or sqlite:x: a URL missing its //, not a file name
            raise LocationError(f"--db {without_password(text)}: a URL has // after its scheme; give {FORMS}")
        return Location("sqlite", path=Path(text).expanduser())
    name = scheme.group(1).lower()
    if name in _POSTGRESQL:
        parts = urlsplit(text)
        if not parts.path.strip("/"):
            raise LocationError(
                f"{without_password(text)} names no database; add its name: postgresql://USER@HOST/DBNAME"
            )
        return Location("postgresql", url=text)
    if name == "sqlite":
        return Location("sqlite", path=_sqlite_path(text))
    raise LocationError(
        f"--db {without_password(text)}: worktrail stores ledgers in SQLite or PostgreSQL; give {FORMS}"
    )


def _sqlite_path(url: str) -> Path:
    """SQLAlchemy's form: three slashes and a relative path, four and an absolute one."""
    rest = url.split("://", 1)[1]
    if not rest.startswith("/"):
        raise LocationError(f"{url}: a sqlite URL has three slashes before a relative path (sqlite:///ledger.db)")
    path = rest[1:].split("?", 1)[0]
    if not path or path == ":memory:":
        raise LocationError(f"{url} names no file: a ledger lives in a file (sqlite:///ledger.db)")
    return Path(path).expanduser()


def without_password(url: str) -> str:
    """`url` with any password replaced by `***` (in its user part and in its query)."""
    parts = urlsplit(url)
    if ":" not in parts.netloc.rsplit("@", 1)[0] and "password=" not in parts.query.lower():
        return url  # nothing to hide (and urlunsplit would drop the // of an empty host)
    netloc = parts.netloc
    if "@" in netloc:
        user, host = netloc.rsplit("@", 1)
        if ":" in user:
            user = user.split(":", 1)[0] + ":***"
        netloc = f"{user}@{host}"
    query = re.sub(r"(?i)(^|&)(password=)[^&]*", r"\1\2***", parts.query)
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
