"""`worktrail tools` and `worktrail schemas`: the catalogue, for people and for CI."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from worktrail.tools import listing, shipped_schemas
from worktrail.tools.call_options import published_input_schema
from worktrail.tools.catalog import ALL_TOOLS, families, schema_documents, select
from worktrail.transport.server import Publication


def _one(name: str, as_json: bool) -> int:
    found = next((t for t in ALL_TOOLS if name in (t.name, t.underscore_name)), None)
    if found is None:
        print(f"worktrail tools: no tool {name!r}; `worktrail tools` lists them", file=sys.stderr)
        return 2
    schema = published_input_schema(found)
    if as_json:
        print(json.dumps({"name": found.name, "description": found.doc, "inputSchema": schema}, indent=2))
        return 0
    print(f"{found.name}  (also {found.underscore_name}; toolset {found.toolset}; role {found.min_role} or higher)")
    print()
    print(found.doc)
    print()
    print("Input schema:")
    print(json.dumps(schema, indent=2, ensure_ascii=False))
    return 0


def tools(args: argparse.Namespace) -> int:
    if args.name:
        return _one(args.name, args.json)
    listed = select(args.toolsets)
    if args.json:
        rows = [
            {
                "name": t.name,
                "underscore_name": t.underscore_name,
                "toolset": t.toolset,
                "summary": t.summary,
                "needs_login": t.needs_login,
                "min_role": t.min_role,
            }
            for t in listed
        ]
        print(json.dumps(rows, indent=2))
        return 0
    width = max(len(t.name) for t in listed)
    for t in listed:
        print(f"{t.name:<{width}}  [{t.toolset}]  {t.summary}")
    sets = ", ".join(args.toolsets) if args.toolsets else "all toolsets"
    tokens = Publication(listed, "underscore").tokens()
    print(f"\n{len(listed)} tools ({sets}); their tools/list costs a model about {tokens:,} tokens")
    return 0


def render(document: dict[str, object]) -> str:
    """One schema file's exact text."""
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


def schemas(args: argparse.Namespace) -> int:
    documents = {f"{name}.json": render(doc) for name, doc in schema_documents(ALL_TOOLS).items()}
    folder = Path(args.write or args.check)
    if args.write:
        folder.mkdir(parents=True, exist_ok=True)
        for stale in set(p.name for p in folder.glob("*.json")) - set(documents):
            (folder / stale).unlink()
        for filename, text in documents.items():
            (folder / filename).write_text(text, encoding="utf-8")
        print(f"wrote {len(documents)} schema files to {folder}")
        if shipped_schemas.write(ALL_TOOLS):
            print(f"and brought the copy a server lists up to date: {shipped_schemas.SHIPPED}")
        if listing.write(families()):
            print(f"and the catalogue a server lists from: {listing.SHIPPED}")
        return 0
    if not folder.is_dir():
        print(f"worktrail schemas: there is no folder {folder}; write it with: worktrail schemas --write {folder}",
              file=sys.stderr)  # fmt: skip
        return 1
    present = {p.name: p.read_text(encoding="utf-8") for p in folder.glob("*.json")}
    problems = [(n, "missing") for n in sorted(set(documents) - set(present))]
    problems += [(n, "no such tool any more") for n in sorted(set(present) - set(documents))]
    problems += [(n, "differs from the code") for n in sorted(documents) if n in present and present[n] != documents[n]]
    shipped = shipped_schemas.SHIPPED
    if not shipped.is_file() or shipped.read_text(encoding="utf-8") != shipped_schemas.render(ALL_TOOLS):
        problems.append((str(shipped), "the copy a server lists differs from the code"))
    if not listing.SHIPPED.is_file() or listing.SHIPPED.read_text(encoding="utf-8") != listing.render(families()):
        problems.append((str(listing.SHIPPED), "the catalogue a server lists from differs from the code"))
    for name, reason in problems:
        print(f"worktrail schemas: {folder / name}: {reason}", file=sys.stderr)
    if problems:
        print(f"regenerate with: worktrail schemas --write {folder}", file=sys.stderr)
        return 1
    print(f"{len(documents)} schema files in {folder} match the code")
    return 0
