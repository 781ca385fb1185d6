"""Forms that create or change an entity's fields (a task, an endeavour), as opposed to the
one-button actions of `actions.py`: the tool is called as the person, with the form's idempotency
key (and, to change, the version the page was rendered at). Done, the browser goes to the entity's
page (POST/redirect/GET); refused, the form comes back as it was typed, with the status the
refusal calls for and the tool's own message beside each field it names (the rest above the form)."""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import FormData

from worktrail.board.reader import Refused
from worktrail.board.view import View
from worktrail.tools.answers import Outcome

# What a refusal of a form answers with (the page shows the form again).
STATUS = {"invalid_input": 400, "forbidden": 403, "not_found": 404, "conflict": 409, "invalid_transition": 409}
# Fields typed as numbers: sent as numbers when they read as one, else as typed (the tool says why not).
NUMBERS = ("estimate", "actual")


@dataclass
class Typed:
    """A form as typed, and what the tool said about it."""

    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)  # field -> the tool's message
    message: str | None = None  # the tool's whole message, when a field alone does not hold it
    code: str | None = None
    details: Any = None
    key: str = field(default_factory=lambda: uuid.uuid4().hex)  # a fresh key: the refused call changed nothing

    @property
    def status(self) -> int:
        return STATUS.get(self.code or "", 200 if self.code is None else 409)


def typed(form: FormData, names: tuple[str, ...]) -> Typed:
    """The fields `names` as the person typed them (a textarea's CRLF read as LF)."""
    return Typed({n: str(form.get(n) or "").replace("\r\n", "\n") for n in names})


def argument(name: str, text: str) -> Any:
    """A typed value as the tool takes it: a number for a number field when it reads as one."""
    if name in NUMBERS and text.strip():
        try:
            number = float(text)
        except ValueError:
            return text
        return number if math.isfinite(number) else text
    return text


def refused(form: Typed, outcome: Outcome) -> Typed:
    """`form`, with the tool's refusal: each message beside the field its `loc` names."""
    error = outcome.payload["error"]
    if error["code"] == "session_expired":
        raise Refused(error["code"], error["message"])
    form.code, form.details = error["code"], error.get("details")
    details = error.get("details")
    unplaced = []
    for detail in details if isinstance(details, list) else []:
        loc = detail.get("loc") or []
        name = str(loc[0]) if loc else ""
        if name in form.values:
            form.errors[name] = "; ".join(filter(None, [form.errors.get(name), detail.get("msg")]))
        else:
            unplaced.append(detail)
    if not form.errors or unplaced or not isinstance(details, list):
        form.message = error["message"]
    return form


async def submit(view: View, tool: str, arguments: dict[str, Any], *, clears: bool = False) -> Outcome:
    """Call `tool` as the person with the form's idempotency key."""
    key = str((await view.request.form()).get("idempotency_key") or "")
    if key:
        arguments["idempotency_key"] = f"board-{key}"[:128]  # as the board's other forms send it
    return await view.reader.call(tool, arguments, clears=clears)
