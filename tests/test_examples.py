"""examples/: the seeds' example requests run in order through `worktrail call`, and the scripted
agent session runs over stdio, both on a fresh ledger."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import run_worktrail

pytestmark = pytest.mark.processes

ROOT = Path(__file__).resolve().parent.parent
REQUESTS = ROOT / "examples" / "requests"
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
PREFIX = {"ts.tsk.create": "tsk_", "ts.rtl.create": "rtl_", "ts.rtr.create": "rtr_"}


def test_every_request_file_is_in_the_sequence_and_named_for_its_tool() -> None:
    steps = json.loads((REQUESTS / "sequence.json").read_text())["steps"]
    files = sorted(p.name for p in REQUESTS.glob("*.json") if p.name != "sequence.json")
    assert [s["file"] for s in steps] == files
    readme = (REQUESTS / "README.md").read_text()
    for name in files:
        assert re.match(r"^\d\d-ts\.[a-z]+\.[a-z]+(-[a-z0-9-]+)?\.json$", name) and f"`{name}`" in readme


def test_the_seed_examples_run_in_order_and_answer_as_the_seeds_document(
    initialised: tuple[Path, str], tmp_path: Path
) -> None:
    db, api_key = initialised
    env = {"WORKTRAIL_DB": str(db), "WORKTRAIL_API_KEY": api_key}
    bound: dict[str, str] = {}
    for step in json.loads((REQUESTS / "sequence.json").read_text())["steps"]:
        tool = re.match(r"^\d\d-(ts\.[a-z]+\.[a-z]+)", step["file"]).group(1)  # type: ignore[union-attr]
        text = (REQUESTS / step["file"]).read_text()
        for placeholder, real in bound.items():
            text = text.replace(placeholder, real)
        request = tmp_path / step["file"]
        request.write_text(text)
        done = run_worktrail("call", tool, f"@{request}", env=env)
        assert done.returncode == 0, (step["file"], done.stdout, done.stderr)
        answer = json.loads(done.stdout)
        if "binds" in step:
            found = answer
            for key in step.get("binds_from", ["id"]):
                found = found[key]
            assert found.startswith(PREFIX.get(tool, "")) and found != step["binds"]
            bound[step["binds"]] = found
        if "seed_answer" in step:  # seed 002: exactly ExecutionStatusUpdateResponse
            assert set(answer) == {"success", "execution_id", "previous_status", "current_status", "message"}
            assert [answer["previous_status"], answer["current_status"]] == step["seed_answer"] and answer["success"]
        if "run_status" in step:  # seed 004: the whole run, every seed field present
            assert answer["status"] == step["run_status"] and answer["id"] in bound.values(), step["seed"]
            assert "machine_id" in answer and answer["sensitive_input_aliases"] == {
                "username": "***",
                "password": "***",
            }
        if "data_status" in step:  # seed 003: {data: run}, exactly the seed's MissionRunData fields
            assert set(answer) == {"data"} and answer["data"]["status"] == step["data_status"], step["seed"]
            assert answer["data"]["run_id"] in bound.values() and answer["data"]["finished_at"]
        if "response" in step:
            documented = step["response"]
            assert set(answer) == set(documented), step["seed"]
            assert answer["updated_fields"] == documented["updated_fields"], step["seed"]
            assert answer["id"] == bound[documented["id"]] and TIMESTAMP.match(answer["updated_at"])
    ran = run_worktrail("call", "ts.rtr.list", "{}", env=env)
    runs = {r["status"]: r for r in json.loads(ran.stdout)["runs"]}
    assert set(runs) == {"succeeded", "failed"}
    assert runs["failed"]["error"] == {"code": "timeout", "message": "Ritual execution timed out after 5 minutes."}
    assert runs["succeeded"]["effects"]["tasks_created"] == ["tsk_new1...", "tsk_new2..."]


def test_the_scripted_session_runs_an_agents_day_over_stdio(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "scripted_session.py"), "--db", str(tmp_path / "session.db")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert (summary["tasks_done"], summary["tasks_planned"], summary["run_status"]) == (2, 1, "succeeded")
    assert summary["audit_records"] >= 10  # the run, four tasks' creates and moves, the progress and the outcome


def test_a_second_agent_resumes_a_mission_the_first_left_halfway(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "resume_a_mission.py"), "--db", str(tmp_path / "resume.db")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary == {"run_status": "succeeded", "resumed_steps": ["write", "publish"], "events": 14,
                       "steps_completed": 4}  # fmt: skip
