"""The registry: the one place that validates, authenticates, dispatches and maps errors.

A tool is declared once (name, params, result, handler, toolset, docs, login, role). The
registry builds the catalogue from these declarations and runs every call through the same
checks in the same order: login, arguments, role, then the handler (existence, entity
permission, transition). A handler gets validated params and answers with a result model or
raises `ToolError`; anything else becomes `internal_error` with a logged correlation id.

The session's key is re-checked on every call, but inside the handler's first database hop
(`FirstHopCheck`), not in a hop of its own: a revoked key answers `session_expired` before
anything is read or written, and a changed role is taken in and the call run again as it stands.

Every write takes `idempotency_key` and every change of an existing entity `expected_version`,
from the declaration (`call_options`): a keyed call runs in one held transaction that also keeps
its answer (`replay.py`); a version is compared in the transaction of the call's first write.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from functools import partial
from typing import Any

from pydantic import BaseModel

from worktrail.domain.clock import Clock, SystemClock, format_ts
from worktrail.domain.errors import ToolError
from worktrail.domain.oauth_tokens import GRANT_PREFIX
from worktrail.domain.roles import at_least
from worktrail.domain.scopes import scope_for_role
from worktrail.store.checks import FirstHopCheck, checked_first, checked_first_write
from worktrail.store.resources.keys import ActorChanged, check_session
from worktrail.store.store import Store
from worktrail.store.versions import check_version
from worktrail.tools.answers import Answer, Outcome, dump
from worktrail.tools.call_options import CallOptions, split
from worktrail.tools.context import Call, Serving, Session
from worktrail.tools.declaration import Tool
from worktrail.tools.listing import Listed
from worktrail.tools.params import Params
from worktrail.tools.replay import Keeping, run_keyed
from worktrail.tools.validation import validate

log = logging.getLogger(__name__)


class UnknownTool(LookupError):
    """No tool by that name (a protocol error, not a tool error)."""


class Registry:
    """Every tool of one server, bound to a store and a clock. A tool may be given as the shipped
    catalogue lists it (`Listed`): its family is imported when it is first found.

    `idempotency_ttl`: how long a key's answer is kept; `in_progress_seconds`: how long a keyed
    call waits for another one holding the writer before it answers `idempotency_in_progress`.
    """

    def __init__(
        self,
        tools: Iterable[Tool | Listed],
        store: Store,
        clock: Clock | None = None,
        *,
        idempotency_ttl: timedelta = timedelta(hours=24),
        in_progress_seconds: float = 10.0,
        serving: Serving | None = None,
    ) -> None:
        self.tools = tuple(tools)
        self.store = store
        self.clock = clock or SystemClock()
        self.idempotency_ttl = idempotency_ttl
        self.in_progress_seconds = in_progress_seconds
        self.serving = serving or Serving()
        self._by_name: dict[str, Tool | Listed] = {}
        for t in self.tools:
            for name in {t.name, t.underscore_name}:
                if name in self._by_name:
                    raise ValueError(f"two tools answer to {name!r}")
                self._by_name[name] = t

    def find(self, name: str) -> Tool:
        """A tool by its dotted or underscore name."""
        found = self._by_name.get(name)
        if found is None:
            raise UnknownTool(name)
        if isinstance(found, Listed):
            found = found.declared()
            self._by_name[found.name] = self._by_name[found.underscore_name] = found
        return found

    async def call(self, name: str, arguments: dict[str, Any] | None, session: Session) -> Outcome:
        """Run one call through every check; never raises but for an unknown tool."""
        spec = self.find(name)
        try:
            answer = await self._run_as_it_stands(spec, arguments or {}, session)
        except ToolError as refused:
            return Outcome(_for_an_app(refused, session.actor).envelope(), True)
        except Exception:
            correlation = uuid.uuid4().hex[:16]
            log.exception("internal error in %s [correlation id %s]", spec.name, correlation)
            message = f"Internal error in {spec.name}; the server log has the cause under correlation id {correlation}."
            return Outcome(ToolError("internal_error", message, {"correlation_id": correlation}).envelope(), True)
        return Outcome(answer.payload, False, answer.replayed)

    async def _run_as_it_stands(self, spec: Tool, arguments: dict[str, Any], session: Session) -> Answer:
        """Run the call; if the caller's resource changed since the session last saw it (its role,
        say), nothing was done yet: take the change in and run it once more."""
        try:
            return await self._run(spec, arguments, session)
        except ActorChanged as changed:
            session.actor = changed.actor
        except ToolError as refused:
            # A refusal may rest on a role that has since been raised: worth one fresh look.
            if refused.code != "forbidden" or session.actor is None:
                raise
            fresh = await self.store.keys.verify(session.actor.key_id)
            if fresh == session.actor:
                raise
            session.actor = fresh
        try:
            return await self._run(spec, arguments, session)
        except ActorChanged as changed:
            session.actor = changed.actor
            raise ToolError("conflict", "This session's resource is being changed right now; call again.") from None

    async def _run(self, spec: Tool, arguments: dict[str, Any], session: Session) -> Answer:
        actor = None
        if spec.needs_login:
            if session.actor is None:
                raise ToolError("not_authenticated", "No active login for this session. Call ts.auth.login first.")
            actor = session.actor
        rest, options = split(spec, arguments)
        if options.idempotency_key is not None and actor is not None:

            async def work(at: str) -> dict[str, Any]:
                params = self.prepare(spec, rest, actor)
                call = Call(spec.name, self.store, session, actor, at, self.serving)
                return dump(await self.handle(spec, call, params, rest, options))

            keeping = Keeping(self.idempotency_ttl, self.in_progress_seconds)
            key = options.idempotency_key
            return await run_keyed(self.store.db, keeping, self.clock.now(), spec.name, arguments, key, actor, work)
        params = self.prepare(spec, rest, actor)
        call = Call(spec.name, self.store, session, actor, format_ts(self.clock.now()), self.serving)
        if actor is None:
            return Answer(dump(await spec.handler(call, params)))
        # The key is re-checked in the handler's first hop, in that hop's own transaction: a revoked
        # key or a changed role is seen on the very next call, at no extra round trip.
        key_check = FirstHopCheck(partial(check_session, actor=actor, at=call.now), actor)
        with checked_first(key_check):
            result = await self.handle(spec, call, params, rest, options)
        if not key_check.done:  # the handler never reached the database (ts.auth.logout): check now
            await self.store.keys.verify(actor.key_id)
        return Answer(dump(result))

    def prepare(self, spec: Tool, arguments: dict[str, Any], actor: Any) -> Params:
        """The validated params, once the caller's role allows the tool."""
        params = self.validate(spec, arguments)
        if actor is not None and not at_least(actor.role, spec.min_role):
            said = f"{spec.name} needs the role {spec.min_role} or higher; this session's role is {actor.role}."
            details = {"required_role": spec.min_role, "role": actor.role}
            raise ToolError("forbidden", said, details, needs_role=spec.min_role)
        return params

    async def handle(
        self, spec: Tool, call: Call, params: Params, arguments: dict[str, Any], options: CallOptions
    ) -> BaseModel:
        """The handler, with the caller's expected_version compared in its first write."""
        with _version_guard(spec, arguments, options):
            return await spec.handler(call, params)

    @staticmethod
    def validate(spec: Tool, arguments: dict[str, Any]) -> Params:
        """Strict JSON-mode validation, then the model's cross-field checks; `invalid_input` on failure."""
        return validate(spec.name, spec.params, arguments)


