"""`worktrail demo`: an agent's first session, end to end, over a real stdio connection.

In a temporary directory: `worktrail init`, then `worktrail serve` as a subprocess driven by the
official SDK client: log in, create an endeavour and tasks, move them through their lifecycle,
show a refused transition with the error an agent gets, run a ritual, a mission with its plan, a
workflow and an execution (demo_runs.py), and read the session's audit trail as a timeline.
Leaves nothing behind, and says what to do next; with `--board`, serves the board on the
demo's ledger first, until Ctrl-C.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from mcp import Client, StdioServerParameters
from mcp.types import Implementation

from worktrail import __version__
from worktrail.cli import demo_runs
from worktrail.cli.ledger import ledger
from worktrail.domain.durations import parse_duration


def _show(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n    ")


class Walkthrough:
    """Prints each call and its answer as an agent would see them."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.step = 0

    async def __call__(
        self, note: str, tool: str, arguments: dict[str, Any], shown: dict[str, Any] | None = None
    ) -> Any:
        self.step += 1
        print(f"\n{self.step}. {note}")
        print(f"  -> {tool} {json.dumps(shown if shown is not None else arguments, ensure_ascii=False)}")
        result = await self.client.call_tool(tool, arguments)
        label = "<- error" if result.is_error else "<-"
        print(f"  {label} {_show(result.structured_content)}")
        return result.structured_content


async def walk(db: Path | str, api_key: str) -> None:
    # Dotted names, as the README and this walkthrough spell them.
    server = StdioServerParameters(
        command=sys.executable, args=["-m", "worktrail", "serve", "--db", str(db), "--tool-names", "dotted"]
    )
    async with Client(server, client_info=Implementation(name="worktrail-demo", version=__version__)) as client:
        tools = await client.list_tools()
        print(f"Connected to `worktrail serve` over stdio: {len(tools.tools)} tools.")
        say = Walkthrough(client)
        await say("Before logging in, tools answer not_authenticated.", "ts.tsk.list", {})
        await say(
            "Log in with the owner's key.", "ts.auth.login", {"api_key": api_key}, {"api_key": api_key[:8] + "..."}
        )
        edv = await say("Create an endeavour.", "ts.edv.create", {"name": "Launch the docs site", "goals": ["Ship v1"]})
        agent = await say("Add an agent to do the work.", "ts.res.create", {"type": "agent", "name": "docs-writer"})
        write = await say(
            "Plan a task for it.",
            "ts.tsk.create",
            {"title": "Write the quickstart", "endeavour_id": edv["id"], "assignee_id": agent["id"], "estimate": 4},
        )
        review = await say(
            "And one more.", "ts.tsk.create", {"title": "Review the quickstart", "endeavour_id": edv["id"]}
        )
        await say(
            "Start work (planned -> active stamps started_at).",
            "ts.tsk.update",
            {"id": write["id"], "status": "active"},
        )
        await say(
            "Finish it with the hours it took (completed_at is stamped).",
            "ts.tsk.update",
            {"id": write["id"], "status": "done", "actual": 3.5},
        )
        await say(
            "A planned task cannot jump to done: the error says where it stands and where it may go.",
            "ts.tsk.update",
            {"id": review["id"], "status": "done"},
        )
        await say(
            "Cancel it with a reason instead.",
            "ts.tsk.cancel",
            {"id": review["id"], "reason": "Merged into the first task"},
        )
        await say("The finished task, with its automatic timestamps.", "ts.tsk.get", {"id": write["id"]})
        await say("The endeavour, with its tasks counted by status.", "ts.edv.get", {"id": edv["id"]})
        ritual = await say(
            "Define a ritual: a recurring procedure with a prompt and a schedule.",
            "ts.rtl.create",
            {
                "name": "Weekly docs review",
                "prompt": "Read the open docs tasks; plan one for every page that is out of date.",
                "endeavour_id": edv["id"],
                "schedule": {"type": "cron", "expression": "0 9 * * 1"},
            },
        )
        run = await say("Start a run of it.", "ts.rtr.create", {"ritual_id": ritual["id"]})
        found = await say(
            "The run finds work to do.", "ts.tsk.create", {"title": "Update the API page", "endeavour_id": edv["id"]}
        )
        await say(
            "Complete the run with what it did (finished_at is stamped).",
            "ts.rtr.update",
            {
                "id": run["id"],
                "status": "succeeded",
                "result_summary": "Planned 1 task.",
                "effects": {"tasks_created": [found["id"]]},
            },
        )
        await say(
            "A finished run's outcome is final: rewriting it is refused.",
            "ts.rtr.update",
            {"id": run["id"], "status": "failed", "error": {"code": "late", "message": "Changed my mind."}},
        )
        await demo_runs.mission(say)
        await demo_runs.workflow(say)
        await demo_runs.execution(say)
        trail = await client.call_tool("ts.aud.list", {"limit": 200})
        me = (await client.call_tool("ts.auth.whoami", {})).structured_content
        names = {agent["id"]: agent["name"], me["resource_id"]: me["name"]}
        print("\nThe audit trail of this session, as `ts.aud.list` keeps it (oldest first):")
        for line in timeline(reversed(trail.structured_content["records"]), names):
            print(f"  {line}")


