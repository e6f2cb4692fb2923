"""A request's shared session serves one unit of work at a time: one opened inside another
gets a session of its own, so leaving it cannot end the outer one's transaction."""

from __future__ import annotations

from sqlalchemy import MetaData, text

from shared.config import Settings
from shared.db import make_engine, make_session_factory
from shared.messaging_tables import outbox_table
from shared.outbox import OutboxWriter, make_waker
from shared.uow import UnitOfWork, begin_request, end_request, request_session


def test_a_nested_unit_of_work_gets_its_own_session(tmp_path):
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    settings = Settings(service="goals", database_url=url, port=0)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    metadata = MetaData()
    outbox = OutboxWriter(outbox_table(metadata, settings.service), settings)
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE notes (body TEXT)"))

    def uow() -> UnitOfWork:
        return UnitOfWork(factory, outbox, make_waker(settings))

    begin_request(factory)
    try:
        with request_session(factory) as standing:
            pass
        with uow() as outer:
            assert outer.session is standing  # the standing check and the handler share it
            outer.session.execute(text("INSERT INTO notes VALUES ('outer')"))
            with request_session(factory) as aside:
                assert aside is not outer.session
            with uow() as inner:
                assert inner.session is not outer.session
            outer.commit()  # still its own transaction, with its write
        with uow() as after:
            assert after.session is standing  # free again once the outer one ended
            assert after.session.execute(text("SELECT body FROM notes")).scalars().all() == [
                "outer"]
    finally:
        end_request()
        engine.dispose()
