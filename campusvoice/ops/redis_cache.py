"""Django's RedisCache, minus a redis.Redis object built for every cache call.

Django's RedisCacheClient.get_client() makes a new `redis.Redis` around the shared connection
pool on each call, and redis-py fills a table of about 200 response callbacks in every new one:
about half a millisecond of CPU per cache call, and the signing path makes several per request.
A redis.Redis is safe to share between threads (each command borrows a pooled connection), so one
per pool is kept. Behaviour, keys and serialisation are Django's.
"""

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class _ReusingClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class ReusingRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _ReusingClient
