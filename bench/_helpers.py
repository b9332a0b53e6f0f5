"""Shared by the benchmark scripts (bin/bench skips files whose names start with an underscore)."""

from contextlib import contextmanager


@contextmanager
def counting_queries(counter: list[int]):
    """Count the queries run inside the block into counter[0], whatever DEBUG is."""
    from django.db import connection

    def count(execute, sql, params, many, context):
        counter[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        yield
