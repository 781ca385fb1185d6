"""Secret inputs never leak (no answer, audit record, log line or error message; gone from the
database file and its WAL once the run is final), and attachments round-trip byte for byte."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Agent, as_role
from tests.test_workflow_runs import workflow
from worktrail.store.store import Store

pytestmark = pytest.mark.anyio

SECRET = "hunter2-Zq8vXw3p-never-show-this"


def on_disk(where: Path | str) -> bytes:
    """Every byte the ledger's store keeps of it in its files: SQLite's file and WAL, or the files
    of PostgreSQL's tables and indexes (after a CHECKPOINT has written every page out)."""
    if not str(where).startswith("postgresql"):
        return b"".join(p.read_bytes() for p in (Path(where), Path(f"{where}-wal")) if p.exists())
    with ThreadPoolExecutor(1) as aside:  # asyncpg on a loop of its own, beside the test's
        return aside.submit(asyncio.run, _postgresql_files(str(where))).result()


async def _postgresql_files(url: str) -> bytes:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        await conn.execute("CHECKPOINT")
        data = Path(await conn.fetchval("SHOW data_directory"))
        mine = "relnamespace = current_schema()::regnamespace"
        found = await conn.fetch(
            f"SELECT pg_relation_filepath(oid) FROM pg_class WHERE ({mine} OR oid IN "
            f"(SELECT reltoastrelid FROM pg_class WHERE {mine}) OR oid IN (SELECT indexrelid FROM pg_index WHERE "
            f"indrelid IN (SELECT reltoastrelid FROM pg_class WHERE {mine}))) AND pg_relation_filepath(oid) IS NOT NULL"
        )
    finally:
        await conn.close()
    files = [
        f
        for (relative,) in found
        for f in sorted(data.glob(f"{relative}*"))
        if f.name.split("_")[-1] not in ("fsm", "vm")
    ]
    return b"".join(f.read_bytes() for f in files)


def _line(message: dict[str, Any]) -> str:
    return json.dumps(message) + "\n"


@pytest.mark.processes
def test_a_secret_is_in_no_answer_record_log_or_error_and_leaves_the_disk_when_the_run_ends(
    initialised: tuple[Path, str], tmp_path: Path
) -> None:
    db, api_key = initialised
    calls: list[tuple[str, dict[str, Any]]] = [
        ("ts.wfl.create", {"name": "Log in", "main_prompt": "Log in with {$password}."}),
        ("ts.wrn.create", {"workflow_id": "$W", "sensitive_input_values": {"password": SECRET}}),
        ("ts.wrn.get", {"id": "$R"}),
        ("ts.wrn.list", {}),
        ("ts.wrn.secrets", {"id": "$R"}),
        ("ts.wrn.update", {"id": "$R", "status": "running"}),
        # A refused call that carries the secret: its error must not echo it.
        ("ts.wrn.create", {"workflow_id": "$W", "sensitive_input_values": {"bad alias!": SECRET}}),
        ("ts.wrn.update", {"id": "$R", "status": "success"}),
        ("ts.wrn.secrets", {"id": "$R"}),
        ("ts.aud.list", {"entity_type": "workflow_run"}),
    ]
    stderr = tmp_path / "stderr.log"
    with stderr.open("w") as errors:
        server = subprocess.Popen(
            [sys.executable, "-m", "worktrail", "--log-level", "DEBUG", "serve", "--db", str(db)],
            env={**os.environ, "WORKTRAIL_API_KEY": api_key},
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors, text=True,
        )  # fmt: skip
        assert server.stdin is not None and server.stdout is not None
        server.stdin.write(_line({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "mcp", "version": "1"}}}))  # fmt: skip
        server.stdin.flush()
        server.stdout.readline()
        server.stdin.write(_line({"jsonrpc": "2.0", "method": "notifications/initialized"}))
        answers: list[dict[str, Any]] = []
        ids: dict[str, str] = {}
        for n, (tool, arguments) in enumerate(calls, start=1):
            text = json.dumps(arguments)
            for placeholder, real in ids.items():
                text = text.replace(placeholder, real)
            request = {
                "jsonrpc": "2.0",
                "id": n,
                "method": "tools/call",
                "params": {"name": tool, "arguments": json.loads(text)},
            }
            server.stdin.write(_line(request))
            server.stdin.flush()
            answer = json.loads(server.stdout.readline())
            answers.append(answer)
            content = answer["result"]["structuredContent"]
            if tool == "ts.wfl.create":
                ids["$W"] = content["id"]
            if tool == "ts.wrn.create" and "id" in content:
                ids["$R"] = content["id"]
        server.stdin.close()
        server.wait(timeout=30)
    by_tool = [(tool, a["result"]) for (tool, _), a in zip(calls, answers, strict=True)]
    read_while_active = by_tool[4][1]["structuredContent"]
    assert read_while_active["sensitive_input_values"] == {"password": SECRET}  # the owner may read it
    everything_else = [r for i, (_, r) in enumerate(by_tool) if i != 4]
    assert all(SECRET not in json.dumps(r) for r in everything_else)
    assert by_tool[1][1]["structuredContent"]["sensitive_input_aliases"] == {"password": "***"}
    assert by_tool[6][1]["isError"] and by_tool[8][1]["structuredContent"]["sensitive_input_values"] == {}
    assert SECRET not in stderr.read_text() and "DEBUG" in stderr.read_text()
    assert SECRET.encode() not in on_disk(db)
    assert not Path(f"{db}-wal").exists() or Path(f"{db}-wal").stat().st_size == 0


