"""Result models shared by several tools."""

from __future__ import annotations

from pydantic import BaseModel, Field


class UpdateAck(BaseModel):
    """The answer to a partial update (seed 001 and seed 000): which fields changed, and when."""

    id: str = Field(description="ID of the updated entity.")
    updated_at: str = Field(description="When the update was stored (RFC 3339, UTC).")
    updated_fields: list[str] = Field(description="The fields the call sent, in the tool's parameter order.")


class VersionedAck(UpdateAck):
    """The answer to an update no seed fixes: the acknowledgement and the version it produced."""

    version: int = Field(description="The entity's version after this update.")


def ordered_fields(sent: set[str], order: tuple[str, ...]) -> list[str]:
    """Sent field names in a declared order (the seed's parameter table), not the request's."""
    return [name for name in order if name in sent]
