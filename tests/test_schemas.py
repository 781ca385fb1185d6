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
        assert not {"$schema", "$ref", "$defs", "description"} & set(node), node
    validator = Draft7Validator(schema)
    # An error result's structured content passes (MCP Inspector 0.15 validates it too)...
    assert validator.is_valid({"error": {"code": "not_found", "message": "m", "details": {"id": "x"}}})
    # ...and an answer missing what every success carries does not.
    assert not validator.is_valid({"unexpected": True})


def portability_findings(schema: Any, path: str = "") -> list[str]:
    """MCP Inspector 2.x `--strict`'s rules: no type unions, no schema that constrains nothing,
    no boolean schemas, no remote $ref."""
    if isinstance(schema, bool):
        return [f"{path}: boolean schema"]
    found = []
    if isinstance(schema.get("type"), list):
        found.append(f"{path}: type union {schema['type']}")
    if not CONSTRAINING & set(schema):
        found.append(f"{path}: constrains nothing")
    if "$ref" in schema and not str(schema["$ref"]).startswith("#"):
        found.append(f"{path}: remote $ref")
    for key in ("properties", "patternProperties"):
        for name, sub in schema.get(key, {}).items():
            found += portability_findings(sub, f"{path}.{key}.{name}")
    for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
        for i, sub in enumerate(schema.get(key, [])):
            found += portability_findings(sub, f"{path}.{key}[{i}]")
    for key in ("items", "additionalProperties", "not", "contains"):
        if isinstance(schema.get(key), dict):
            found += portability_findings(schema[key], f"{path}.{key}")
    return found


CONSTRAINING = {
    "type", "enum", "const", "multipleOf", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum",
    "maxLength", "minLength", "pattern", "format", "maxItems", "minItems", "uniqueItems", "maxContains",
    "minContains", "maxProperties", "minProperties", "required", "dependentRequired", "allOf", "anyOf", "oneOf",
    "not", "items", "prefixItems", "contains", "additionalItems", "properties", "patternProperties",
    "additionalProperties", "propertyNames", "dependencies", "$ref",
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_schemas_pass_the_portability_rules_of_inspector_strict(name: str) -> None:
    for kind in ("inputSchema", "outputSchema"):
        assert portability_findings(DOCUMENTS[name][kind], kind) == []


def test_portability_rules_catch_what_inspector_strict_flags() -> None:
    flagged = {"type": "object", "properties": {"a": {"type": ["string", "array"]}, "b": {"description": "x"}}}
    assert portability_findings(flagged) == [".properties.a: type union ['string', 'array']",
                                             ".properties.b: constrains nothing"]  # fmt: skip


def test_every_status_field_is_an_enum() -> None:
    for name, doc in DOCUMENTS.items():
        for prop, sub in doc["inputSchema"]["properties"].items():
            if prop in ("status", "type", "role"):
                branches = sub.get("anyOf", [sub])
                assert all("enum" in b or "enum" in b.get("items", {}) for b in branches), f"{name}.{prop}"


def test_task_update_schema_has_the_seed_parameters_exactly() -> None:
    """The seed's parameters, and beside them only the two every write takes from the registry."""
    schema = DOCUMENTS["ts.tsk.update"]["inputSchema"]
    assert set(schema["properties"]) == {
        "id", "title", "description", "status", "endeavour_id", "assignee_id",
        "estimate", "actual", "due_date", "canceled_reason", "metadata",
        "idempotency_key", "expected_version",
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


def test_the_schemas_a_server_lists_are_the_ones_the_models_generate() -> None:
    """`tools/list` reads the copy shipped in the package (building it cost ~80 ms of a cold start)."""
    from worktrail.tools import shipped_schemas

    shipped = json.loads(shipped_schemas.SHIPPED.read_text(encoding="utf-8"))
    generated = {name: {"inputSchema": d["inputSchema"], "outputSchema": d["outputSchema"]} for name, d in DOCUMENTS.items()}
    assert shipped == generated, "run: worktrail schemas --write tool_schemas"


def test_the_catalogue_a_server_lists_from_is_the_one_the_declarations_make() -> None:
    """A server lists the shipped catalogue and imports a family at its first call (issue 30): each
    entry names, documents and places its tool as the declaration does, in the catalogue's order."""
    from worktrail.tools import listing
    from worktrail.tools.catalog import families

    shipped = listing.shipped()
    assert shipped is not None, "run: worktrail schemas --write tool_schemas"
    assert [(t.name, t.toolset, t.doc, t.read_only) for t in shipped] == [
        (t.name, t.toolset, t.doc, t.read_only) for t in ALL_TOOLS
    ], "run: worktrail schemas --write tool_schemas"
    assert [t.declared() for t in shipped] == list(ALL_TOOLS)
    assert listing.SHIPPED.read_text(encoding="utf-8") == listing.render(families())
