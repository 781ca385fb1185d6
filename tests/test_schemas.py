"""tool_schemas/: generated from the models, committed, and clean for every client."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator

from worktrail.cli.catalog import render
from worktrail.tools.catalog import ALL_TOOLS, schema_documents

COMMITTED = Path(__file__).resolve().parent.parent / "tool_schemas"
DOCUMENTS = schema_documents(ALL_TOOLS)


def walk(schema: Any) -> list[dict[str, Any]]:
    """Every schema object nested in `schema`."""
    found: list[dict[str, Any]] = []
    if isinstance(schema, dict):
        found.append(schema)
        for key, value in schema.items():
            if key == "properties":
                for sub in value.values():
                    found += walk(sub)
            elif isinstance(value, dict):
                found += walk(value)
            elif isinstance(value, list):
                for sub in value:
                    found += walk(sub)
    return found


def test_committed_schema_files_match_the_code() -> None:
    committed = {p.name: p.read_text(encoding="utf-8") for p in COMMITTED.glob("*.json")}
    generated = {f"{name}.json": render(doc) for name, doc in DOCUMENTS.items()}
    assert set(committed) == set(generated), "run: worktrail schemas --write tool_schemas"
    stale = [name for name in generated if committed[name] != generated[name]]
    assert not stale, f"stale schema files {stale}; run: worktrail schemas --write tool_schemas"


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_input_schema_is_closed_described_and_draft07_clean(name: str) -> None:
    schema = DOCUMENTS[name]["inputSchema"]
    Draft7Validator.check_schema(schema)
    assert schema["type"] == "object" and schema["additionalProperties"] is False
    for node in walk(schema):
        assert not {"$schema", "$ref", "$defs", "title", "discriminator"} & set(node), node
        assert node.get("default", 0) is not None
        assert {"type": "null"} not in node.get("anyOf", [])
    for prop, sub in schema["properties"].items():
        assert sub.get("description"), f"{name}.{prop} has no description"
        # Clients that build arguments from the schema (MCP Inspector's --tool-arg) go by `type`.
        assert "type" in sub, f"{name}.{prop} declares no type"


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_output_schema_is_success_or_error_envelope(name: str) -> None:
    schema = DOCUMENTS[name]["outputSchema"]
    Draft7Validator.check_schema(schema)
    assert schema["type"] == "object" and len(schema["anyOf"]) == 2
    for node in walk(schema):
        assert not {"$schema", "$ref", "$defs"} & set(node), node
    envelope = Draft7Validator(schema)
    assert envelope.is_valid({"error": {"code": "not_found", "message": "m", "details": {"id": "x"}}})
    assert not envelope.is_valid({"error": {"code": "made_up", "message": "m"}})


def test_every_status_field_is_an_enum() -> None:
    for name, doc in DOCUMENTS.items():
        for prop, sub in doc["inputSchema"]["properties"].items():
            if prop in ("status", "type", "role"):
                branches = sub.get("anyOf", [sub])
                assert all("enum" in b or "enum" in b.get("items", {}) for b in branches), f"{name}.{prop}"


def test_task_update_schema_has_the_seed_parameters_exactly() -> None:
    schema = DOCUMENTS["ts.tsk.update"]["inputSchema"]
    assert set(schema["properties"]) == {
        "id", "title", "description", "status", "endeavour_id", "assignee_id",
        "estimate", "actual", "due_date", "canceled_reason", "metadata",
    }  # fmt: skip
    assert schema["required"] == ["id"]
    assert schema["properties"]["status"]["enum"] == ["planned", "active", "done", "canceled"]


def test_schema_check_command_catches_a_stale_file(tmp_path: Path) -> None:
    from worktrail.cli.main import main

    assert main(["schemas", "--write", str(tmp_path)]) == 0
    assert main(["schemas", "--check", str(tmp_path)]) == 0
    target = tmp_path / "ts.tsk.update.json"
    doc = json.loads(target.read_text())
    doc["inputSchema"]["properties"].pop("title")
    target.write_text(json.dumps(doc))
    assert main(["schemas", "--check", str(tmp_path)]) == 1
