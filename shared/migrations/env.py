"""Alembic environment shared by every service; the service comes from the config attributes."""

import importlib

from alembic import context
from alembic.autogenerate.render import _repr_type as render_type
from sqlalchemy import TypeDecorator, create_engine

from shared.db import UtcDateTime, ensure_sqlite_dir

config = context.config
service = config.attributes.get("service") or context.get_x_argument(as_dictionary=True)["service"]
target_metadata = importlib.import_module(f"services.{service}.adapters.orm").metadata
url = config.get_main_option("sqlalchemy.url")


def render_item(type_, obj, autogen_context):
    """Render project types as the plain column types they store, so revisions stand alone."""
    if type_ == "type" and isinstance(obj, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    if type_ == "type" and isinstance(obj, TypeDecorator):
        return render_type(obj.impl_instance, autogen_context)
    return False


def run_offline() -> None:
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=url.startswith("sqlite"),
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    ensure_sqlite_dir(url)
    engine = create_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            render_item=render_item,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
