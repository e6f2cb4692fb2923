"""Alembic migrations build exactly the schema the models describe, on both engines."""

from __future__ import annotations

import importlib
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text

from shared.config import SERVICES
from shared.messaging_tables import wake_channel
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


def _triggers(url: str) -> list[str]:
    """Every trigger the database's tables have, as `CREATE TRIGGER` statements."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(text(
                "SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal "
                "ORDER BY 1")).scalars())
    finally:
        engine.dispose()


def _outbox_triggers(url: str) -> list[str]:
    return [t for t in _triggers(url) if " ON public.outbox " in t]


@pytest.mark.parametrize("service", SERVICES)
def test_a_migrated_postgresql_outbox_wakes_its_relay_as_a_created_one_does(service, pg_url,
                                                                           postgres_server):
    upgrade(service, pg_url)
    migrated = _outbox_triggers(pg_url)
    assert len(migrated) == 1 and f"gk_outbox_wake('{wake_channel(service)}')" in migrated[0]
    created = f"t_{uuid.uuid4().hex}"
    created_url = postgres_server.create_database(created)
    try:
        engine = create_engine(created_url)
        importlib.import_module(f"services.{service}.adapters.orm").metadata.create_all(engine)
        engine.dispose()
        assert _outbox_triggers(created_url) == migrated
    finally:
        postgres_server.drop_database(created)


@pytest.mark.parametrize("service", SERVICES)
def test_a_migrated_postgresql_database_notifies_read_caches_as_a_created_one_does(
        service, pg_url, postgres_server):
    """Every table a kept read is made of has its change triggers (shared.read_cache), whether
    the database was migrated or created from the models."""
    orm = importlib.import_module(f"services.{service}.adapters.orm")
    upgrade(service, pg_url)
    migrated = _triggers(pg_url)
    watched = [t.name for t in getattr(orm, "READ_BY_TEAM", ()) + getattr(orm, "READ_WHOLE", ())]
    for table in watched:
        assert sum(f" ON public.{table} " in t for t in migrated) == 2, (table, migrated)
    assert sum("gk_changed(" in t for t in migrated) == 2 * len(watched)
    created = f"t_{uuid.uuid4().hex}"
    created_url = postgres_server.create_database(created)
    try:
        engine = create_engine(created_url)
        orm.metadata.create_all(engine)
        engine.dispose()
        assert _triggers(created_url) == migrated
    finally:
        postgres_server.drop_database(created)
