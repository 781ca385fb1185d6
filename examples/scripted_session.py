"""An agent's session with worktrail, scripted with the official MCP SDK client over stdio.

The agent keeps a daily health-check ritual for a service: it asks what is due, starts a run,
does the work as tasks, and records the run's outcome with its effects; then it reads back
who changed what. Run it from a checkout where worktrail is installed:

    python examples/scripted_session.py                  # a throwaway ledger in a temporary directory
    python examples/scripted_session.py --db my.db       # a ledger of your own (made with `worktrail init` if new)

With an existing ledger, set WORKTRAIL_API_KEY to a member's key. The last line printed is a
JSON summary of what the session did.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import anyio
from mcp import Client, StdioServerParameters
from mcp.types import Implementation


class Agent:
    """Calls tools and stops at the first refusal, the way a careful script should."""

    def __init__(self, client: Client) -> None:
        self.client = client

    async def __call__(self, tool: str, arguments: dict[str, Any]) -> dict[str, Any]:
        result = await self.client.call_tool(tool, arguments)
        if result.is_error:
            raise SystemExit(f"{tool} was refused: {json.dumps(result.structured_content)}")
        return result.structured_content or {}


def ledger_key(db: Path) -> str:
    """The key to log in with: WORKTRAIL_API_KEY, or the owner key of a ledger made now."""
    if os.environ.get("WORKTRAIL_API_KEY"):
        return os.environ["WORKTRAIL_API_KEY"]
    made = subprocess.run(
        [sys.executable, "-m", "worktrail", "init", "--db", str(db), "--json"], capture_output=True, text=True
    )
    if made.returncode != 0:
        raise SystemExit(f"worktrail init failed (set WORKTRAIL_API_KEY for an existing ledger): {made.stderr}")
    return json.loads(made.stdout)["api_key"]


async def session(db: Path, api_key: str) -> dict[str, Any]:
    server = StdioServerParameters(
        command=sys.executable,
        # Dotted names, as this script spells them (clients validate calls against the listed names).
        args=["-m", "worktrail", "serve", "--db", str(db), "--tool-names", "dotted"],
        env={**os.environ, "WORKTRAIL_API_KEY": api_key},
    )
    info = Implementation(name="scripted-session", version="1.0")
    async with Client(server, client_info=info) as client:
        call = Agent(client)
        me = await call("ts.auth.whoami", {})
        print(f"Logged in as {me['name']} ({me['role']}).")

        service = await call("ts.edv.create", {"name": "Keep the API healthy", "goals": ["99.9% uptime"]})
        ritual = await call(
            "ts.rtl.create",
            {
                "name": "Daily health check",
                "prompt": "Check certificates, disks and error rates; open a task for anything that needs work.",
                "endeavour_id": service["id"],
                "schedule": {"type": "interval", "every": "1d"},
            },
        )
        due = await call("ts.rtl.list", {"endeavour_id": service["id"]})
        print(f"Ritual {ritual['name']!r} is next due at {due['rituals'][0]['next_due_at']}; running it now.")

        run = await call("ts.rtr.create", {"ritual_id": ritual["id"], "trigger": "schedule"})
        found = ["Renew the TLS certificate (expires in 9 days)", "Raise the disk alert threshold on db-2"]
        created = [await call("ts.tsk.create", {"title": t, "endeavour_id": service["id"]}) for t in found]
        await call("ts.rtr.update", {"id": run["id"], "result_summary": "Found 2 things to fix; fixing them."})
        for task in created:
            await call("ts.tsk.update", {"id": task["id"], "status": "active"})
            await call("ts.tsk.update", {"id": task["id"], "status": "done", "actual": 0.5})
        follow_up = await call(
            "ts.tsk.create", {"title": "Automate certificate renewal", "endeavour_id": service["id"], "estimate": 3}
        )
        outcome = await call(
            "ts.rtr.update",
            {
                "id": run["id"],
                "status": "succeeded",
                "result_summary": "Renewed the certificate and raised the disk threshold; planned automation.",
                "effects": {
                    "tasks_created": [t["id"] for t in created] + [follow_up["id"]],
                    "tasks_updated": [t["id"] for t in created],
                },
            },
        )
        print(f"Run {run['id']} recorded: {', '.join(outcome['updated_fields'])}.")

        counts = (await call("ts.edv.get", {"id": service["id"]}))["task_counts"]
        finished = await call("ts.rtr.get", {"id": run["id"]})
        trail = await call("ts.aud.list", {"actor_id": "me", "since": finished["started_at"]})
        for record in reversed(trail["records"]):
            print(f"  {record['at']}  {record['tool']:<14} {record['action']:<7} {record['entity_id']}")
        return {
            "tasks_done": counts["done"],
            "tasks_planned": counts["planned"],
            "run_status": finished["status"],
            "audit_records": trail["total"],
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", help="ledger file (default: a throwaway one in a temporary directory)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="worktrail-session-") as folder:
        db = Path(args.db) if args.db else Path(folder) / "session.db"
        summary = anyio.run(session, db, ledger_key(db))
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
