"""Alembic migrations build exactly the schema the models describe, on both engines."""

from __future__ import annotations

import importlib

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from shared.config import SERVICES
from shared.migrate import upgrade


@pytest.mark.parametrize("service", SERVICES)
def test_migrations_at_head_match_the_models(service, db_url):
    upgrade(service, db_url)
    metadata = importlib.import_module(f"services.{service}.adapters.orm").metadata
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), metadata)
    finally:
        engine.dispose()
    fix = f"python -m shared.migrate {service} new MESSAGE"
    assert diff == [], f"models and migrations of {service} disagree; run `{fix}`"


@pytest.mark.parametrize("service", SERVICES)
def test_migrating_twice_is_harmless(service, db_url):
    upgrade(service, db_url)
    upgrade(service, db_url)
