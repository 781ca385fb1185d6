"""The store: one database and a repository per aggregate, as the tools see them."""

from __future__ import annotations

from pathlib import Path

from worktrail.store.audit import AuditTrail
from worktrail.store.board.counts import BoardCounts
from worktrail.store.board.names import BoardNames
from worktrail.store.board.sessions import BoardSessions
from worktrail.store.changes import Changes
from worktrail.store.database import Access, Database
from worktrail.store.endeavours.endeavours import Endeavours
from worktrail.store.executions.executions import Executions
from worktrail.store.export import Export
from worktrail.store.locator import Location, locate
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
from worktrail.store.sqlite.database import SqliteDatabase
from worktrail.store.tasks.claims import Claims
from worktrail.store.tasks.tasks import Tasks
from worktrail.store.workflows.attachments import Attachments
from worktrail.store.workflows.runs import WorkflowRuns
from worktrail.store.workflows.workflows import Workflows


class Store:
    """Everything the tools read and write, behind one open database."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.keys = Keys(db)
        self.resources = Resources(db)
        self.endeavours = Endeavours(db)
        self.tasks = Tasks(db)
        self.claims = Claims(db)
        self.relations = Relations(db)
        self.rituals = Rituals(db)
        self.runs = RitualRuns(db)
        self.audit = AuditTrail(db)
        self.maintenance = Maintenance(db)
        self.export = Export(db)
        self.replays = Replays(db)
        self.missions = Missions(db)
        self.mission_runs = MissionRuns(db)
        self.plans = Plans(db)
        self.events = Events(db)
        self.workflows = Workflows(db)
        self.workflow_runs = WorkflowRuns(db)
        self.attachments = Attachments(db)
        self.executions = Executions(db)
        self.recovery = Recovery(db)
        self.all_runs = Runs(db)
        self.names = Names(db)
        self.board_sessions = BoardSessions(db)
        self.board_names = BoardNames(db)
        self.board_counts = BoardCounts(db)
        self.changes = Changes(db)
        self.oauth_clients = OAuthClients(db)
        self.oauth_grants = OAuthGrants(db)

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
            assert location.path is not None
            db = SqliteDatabase(location.path, synchronous=mode, access=access)
        await db.open()
        return cls(db)

    async def close(self) -> None:
        await self.db.close()
