"""Shared by the benchmark scripts (bin/bench skips files whose names start with an underscore)."""

from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit


@contextmanager
def counting_queries(counter: list[int]):
    """Count the queries run inside the block into counter[0], whatever DEBUG is."""
    from django.db import connection

    def count(execute, sql, params, many, context):
        counter[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        yield


def server_connection(url: str):
    """An autocommit connection to the maintenance database of the server `url` points at."""
    import psycopg

    parts = urlsplit(url)
    return psycopg.connect(host=parts.hostname or "127.0.0.1", port=parts.port or 5432, user=parts.username,
                           password=parts.password, dbname="postgres", autocommit=True)


def database_url(url: str, name: str) -> str:
    """The URL of the database `name` on the server of `url`."""
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def create_database(url: str, name: str) -> str:
    """(Re)create the scratch database `name` on the server of `url`; returns its URL."""
    with server_connection(url) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    return database_url(url, name)


def database_comment(url: str, name: str) -> str | None:
    """The comment on the database `name` (None when it has none or does not exist)."""
    with server_connection(url) as conn:
        row = conn.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
                           [name]).fetchone()
    return row[0] if row else None


def drop_database(url: str, name: str) -> None:
    from django.db import connections

    connections.close_all()
    with server_connection(url) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
