"""Node packages the tests use (MCP Inspector, axe-core), installed from the npm registry into
.cache/ the first time a test needs one (`.ci/run` installs them first), one install at a time
whichever test worker asks first. Never a browser download."""

from __future__ import annotations

import fcntl
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def installed(prefix: Path, package: str, version: str, wanted: str) -> Path:
    """`wanted` (a path under node_modules) of `package@version`, installed into `prefix` if missing."""
    found = prefix / "node_modules" / wanted
    prefix.mkdir(parents=True, exist_ok=True)
    with (prefix / ".installing").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not found.exists():
            done = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", str(prefix), f"{package}@{version}"],
                                  capture_output=True, text=True, timeout=600)  # fmt: skip
            assert done.returncode == 0, f"npm could not install {package} {version}: {done.stderr[-2000:]}"
    return found
