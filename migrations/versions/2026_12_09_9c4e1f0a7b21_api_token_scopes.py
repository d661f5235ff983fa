"""api token scopes

``api_tokens.scopes``: what each token may be used for, space-separated (``read``, ``write``,
``admin``, ``mail``). Tokens made before keep what they could do: every token could read, write
and post e-mail, and an admin's could do an admin's work, so an admin's token gets all four
scopes and anyone else's the first three. The same on SQLite and PostgreSQL.

Revision ID: 9c4e1f0a7b21
Revises: a4f19c3e7b21
Create Date: 2026-12-09 04:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9c4e1f0a7b21"
down_revision: str | None = "a4f19c3e7b21"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As app.db.models.columns.ScopeSet writes them: sorted, space-separated.
_EVERY_SCOPE = "admin mail read write"
_MEMBER_SCOPES = "mail read write"


def upgrade() -> None:
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scopes", sa.String(length=64), nullable=True))
    tokens = sa.table("api_tokens", sa.column("user_id", sa.Integer), sa.column("scopes"))
    users = sa.table("users", sa.column("id", sa.Integer), sa.column("role", sa.String))
    admins = sa.select(users.c.id).where(users.c.role == "admin")
    op.execute(tokens.update().where(tokens.c.user_id.in_(admins)).values(scopes=_EVERY_SCOPE))
    op.execute(tokens.update().where(tokens.c.scopes.is_(None)).values(scopes=_MEMBER_SCOPES))
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.alter_column("scopes", existing_type=sa.String(length=64), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_column("scopes")
