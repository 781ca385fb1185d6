"""What the workflows toolset answers with, in the seed system's shapes: a run is the seed's
RunResponse with every field present (null where unset), plus started_at, ended_at and attempt;
lists are `{items, total, skip, limit}`."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from worktrail.domain.lifecycles import WORKFLOW_RUN
from worktrail.tools.results import FromRow, Result

RunStatus = Literal[WORKFLOW_RUN.states]  # type: ignore[valid-type]
Kind = Literal["input", "output"]


class Workflow(FromRow):
    id: str
    version: int
    name: str
    main_prompt: str
    description: str | None = None
    input_schema: dict[str, Any] | None = None
    output_schema: dict[str, Any] | None = None
    metadata: dict[str, Any]
    created_at: str
    updated_at: str


class WorkflowPage(Result):
    items: list[Workflow]
    total: int
    skip: int
    limit: int


class Deleted(Result):
    id: str
    deleted: bool
    runs_deleted: int | None = None
    attachments_deleted: int | None = None


class Run(FromRow):
    """Seed 004's RunResponse, every field, and when it started and ended, and which attempt."""

    KEEP_NULLS: ClassVar[bool] = True

    id: str
    workflow_id: str
    machine_id: str | None = None
    user_id: str | None = None
    organization_id: str | None = None
    status: RunStatus
    error: list[str] | None = None
    output_data: dict[str, Any] | None = None
    input_attachment_ids: list[str] | None = None
    output_attachment_ids: list[str] | None = None
    run_message_history: list[dict[str, Any]] | None = None
    input_values: dict[str, Any] | None = None
    pool_ids: list[str] | None = None
    sensitive_input_aliases: dict[str, Any] | None = None
    session_id: str | None = None
    session_alias: str | None = None
    release_session_after: bool | None = None
    created_at: str
    started_at: str | None = None
    ended_at: str | None = None
    attempt: int


class RunPage(Result):
    """Runs, each with the fields asked for (all, unless `fields` named some)."""

    KEEP_NULLS: ClassVar[bool] = True

    items: list[dict[str, Any]]
    total: int
    skip: int
    limit: int


class BulkCreated(Result):
    KEEP_NULLS: ClassVar[bool] = True

    created_runs: list[Run]
    failed_count: int
    errors: list[str]


class Secrets(Result):
    id: str
    sensitive_input_values: dict[str, str]
    erased_at: str | None = None
    note: str | None = None


class Attachment(Result):
    id: str
    run_id: str
    kind: Kind
    filename: str
    content_type: str | None = None
    size_bytes: int
    sha256: str
    created_at: str


class AttachmentList(Result):
    items: list[Attachment]
    total: int


class Chunk(Result):
    id: str
    offset: int
    content_base64: str
    eof: bool


class AttachmentDeleted(Result):
    id: str
    deleted: bool
