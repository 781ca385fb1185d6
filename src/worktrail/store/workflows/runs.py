"""Workflow runs (seed 004's update to the letter), moved along WORKFLOW_RUN; a final run is left
only through retry, in place. Inputs and outputs are checked against the workflow's schemas."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from worktrail.domain.actor import Actor
from worktrail.domain.deletions import WORKFLOW_RUN as RUN_DELETION
from worktrail.domain.errors import ToolError, invalid_field, not_found
from worktrail.domain.finished import Outcome, check_not_finished
from worktrail.domain.ids import new_uuid
from worktrail.domain.json_schemas import check_value
from worktrail.domain.lifecycle import transition
from worktrail.domain.lifecycles import WORKFLOW_RETRY, WORKFLOW_RUN
from worktrail.store.audit import Origin, diff, record, record_created
from worktrail.store.connection import Connection
from worktrail.store.database import Database
from worktrail.store.deletions import check
from worktrail.store.moves import apply_update
from worktrail.store.rows import as_dict, capped_count, encoded, fetch, filters, insert, update_if_status
from worktrail.store.run_numbers import next_number
from worktrail.store.workflows import secrets
from worktrail.store.workflows.workflows import require as require_workflow

JSON_COLUMNS = ("error", "output_data", "run_message_history", "input_values", "pool_ids",
                "sensitive_input_aliases", "output_attachment_ids")  # fmt: skip
FINISHED = Outcome(
    kind="workflow run",
    frozen=("status", "error", "output_data", "output_attachment_ids", "run_message_history", "input_values"),
    refused_code="invalid_transition",
    instead="retry it in place with ts.wrn.retry.",
)
# What a retry clears: the previous attempt stays in the audit trail.
CLEARED_BY_RETRY = ("error", "output_data", "run_message_history", "output_attachment_ids", "started_at", "ended_at")


async def require(conn: Connection, run_id: str) -> dict[str, Any]:
    """One run with its attachment ids, or `not_found`."""
    row = await fetch(conn, "workflow_run", run_id, JSON_COLUMNS)
    if row is None:
        raise not_found("workflow run", run_id)
    return (await with_attachments(conn, [row]))[0]


async def with_attachments(conn: Connection, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows with `input_attachment_ids` filled in from the run's input attachments (one query)."""
    if not rows:
        return rows
    marks = ", ".join("?" for _ in rows)
    found: dict[str, list[str]] = {}
    for run_id, attachment_id in await conn.fetchall(
        f"SELECT run_id, id FROM attachment WHERE kind = 'input' AND run_id IN ({marks}) ORDER BY created_at, rowid",
        [r["id"] for r in rows],
    ):
        found.setdefault(run_id, []).append(attachment_id)
    for row in rows:
        row["input_attachment_ids"] = found.get(row["id"])
    return rows


async def _insert(conn: Connection, origin: Origin, workflow: Mapping[str, Any], values: Mapping[str, Any]) -> str:
    fields = dict(values)
    hidden = fields.pop("sensitive_input_values", None)
    row = {"id": new_uuid(), "workflow_id": workflow["id"], "status": WORKFLOW_RUN.initial, **fields,
           "user_id": origin.actor_id, "created_by": origin.actor_id, "instance_id": origin.instance_id,
           "created_at": origin.at, "updated_at": origin.at}  # fmt: skip
    if hidden:
        row["sensitive_input_aliases"] = dict.fromkeys(hidden, secrets.MASK)
    row["run_number"] = await next_number(conn, "workflow_run", workflow["id"])
    await insert(conn, "workflow_run", encoded(row, JSON_COLUMNS))
    if hidden:
        await secrets.keep(conn, row["id"], hidden)
    await record_created(conn, origin, "workflow_run", row["id"])
    return row["id"]


async def _check_outputs(conn: Connection, run: Mapping[str, Any], changes: Mapping[str, Any]) -> None:
    if "input_values" in changes and run["status"] != "scheduling":
        raise invalid_field("input_values", f"may change only while the run is scheduling; it is {run['status']}")
    workflow = await require_workflow(conn, run["workflow_id"])
    if "input_values" in changes:
        check_value(workflow["input_schema"], changes["input_values"], "input_values")
    if "output_data" in changes:
        check_value(workflow["output_schema"], changes["output_data"], "output_data")
    for index, attachment_id in enumerate(changes.get("output_attachment_ids") or ()):
        kind = await conn.fetchone(
            "SELECT kind FROM attachment WHERE id = ? AND run_id = ?", (attachment_id, run["id"])
        )
        if kind is None or kind[0] != "output":
            raise ToolError(
                "invalid_input",
                f"output_attachment_ids.{index}: {attachment_id!r} is not an output attachment of this run",
                [{"loc": ["output_attachment_ids", index], "msg": "is not an output attachment of this run",
                  "type": "value_error", "id": attachment_id}],
            )  # fmt: skip


