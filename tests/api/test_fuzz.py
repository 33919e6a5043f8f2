"""schemathesis against the live OpenAPI schema, through the WSGI app (issue 7, item 7).

Every operation of /api/schema/ is fuzzed twice:
- as an authenticated owner (bearer token), with the real project's slug and real object ids
  in the path, positive and negative data: never a 5xx; for positive data also status codes,
  content types and response bodies as the schema documents them; every error in the one
  error format;
- anonymously, with generated data: always 401 in the error format, never a 5xx.

Bounded: at most FUZZ_EXAMPLES cases per operation and mode, half that anonymously
(LOTIX_FUZZ_EXAMPLES to change it; LOTIX_FUZZ_RANDOM=1 for a fresh random run).
The run's operations × cases are printed and written to test-artifacts/api-fuzz.json.
"""

import json
import os
from pathlib import Path

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.specs.openapi import checks as openapi_checks

from assets.services import asset_create, asset_file_ingest_image
from projects.models import Membership
from projects.services import api_token_create, invite_create
from shots.services import shot_reference_add
from tests import factories

pytestmark = pytest.mark.django_db

FUZZ_EXAMPLES = int(os.environ.get("LOTIX_FUZZ_EXAMPLES", "12"))
# The anonymous run only has to meet the gate: fewer cases show it as well.
ANONYMOUS_EXAMPLES = max(FUZZ_EXAMPLES // 2, 3)
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

CHECKS = [
    schemathesis.checks.not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_schema_conformance,
]


def fuzz_settings(examples: int):
    return settings(
        max_examples=examples, deadline=None, database=None, print_blob=True,
        derandomize=os.environ.get("LOTIX_FUZZ_RANDOM", "") != "1",
        suppress_health_check=list(HealthCheck),
    )


@pytest.fixture
def world(media_storage):
    """A project with one of everything the operations' paths point at."""
    owner = factories.user(username="fuzz-owner")
    project = factories.project(name="Fuzz")
    factories.membership(project=project, user=owner, role="owner")
    viewer = factories.user(username="fuzz-viewer")
    factories.membership(project=project, user=viewer, role="viewer")
    scene = factories.scene(project=project)
    shot = factories.shot(scene=scene)
    asset = asset_create(project=project, actor=owner, kind="character", name="Mara")
    image = asset_file_ingest_image(asset=asset, actor=owner,
                                    data=factories.image_bytes(width=96, height=54))
    reference = shot_reference_add(shot=shot, actor=owner, asset_file=image,
                                   role="first_frame", job="identity")
    take = factories.finished_take(shot=shot, frames=12, fps=12, width=128, height=72)
    factories.take(shot=shot, status="queued")
    owner_membership = Membership.objects.get(user=owner)
    invite, _ = invite_create(project=project, actor_membership=owner_membership,
                              email="guest@example.com", role="viewer",
                              base_url="http://localhost/")
    from django.core.files.base import ContentFile

    from dailies.services import dailies_create
    from exports.models import Export
    from hooks.models import Webhook
    from takes.models import Note

    session = dailies_create(membership=owner_membership, title="Fuzz dailies",
                             take_uuids=[take.uuid])
    export = Export.objects.create(project=project, status="succeeded", progress=1,
                                   take_count=1)
    export.file.save("export.zip", ContentFile(b"PK\x05\x06" + bytes(18)))
    webhook = Webhook.objects.create(project=project, url="https://93.184.216.34/fuzz",
                                     secret="whsec_fuzz", events=["take.decided"],
                                     created_by=owner)
    note = Note.objects.create(take=take, author=owner, body="Fuzz")
    _, token = api_token_create(user=owner, name="fuzz")
    return {
        "token": token,
        "path": {
            "slug": project.slug, "scene_id": scene.pk, "shot_id": shot.pk,
            "take_uuid": str(take.uuid), "reference_id": reference.pk,
            "membership_id": Membership.objects.get(user=viewer).pk, "invite_id": invite.pk,
            "session_id": session.pk, "export_uuid": str(export.uuid),
            "webhook_uuid": str(webhook.uuid), "note_id": note.pk,
        },
    }


@pytest.fixture
def wsgi_app():
    """Django's WSGI app in this process and thread, so it sees the test's transaction; like the
    test client, it must not close the connection at the end of each request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def error_format(response) -> str | None:
    """Why the response is not an error in the API's one format, or None when it is."""
    try:
        body = json.loads(response.content)
    except ValueError:
        return "not JSON"
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict) or set(body) != {"error"}:
        return f"no error object: {body!r:.200}"
    if not isinstance(error.get("code"), str) or not isinstance(error.get("message"), str):
        return f"code/message missing: {error!r:.200}"
    if "fields" in error and not all(isinstance(v, list) for v in error["fields"].values()):
        return f"fields not lists: {error!r:.200}"
    return None


