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
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)
UNREACHABLE = (RedisConnectionError, RedisTimeoutError, ConnectionError, TimeoutError)


def _falls_back(name: str):
    def method(self, *args, **kwargs):
        return self._call(name, *args, **kwargs)

    method.__name__ = name
    return method


class FallbackRedisCache(RedisCache):
    _cache: RedisCacheClient  # RedisCache's cached property of the client, which django-stubs leaves out
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

    # The methods RedisCache defines itself; the cache API builds the rest (decr, get_or_set...) on them.
    add = _falls_back("add")
    get = _falls_back("get")
    set = _falls_back("set")
    touch = _falls_back("touch")
    delete = _falls_back("delete")
    get_many = _falls_back("get_many")
    has_key = _falls_back("has_key")
    incr = _falls_back("incr")
    set_many = _falls_back("set_many")
    delete_many = _falls_back("delete_many")

    def clear(self):
        self._fallback.clear()
        return self._call("clear")
