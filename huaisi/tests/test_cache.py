"""The Redis cache backend (huaisi/cache.py): Django's, with one redis client per pool."""

import threading

from django.core.cache import cache, caches

from huaisi.cache import RedisCache


def test_the_configured_cache_is_ours_and_reuses_its_client():
    backend = caches["default"]
    assert isinstance(backend, RedisCache)
    client = backend._cache.get_client("a", write=True)
    assert backend._cache.get_client("b", write=True) is client
    assert backend._cache.get_client("c") is backend._cache.get_client("d")


def test_values_round_trip_from_threads_sharing_the_client():
    # Web and Celery threads share one client: each must read back what it wrote.
    errors = []

    def worker(n: int) -> None:
        try:
            for i in range(50):
                key = f"test-cache:{n}:{i}"
                cache.set(key, {"n": n, "i": i}, 30)
                if cache.get(key) != {"n": n, "i": i}:
                    errors.append((n, i))
                cache.delete(key)
                if cache.get(key) is not None:
                    errors.append(("deleted", n, i))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
