"""What every tool's params share: strict validation, field types with limits, partial updates."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from worktrail.domain import fields
from worktrail.domain.errors import ToolError

Id = Annotated[str, Field(min_length=1, max_length=128)]
Title = Annotated[str, Field(min_length=1, max_length=fields.TITLE_MAX), AfterValidator(fields.check_not_blank)]
Name = Annotated[str, Field(min_length=1, max_length=fields.NAME_MAX), AfterValidator(fields.check_not_blank)]
Text = Annotated[str, Field(max_length=fields.DESCRIPTION_MAX)]
Reason = Annotated[str, Field(max_length=fields.REASON_MAX)]
Metadata = Annotated[dict[str, Any], AfterValidator(fields.check_metadata)]
DateOrDateTime = Annotated[str, AfterValidator(fields.normalize_date_or_datetime)]
# A moment to filter by: a date or a date-time, never "" (a filter has nothing to clear).
Moment = Annotated[str, AfterValidator(fields.normalize_moment)]
Date = Annotated[str, AfterValidator(fields.normalize_date)]
Hours = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Limit = Annotated[int, Field(ge=1, le=fields.LIST_LIMIT_MAX)]
Offset = Annotated[int, Field(ge=0, le=fields.OFFSET_MAX)]


def one_or_many(value: Any) -> Any:
    """A lone value where a list is declared becomes a list of one (before strict validation)."""
    return [value] if isinstance(value, str) else value


class Params(BaseModel):
    """Base of every params model: strict JSON types, unknown keys refused, never coerced."""

    model_config = ConfigDict(strict=True, extra="forbid", defer_build=True)

    # A fix to offer when a caller sends a field this tool does not take (e.g. a field that is fixed).
    FIELD_HINTS: ClassVar[dict[str, str]] = {}

    def refine(self) -> None:
        """Checks across fields, run with validation (raise `ToolError` with `invalid_input`)."""

    def sent(self, *exclude: str) -> dict[str, Any]:
        """The fields the caller sent, by name, as plain values to store (a nested object such as a
        schedule becomes its dict, without the parts left out): a partial update changes exactly these."""
        return {k: _plain(getattr(self, k)) for k in self.model_fields_set if k not in exclude}


def _plain(value: Any) -> Any:
    return value.model_dump(exclude_none=True) if isinstance(value, BaseModel) else value


class UpdateParams(Params):
    """A partial update: `id` plus at least one field to change."""

    id: Id = Field(description="ID of the entity to update.")

    def refine(self) -> None:
        if not self.sent("id"):
            changeable = [name for name in type(self).model_fields if name != "id"]
            raise ToolError(
                "invalid_input",
                "No fields to update: send at least one field besides id.",
                [{"loc": [], "msg": "no fields to update", "type": "missing", "fields": changeable}],
            )


class ListParams(Params):
    """Paging shared by every list tool."""

    limit: Limit = Field(fields.LIST_LIMIT_DEFAULT, description="Page size.")
    offset: Offset = Field(0, description="Matching items to skip.")


class IdParams(Params):
    """A tool that takes just an id."""

    id: Id = Field(description="ID of the entity.")


class NoParams(Params):
    """A tool that takes no arguments."""