class WorkflowRuns:
    """The workflow run repository."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(
        self, origin: Origin, workflow_id: str, values: Mapping[str, Any], count: int = 1
    ) -> list[dict[str, Any]]:
        """`count` runs with these values, in one transaction (input checked once, all or none)."""

        async def run(conn: Connection) -> list[dict[str, Any]]:
            workflow = await require_workflow(conn, workflow_id)
            check_value(workflow["input_schema"], values.get("input_values", {}), "input_values")
            made = [await _insert(conn, origin, workflow, values) for _ in range(count)]
            return [await require(conn, run_id) for run_id in made]

        return await self.db.write(run)

    async def get(self, run_id: str) -> dict[str, Any]:
        return await self.db.read(lambda conn: require(conn, run_id))

    async def list(self, wanted: Mapping[str, Any], limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
        """Runs that match `wanted` (workflow_id, machine_id, session_id, statuses, created_at_from,
        created_at_to): running first, then the rest by newest end (or start, or creation)."""
        where, params = filters({k: wanted.get(k) for k in ("workflow_id", "machine_id", "session_id")})
        if wanted.get("statuses"):
            where.append(f"status IN ({', '.join('?' for _ in wanted['statuses'])})")
            params += list(wanted["statuses"])
        for key, test in (("created_at_from", ">="), ("created_at_to", "<=")):
            if wanted.get(key):
                where.append(f"created_at {test} ?")
                params.append(wanted[key])
        clause = f" WHERE {' AND '.join(where)}" if where else ""

        async def run(conn: Connection) -> tuple[list[dict[str, Any]], int]:
            total = await capped_count(conn, "workflow_run", clause, params)
            rows = await conn.fetchall(
                f"SELECT * FROM workflow_run{clause} ORDER BY (status = 'running') DESC, "
                "COALESCE(ended_at, started_at, created_at) DESC, rowid DESC LIMIT ? OFFSET ?",
                [*params, limit, offset],
            )
            return await with_attachments(conn, [as_dict(r, JSON_COLUMNS) for r in rows]), total  # type: ignore[misc]

        return await self.db.read(run)

    async def update(self, origin: Origin, run_id: str, changes: Mapping[str, Any]) -> dict[str, Any]:
        async def run(conn: Connection) -> dict[str, Any]:
            row = await require(conn, run_id)
            check_not_finished(FINISHED, run_id, row["status"], changes, WORKFLOW_RUN.terminal)
            await _check_outputs(conn, row, changes)
            values = await apply_update(conn, origin, "workflow_run", WORKFLOW_RUN, row, changes, JSON_COLUMNS)
            if values.get("status") in WORKFLOW_RUN.terminal:
                await secrets.erase(conn, run_id)
            return await require(conn, run_id)

        return await self.db.write(run)

    async def retry(self, origin: Origin, run_id: str, values: Mapping[str, Any]) -> dict[str, Any]:
        """Back to scheduling, in place: outputs, history, errors and stamps cleared, output
        attachments deleted, the attempt counted; new inputs checked against the schema."""

        async def run(conn: Connection) -> dict[str, Any]:
            row = await require(conn, run_id)
            if "scheduling" not in WORKFLOW_RETRY.allowed(row["status"]):
                raise ToolError(
                    "invalid_transition",
                    f"Only a final run (success, error or cancelled) can be retried; run {run_id} is {row['status']}.",
                    {"current_status": row["status"], "requested_status": "scheduling",
                     "allowed": list(WORKFLOW_RUN.allowed(row["status"]))},
                )  # fmt: skip
            moved = transition(WORKFLOW_RETRY, row["status"], "scheduling", row, origin.at)
            fields = dict(values)
            hidden = fields.pop("sensitive_input_values", None)
            if "input_values" in fields:
                check_value(
                    (await require_workflow(conn, row["workflow_id"]))["input_schema"],
                    fields["input_values"],
                    "input_values",
                )
            cleared = {**dict.fromkeys(CLEARED_BY_RETRY), **moved, **fields, "attempt": row["attempt"] + 1,
                       "updated_at": origin.at}  # fmt: skip
            if hidden is not None:
                cleared["sensitive_input_aliases"] = await secrets.keep(conn, run_id, hidden)
            version = await update_if_status(
                conn, "workflow_run", run_id, encoded(cleared, JSON_COLUMNS), row["status"]
            )
            await conn.execute("DELETE FROM attachment WHERE run_id = ? AND kind = 'output'", (run_id,))
            await record(conn, origin, "workflow_run", run_id, "retry", diff(row, cleared), version)
            return await require(conn, run_id)

        return await self.db.write(run)

    async def delete(self, origin: Origin, actor: Actor, run_id: str) -> dict[str, Any]:
        """Remove a final run with its attachments (an owner's, an admin's or its creator's to remove)."""

        async def run(conn: Connection) -> dict[str, Any]:
            row = await require(conn, run_id)
            await check(conn, actor, RUN_DELETION, row)
            attachments = (await conn.fetchone("SELECT COUNT(*) FROM attachment WHERE run_id = ?", (run_id,)))[0]
            await secrets.erase(conn, run_id)
            await conn.execute("DELETE FROM workflow_run WHERE id = ?", (run_id,))
            await record(conn, origin, "workflow_run", run_id, "delete", {"status": [row["status"], None]})
            return {"id": run_id, "deleted": True, "attachments_deleted": attachments}

        return await self.db.write(run)

    async def secrets(self, origin: Origin, run_id: str) -> tuple[dict[str, str], str | None]:
        """The run's sensitive inputs while it is active, and None; once it is final, {} and when it
        ended (its secrets were erased then). The read is recorded."""

        async def run(conn: Connection) -> tuple[dict[str, str], str | None]:
            row = await require(conn, run_id)
            ended = row["status"] in WORKFLOW_RUN.terminal
            values = {} if ended else await secrets.read(conn, run_id)
            await record(
                conn, origin, "workflow_run", run_id, "read", {"sensitive_input_aliases": [None, sorted(values)]}
            )
            return values, (row["ended_at"] or row["updated_at"]) if ended else None

        return await self.db.write(run)
