"""The store: one database and a repository per aggregate, as the tools see them."""

from __future__ import annotations

from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any

from worktrail.store.database import Access, Database
from worktrail.store.locator import Location, locate

if TYPE_CHECKING:
    from worktrail.store.audit import AuditTrail
    from worktrail.store.board.counts import BoardCounts
    from worktrail.store.board.names import BoardNames
    from worktrail.store.board.sessions import BoardSessions
    from worktrail.store.changes import Changes
    from worktrail.store.endeavours.endeavours import Endeavours
    from worktrail.store.executions.executions import Executions
    from worktrail.store.export import Export
    from worktrail.store.maintenance import Maintenance
    from worktrail.store.missions.events import Events
    from worktrail.store.missions.missions import Missions
    from worktrail.store.missions.plans import Plans
    from worktrail.store.missions.runs import MissionRuns
    from worktrail.store.names import Names
    from worktrail.store.oauth.clients import OAuthClients
    from worktrail.store.oauth.grants import OAuthGrants
    from worktrail.store.recovery import Recovery
    from worktrail.store.relations.relations import Relations
    from worktrail.store.replays import Replays
    from worktrail.store.resources.keys import Keys
    from worktrail.store.resources.resources import Resources
    from worktrail.store.rituals.rituals import Rituals
    from worktrail.store.rituals.runs import RitualRuns
    from worktrail.store.runs import Runs
    from worktrail.store.tasks.claims import Claims
    from worktrail.store.tasks.tasks import Tasks
    from worktrail.store.workflows.attachments import Attachments
    from worktrail.store.workflows.runs import WorkflowRuns
    from worktrail.store.workflows.workflows import Workflows


class _Repository:
    """A repository of the store, made (and its module imported) at its first use: a server
    starting over stdio needs four of the ~30, and importing them all was a share of its cold
    start (issue 30)."""

    def __init__(self, module: str, name: str) -> None:
        self.module, self.name = module, name

    def __set_name__(self, owner: type, attribute: str) -> None:
        self.attribute = attribute

    def __get__(self, store: Store | None, owner: type) -> Any:
        if store is None:
            return self
        made = getattr(import_module(self.module), self.name)(store.db)
        store.__dict__[self.attribute] = made  # read from the instance from now on
        return made


class Store:
    """Everything the tools read and write, behind one open database."""

    keys: Keys = _Repository("worktrail.store.resources.keys", "Keys")
    resources: Resources = _Repository("worktrail.store.resources.resources", "Resources")
    endeavours: Endeavours = _Repository("worktrail.store.endeavours.endeavours", "Endeavours")
    tasks: Tasks = _Repository("worktrail.store.tasks.tasks", "Tasks")
    claims: Claims = _Repository("worktrail.store.tasks.claims", "Claims")
    relations: Relations = _Repository("worktrail.store.relations.relations", "Relations")
    rituals: Rituals = _Repository("worktrail.store.rituals.rituals", "Rituals")
    runs: RitualRuns = _Repository("worktrail.store.rituals.runs", "RitualRuns")
    audit: AuditTrail = _Repository("worktrail.store.audit", "AuditTrail")
    maintenance: Maintenance = _Repository("worktrail.store.maintenance", "Maintenance")
    export: Export = _Repository("worktrail.store.export", "Export")
    replays: Replays = _Repository("worktrail.store.replays", "Replays")
    missions: Missions = _Repository("worktrail.store.missions.missions", "Missions")
    mission_runs: MissionRuns = _Repository("worktrail.store.missions.runs", "MissionRuns")
    plans: Plans = _Repository("worktrail.store.missions.plans", "Plans")
    events: Events = _Repository("worktrail.store.missions.events", "Events")
    workflows: Workflows = _Repository("worktrail.store.workflows.workflows", "Workflows")
    workflow_runs: WorkflowRuns = _Repository("worktrail.store.workflows.runs", "WorkflowRuns")
    attachments: Attachments = _Repository("worktrail.store.workflows.attachments", "Attachments")
    executions: Executions = _Repository("worktrail.store.executions.executions", "Executions")
    recovery: Recovery = _Repository("worktrail.store.recovery", "Recovery")
    all_runs: Runs = _Repository("worktrail.store.runs", "Runs")
    names: Names = _Repository("worktrail.store.names", "Names")
    board_sessions: BoardSessions = _Repository("worktrail.store.board.sessions", "BoardSessions")
    board_names: BoardNames = _Repository("worktrail.store.board.names", "BoardNames")
    board_counts: BoardCounts = _Repository("worktrail.store.board.counts", "BoardCounts")
    changes: Changes = _Repository("worktrail.store.changes", "Changes")
    oauth_clients: OAuthClients = _Repository("worktrail.store.oauth.clients", "OAuthClients")
    oauth_grants: OAuthGrants = _Repository("worktrail.store.oauth.grants", "OAuthGrants")

    def __init__(self, db: Database) -> None:
        self.db = db

    @classmethod
    async def open(
        cls, where: str | Path | Location, *, synchronous: str = "NORMAL", access: Access = "create"
    ) -> Store:
        """Open the ledger `where` is (a SQLite file's path, or a location: see locator.py): created
        and migrated as needed, or (`access`) only an existing ledger, or only for reading."""
        location = where if isinstance(where, Location) else locate(str(where))
        mode = "FULL" if synchronous.upper() == "FULL" else "NORMAL"
        db: Database
        if location.kind == "postgresql":
            from worktrail.store.postgresql.database import PostgresqlDatabase  # its driver only when asked for

            db = PostgresqlDatabase(location, synchronous=mode, access=access)
        else:
            # Imported here too: a stdio server answers the client's `initialize` while it opens the ledger.
            from worktrail.store.sqlite.database import SqliteDatabase

            assert location.path is not None
            db = SqliteDatabase(location.path, synchronous=mode, access=access)
        await db.open()
        return cls(db)

    async def close(self) -> None:
        await self.db.close()
