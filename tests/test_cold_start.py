"""Cold start over stdio (issue 30): what a server's start and its first `tools/list` leave unbuilt.
Each check runs in a fresh interpreter, where no other test has built a model yet."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

# The tools' models that are complete (validator and serializer built) once the code has run.
BUILT_MODELS = """
import json
from worktrail.tools.catalog import ALL_TOOLS
{work}
models = {{m for t in ALL_TOOLS for m in (t.params, t.result)}}
print(json.dumps(sorted(m.__qualname__ for m in models if m.__pydantic_complete__)))
"""


def _built_after(work: str) -> list[str]:
    done = subprocess.run([sys.executable, "-c", BUILT_MODELS.format(work=work)],
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


@pytest.mark.processes
def test_the_first_tools_list_builds_no_tool_model() -> None:
    listed = "from worktrail.transport.server import Publication\nPublication(ALL_TOOLS, 'auto').listing('dotted')"
    assert _built_after(listed) == _built_after("")


@pytest.mark.processes
def test_importing_the_tools_builds_no_tool_model() -> None:
    """A model is built at the first call that needs it: a cold start built ~60 it may never use."""
    assert _built_after("") == []