async def test_a_run_with_a_secret_is_deleted_only_once_it_ended_and_its_secret_left_the_file(
    owner: Agent, store: Store, ledger: str
) -> None:
    w = await workflow(owner, input_schema=None, output_schema=None)
    run = await owner.ok("ts.wrn.create", {"workflow_id": w, "sensitive_input_values": {"token": SECRET}})
    assert SECRET.encode() in on_disk(ledger)  # kept while the run lives...
    assert (await owner.err("ts.wrn.delete", {"id": run["id"]}))["code"] == "conflict"  # ...which deleting waits for
    assert SECRET.encode() in on_disk(ledger)
    await owner.ok("ts.wrn.update", {"id": run["id"], "status": "cancelled"})
    assert SECRET.encode() not in on_disk(ledger)  # gone when it ends
    await owner.ok("ts.wrn.delete", {"id": run["id"]})
    assert SECRET.encode() not in on_disk(ledger)


async def test_a_member_deletes_only_the_attachments_it_created(owner: Agent, store: Store) -> None:
    w = await workflow(owner, input_schema=None, output_schema=None)
    run = await owner.ok("ts.wrn.create", {"workflow_id": w})
    file = {"run_id": run["id"], "filename": "theirs.txt", "kind": "input", "content_base64": "aGk="}
    theirs = (await owner.ok("ts.att.create", file))["id"]
    async with as_role(owner, store, "member") as (member, _):
        refused = await member.err("ts.att.delete", {"id": theirs})
        assert refused["code"] == "forbidden" and refused["message"].startswith("Deleting an attachment needs")
        assert (await member.ok("ts.att.get", {"id": theirs}))["filename"] == "theirs.txt"
        mine = (await member.ok("ts.att.create", {**file, "filename": "mine.txt", "kind": "output"}))["id"]
        assert (await member.ok("ts.att.delete", {"id": mine}))["deleted"]
    assert (await owner.ok("ts.att.delete", {"id": theirs}))["deleted"]


@pytest.mark.parametrize("final", ["success", "error", "cancelled"])
@pytest.mark.parametrize("keyed", [False, True])
async def test_a_secret_leaves_the_file_and_wal_on_the_final_move_while_the_ledger_stays_open(
    owner: Agent, ledger: str, final: str, keyed: bool
) -> None:
    w = await workflow(owner, input_schema=None, output_schema=None)
    run = await owner.ok("ts.wrn.create", {"workflow_id": w, "sensitive_input_values": {"token": SECRET}})
    if final == "success":
        await owner.ok("ts.wrn.update", {"id": run["id"], "status": "running"})
    assert SECRET.encode() in on_disk(ledger)
    key = {"idempotency_key": f"end-{final}"} if keyed else {}  # erased after a held transaction's COMMIT too
    await owner.ok("ts.wrn.update", {"id": run["id"], "status": final, **key})
    assert SECRET.encode() not in on_disk(ledger)