def fuzz_operation(operation, mode, *, path=None, headers=None, anonymous=False):
    """Run one operation for FUZZ_EXAMPLES cases; returns (cases, status counts, failures)."""
    statuses: dict[int, int] = {}
    failures: list[str] = []
    strategy = operation.as_strategy(
        generation_mode=mode,
        path_parameters={k: v for k, v in (path or {}).items()
                         if k in _path_names(operation)} or None,
        headers=headers,
    )

    @fuzz_settings(ANONYMOUS_EXAMPLES if anonymous else FUZZ_EXAMPLES)
    @given(case=strategy)
    def run(case):
        if anonymous:
            for name in list(case.headers or {}):
                if name.lower() in ("authorization", "cookie"):
                    del case.headers[name]
            response = case.call()
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            problem = (f"status {response.status_code}" if response.status_code != 401
                       else error_format(response))
        else:
            response = case.call()
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            problem = None
            checks = CHECKS if mode == GenerationMode.POSITIVE else CHECKS[:1]
            try:
                case.validate_response(response, checks=checks)
            except Exception as error:  # a FailureGroup from schemathesis' checks
                problem = str(error)[:1500]
            if problem is None and response.status_code >= 400:
                problem = error_format(response)
        if problem:
            failures.append(f"{operation.label} [{mode.value}] {case.method} "
                            f"{case.formatted_path}: {problem}")

    try:
        run()
    except Unsatisfiable:
        # Nothing in this operation can be made invalid (e.g. only optional query parameters
        # and fixed headers): there are no negative cases to send.
        if mode != GenerationMode.NEGATIVE:
            raise
    return sum(statuses.values()), statuses, failures


def _path_names(operation) -> set[str]:
    return {p.name for p in operation.path_parameters}


@pytest.fixture
def no_dns(monkeypatch):
    """Webhook URLs are resolved when saved; fuzzed host names must not reach a resolver."""
    import socket

    def refuse(host, *args, **kwargs):
        raise socket.gaierror(f"no DNS in tests: {host!r}")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def test_schemathesis_finds_no_server_errors_and_auth_is_enforced(world, wsgi_app, no_dns,
                                                                  capsys):
    schema = schemathesis.openapi.from_wsgi("/api/schema/", wsgi_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 50
    summary = {"max_examples": {"member": FUZZ_EXAMPLES, "anonymous": ANONYMOUS_EXAMPLES},
               "operations": {},
               "failures": []}
    auth = {"Authorization": f"Bearer {world['token']}"}
    for operation in operations:
        rows = {}
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            cases, statuses, failures = fuzz_operation(operation, mode, path=world["path"],
                                                       headers=auth)
            rows[f"member-{mode.value}"] = {"cases": cases, "statuses": statuses}
            summary["failures"] += failures
        cases, statuses, failures = fuzz_operation(operation, GenerationMode.POSITIVE,
                                                   anonymous=True)
        rows["anonymous"] = {"cases": cases, "statuses": statuses}
        summary["failures"] += failures
        summary["operations"][operation.label] = rows
    total = sum(row["cases"] for rows in summary["operations"].values()
                for row in rows.values())
    server_errors = sum(n for rows in summary["operations"].values() for row in rows.values()
                        for code, n in row["statuses"].items() if code >= 500)
    summary["total_cases"] = total
    summary["server_errors"] = server_errors
    summary["operation_count"] = len(operations)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "api-fuzz.json").write_text(json.dumps(summary, indent=2, sort_keys=True))
    line = (f"schemathesis: {len(operations)} operations × (≤{FUZZ_EXAMPLES} member-positive + "
            f"≤{FUZZ_EXAMPLES} member-negative + ≤{ANONYMOUS_EXAMPLES} anonymous) → {total} "
            f"cases, {server_errors} server errors, {len(summary['failures'])} failures")
    with capsys.disabled():  # shown in every run, -q included
        print(f"\n{line}")
    assert server_errors == 0 and not summary["failures"], "\n\n".join(summary["failures"][:15])
    # The fuzzing reached past the gate: most operations answered the member with a success
    # on the real objects at least once (the rest refused every generated body, as 4xx).
    reached = sum(1 for rows in summary["operations"].values()
                  if any(code < 300 for code in rows["member-positive"]["statuses"]))
    assert reached >= 0.6 * len(operations), f"{reached} of {len(operations)} reached"
