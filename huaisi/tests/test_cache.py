"""The Redis cache backend (huaisi/cache.py): Django's, with one redis client per pool."""

import threading

from django.core.cache import caches

from huaisi.cache import RedisCache


def test_the_configured_cache_is_ours_and_reuses_its_client():
    backend = caches["default"]
    assert isinstance(backend, RedisCache)
    client = backend._cache.get_client("a", write=True)
    assert backend._cache.get_client("b", write=True) is client
    assert backend._cache.get_client("c") is backend._cache.get_client("d")


def test_values_round_trip_from_threads_sharing_the_client():
    # Django gives each thread its own backend; one backend handed to several threads (as a
    # thread pool may do) shares its client, and each thread must read back its own values.
    backend = caches["default"]
    client = backend._cache.get_client(write=True)
    errors, clients = [], set()

    def worker(n: int) -> None:
        try:
            for i in range(50):
                key = f"test-cache:{n}:{i}"
                backend.set(key, {"n": n, "i": i}, 30)
                if backend.get(key) != {"n": n, "i": i}:
                    errors.append((n, i))
                backend.delete(key)
                if backend.get(key) is not None:
                    errors.append(("deleted", n, i))
            clients.add(id(backend._cache.get_client(write=True)))
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert clients == {id(client)}
