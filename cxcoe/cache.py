"""A Redis cache that keeps the site up while Redis can't be reached.

Rate limits (allauth's sign-in limits), import progress and a few short-lived flags live in the cache.
When Redis is down, each call falls back to a memory cache of this process instead of raising, and
Redis is tried again a few seconds later. During an outage those values are per process: a sign-in
limit counts the attempts each web process saw, and import progress shows only in the process that
writes it (README: "While Redis is down").
"""

import logging
import time

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)
UNREACHABLE = (RedisConnectionError, RedisTimeoutError, ConnectionError, TimeoutError)


class FallbackRedisCache(RedisCache):
    retry_after = 5.0  # seconds spent on the memory cache before Redis is tried again

    def __init__(self, server, params):
        super().__init__(server, params)
        self._fallback = LocMemCache(f"cxcoe-fallback-{server}", {"TIMEOUT": params.get("TIMEOUT", 300)})
        self._down_until = 0.0

    def ping(self) -> None:
        """Raise when Redis itself can't be reached, whatever the fallback would answer (the readiness check)."""
        self._cache.get_client(write=True).ping()

    def _call(self, name: str, *args, **kwargs):
        if time.monotonic() >= self._down_until:
            try:
                result = getattr(RedisCache, name)(self, *args, **kwargs)
            except UNREACHABLE as exc:
                if not self._down_until:
                    log.warning("Redis cache unreachable (%s); using this process's memory until it is back", exc)
                self._down_until = time.monotonic() + self.retry_after
            else:
                if self._down_until:
                    log.warning("Redis cache reachable again")
                    self._down_until = 0.0
                return result
        return getattr(self._fallback, name)(*args, **kwargs)

    def add(self, *args, **kwargs):
        return self._call("add", *args, **kwargs)

    def get(self, *args, **kwargs):
        return self._call("get", *args, **kwargs)

    def set(self, *args, **kwargs):
        return self._call("set", *args, **kwargs)

    def touch(self, *args, **kwargs):
        return self._call("touch", *args, **kwargs)

    def delete(self, *args, **kwargs):
        return self._call("delete", *args, **kwargs)

    def get_many(self, *args, **kwargs):
        return self._call("get_many", *args, **kwargs)

    def has_key(self, *args, **kwargs):
        return self._call("has_key", *args, **kwargs)

    def incr(self, *args, **kwargs):
        return self._call("incr", *args, **kwargs)

    def set_many(self, *args, **kwargs):
        return self._call("set_many", *args, **kwargs)

    def delete_many(self, *args, **kwargs):
        return self._call("delete_many", *args, **kwargs)

    def clear(self):
        self._fallback.clear()
        return self._call("clear")