def _for_an_app(refused: ToolError, actor: Any) -> ToolError:
    """A `forbidden` answered to an app signed in with OAuth names the scope that would allow the
    call (`details.required_scope`), where the refusal says which role would: the registry's role
    check, or a handler's rule about the entity (a member changing another's resource). A key's
    caller gets the refusal as it is."""
    if refused.code != "forbidden" or refused.needs_role is None or actor is None or not actor.key_id.startswith(GRANT_PREFIX):
        return refused
    needed = scope_for_role(refused.needs_role)
    details = {**(refused.details or {}), "required_role": refused.needs_role, "role": actor.role,
               "required_scope": needed or "none (an owner's alone)"}  # fmt: skip
    said = refused.message + (f" This app was granted less: sign in from it again asking for the scope {needed}, which "
                              "your role must allow." if needed else " No app's grant acts as an owner.")  # fmt: skip
    return ToolError("forbidden", said, details, needs_role=refused.needs_role)


@contextmanager
def _version_guard(spec: Tool, arguments: dict[str, Any], options: CallOptions) -> Iterator[None]:
    if spec.versioned is None or options.expected_version is None:
        yield
        return
    table, where, expected = spec.versioned.table, spec.versioned.where(arguments), options.expected_version
    with checked_first_write(FirstHopCheck(lambda conn: check_version(conn, table, where, expected))):
        yield
