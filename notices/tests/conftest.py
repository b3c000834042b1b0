"""A local receiver standing in for WeCom, DingTalk and an SMS gateway: it checks each vendor's
payload format (and DingTalk's signature) as the vendor would, and answers as they do."""

import base64
import hashlib
import hmac
import json
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.conf import settings
from django.utils import translation

from huaisi.celery import app as celery_app
from notices.models import Channel, Kind
from tickets.tests.conftest import hotline  # noqa: F401 - the fixture

DING_SECRET = "SEC0123456789abcdef"


class Receiver:
    def __init__(self):
        self.received: list[dict] = []
        self.problems: list[str] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):  # noqa: N802 - http.server's name
                url = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(url.query))
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length).decode())
                receiver.received.append({"path": url.path, "query": query, "body": body})
                status, answer = receiver.answer(url.path, query, body)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @staticmethod
    def _text_message(body) -> bool:
        return (
            set(body) == {"msgtype", "text"}
            and body["msgtype"] == "text"
            and isinstance(body["text"].get("content"), str)
            and 0 < len(body["text"]["content"].encode()) <= 2048
        )

    def answer(self, path, query, body):
        if path == "/cgi-bin/webhook/send":  # WeCom
            if query.get("key") != "wecom-key" or not self._text_message(body):
                self.problems.append(f"wecom: {query} {body}")
                return 200, {"errcode": 40008, "errmsg": "invalid message type"}
            return 200, {"errcode": 0, "errmsg": "ok"}
        if path == "/robot/send":  # DingTalk
            stamp = query.get("timestamp", "")
            expected = base64.b64encode(
                hmac.new(
                    DING_SECRET.encode(), f"{stamp}\n{DING_SECRET}".encode(), hashlib.sha256
                ).digest()
            ).decode()
            fresh = stamp.isdigit() and abs(int(stamp) - time.time() * 1000) < 3_600_000
            if query.get("access_token") != "ding-token" or query.get("sign") != expected:
                self.problems.append(f"dingtalk sign: {query}")
                return 200, {"errcode": 310000, "errmsg": "sign not match"}
            if not fresh or not self._text_message(body):
                self.problems.append(f"dingtalk: {query} {body}")
                return 200, {"errcode": 300001, "errmsg": "bad request"}
            return 200, {"errcode": 0, "errmsg": "ok"}
        if path == "/sms/send":
            if not (
                body.get("to", "").isdigit()
                and body.get("signature") == "槐泗镇"
                and isinstance(body.get("text"), str)
            ):
                self.problems.append(f"sms: {body}")
                return 400, {"code": 400}
            return 200, {"code": 0}
        return 500, {"errcode": -1, "errmsg": "down"}

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def eager_tasks():
    """Tasks run where they are queued (after commit), as a worker would run them."""
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


@pytest.fixture(autouse=True)
def _rate_per_test(settings):
    """Each test its own per-minute counters (the test database's ids repeat between runs)."""
    settings.NOTICES_RATE_NAMESPACE = f"test-notices-rate:{uuid.uuid4().hex}"


@pytest.fixture(autouse=True)
def _english_messages(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def channels(hotline, receiver):  # noqa: F811 - the imported fixture
    """A WeCom and a DingTalk robot and an SMS gateway for department D1's unit."""
    town, unit = hotline.town, hotline.d1
    return {
        "wecom": Channel.objects.create(
            town=town,
            unit=unit,
            kind=Kind.WECOM,
            name="一局企业微信群",
            url=f"{receiver.url}/cgi-bin/webhook/send?key=wecom-key",
        ),
        "dingtalk": Channel.objects.create(
            town=town,
            unit=unit,
            kind=Kind.DINGTALK,
            name="一局钉钉群",
            url=f"{receiver.url}/robot/send?access_token=ding-token",
            secret=DING_SECRET,
        ),
        "sms": Channel.objects.create(
            town=town,
            unit=unit,
            kind=Kind.SMS,
            name="一局短信",
            url=f"{receiver.url}/sms/send",
            template="{event}：{number}（{category}，{village}），期限{deadline}。{link}",
            signature="槐泗镇",
            recipients="13800001111\n13800002222",
        ),
    }
