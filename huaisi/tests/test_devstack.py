"""`make run` and `python -m huaisi.devstack exec`: one SECRET_KEY kept across restarts, the
office LAN's host names, and a command joining the Redis the running site uses."""

import os
import socket
import stat

import pytest
from django.conf import settings

from huaisi import devstack

pytestmark = pytest.mark.services


@pytest.fixture
def var(tmp_path, monkeypatch):
    monkeypatch.setattr(devstack, "VAR", tmp_path)
    monkeypatch.setattr(devstack, "RUNNING_REDIS", tmp_path / "redis" / "run.url")
    (tmp_path / "redis").mkdir()
    return tmp_path


def test_the_secret_key_is_made_once_and_kept_private(var):
    first = devstack.secret_key()
    assert len(first) >= 50
    assert devstack.secret_key() == first  # a restart keeps sessions valid
    assert stat.S_IMODE(os.stat(var / "secret_key").st_mode) == 0o600


def test_a_command_joins_the_redis_the_running_site_uses(var):
    assert devstack.running_redis() is None  # nothing running: start one of its own
    devstack.RUNNING_REDIS.write_text(settings.REDIS_URL)
    assert devstack.running_redis() == settings.REDIS_URL
    # A site stopped without tidying up (killed): its address no longer answers.
    devstack.RUNNING_REDIS.write_text(f"redis://127.0.0.1:{devstack._free_port()}/0")
    assert devstack.running_redis() is None


def test_the_office_network_reaches_the_site_by_its_address(monkeypatch):
    # Debian maps the machine's name to 127.0.1.1: its LAN address comes from the route.
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: [(0, 0, 0, "", ("127.0.1.1", 0))])
    monkeypatch.setattr(devstack, "_outbound_addresses", lambda: ["192.168.10.23", "fd00::23"])
    everywhere = devstack.local_hosts("0.0.0.0")  # noqa: S104
    assert "192.168.10.23" in everywhere and "[fd00::23]" in everywhere
    assert "127.0.1.1" not in everywhere


def test_only_the_site_publishes_the_redis_it_starts(var, monkeypatch):
    """A command's own Redis ends with the command: a `make run` started meanwhile must not
    join it, so only `run`/`dev` write var/redis/run.url."""
    environment = {"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/unused"}
    monkeypatch.setattr(devstack.os, "environ", environment)
    monkeypatch.setattr(devstack, "start_redis", lambda name: (object(), "redis://127.0.0.1:1/0"))
    monkeypatch.setattr(devstack, "_owned", [])
    devstack.prepare_environment("run")  # as `exec` calls it
    assert not devstack.RUNNING_REDIS.exists()
    environment.pop("REDIS_URL")
    devstack.prepare_environment("run", publish=True)  # as `make run` calls it
    assert devstack.RUNNING_REDIS.read_text() == "redis://127.0.0.1:1/0"
    devstack.release([])
    assert not devstack.RUNNING_REDIS.exists()


def test_the_office_network_reaches_the_site_only_when_asked():
    assert devstack.local_hosts("127.0.0.1") == ["localhost", "127.0.0.1", "[::1]"]
    everywhere = devstack.local_hosts("0.0.0.0")  # noqa: S104
    assert everywhere[:3] == ["localhost", "127.0.0.1", "[::1]"]
    assert socket.gethostname() in everywhere


def test_make_run_serves_with_gunicorn_and_make_dev_with_the_autoreloader():
    served = devstack.web_command("run", "0.0.0.0", 8000)  # noqa: S104
    assert served[1:3] == ["-m", "gunicorn"] and "0.0.0.0:8000" in served
    assert "runserver" in devstack.web_command("dev", "127.0.0.1", 8000)
