"""What a call answers, as the registry hands it to a transport."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel


@dataclass(frozen=True)
class Outcome:
    """A call's answer: the structured content, whether it is an error, whether it is a replay."""

    payload: dict[str, Any]
    is_error: bool
    replayed: bool = False


@dataclass(frozen=True)
class Answer:
    """A successful call's answer, and whether it was kept from an earlier call with its key."""

    payload: dict[str, Any]
    replayed: bool = False


def dump(result: BaseModel) -> dict[str, Any]:
    """A result model as the structured content clients get: unset fields left out, unless the
    model keeps them as null (`KEEP_NULLS`: a seed whose answer lists every field)."""
    return result.model_dump(mode="json", by_alias=True, exclude_none=not getattr(result, "KEEP_NULLS", False))
