"""ts.wfl.*: workflows, prompts whose runs take inputs and give outputs checked by JSON Schemas."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from worktrail.domain.json_schemas import check_schema
from worktrail.tools.context import Call
from worktrail.tools.declaration import Versioned, tool
from worktrail.tools.params import IdParams, ListParams, Metadata, Name, Params, Text, UpdateParams
from worktrail.tools.workflows.shapes import Deleted, Workflow, WorkflowPage

WORKFLOWS = "workflows"
Prompt = Annotated[str, Field(min_length=1, max_length=100_000)]
Schema = dict[str, Any]


def _check_schemas(params: Params) -> None:
    for field in ("input_schema", "output_schema"):
        if getattr(params, field, None) is not None:
            check_schema(getattr(params, field), field)


class WorkflowCreate(Params):
    name: Name = Field(description="Name.")
    main_prompt: Prompt = Field(description="What a run does: the agent's prompt.")
    description: Text = Field(None, description="What the workflow is for.")
    input_schema: Schema = Field(None, description="JSON Schema that every run's input_values must satisfy.")
    output_schema: Schema = Field(None, description="JSON Schema that a run's output_data must satisfy.")
    metadata: Metadata = Field(None, description="Free-form JSON object, up to 64 KiB.")

    def refine(self) -> None:
        _check_schemas(self)


class WorkflowList(ListParams):
    search: str = Field(None, max_length=500, description="Text to find in name or description.")


class WorkflowUpdate(UpdateParams):
    id: str = Field(max_length=128, description="Workflow ID.")
    name: Name = Field(None, description="New name.")
    main_prompt: Prompt = Field(None, description="New prompt.")
    description: Text = Field(None, description="New description.")
    input_schema: Schema = Field(None, description="New input schema (for runs created from now on).")
    output_schema: Schema = Field(None, description="New output schema.")
    metadata: Metadata = Field(None, description="Metadata to set (replaces existing).")

    def refine(self) -> None:
        super().refine()
        _check_schemas(self)


@tool("ts.wfl.create", params=WorkflowCreate, result=Workflow, toolset=WORKFLOWS, min_role="member",
      summary="Define a workflow: a prompt, with optional input and output JSON Schemas.")  # fmt: skip
async def create_workflow(call: Call, p: WorkflowCreate) -> Workflow:
    return Workflow.of(await call.store.workflows.create(call.origin(), p.sent()))


@tool("ts.wfl.get", params=IdParams, result=Workflow, toolset=WORKFLOWS, summary="Get a workflow.")
async def get_workflow(call: Call, p: IdParams) -> Workflow:
    return Workflow.of(await call.store.workflows.get(p.id))


@tool("ts.wfl.list", params=WorkflowList, result=WorkflowPage, toolset=WORKFLOWS,
      summary="List workflows, newest first: {items, total, skip, limit}.")  # fmt: skip
async def list_workflows(call: Call, p: WorkflowList) -> WorkflowPage:
    rows, total = await call.store.workflows.list(p.search, p.limit, p.offset)
    return WorkflowPage(items=[Workflow.of(r) for r in rows], total=total, skip=p.offset, limit=p.limit)


@tool("ts.wfl.update", params=WorkflowUpdate, result=Workflow, toolset=WORKFLOWS, min_role="member",
      versioned=Versioned("workflow"), summary="Update a workflow (partial update).")  # fmt: skip
async def update_workflow(call: Call, p: WorkflowUpdate) -> Workflow:
    return Workflow.of(await call.store.workflows.update(call.origin(), p.id, p.sent("id")))


@tool("ts.wfl.delete", params=IdParams, result=Deleted, toolset=WORKFLOWS, min_role="member",
      summary="Delete a workflow with its runs (refused while a run is scheduling or running).",
      description="Needs an owner, admin or the workflow's creator. While a run is scheduling or running the "
      "delete is refused (conflict) with the runs and the ts.wrn.update call that ends each.")  # fmt: skip
async def delete_workflow(call: Call, p: IdParams) -> Deleted:
    return Deleted(**await call.store.workflows.delete(call.origin(), call.me, p.id))


TOOLS = (create_workflow, get_workflow, list_workflows, update_workflow, delete_workflow)
