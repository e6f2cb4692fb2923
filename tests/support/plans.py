"""The query plans of statements a test caught, to assert a lookup searches an index."""

from __future__ import annotations


def query_plan(engine, table: str, statement: str, parameters) -> str:
    """The plan of `statement`, as text (on PostgreSQL, with `table`'s statistics up to date;
    SQLite keeps none unless told to, and Goalkeeper does not)."""
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql(f"ANALYZE {table}")
            return "\n".join(conn.exec_driver_sql("EXPLAIN " + statement, parameters).scalars())
        rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
        return "\n".join(row[-1] for row in rows)
