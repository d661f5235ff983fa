"""How pytest-xdist splits the suite: a module's tests on one kind of database are one unit of
work. The unit's world (tests/worlds.py) is then built once, on one worker, and the SQLite and
PostgreSQL halves of a slow module run on two workers at once.

pytest-xdist's own ``loadgroup`` groups by ``xdist_group`` marks by rewriting node ids, which
pytest 9 no longer allows (it then falls back to spreading single tests), so ``--dist
loadgroup`` means this grouping here."""

from __future__ import annotations

from xdist.scheduler import LoadScopeScheduling

from tests.databases import DB_KINDS


class ModuleAndKindScheduling(LoadScopeScheduling):
    def _split_scope(self, nodeid: str) -> str:
        module, _, test = nodeid.partition("::")
        params = test.partition("[")[2].removesuffix("]").split("-")
        kind = next((param for param in params if param in DB_KINDS), "")
        return f"{module}[{kind}]"
