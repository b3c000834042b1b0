import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english_messages():
    """Service messages are asserted in their English source text; pages set their own
    language per request (and one test reads the Chinese)."""
    with translation.override("en"):
        yield
