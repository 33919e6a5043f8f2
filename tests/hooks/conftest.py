"""A local HTTP receiver for webhook deliveries: a real server on 127.0.0.1, in a thread."""

import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from projects.models import Membership

# The real worker (tests/worker_fixtures.py) copies this process's environment when it starts,
# after collection: it may then deliver to the receiver below, which sits on loopback.
# This process's own settings are already loaded; tests set the value they need.
os.environ.setdefault("LOTIX_WEBHOOKS_ALLOW_PRIVATE", "true")


class Receiver:
    """Records every POST; answers with the queued status codes, then 200."""

    def __init__(self):
        self.requests: list[dict] = []
        self.answers: list[int] = []
        self.delay_s = 0.0
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with receiver._lock:
                    receiver.requests.append({"path": self.path, "headers": dict(self.headers),
                                              "body": body})
                    status = receiver.answers.pop(0) if receiver.answers else 200
                if receiver.delay_s:
                    time.sleep(receiver.delay_s)
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", f"http://127.0.0.1:{self.server.server_port}"
                                                 "/elsewhere")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/lotix"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def answer(self, *codes: int) -> None:
        with self._lock:
            self.answers.extend(codes)

    def wait_for(self, count: int, *, timeout: float = 60.0) -> list[dict]:
        """Poll until `count` requests arrived, or fail after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.requests) >= count:
                    return list(self.requests)
            time.sleep(0.05)
        pytest.fail(f"The receiver got {len(self.requests)} of {count} requests in {timeout} s.")


@pytest.fixture
def receiver():
    server = Receiver()
    server.thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()


@pytest.fixture
def private_allowed(settings):
    settings.LOTIX_WEBHOOKS_ALLOW_PRIVATE = True


@pytest.fixture
def owner_membership(project, owner):
    return Membership.objects.select_related("project", "user").get(project=project, user=owner)
