"""ts.att.*: a workflow run's files, up to 10 MiB each, read back in chunks of up to 1 MiB."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated

from pydantic import AfterValidator, Field

from worktrail.domain.errors import ToolError, invalid_field
from worktrail.tools.context import Call
from worktrail.tools.declaration import tool
from worktrail.tools.params import IdParams, Params
from worktrail.tools.workflows.shapes import Attachment, AttachmentDeleted, AttachmentList, Chunk, Kind

WORKFLOWS = "workflows"
MAX_BYTES = 10 * 1024 * 1024
CHUNK_MAX = 1024 * 1024


def _plain_name(name: str) -> str:
    if any(c in name for c in "/\\\x00") or name in (".", ".."):
        raise ValueError("must be a plain file name: no path separator (/ or \\) and no NUL")
    return name


class AttachmentCreate(Params):
    run_id: Annotated[str, Field(min_length=1, max_length=128)] = Field(description="Workflow run ID.")
    filename: Annotated[str, Field(min_length=1, max_length=255), AfterValidator(_plain_name)] = Field(
        description="The file's name, e.g. report.pdf."
    )
    content_base64: Annotated[str, Field(max_length=(MAX_BYTES // 3 + 1) * 4 + 64)] = Field(
        description="The content, base64 (up to 10 MiB decoded)."
    )
    kind: Kind = Field(description="input (given to the run) or output (made by it).")
    content_type: Annotated[str, Field(max_length=255)] = Field(None, description="MIME type, e.g. application/pdf.")

    def decoded(self) -> bytes:
        try:
            content = base64.b64decode(self.content_base64, validate=True)
        except (binascii.Error, ValueError):
            raise invalid_field(
                "content_base64", "is not valid base64", "Send the file's bytes base64-encoded."
            ) from None
        if len(content) > MAX_BYTES:
            raise ToolError(
                "payload_too_large",
                f"The attachment is {len(content)} bytes; the limit is {MAX_BYTES} (10 MiB).",
                {"field": "content_base64", "size_bytes": len(content), "limit_bytes": MAX_BYTES},
            )
        return content


class AttachmentRead(Params):
    id: Annotated[str, Field(min_length=1, max_length=128)] = Field(description="Attachment ID.")
    offset: int = Field(0, ge=0, le=MAX_BYTES, description="First byte to read (default 0).")
    length: int = Field(CHUNK_MAX, ge=1, le=CHUNK_MAX, description="Bytes to read, up to 1 MiB (the default).")


class AttachmentListParams(Params):
    run_id: Annotated[str, Field(min_length=1, max_length=128)] = Field(description="Workflow run ID.")
    kind: Kind = Field(None, description="Only input or only output attachments.")


@tool("ts.att.create", params=AttachmentCreate, result=Attachment, toolset=WORKFLOWS, min_role="member",
      summary="Attach a file to a workflow run (input or output), up to 10 MiB, sent base64.")  # fmt: skip
async def create_attachment(call: Call, p: AttachmentCreate) -> Attachment:
    content = p.decoded()
    values = p.sent("content_base64")
    return Attachment(**await call.store.attachments.create(call.origin(), values, content))


@tool("ts.att.get", params=IdParams, result=Attachment, toolset=WORKFLOWS,
      summary="An attachment's metadata (name, kind, size, sha256).")  # fmt: skip
async def get_attachment(call: Call, p: IdParams) -> Attachment:
    return Attachment(**await call.store.attachments.get(p.id))


@tool("ts.att.read", params=AttachmentRead, result=Chunk, toolset=WORKFLOWS,
      summary="Read an attachment's content, base64, in chunks of up to 1 MiB (eof says when it ends).")  # fmt: skip
async def read_attachment(call: Call, p: AttachmentRead) -> Chunk:
    chunk, eof = await call.store.attachments.read(p.id, p.offset, p.length)
    return Chunk(id=p.id, offset=p.offset, content_base64=base64.b64encode(chunk).decode("ascii"), eof=eof)


@tool("ts.att.list", params=AttachmentListParams, result=AttachmentList, toolset=WORKFLOWS,
      summary="List a run's attachments, oldest first.")  # fmt: skip
async def list_attachments(call: Call, p: AttachmentListParams) -> AttachmentList:
    rows = await call.store.attachments.list(p.run_id, p.kind)
    return AttachmentList(items=[Attachment(**r) for r in rows], total=len(rows))


@tool("ts.att.delete", params=IdParams, result=AttachmentDeleted, toolset=WORKFLOWS, min_role="member",
      summary="Delete an attachment.", description="Needs an owner, admin or the attachment's creator.")  # fmt: skip
async def delete_attachment(call: Call, p: IdParams) -> AttachmentDeleted:
    return AttachmentDeleted(**await call.store.attachments.delete(call.origin(), call.me, p.id))


TOOLS = (create_attachment, get_attachment, read_attachment, list_attachments, delete_attachment)