def _value(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:37] + "..."


def _change(field: str, old: Any, new: Any) -> str:
    if old is None:
        return f"{field} set to {_value(new)}"
    if new is None:
        return f"{field} cleared"
    return f"{field} {_value(old)} -> {_value(new)}"


def timeline(records: Iterable[dict[str, Any]], names: dict[str, str]) -> list[str]:
    """Change records as a person reads them: when, who, what happened to which entity."""
    lines = []
    for r in records:
        who = names.get(r.get("actor_id", ""), r.get("actor_id") or "worktrail init")
        what = f"{r['entity_type'].replace('_', ' ')} {r['entity_id']}"
        changes = r["changes"]
        if r["action"] == "create":
            lines.append(f"{r['at'][11:19]}  {who} created {what}")
        else:
            moved = "; ".join(_change(k, old, new) for k, (old, new) in changes.items())
            lines.append(f"{r['at'][11:19]}  {who} {_VERBS.get(r['action'], r['action'])} {what}: {moved}")
    return lines


# What a creation line names, and how the other actions read.
_VERBS = {"update": "updated", "cancel": "canceled", "revoke": "revoked"}


async def demo(args: argparse.Namespace) -> int:
    if args.db:  # a ledger of the user's choice (a PostgreSQL database, say): made there, and kept
        where = str(ledger(args.db))
        if not await _walk_on_new(where, f"the ledger {where}"):
            return 1
        print(f"The walk-through's ledger is {where}; it stays there when the demo ends.")
        if args.board:
            await _board_on(where, args)
        return 0
    with tempfile.TemporaryDirectory(prefix="worktrail-demo-") as folder:
        db = Path(folder) / "demo.db"
        if not await _walk_on_new(str(db), f"a ledger in a temporary directory ({db.name})"):
            return 1
        if args.board:
            sys.stdout.flush()
            await _board_on(db, args)
    print(NEXT)
    return 0


async def _board_on(db: Path | str, args: argparse.Namespace) -> None:
    """`worktrail board` on the demo's ledger, with its one-time sign-in address, until Ctrl-C."""
    from worktrail.cli.board import board  # the HTTP stack, only when asked for

    print(f"\nThe board of the demo's ledger, on port {args.port}, until Ctrl-C:", flush=True)
    shown = argparse.Namespace(db=str(db), port=args.port, open=False, log_level=args.log_level,
                               board_session_ttl=parse_duration("12h"), drain=parse_duration("5s"))  # fmt: skip
    await board(shown)


async def _walk_on_new(where: str, named: str) -> bool:
    """`worktrail init` on `where`, then the walk through it; False (having said why) if init refused."""
    made = subprocess.run(
        [sys.executable, "-m", "worktrail", "init", "--db", where, "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    if made.returncode != 0:
        said = made.stderr.strip() or json.loads(made.stdout)["error"]["message"]
        print(f"worktrail demo: init failed: {said} (the demo needs a new, empty ledger)", file=sys.stderr)
        return False
    print(f"Initialised {named}; `worktrail init` printed its key once.")
    await walk(where, json.loads(made.stdout)["api_key"])
    return True


NEXT = """
Done: the temporary ledger has been removed.

What next:
  1. Create your own ledger and get your client's configuration:
       worktrail init --client claude-desktop   (or claude-code, vscode, cursor, windsurf, zed)
  2. Paste what it prints where it says, and restart the client.
  3. Ask your agent to plan its work in worktrail. `worktrail tools` lists every tool;
     `worktrail tools ts.tsk.update` shows one."""
