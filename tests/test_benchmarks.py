"""The benchmarks still run end to end, at a tiny size (its figures mean nothing here:
benchmarks are run by hand, and their figures recorded in benchmarks/README.md)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import POSTGRESQL
from worktrail.board.app import PAGES

pytestmark = pytest.mark.processes

BENCH = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_all.py"


def test_bench_all_measures_every_row_at_a_tiny_size(tmp_path: Path) -> None:
    out = tmp_path / "all.json"
    done = subprocess.run(
        [sys.executable, str(BENCH), "--tasks", "300", "--calls", "20", "--json", str(out)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(out.read_text())
    assert len(report["goals"]) == 6 and all(isinstance(g["met"], bool) for g in report["goals"])
    assert report["build"]["tasks"] == 300 and report["build"]["moves"] > 0
    assert [r["case"] for r in report["lists"]] == [
        "no filter", "status", "two statuses", "endeavour", "assignee", "search", "search and status",
        "search and endeavour", "search, 1-letter prefix", "search, 2-letter prefix", "search, 1-letter prefix and status",
        "search, 2-letter prefix and status", "search, 2-letter prefix and endeavour", "offset 10,000",
    ]  # fmt: skip
    assert all(r["returned"] == min(50, max(0, r["total"] - r["arguments"].get("offset", 0))) for r in report["lists"])
    assert report["lists"][5]["total"] >= 1, "the search word comes from a stored title"
    assert report["size"]["file_mib"] > 0 and "| what | measured | goal | met |" in done.stdout


def test_bench_http_measures_every_row_at_a_tiny_size(tmp_path: Path) -> None:
    out = tmp_path / "http.json"
    bench = BENCH.parent / "bench_http.py"
    done = subprocess.run(
        [sys.executable, str(bench), "--calls", "100", "--seconds", "0.3", "--json", str(out),
         "--against", str(BENCH.parent.parent)],  # this checkout stands in for an older one
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(out.read_text())
    against = f"ts.tsk.update [{BENCH.parent.parent.name}]"
    assert set(report["sequential"]) == {"echo", "ts.tsk.update", against} and report["sequential_ratio"] > 0
    assert report["against_sequential_ratio"] > 0 and report["against_p99_ratio"] > 0
    assert [(r["processes"], r["clients"]) for r in report["concurrent"]] == [
        (1, 1), (1, 8), (1, 32), (2, 1), (2, 8), (2, 32)
    ]  # fmt: skip
    assert all(r["lost"] == 0 and r["duplicated"] == 0 and r["errors"] == 0 for r in report["concurrent"])
    assert all(r["ratio"] > 0 and r["against_ratio"] > 0 for r in report["concurrent"])



def test_bench_verify_compares_a_token_check_with_a_key_check_at_a_tiny_size(tmp_path: Path) -> None:
    out = tmp_path / "verify.json"
    done = subprocess.run([sys.executable, str(BENCH.parent / "bench_verify.py"), "--calls", "100", "--json", str(out)],
                          capture_output=True, text=True, timeout=600)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    [report] = json.loads(out.read_text())
    assert report["store"] == "sqlite" and report["calls"] == 100 and report["ratio_token_to_key"] > 0
    assert report["key"]["checks_per_s"] > 0 and report["token"]["checks_per_s"] > 0

@pytest.mark.store
@pytest.mark.skipif(not POSTGRESQL, reason="needs a PostgreSQL server: set WORKTRAIL_TEST_POSTGRESQL")
def test_bench_scale_out_measures_every_row_at_a_tiny_size(tmp_path: Path) -> None:
    out = tmp_path / "scale-out.json"
    bench = BENCH.parent / "bench_scale_out.py"
    done = subprocess.run(
        [sys.executable, str(bench), "--postgresql", str(POSTGRESQL), "--clients", "4", "--seconds", "0.5",
         "--processes", "1", "2", "--json", str(out)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    rows = json.loads(out.read_text())["rows"]
    assert [(r["store"], r["processes"]) for r in rows] == [("sqlite", 1), ("postgresql", 1), ("postgresql", 2)]
    assert all(r["calls_per_s"] > 0 and r["lost"] == 0 and r["duplicated"] == 0 and r["errors"] == 0 for r in rows)
    assert "| store | processes | calls/s |" in done.stdout


def test_bench_board_times_every_page_at_a_tiny_size(initialised: tuple[Path | str, str], tmp_path: Path) -> None:
    db, _ = initialised
    made = subprocess.run(
        [sys.executable, "-m", "worktrail", "call", "--db", str(db), "ts.tsk.create", '{"title": "One task"}'],
        capture_output=True, text=True, env={**os.environ, "WORKTRAIL_API_KEY": initialised[1]}, timeout=120,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    out = tmp_path / "board.json"
    bench = BENCH.parent / "bench_board.py"
    done = subprocess.run([sys.executable, str(bench), "--db", str(db), "--repeats", "2", "--json", str(out)],
                          capture_output=True, text=True, timeout=600)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(out.read_text())
    pages = {row["page"].split("?")[0].split("/")[1] for row in result["pages"]}
    assert {"login", "", "tasks", "rituals", "missions", "workflows", "executions", "audit", "keys"} <= pages
    asked = [row["page"].split("?")[0] for row in result["pages"]]
    for route, _ in PAGES:  # every kind of page the board has, made where the ledger has none (issue 31)
        pattern = re.sub(r"\\{[a-z_]+\\}", "[^/]+", re.escape(route))
        assert any(re.fullmatch(pattern, path) for path in asked), route
    assert result["tasks"] == 1 and all(row["median_ms"] > 0 for row in result["pages"])


def test_bench_audit_times_every_kind_of_audit_list_at_a_tiny_size(
    initialised: tuple[Path | str, str], tmp_path: Path
) -> None:
    db, key = initialised
    made = subprocess.run(
        [sys.executable, "-m", "worktrail", "call", "--db", str(db), "ts.tsk.create", '{"title": "One task"}'],
        capture_output=True, text=True, env={**os.environ, "WORKTRAIL_API_KEY": key}, timeout=120,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    out = tmp_path / "audit.json"
    done = subprocess.run([sys.executable, str(BENCH.parent / "bench_audit.py"), "--db", str(db), "--measure", key,
                           "--repeats", "2", "--json", str(out)], capture_output=True, text=True, timeout=600)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    rows = json.loads(out.read_text())["lists"]
    assert "since 2000, type task" in {row["case"] for row in rows} and all(row["median_ms"] > 0 for row in rows)
    assert next(row for row in rows if row["case"] == "one entity's history")["total"] == 1
