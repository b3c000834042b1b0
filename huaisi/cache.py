"""Django's Redis cache, keeping one client per connection pool.

Django's backend builds a new `redis.Redis` for every cache call, and redis-py's constructor
fills a table of some 170 reply parsers each time: 0.05 ms a call, several calls on every
page (the session, the kiosk's session and standings). A client holds no connection of its
own (its pool does) and is safe to share between threads, so one per pool does the same work.
(Django gives each thread its own cache backend, so in practice each thread keeps one.)
"""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class ReusedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            pool = self._get_connection_pool(write)
            client = self._clients[index] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient  # Django sets its own here