async def test_only_owners_and_admins_read_secrets(owner: Agent, store: Store) -> None:
    w = await workflow(owner, input_schema=None, output_schema=None)
    run = await owner.ok("ts.wrn.create", {"workflow_id": w, "sensitive_input_values": {"token": SECRET}})
    async with as_role(owner, store, "member") as (member, _):
        refused = await member.err("ts.wrn.secrets", {"id": run["id"]})
        assert refused["code"] == "forbidden" and SECRET not in json.dumps(refused)
    trail = await owner.ok("ts.aud.list", {"entity_id": run["id"], "action": "read"})
    assert trail["total"] == 0
    await owner.ok("ts.wrn.secrets", {"id": run["id"]})
    read = (await owner.ok("ts.aud.list", {"entity_id": run["id"], "action": "read"}))["records"]
    assert len(read) == 1 and read[0]["changes"] == {"sensitive_input_aliases": [None, ["token"]]}


async def test_a_retry_takes_new_secrets(owner: Agent, ledger: str) -> None:
    w = await workflow(owner, input_schema=None, output_schema=None)
    run = await owner.ok("ts.wrn.create", {"workflow_id": w, "sensitive_input_values": {"token": SECRET}})
    await owner.ok("ts.wrn.update", {"id": run["id"], "status": "cancelled"})
    retried = await owner.ok("ts.wrn.retry", {"id": run["id"], "sensitive_input_values": {"token": "second-secret"}})
    assert retried["sensitive_input_aliases"] == {"token": "***"}
    assert (await owner.ok("ts.wrn.secrets", {"id": run["id"]}))["sensitive_input_values"] == {"token": "second-secret"}


async def test_an_attachment_round_trips_byte_for_byte_and_in_chunks(owner: Agent) -> None:
    w = await workflow(owner, input_schema=None, output_schema=None)
    run = await owner.ok("ts.wrn.create", {"workflow_id": w})
    content = os.urandom(2 * 1024 * 1024 + 12345)
    made = await owner.ok("ts.att.create", {"run_id": run["id"], "filename": "blob.bin", "kind": "input",
                                            "content_type": "application/octet-stream",
                                            "content_base64": base64.b64encode(content).decode()})  # fmt: skip
    assert made["size_bytes"] == len(content) and made["sha256"] == hashlib.sha256(content).hexdigest()
    assert (await owner.ok("ts.att.get", {"id": made["id"]})) == made
    whole = await owner.ok("ts.att.read", {"id": made["id"], "length": 1024 * 1024})
    assert not whole["eof"] and base64.b64decode(whole["content_base64"]) == content[: 1024 * 1024]
    got, offset = b"", 0
    while True:
        chunk = await owner.ok("ts.att.read", {"id": made["id"], "offset": offset, "length": 700_000})
        got += base64.b64decode(chunk["content_base64"])
        offset += 700_000
        if chunk["eof"]:
            break
    assert got == content
    assert (await owner.ok("ts.wrn.get", {"id": run["id"]}))["input_attachment_ids"] == [made["id"]]
    listed = await owner.ok("ts.att.list", {"run_id": run["id"], "kind": "input"})
    assert (
        listed["total"] == 1 and (await owner.ok("ts.att.list", {"run_id": run["id"], "kind": "output"}))["total"] == 0
    )
    assert (await owner.ok("ts.att.delete", {"id": made["id"]}))["deleted"]
    assert (await owner.ok("ts.wrn.get", {"id": run["id"]}))["input_attachment_ids"] is None


@pytest.mark.parametrize(
    ("change", "code", "loc"),
    [({"filename": "../etc/passwd"}, "invalid_input", ["filename"]), ({"filename": "a\x00b"}, "invalid_input", ["filename"]),
     ({"content_base64": "@@@"}, "invalid_input", ["content_base64"]),
     ({"content_base64": base64.b64encode(b"x" * (10 * 1024 * 1024 + 1)).decode()}, "payload_too_large", None)],
)  # fmt: skip
async def test_bad_attachments_are_refused(owner: Agent, change: dict, code: str, loc: list | None) -> None:
    w = await workflow(owner, input_schema=None, output_schema=None)
    run = await owner.ok("ts.wrn.create", {"workflow_id": w})
    file = {"run_id": run["id"], "filename": "f.txt", "kind": "output", "content_base64": "aGk=", **change}
    refused = await owner.err("ts.att.create", file)
    assert refused["code"] == code and (loc is None or refused["details"][0]["loc"] == loc)
    assert (await owner.ok("ts.att.list", {"run_id": run["id"]}))["total"] == 0
