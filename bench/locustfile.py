"""Locust users for the load test (`python -m bench.load`; see bench/load.py).

Two kinds of visitor, against the bench's gunicorn on 127.0.0.1 only:
- a resident at a village-hall kiosk: signs in with a passbook and the demo PIN, then reads the
  household page (as the page's own refresh does);
- the command centre (`command`): the dispatch board and the town dashboard, alternately.

bench/load.py passes the kiosk passbooks and the password in the environment:
LOAD_KIOSK_ACCOUNTS (JSON list of [village id, passbook number]), LOAD_PASSWORD, LOAD_PIN.
"""

import itertools
import json
import os
import re

from locust import HttpUser, between, task

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
ACCOUNTS = itertools.cycle(json.loads(os.environ.get("LOAD_KIOSK_ACCOUNTS", "[]")) or [None])


class Visitor(HttpUser):
    abstract = True
    wait_time = between(0.5, 2)

    def on_start(self):
        if not self.host.startswith(("http://127.0.0.1:", "http://localhost:")):
            raise RuntimeError("the load test runs against a loopback server only")

    def send_secure_cookies(self) -> None:
        """Send Secure cookies over plain HTTP too: the server runs without TLS, as behind a
        TLS-terminating proxy, and production settings mark the cookies Secure. (requests
        copies the jar into a new one per request, so a cookie policy would not stick.)"""
        for cookie in self.client.cookies:
            cookie.secure = False

    def page(self, path: str, name: str) -> None:
        """GET PATH; anything but a 200 (a redirect to a log-in included) is an error."""
        with self.client.get(
            path, name=name, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")
        self.send_secure_cookies()

    def post_form(self, form_path: str, post_path: str, data: dict, name: str) -> bool:
        form = self.client.get(form_path, name=f"{name} form")
        self.send_secure_cookies()
        match = CSRF.search(form.text)
        if form.status_code != 200 or not match:
            return False
        with self.client.post(
            post_path,
            data={"csrfmiddlewaretoken": match[1], **data},
            name=name,
            allow_redirects=False,
            catch_response=True,
        ) as answer:
            if answer.status_code != 302:
                answer.failure(f"status {answer.status_code}")
                return False
        self.send_secure_cookies()
        return True


class KioskResident(Visitor):
    weight = 2

    def on_start(self):
        super().on_start()
        account = next(ACCOUNTS)
        if account is None:
            raise RuntimeError("LOAD_KIOSK_ACCOUNTS is empty")
        village_id, passbook = account
        self.post_form(
            f"/kiosk/{village_id}/",
            f"/kiosk/{village_id}/login/",
            {"passbook_number": passbook, "pin": os.environ.get("LOAD_PIN", "1234")},
            name="kiosk log-in",
        )

    @task
    def household(self):
        self.page("/kiosk/household/", "/kiosk/household/ (kiosk session)")


class CommandCentre(Visitor):
    weight = 1

    def on_start(self):
        super().on_start()
        self.post_form(
            "/accounts/login/",
            "/accounts/login/",
            {"username": "command", "password": os.environ.get("LOAD_PASSWORD", "")},
            name="staff log-in",
        )

    @task
    def board(self):
        self.page("/orders/board/", "/orders/board/ (command)")

    @task
    def dashboard(self):
        self.page("/dashboard/", "/dashboard/ (command)")
