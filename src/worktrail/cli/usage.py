"""A usage error is one line naming the option and what it takes, with exit status 2: never the
whole usage above it (`--help` shows that), never argparse's own phrasing of a type's name."""

from __future__ import annotations

import argparse
import re
from typing import NoReturn

_ABOUT_ONE = re.compile(r"^argument (?P<name>[^:]+): (?P<rest>.*)$", re.DOTALL)
_INVALID_CHOICE = re.compile(r"^invalid choice: (?P<got>.*?) \(choose from .*\)$", re.DOTALL)
_INVALID_TYPE = re.compile(r"^invalid (?P<type>\S+) value: (?P<got>.*)$", re.DOTALL)
# argparse's names of plain Python types, in words.
_TYPE_WORDS = {"int": "a whole number", "float": "a number"}


class OneLineParser(argparse.ArgumentParser):
    """argparse, with every error one line: `worktrail serve: --port: takes a port number 1-65535
    (got 99999)`. Subcommands' parsers are of this class too (argparse makes them of their parent's)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {self._in_one_line(message)}\n")

    def _in_one_line(self, message: str) -> str:
        about = _ABOUT_ONE.match(message)
        if about is None:  # required, unrecognized or conflicting arguments: argparse says which
            return f"{' '.join(message.split())} (see {self.prog} --help)"
        name, rest = about.group("name"), about.group("rest")
        action = self._action_named(name)
        if rest.startswith("expected") and action is not None:  # "expected one argument"
            return f"{name}: needs a value: {_takes(action)}"
        choice = _INVALID_CHOICE.match(rest)
        if choice is not None and action is not None and action.choices is not None:
            return f"{name}: takes one of {', '.join(map(str, action.choices))} (got {choice.group('got')})"
        typed = _INVALID_TYPE.match(rest)
        if typed is not None:
            words = _TYPE_WORDS.get(typed.group("type").strip("'"), f"a {typed.group('type')}")
            return f"{name}: takes {words} (got {typed.group('got')})"
        return f"{name}: {' '.join(rest.split())}"

    def _action_named(self, name: str) -> argparse.Action | None:
        for action in self._actions:
            if name in action.option_strings or name in ("/".join(action.option_strings), action.metavar, action.dest):
                return action
        return None


def _takes(action: argparse.Action) -> str:
    if action.choices is not None:
        return f"one of {', '.join(map(str, action.choices))}"
    metavar = action.metavar if isinstance(action.metavar, str) else action.dest.upper()
    return f"{metavar}, {action.help}" if action.help else metavar
