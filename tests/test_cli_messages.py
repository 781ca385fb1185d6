"""Messages that say the rule a value breaks, and accept what a person types."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import run_worktrail as worktrail
from worktrail.domain.durations import parse_duration, shown

pytestmark = pytest.mark.processes


@pytest.mark.parametrize(
    ("value", "says"),
    [("0s", "must be greater than zero"), ("-5m", "must be greater than zero"),
     ("99999999999d", "too long: at most ten years"), ("soon", "is not a duration")],
)  # fmt: skip
def test_a_bad_duration_says_which_rule_it_breaks(value: str, says: str) -> None:
    done = worktrail("serve", "--idempotency-ttl", value, "--db", "/nonexistent/l.db")
    assert done.returncode == 2 and says in done.stderr and "expected one argument" not in done.stderr


@pytest.mark.parametrize("text", ["30s", "2m", "1h", "7d", "2w", "90s", "3650d"])
def test_durations_read_back_as_written(text: str) -> None:
    assert shown(parse_duration(text)) == text


def test_the_log_level_is_taken_in_any_case(initialised: tuple) -> None:
    db, _ = initialised
    for level in ("debug", "Debug", "DEBUG"):
        assert worktrail("--log-level", level, "check", "--db", str(db)).returncode == 0
        assert worktrail("check", "--log-level", level, "--db", str(db)).returncode == 0


def test_an_empty_toolset_list_asks_for_one() -> None:
    done = worktrail("serve", "--toolsets", "", "--db", "/nonexistent/l.db")
    assert done.returncode == 2 and "name at least one toolset" in done.stderr and "(none)" not in done.stderr


README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.mark.parametrize(
    "command", ["serve", "init", "call", "key create", "key revoke", "key list", "backup", "check", "tools", "schemas",
                "export", "demo", "board"],
)  # fmt: skip
def test_every_option_and_choice_in_help_is_in_the_readme(command: str) -> None:
    done = worktrail(*command.split(), "--help")
    assert done.returncode == 0
    readme = README.read_text()
    options = set(re.findall(r"(--[a-z][a-z-]+)", done.stdout)) - {"--help"}
    choices = {c for group in re.findall(r"\{([a-z0-9,_-]+)\}", done.stdout) for c in group.split(",")}
    assert sorted(o for o in options if o not in readme) == []
    assert sorted(c for c in choices if c not in readme) == []
