"""Another database's URL keeps everything of DATABASE_URL but the name: the embedded server's
socket folder once became part of a scratch database's name."""

import environ
import pytest

from huaisi.dburl import database_url

pytestmark = pytest.mark.services


@pytest.mark.parametrize(
    ("url", "expected_host", "expected_port"),
    [
        ("postgres://postgres@%2Fhome%2Fme%2Fhuaisi%2Fvar%2Fpg/huaisi", "%2Fhome%2Fme%2Fhuaisi%2Fvar%2Fpg", ""),
        ("postgres://huaisi:p%40ss@db.example:6543/huaisi?sslmode=require", "db.example", 6543),
        ("postgres://postgres@127.0.0.1:5432/huaisi", "127.0.0.1", 5432),
    ],
)  # fmt: skip
def test_only_the_database_name_changes(url, expected_host, expected_port):
    other = database_url("test_huaisi_townimport_1a2b", url=url)
    config = environ.Env.db_url_config(other)
    original = environ.Env.db_url_config(url)
    assert config["NAME"] == "test_huaisi_townimport_1a2b"
    assert config["HOST"] == original["HOST"] == expected_host
    assert config["PORT"] == original["PORT"] == expected_port
    assert (config["USER"], config["PASSWORD"]) == (original["USER"], original["PASSWORD"])
    assert config.get("OPTIONS") == original.get("OPTIONS")


def test_the_configured_database_url_is_the_default(settings):
    settings.DATABASE_URL = "postgres://postgres@%2Ftmp%2Fpg/huaisi"
    assert database_url("scratch") == "postgres://postgres@%2Ftmp%2Fpg/scratch"
