"""Result models shared by several tools."""

from __future__ import annotations

from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, Field

from worktrail.store.rows import COUNT_CAP


class Result(BaseModel):
    """Base of every answer's model: its validator and serializer are built at the first answer
    that needs them, not at import (a cold start built ~60 of them, most never used; issue 30)."""

    model_config = ConfigDict(defer_build=True)

    # Declared here so that `answers.dump` finds it on the class: asked of a model that lacks it,
    # pydantic's `__getattr__` raises and catches an AttributeError on every answer (issue 30).
    KEEP_NULLS: ClassVar[bool] = False


class UpdateAck(Result):
    """The answer to a partial update (seed 001 and seed 000): which fields changed, and when."""

    id: str = Field(description="ID of the updated entity.")
    updated_at: str = Field(description="When the update was stored (RFC 3339, UTC).")
    updated_fields: list[str] = Field(description="The fields the call sent, in the tool's parameter order.")


class VersionedAck(UpdateAck):
    """The answer to an update no seed fixes: the acknowledgement and the version it produced."""

    version: int = Field(description="The entity's version after this update.")


class FromRow(Result):
    """An answer made of a stored row: the row's fields this model declares, its `id` under the
    name the answer gives it (`ROW_ID`, e.g. "mission_id"; None keeps it as `id`)."""

    ROW_ID: ClassVar[str | None] = None

    @classmethod
    def of(cls, row: dict[str, Any]) -> Self:
        picked = {k: v for k, v in row.items() if k in cls.model_fields}
        if cls.ROW_ID is not None:
            picked[cls.ROW_ID] = row["id"]
        return cls(**picked)


def ordered_fields(sent: set[str], order: tuple[str, ...]) -> list[str]:
    """Sent field names in a declared order (the seed's parameter table), not the request's."""
    return [name for name in order if name in sent]


# A list's `total` counts its matches up to COUNT_CAP (store/rows.py): past it, only "at least".
TOTAL_IS_ESTIMATE = (
    f"`total` counts up to {COUNT_CAP:,}; there it stops, and the answer adds `total_is_estimate: true` "
    "(at least that many: page on with offset). Without it, `total` is exact."
)


def total_is_estimate(total: int) -> bool | None:
    """A list's `total_is_estimate`: True when its count stopped at the cap, else None (left out)."""
    return True if total >= COUNT_CAP else None
