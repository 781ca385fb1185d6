"""Every option of every command, given no value or a bad one, answers one line naming the option
and what it takes, with exit status 2: never the whole usage, never a raw exception. The walk
reads the options from the parser itself, so a new option is walked too (and must say what a
bad value of it is, below)."""

from __future__ import annotations

import argparse
from collections.abc import Iterator

import pytest

from tests.conftest import run_worktrail as worktrail
from worktrail.cli import option_values as value
from worktrail.cli import parser as words
from worktrail.cli.main import main

# A bad value for each kind of value an option takes (choices: a name that is not one of them).
BAD = {
    value.port: "99999", value.host: "no such host", value.origin: "htp://x", value.mcp_url: "127.0.0.1:8765/mcp",
    value.client_url: "https://h/elsewhere",
    value.certificate: "/nope.pem", value.private_key: "/nope.pem", value.text: "", value.ledger_place: "mysql://x/y",
    value.api_key: "nope", value.resource_id: "res_x", value.moment: "soon", value.duration: "0s",
    value.size: "1", value.rate: "0/s", words._toolsets: "nosuch", value.per_minute: "-1/min",
    value.port_or_any: "99999", value.public_url: "http://ledger.example.com", value.board_url: "https://x/board",
    value.host_and_port: "idp.example:99999", value.per_hour: "0",
}  # fmt: skip


def _options(parser: argparse.ArgumentParser, command: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], argparse.Action]]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _options(sub, (*command, name))
        elif action.option_strings and action.nargs != 0:
            yield command, action


OPTIONS = sorted({(command, action.option_strings[-1]): action for command, action in _options(words.build())}.items())


def _one_line(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    said = capsys.readouterr()
    assert stopped.value.code == 2 and said.out == "", (argv, said)
    lines = said.err.strip().splitlines()
    assert len(lines) == 1 and "usage:" not in said.err and "Traceback" not in said.err, (argv, said.err)
    return lines[0]


@pytest.mark.parametrize(("where", "action"), OPTIONS, ids=[" ".join((*c, o)) for (c, o), _ in OPTIONS])
def test_an_option_without_its_value_says_what_it_takes(
    where: tuple[tuple[str, ...], str], action: argparse.Action, capsys: pytest.CaptureFixture[str]
) -> None:
    command, option = where
    line = _one_line([*command, option], capsys)
    assert line.startswith(f"worktrail{''.join(' ' + c for c in command)}: {option}: needs a value: "), line


@pytest.mark.parametrize(("where", "action"), OPTIONS, ids=[" ".join((*c, o)) for (c, o), _ in OPTIONS])
def test_an_option_with_a_bad_value_says_what_it_takes(
    where: tuple[tuple[str, ...], str], action: argparse.Action, capsys: pytest.CaptureFixture[str]
) -> None:
    command, option = where
    if action.choices is not None:
        bad = "nosuch"
    else:
        assert action.type in BAD, (f"{option}: give it a type from cli/option_values.py that checks its value (int "
                                    "takes -5 and 10**9), and a bad value of that type in BAD above")
        bad = BAD[action.type]  # type: ignore[index]
    line = _one_line([*command, f"{option}={bad}"], capsys)
    assert line.startswith(f"worktrail{''.join(' ' + c for c in command)}: {option}: "), line
    assert "invalid" not in line.split(": ", 2)[2][:8] and "Error" not in line, "words, not argparse's or Python's"


@pytest.mark.processes
@pytest.mark.parametrize(
    ("argv", "says"),
    [(["serve", "--http", "--port", "99999"], "worktrail serve: --port: takes a port number 1-65535, or 0 for a free one (got '99999')"),
     (["serve", "--http", "--tls-cert", "/nope.pem", "--tls-key", "/nope.key"],
      "worktrail serve: --tls-cert: takes a PEM certificate file (there is no file /nope.pem)"),
     (["serve", "--toolsets", "nosuch"], "worktrail serve: --toolsets: unknown toolset nosuch; known: core, admin, "
                                         "team, missions, workflows, executions")],
)  # fmt: skip
def test_the_commands_the_issue_names_answer_one_line(argv: list[str], says: str) -> None:
    done = worktrail(*argv, stdin="")
    assert (done.returncode, done.stderr) == (2, says + "\n")


@pytest.mark.parametrize("argv", [
    ["serve", "--db", "x.db", "--http", "--port", "0", "--rate-limit", "20/s", "--max-body", "64KiB", "--drain", "3s"],
    ["serve", "--toolsets", "core,team", "--log-level", "debug"], ["key", "create", "--owner", "--json"],
    ["call", "ts.tsk.list", "{}", "--idempotency-key", "auto"], ["client", "claude-ai", "--url", "https://h.example"],
    ["board", "--port", "9000", "--open"], ["tools", "--json"],
])  # fmt: skip
def test_a_command_built_alone_parses_as_the_whole_command_line_does(argv: list[str]) -> None:
    """`worktrail serve ...` builds serve's options alone (a start-up's CPU): the same values."""
    alone = words.build(only=words.command_named(argv))
    assert words.command_named(argv) == argv[0]
    assert vars(alone.parse_args(argv)) == vars(words.build().parse_args(argv))
    assert [a.choices for a in alone._actions if isinstance(a, argparse._SubParsersAction)][0].keys() == {argv[0]}


@pytest.mark.parametrize("argv", [[], ["--log-level", "DEBUG", "serve"], ["serv"], ["-h"], ["--version"]])
def test_anything_but_a_command_first_builds_the_whole_command_line(argv: list[str]) -> None:
    assert words.command_named(argv) is None
