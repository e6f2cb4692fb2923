"""What a request is told when the database ends its transaction: a change met at the same
moment (PostgreSQL's serialization failure or deadlock) is a 409 to send again; a database that
cannot be reached is a 503 to retry shortly. Every service answers through
`shared.problems.register_problem_handlers`; a route of a bare app shows it here, and
tests/goals/test_goals_api.py shows a deadlock between two real requests."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import Engine, event, text

from shared.db import make_engine
from shared.problems import register_problem_handlers
from tests.support.races import once_after


def counter_app(engine: Engine) -> Flask:
    """POST /counter adds one to the counter in a REPEATABLE READ transaction."""
    app = Flask(__name__)
    register_problem_handlers(app)

    @app.post("/counter")
    def add_one():
        with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn, \
                conn.begin():
            value = conn.execute(text("SELECT value FROM counter")).scalar_one()
            conn.execute(text("UPDATE counter SET value = :value"), {"value": value + 1})
        return {"value": value + 1}

    return app


def counter(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT value FROM counter")).scalar_one()


def test_a_change_that_meets_another_at_the_same_moment_is_told_to_send_it_again(pg_url):
    """Another transaction adds 10 after the request read the counter: PostgreSQL refuses the
    request's update (SQLSTATE 40001), which answered 503 "The database is unavailable"
    though it was up. It is a 409 saying to send it again; sent again, it adds one."""
    engine = make_engine(pg_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE counter (value integer NOT NULL)"))
            conn.execute(text("INSERT INTO counter VALUES (0)"))

        def add_ten() -> None:
            with engine.begin() as conn:
                conn.execute(text("UPDATE counter SET value = value + 10"))

        client = counter_app(engine).test_client()
        hook = once_after("SELECT value FROM counter", add_ten)
        event.listen(engine, "after_cursor_execute", hook)
        try:
            refused = client.post("/counter")
        finally:
            event.remove(engine, "after_cursor_execute", hook)

        assert refused.status_code == 409, refused.get_data(as_text=True)
        assert refused.json["detail"] == ("This changed at the same moment as another change; "
                                          "send it again.")
        assert counter(engine) == 10
        again = client.post("/counter")
        assert (again.status_code, again.json) == (200, {"value": 11})
    finally:
        engine.dispose()


def test_a_database_that_cannot_be_reached_is_still_a_503_to_retry_shortly():
    """Nothing listens where the engine points: the request is answered 503 with Retry-After,
    not the 409 of a change met at the same moment."""
    engine = make_engine("postgresql+psycopg://goalkeeper@127.0.0.1:9/none?connect_timeout=2")
    try:
        answer = counter_app(engine).test_client().post("/counter")
    finally:
        engine.dispose()

    assert answer.status_code == 503, answer.get_data(as_text=True)
    assert answer.headers["Retry-After"] == "1"
    assert answer.json["detail"] == ("The database is unavailable; retry shortly with the same "
                                     "request.")
