"""Twenty simultaneous decisions on one take, over HTTP, against a real gunicorn.

The server is gunicorn with several worker processes and threads on the test database, so the
requests really run at the same moment in different processes and PostgreSQL connections. Two
doors are tried: the API (`POST /api/v1/…/decisions/` with a bearer token; 201 or 409) and the
review page (`POST p/<slug>/takes/<uuid>/decide` with a session, CSRF and htmx; 200 or 409).

Two rounds each:
- all twenty carry the same expected version: exactly one is accepted, nineteen are stale;
- they carry the successive versions 0…19: whatever order they arrive in, the accepted ones are
  exactly versions 0…k-1, each once, and their decisions chain from one state to the next;
in both, one TakeDecision per accepted change, review_version == accepted changes, and the
final state is the one the last accepted request asked for: no lost update.
"""

import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from django.urls import reverse

from tests import factories
from tests.conftest import require_component

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = 20
# Consecutive states always differ, so a request that arrives in its turn is never refused as
# "already in that state": the only refusal left is the stale version.
STATES = ("rejected", "maybe", "selected", "approved")
ACCEPTED = {"api": 201, "page": 200}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker, tmp_path_factory):
    """gunicorn, 4 workers × 4 threads, on the test database; its base URL."""
    from django.conf import settings
    from django.db import connection

    require_component(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    db = connection.settings_dict
    auth = quote(db["USER"], safe="")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"], safe="")
    url = f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    var = tmp_path_factory.mktemp("gunicorn-var")
    env = {key: value for key, value in os.environ.items()
           if key not in {"REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(
        DATABASE_URL=url, DEBUG="false", ALLOWED_HOSTS="127.0.0.1",
        # The test process makes the sessions; the server must read them with the same key.
        SECRET_KEY=settings.SECRET_KEY,
        # No connection kept between requests, so the test database can be flushed and dropped.
        LOTIX_DB_CONN_MAX_AGE="0", LOTIX_VAR_DIR=str(var), LOTIX_MEDIA_ROOT=str(var / "media"),
        LOG_LEVEL="WARNING",
    )
    port = free_port()
    log = var / "gunicorn.log"
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "lotix.wsgi:application",
         "--bind", f"127.0.0.1:{port}", "--workers", "4", "--threads", "4",
         "--timeout", "60", "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    try:
        while True:
            if process.poll() is not None:
                pytest.fail(f"gunicorn exited with {process.returncode}:\n{log.read_text()}")
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"gunicorn did not answer within 90 s:\n{log.read_text()}")
            time.sleep(0.2)
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture
def scene_of_owner(postgresql):
    owner = factories.user(username="olga")
    project = factories.project(name="Concurrency")
    membership = factories.membership(project=project, user=owner, role="owner")
    scene = factories.scene(project=project)
    return membership, scene


class Door:
    """How one decision request is sent: through the API or through the review page."""

    def __init__(self, kind: str, base: str, membership, take):
        from django.test import Client

        self.kind, self.take = kind, take
        slug = membership.project.slug
        if kind == "api":
            from projects.services import api_token_create

            _, token = api_token_create(user=membership.user, name="concurrency")
            self.url = base + reverse("api-decision-list",
                                      kwargs={"slug": slug, "take_uuid": take.uuid})
            self.headers, self.cookies = {"Authorization": f"Bearer {token}"}, {}
        else:
            client = Client()
            client.force_login(membership.user)
            csrf = secrets.token_hex(16)  # an unmasked CSRF secret: 32 characters
            self.url = base + reverse("takes:take-decide",
                                      kwargs={"slug": slug, "take_uuid": take.uuid})
            self.headers = {"X-CSRFToken": csrf, "HX-Request": "true"}
            self.cookies = {"sessionid": client.cookies["sessionid"].value, "csrftoken": csrf}

    def send(self, *, state: str, version: int, barrier: threading.Barrier) -> httpx.Response:
        if self.kind == "api":
            fields = {"json": {"state": state, "reason": f"v{version} {state}",
                               "expected_version": version}}
        else:
            fields = {"data": {"state": state, "reason": f"v{version} {state}",
                               "version": str(version), "checklist": "[]"}}
        with httpx.Client(headers=self.headers, cookies=self.cookies, timeout=60) as client:
            barrier.wait(timeout=60)  # all twenty leave together
            return client.post(self.url, **fields)


def decide_at_once(door: Door, requests: list[tuple[str, int]]) -> list[tuple[str, int, int]]:
    """Send every (state, version) at the same moment; (state, version, status) per request."""
    barrier = threading.Barrier(len(requests))
    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        futures = [pool.submit(door.send, state=state, version=version, barrier=barrier)
                   for state, version in requests]
        responses = [future.result(timeout=120) for future in futures]
    for (_, version), response in zip(requests, responses, strict=True):
        assert response.status_code in (ACCEPTED[door.kind], 409), (
            response.status_code, response.text[:500]
        )
        if response.status_code == 409 and door.kind == "api":
            # A stale decision is told where the take stands now, so the client can show it.
            error = response.json()["error"]
            assert "decided meanwhile" in error["message"]
            assert error["current"]["review_version"] != version
            assert error["current"]["review_state"] in ("unreviewed", *STATES)
        elif response.status_code == 409:
            assert "decided meanwhile" in response.text
    return [(state, version, response.status_code)
            for (state, version), response in zip(requests, responses, strict=True)]


def assert_no_lost_update(door: Door, accepted: list[tuple[str, int]]) -> None:
    """The take's history is exactly the accepted changes, in version order, chained."""
    from takes.models import Take, TakeDecision

    take = Take.objects.get(pk=door.take.pk)
    rows = list(TakeDecision.objects.filter(take=take).order_by("at", "id"))
    accepted = sorted(accepted, key=lambda item: item[1])
    assert take.review_version == len(accepted) == len(rows)
    assert [row.to_state for row in rows] == [state for state, _ in accepted]
    assert [row.from_state for row in rows] == (
        ["unreviewed"] + [state for state, _ in accepted[:-1]]
    )
    assert [row.reason for row in rows] == [f"v{version} {state}" for state, version in accepted]
    assert take.review_state == accepted[-1][0]


@pytest.mark.parametrize("kind", ["api", "page"])
def test_it_accepts_one_of_twenty_simultaneous_decisions_on_the_same_version(
    server, scene_of_owner, kind
):
    membership, scene = scene_of_owner
    take = factories.take(shot=factories.shot(scene=scene))
    door = Door(kind, server, membership, take)
    requests = [(STATES[index % len(STATES)], 0) for index in range(CLIENTS)]

    results = decide_at_once(door, requests)

    accepted = [(state, version) for state, version, code in results if code != 409]
    assert len(accepted) == 1, results
    assert sum(code == 409 for _, _, code in results) == CLIENTS - 1
    assert_no_lost_update(door, accepted)


@pytest.mark.parametrize("kind", ["api", "page"])
def test_it_applies_twenty_simultaneous_successive_decisions_in_version_order_only(
    server, scene_of_owner, kind
):
    membership, scene = scene_of_owner
    take = factories.take(shot=factories.shot(scene=scene))
    door = Door(kind, server, membership, take)
    # Shuffled so the order of leaving is not the order of the versions.
    versions = [7, 0, 13, 2, 19, 5, 1, 11, 3, 17, 9, 4, 15, 6, 8, 10, 12, 14, 16, 18]
    requests = [(STATES[version % len(STATES)], version) for version in versions]

    results = decide_at_once(door, requests)

    accepted = [(state, version) for state, version, code in results if code != 409]
    # Version v is accepted only when the take stands at v: the accepted versions are a prefix.
    assert sorted(version for _, version in accepted) == list(range(len(accepted)))
    assert len(accepted) >= 1
    assert_no_lost_update(door, accepted)
