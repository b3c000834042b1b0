"""Settings for the server the benchmark measures: the project's own, plus the bench URLs.

The runner sets production-like values in the environment before this module is imported
(DEBUG=false, a SECRET_KEY, ALLOWED_HOSTS=127.0.0.1, the bench DATABASE_URL); see
`harness.bench_environment`.
"""

from django.core.exceptions import ImproperlyConfigured

from huaisi.settings import *  # noqa: F403
from huaisi.settings import DEBUG

if DEBUG:
    raise ImproperlyConfigured("bench.settings measures production-like settings: DEBUG=false.")

ROOT_URLCONF = "bench.urls"
