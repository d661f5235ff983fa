"""The test harness's own promises, on each database: a copied database shares nothing with
its template or with another copy, and the remembering embedder gives the model's vectors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sqlalchemy import func, select

from app.db.engine import Database
from app.db.models import User
from app.embedding import get_embedder
from tests.databases import copy_database, drop_database, seal
from tests.embedders import RememberingEmbedder
from tests.factories import make_user

MODEL = "sentence-transformers/all-MiniLM-L6-v2"


def names(url: str) -> list[str]:
    db = Database(url)
    try:
        with db.session(write=False) as session:
            return list(session.scalars(select(User.name).order_by(User.id)))
    finally:
        db.dispose()


def test_a_copy_shares_nothing_with_its_template_or_another_copy(
    blank_url: str, tmp_path: Path
) -> None:
    template = copy_database(blank_url, sqlite_path=tmp_path / "template.db")
    first = second = ""
    try:
        db = Database(template)
        make_user(db, "Ana Reyes")
        db.dispose()
        seal(template)
        first = copy_database(template, sqlite_path=tmp_path / "first.db")
        second = copy_database(template, sqlite_path=tmp_path / "second.db")

        db = Database(first)
        make_user(db, "Ben Okafor")
        with db.unit_of_work() as session:
            session.scalars(select(User).where(User.name == "Ana Reyes")).one().name = "Ana Renamed"
        db.dispose()

        assert names(first) == ["Ana Renamed", "Ben Okafor"]
        assert names(second) == ["Ana Reyes"]
        assert names(template) == ["Ana Reyes"]
    finally:
        for url in (first, second, template):
            if url:
                drop_database(url)


def test_each_copy_starts_from_the_blank_schema(db: Database) -> None:
    with db.session(write=False) as session:
        assert session.scalar(select(func.count()).select_from(User)) == 0


def test_the_remembering_embedder_gives_the_models_vectors_byte_for_byte() -> None:
    model = get_embedder(MODEL)
    remembering = RememberingEmbedder(model)
    batch = ["Deb holds the purse strings.", "Gus signs anything over $25k himself."]

    first = remembering.embed(batch)
    first[0, 0] += 1.0  # a caller that changes what it got changes nothing remembered
    again = remembering.embed(batch)

    assert again.dtype == np.float32 and again.shape == (2, model.dims)
    assert again.tobytes() == model.embed(batch).tobytes()
    assert remembering.name == model.name and remembering.dims == model.dims
