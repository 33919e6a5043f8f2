"""Every route, every method, every role: the permission matrix, enforced through HTTP.

A route added without an entry here fails `test_it_has_an_entry_for_every_route`.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from assets.services import asset_create, asset_file_ingest_image
from projects import roles
from projects.models import Invite, Membership
from projects.services import invite_create
from shots.services import shot_reference_add
from takes.models import Take, TakeStatus
from tests import factories

pytestmark = pytest.mark.django_db

ROLES = ["owner", "director", "producer", "editor", "viewer"]
WHO = [*ROLES, "stranger", "anonymous"]
PUBLIC = "public"  # anyone, logged in or not
USER = "user"  # any logged-in user; not tied to a project
MEMBER = "member"  # any member of the project
UNLISTED_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


@dataclass
class Rule:
    needs: str
    data: Callable[[dict], dict] = field(default=lambda w: {})
    # who → allowed statuses, where a route's answer is not decided by the role alone
    expect: dict = field(default_factory=dict)


@dataclass
class Route:
    methods: dict[str, Rule]
    kwargs: Callable[[dict], dict] = field(default=lambda w: {})
    api: bool = False


def project(w):
    return {"slug": w["project"].slug}


def on_scene(w):
    return {"slug": w["project"].slug, "scene_id": w["shot"].scene_id}


def on_shot(w):
    return {"slug": w["project"].slug, "shot_id": w["shot"].pk}


def on_take(key):
    return lambda w: {"slug": w["project"].slug, "take_uuid": w[key].uuid}


def on_file(w):
    return {"slug": w["project"].slug, "file_uuid": w["asset_file"].uuid}


def on_member(w):
    return {"slug": w["project"].slug, "membership_id": w["viewer_membership"].pk}


def on_invite(w):
    return {"slug": w["project"].slug, "invite_id": w["invite"].pk}


def upload(w):
    return {"asset": "", "name": "Matrix", "kind": "prop",
            "files": ContentFile(factories.image_bytes(), name="ref.png")}


def on_batch(w):
    take = w["queued_take"]
    take.request = {**take.request, "batch": "0b6c7f2e-3a55-4c8e-9d1e-6f0a2b9c4d11"}
    take.save(update_fields=["request"])
    return {"slug": w["project"].slug, "batch": take.request["batch"]}


def on_dailies(w):
    """The project with a dailies session holding the finished take (made once per world)."""
    from dailies.services import dailies_create

    if "dailies" not in w:
        owner = Membership.objects.get(user=w["owner"], project=w["project"])
        w["dailies"] = dailies_create(membership=owner, title="Matrix dailies",
                                      take_uuids=[w["done_take"].uuid])
    return {"slug": w["project"].slug, "session_id": w["dailies"].pk}


def on_share_link(w):
    """A live share link (no passphrase, comments allowed) to the world's dailies session."""
    from datetime import timedelta

    from django.utils import timezone

    from dailies.services import share_link_create

    on_dailies(w)
    if "share_token" not in w:
        w["share_link"], w["share_token"] = share_link_create(
            membership=Membership.objects.get(user=w["owner"], project=w["project"]),
            session=w["dailies"],
            expires_at=timezone.now() + timedelta(days=1), can_comment=True)
    return {"token": w["share_token"]}


def on_guest_take(w):
    return {**on_share_link(w), "take_uuid": w["done_take"].uuid}


def with_approved_take(w):
    """The project, with its finished take approved (an export needs one)."""
    Take.objects.filter(pk=w["done_take"].pk).update(review_state="approved")
    return {"slug": w["project"].slug}


def on_approved_take(w):
    return {**with_approved_take(w), "take_uuid": w["done_take"].uuid}


def on_export(w):
    from exports.models import Export

    if "export" not in w:
        w["export"] = Export.objects.create(project=w["project"], status="succeeded",
                                            progress=1, take_count=1)
        w["export"].file.save("export.zip", ContentFile(b"PK\x05\x06" + bytes(18)))
    return {"slug": w["project"].slug, "export_uuid": w["export"].uuid}


def on_webhook(w):
    """A webhook of the project (made once per world; a public IP, so nothing resolves)."""
    from hooks.models import Webhook

    if "webhook" not in w:
        w["webhook"] = Webhook.objects.create(
            project=w["project"], url="https://93.184.216.34/matrix", secret="whsec_matrix",
            events=["take.decided"], created_by=w["owner"])
    return {"slug": w["project"].slug, "webhook_uuid": w["webhook"].uuid}


def on_note(w):
    """A note by the owner on the finished take (made once per world), for the API."""
    from takes.models import Note

    if "note" not in w:
        w["note"] = Note.objects.create(take=w["done_take"], author=w["owner"], body="Matrix")
    return {"slug": w["project"].slug, "note_id": w["note"].pk}


MATRIX: dict[str, Route] = {
    "projects:project-list": Route({"GET": Rule(USER), "POST": Rule(USER)}),
    "projects:member-list": Route({"GET": Rule(roles.VIEW)}, project),
    "projects:invite-create": Route(
        {"POST": Rule(roles.INVITE, lambda w: {"email": "new@example.com", "role": "viewer"})},
        project),
    "projects:member-leave": Route({"POST": Rule(MEMBER)}, project),
    "projects:member-change-role": Route(
        {"POST": Rule(roles.MEMBERS, lambda w: {"role": "editor"},
                      expect={"viewer": (403, 400, 409)})}, on_member),
    "projects:member-remove": Route({"POST": Rule(roles.INVITE,
                                                  expect={"viewer": (403, 400, 409)})},
                                    on_member),
    "projects:invite-resend": Route({"POST": Rule(roles.INVITE)}, on_invite),
    "projects:invite-revoke": Route({"POST": Rule(roles.INVITE)}, on_invite),
    "projects:invite-accept": Route(
        {"GET": Rule(PUBLIC, expect={w: (200, 302, 403) for w in WHO}),
         "POST": Rule(PUBLIC, expect={w: (200, 302, 400, 403) for w in WHO})},
        lambda w: {"token": w["invite_token"]}),
    "shots:project-home": Route({"GET": Rule(roles.VIEW)}, project),
    "assets:asset-list": Route({"GET": Rule(roles.VIEW)}, project),
    "assets:asset-upload": Route({"POST": Rule(roles.PLAN, upload)}, project),
    "assets:file-thumb": Route({"GET": Rule(roles.VIEW)}, on_file),
    "assets:file-original": Route({"GET": Rule(roles.VIEW)}, on_file),
    "assets:file-usage": Route(
        {"POST": Rule(roles.PLAN, lambda w: {"source": "Set photo", "rights_owner": "Lotix",
                                             "approval": "internal", "client_use_notes": ""})},
        on_file),
    "takes:shot-page": Route({"GET": Rule(roles.VIEW)}, on_shot),
    "takes:shot-takes": Route({"GET": Rule(roles.VIEW)}, on_shot),
    "takes:take-generate": Route(
        {"POST": Rule(roles.GENERATE, lambda w: {"profile": "previz", "variations": 1})},
        on_shot),
    "takes:take-cancel": Route({"POST": Rule(roles.GENERATE)}, on_take("queued_take")),
    "takes:take-continue": Route(
        {"POST": Rule(roles.PLAN, lambda w: {"shot": w["other_shot"].pk})}, on_take("done_take")),
    "takes:take-video": Route({"GET": Rule(roles.VIEW)}, on_take("done_take")),
    "takes:take-poster": Route({"GET": Rule(roles.VIEW)}, on_take("done_take")),
    "takes:take-filmstrip": Route({"GET": Rule(roles.VIEW)}, on_take("done_take")),
    "takes:take-last": Route({"GET": Rule(roles.VIEW)}, on_take("done_take")),
    # Dailies (H3). Guest routes are public: the token is the key.
    "dailies:dailies-list": Route({"GET": Rule(roles.VIEW)}, project),
    "dailies:dailies-create": Route(
        {"POST": Rule(roles.DAILIES, lambda w: {"title": "Matrix", "mode": "chosen",
                                                "takes": [w["done_take"].uuid]})}, project),
    "dailies:dailies-room": Route({"GET": Rule(roles.VIEW)}, on_dailies),
    "dailies:dailies-chooser": Route({"GET": Rule(roles.DAILIES)}, on_dailies),
    "dailies:dailies-entry-add": Route(
        {"POST": Rule(roles.DAILIES, lambda w: {"take": w["done_take"].uuid})}, on_dailies),
    "dailies:dailies-entry-remove": Route(
        {"POST": Rule(roles.DAILIES)},
        lambda w: {**on_dailies(w), "take_uuid": w["done_take"].uuid}),
    "dailies:dailies-close": Route({"POST": Rule(roles.DAILIES)}, on_dailies),
    "dailies:dailies-summary": Route({"GET": Rule(roles.VIEW)}, on_dailies),
    "dailies:dailies-summary-csv": Route({"GET": Rule(roles.VIEW)}, on_dailies),
    "dailies:dailies-presence": Route(
        {"GET": Rule(roles.VIEW),
         "POST": Rule(roles.DAILIES, lambda w: {"action": "start",
                                                "take": str(w["done_take"].uuid)})},
        on_dailies),
    "dailies:share-links": Route({"GET": Rule(roles.DAILIES)}, on_dailies),
    "dailies:share-link-create": Route(
        {"POST": Rule(roles.DAILIES, lambda w: {"expires_at": "2099-01-01T10:00"},
                      expect={w: (200, 400) for w in ("owner", "director", "producer")})},
        on_dailies),
    "dailies:share-link-revoke": Route(
        {"POST": Rule(roles.DAILIES)},
        lambda w: {**on_dailies(w), "link_id": on_share_link(w) and w["share_link"].pk}),
    "dailies:guest-room": Route({"GET": Rule(PUBLIC), "POST": Rule(PUBLIC)}, on_share_link),
    "dailies:guest-review": Route({"GET": Rule(PUBLIC)}, on_guest_take),
    "dailies:guest-note-add": Route(
        {"POST": Rule(PUBLIC, lambda w: {"guest_name": "Client", "body": "Lovely."})},
        on_guest_take),
    "dailies:guest-video": Route({"GET": Rule(PUBLIC)}, on_guest_take),
    "dailies:guest-poster": Route({"GET": Rule(PUBLIC)}, on_guest_take),
    "dailies:guest-filmstrip": Route({"GET": Rule(PUBLIC)}, on_guest_take),
    "dailies:guest-last": Route({"GET": Rule(PUBLIC)}, on_guest_take),
    "takes:reference-add": Route(
        {"POST": Rule(roles.PLAN, lambda w: {"asset_file": w["asset_file"].uuid,
                                             "role": "reference", "job": "style"})}, on_shot),
    "takes:reference-update": Route(
        {"POST": Rule(roles.PLAN, lambda w: {"role": "first_frame", "job": "composition",
                                             "instruction": "Hold the framing."})},
        lambda w: {"slug": w["project"].slug,
                   "reference_id": w["shot"].references.get().pk}),
    "takes:reference-remove": Route(
        {"POST": Rule(roles.PLAN)},
        lambda w: {"slug": w["project"].slug,
                   "reference_id": w["shot"].references.get().pk}),
    "takes:references-reorder": Route(
        {"POST": Rule(roles.PLAN, lambda w: {"order": str(w["shot"].references.get().pk)})},
        on_shot),
    "takes:take-again": Route({"POST": Rule(roles.GENERATE, lambda w: {"seed": "same"})},
                              on_take("done_take")),
    "takes:take-format-variants": Route(
        {"POST": Rule(roles.GENERATE, lambda w: {"profile": "previz"})}, on_shot),
    "takes:batch-new": Route(
        {"GET": Rule(roles.GENERATE),
         "POST": Rule(roles.GENERATE, lambda w: {
             "files": [str(w["asset_file"].uuid)], "scene": "new", "scene_code": "SC070",
             "subject_action": "{name} turns", "duration_s": "2", "profile": "previz",
             "variations": "1"})}, project),
    "takes:batch-detail": Route({"GET": Rule(roles.VIEW)}, on_batch),
    "shots:shot-import": Route(
        {"GET": Rule(roles.PLAN),
         "POST": Rule(roles.PLAN, lambda w: {"text": "scene,shot\nSC020,SH010\n",
                                             "action": "import"})}, project),
    "shots:scene-create": Route({"POST": Rule(roles.PLAN, lambda w: {"title": "Dawn"})}, project),
    "shots:scene-rename": Route(
        {"POST": Rule(roles.PLAN, lambda w: {"code": "SC011", "title": "Renamed"})}, on_scene),
    "shots:scene-move": Route({"POST": Rule(roles.PLAN, lambda w: {"direction": "down"})},
                              on_scene),
    "shots:shot-create": Route({"POST": Rule(roles.PLAN, lambda w: {"subject_action": "x"})},
                               on_scene),
    "shots:shot-reorder": Route(
        {"POST": Rule(roles.PLAN, lambda w: {"shot": [w["other_shot"].pk, w["shot"].pk]})},
        on_scene),
    "shots:shot-edit": Route(
        {"GET": Rule(roles.PLAN),
         "POST": Rule(roles.PLAN, lambda w: {"camera_movement": "static", "duration_s": "4",
                                             "motion_prompt": "She turns."})}, on_shot),
    "shots:shot-preview": Route(
        {"POST": Rule(roles.PLAN, lambda w: {"motion_prompt": "She turns."})}, on_shot),
    "shots:shot-rename": Route({"POST": Rule(roles.PLAN, lambda w: {"code": "SH011"})}, on_shot),
    "shots:shot-move": Route({"POST": Rule(roles.PLAN, lambda w: {"direction": "down"})},
                             on_shot),
    "shots:shot-omit": Route({"POST": Rule(roles.PLAN)}, on_shot),
    "shots:shot-restore": Route({"POST": Rule(roles.PLAN)}, on_shot),
    "shots:shot-duplicate": Route({"POST": Rule(roles.PLAN)}, on_shot),
    "login": Route({"GET": Rule(PUBLIC), "POST": Rule(PUBLIC)}),
    "logout": Route({"POST": Rule(PUBLIC)}),
    "password_change": Route({"GET": Rule(USER), "POST": Rule(USER)}),
    "password_change_done": Route({"GET": Rule(USER)}),
    "api-tokens": Route({"GET": Rule(USER), "POST": Rule(USER, lambda w: {"name": "ci"})}),
    "api-project-list": Route({"GET": Rule(USER),
                               "POST": Rule(USER, lambda w: {"name": "Matrix API"})}, api=True),
    "api-project-detail": Route({"GET": Rule(MEMBER)}, project, api=True),
    "api-schema": Route({"GET": Rule(PUBLIC)}, api=True),
    "api-docs": Route({"GET": Rule(PUBLIC)}, api=True),
    # API v1 (H4): the same gate as the pages, refusals as 401/403/404 in the error format.
    "api-member-list": Route({"GET": Rule(roles.VIEW)}, project, api=True),
    "api-member-detail": Route(
        {"PATCH": Rule(roles.MEMBERS, expect={"viewer": (403, 400, 409)}),
         "DELETE": Rule(roles.INVITE, expect={"viewer": (403, 400, 409)})}, on_member, api=True),
    "api-invite-list": Route(
        {"GET": Rule(roles.VIEW),
         "POST": Rule(roles.INVITE, lambda w: {"email": "new@example.com", "role": "viewer"})},
        project, api=True),
    "api-invite-detail": Route({"DELETE": Rule(roles.INVITE)}, on_invite, api=True),
    "api-scene-list": Route({"GET": Rule(roles.VIEW),
                             "POST": Rule(roles.PLAN, lambda w: {"title": "Dawn"})},
                            project, api=True),
    "api-scene-detail": Route({"GET": Rule(roles.VIEW), "PATCH": Rule(roles.PLAN)}, on_scene,
                              api=True),
    "api-shot-list": Route(
        {"GET": Rule(roles.VIEW),
         "POST": Rule(roles.PLAN, lambda w: {"scene": w["shot"].scene_id, "subject_action": "x"})},
        project, api=True),
    "api-shot-detail": Route({"GET": Rule(roles.VIEW), "PATCH": Rule(roles.PLAN)}, on_shot,
                             api=True),
    "api-asset-list": Route({"GET": Rule(roles.VIEW)}, project, api=True),
    "api-asset-upload": Route({"POST": Rule(roles.PLAN, upload)}, project, api=True),
    "api-usage": Route({"GET": Rule(roles.VIEW)}, project, api=True),
    "api-reference-list": Route(
        {"GET": Rule(roles.VIEW),
         "POST": Rule(roles.PLAN, lambda w: {"asset_file": w["asset_file"].uuid,
                                             "role": "reference", "job": "style"})},
        on_shot, api=True),
    "api-reference-detail": Route(
        {"PATCH": Rule(roles.PLAN), "DELETE": Rule(roles.PLAN)},
        lambda w: {"slug": w["project"].slug, "reference_id": w["shot"].references.get().pk},
        api=True),
    "api-take-request": Route(
        {"POST": Rule(roles.GENERATE, lambda w: {"profile": "previz", "variations": 1})},
        on_shot, api=True),
    "api-take-list": Route({"GET": Rule(roles.VIEW)}, project, api=True),
    "api-take-detail": Route({"GET": Rule(roles.VIEW)}, on_take("done_take"), api=True),
    "api-take-cancel": Route({"POST": Rule(roles.GENERATE)}, on_take("queued_take"), api=True),
    "api-take-again": Route({"POST": Rule(roles.GENERATE, lambda w: {"seed": "same"})},
                            on_take("done_take"), api=True),
    "api-decision-list": Route(
        {"GET": Rule(roles.VIEW),
         "POST": Rule(roles.DECIDE, lambda w: {"state": "maybe", "expected_version": 0})},
        on_take("done_take"), api=True),
    "api-take-video": Route({"GET": Rule(roles.VIEW)}, on_take("done_take"), api=True),
    "api-take-poster": Route({"GET": Rule(roles.VIEW)}, on_take("done_take"), api=True),
    "api-take-filmstrip": Route({"GET": Rule(roles.VIEW)}, on_take("done_take"), api=True),
    "api-take-last": Route({"GET": Rule(roles.VIEW)}, on_take("done_take"), api=True),
    "api-note-list": Route(
        {"GET": Rule(roles.VIEW), "POST": Rule(roles.COMMENT, lambda w: {"body": "Nice."})},
        on_take("done_take"), api=True),
    # Only the note's author (the owner) or a member who may decide resolves it.
    "api-note-resolve": Route(
        {"POST": Rule(roles.COMMENT, expect={"editor": (403,), "viewer": (403,)})},
        on_note, api=True),
    "api-dailies-list": Route(
        {"GET": Rule(roles.VIEW),
         "POST": Rule(roles.DAILIES, lambda w: {"title": "API dailies",
                                                "takes": [str(w["done_take"].uuid)]})},
        project, api=True),
    "api-dailies-detail": Route({"GET": Rule(roles.VIEW)}, on_dailies, api=True),
    "api-dailies-close": Route({"POST": Rule(roles.DAILIES)}, on_dailies, api=True),
    "api-dailies-entry-list": Route(
        {"GET": Rule(roles.VIEW),
         "POST": Rule(roles.DAILIES, lambda w: {"take": str(w["done_take"].uuid)})},
        on_dailies, api=True),
    "api-dailies-entry-detail": Route(
        {"DELETE": Rule(roles.DAILIES)},
        lambda w: {**on_dailies(w), "take_uuid": w["done_take"].uuid}, api=True),
    "api-export-list": Route({"GET": Rule(roles.EXPORT), "POST": Rule(roles.EXPORT)},
                             with_approved_take, api=True),
    "api-export-detail": Route({"GET": Rule(roles.EXPORT)}, on_export, api=True),
    "api-export-download": Route({"GET": Rule(roles.EXPORT)}, on_export, api=True),
    "api-webhook-list": Route(
        {"GET": Rule(roles.WEBHOOKS),
         "POST": Rule(roles.WEBHOOKS, lambda w: {"url": "https://93.184.216.34/hook",
                                                 "events": ["take.decided"]})},
        project, api=True),
    "api-webhook-detail": Route({"DELETE": Rule(roles.WEBHOOKS)}, on_webhook, api=True),
    "api-webhook-deliveries": Route({"GET": Rule(roles.WEBHOOKS)}, on_webhook, api=True),
    "api-not-found": Route({method: Rule(PUBLIC, expect={w: (404,) for w in WHO})
                            for method in UNLISTED_METHODS},
                           lambda w: {"rest": "v1/nothing/here/"}, api=True),
    "healthz": Route({"GET": Rule(PUBLIC)}),
    "takes:take-review": Route({"GET": Rule(roles.VIEW)}, on_take("done_take")),
    "takes:take-decide": Route(
        {"POST": Rule(roles.DECIDE, lambda w: {"state": "maybe", "version": "0",
                                               "reason": "Matrix"})}, on_take("done_take")),
    "takes:note-add": Route({"POST": Rule(roles.COMMENT, lambda w: {"body": "Matrix note"})},
                            on_take("done_take")),
    "takes:note-reply": Route({"POST": Rule(roles.COMMENT, lambda w: {"body": "Agreed"})},
                              lambda w: on_note(w)),
    # Only the note's author (the owner here) or a role that decides may resolve a note.
    "takes:note-resolve": Route(
        {"POST": Rule(roles.COMMENT, expect={"editor": (403,), "viewer": (403,)})},
        lambda w: on_note(w)),
    "exports:approved": Route({"GET": Rule(roles.VIEW)}, project),
    "exports:take-download": Route({"GET": Rule(roles.EXPORT)}, on_approved_take),
    "exports:export-create": Route({"POST": Rule(roles.EXPORT)}, with_approved_take),
    "exports:export-status": Route({"GET": Rule(roles.EXPORT)}, on_export),
    "exports:export-download": Route({"GET": Rule(roles.EXPORT)}, on_export),
    # Webhooks settings (H6).
    "hooks:webhook-list": Route({"GET": Rule(roles.WEBHOOKS)}, project),
    "hooks:webhook-create": Route(
        {"POST": Rule(roles.WEBHOOKS, lambda w: {"url": "https://93.184.216.34/new",
                                                 "events": ["take.decided"]})}, project),
    "hooks:webhook-toggle": Route({"POST": Rule(roles.WEBHOOKS, lambda w: {"active": "0"})},
                                  on_webhook),
    "hooks:webhook-ping": Route({"POST": Rule(roles.WEBHOOKS)}, on_webhook),
    "hooks:webhook-rotate": Route({"POST": Rule(roles.WEBHOOKS)}, on_webhook),
    "hooks:webhook-delete": Route({"POST": Rule(roles.WEBHOOKS)}, on_webhook),
}


def route_names() -> list[str]:
    def walk(patterns, namespace=None):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = pattern.namespace or namespace
                if inner != "admin":  # Django's own admin, gated by is_staff
                    yield from walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                yield f"{namespace}:{pattern.name}" if namespace else pattern.name
            elif isinstance(pattern, URLPattern):
                yield f"<unnamed {pattern.pattern}>"

    return sorted(set(walk(get_resolver().url_patterns)))


def test_it_has_an_entry_for_every_route():
    missing = [name for name in route_names() if name not in MATRIX]
    assert not missing, f"Routes without a permission matrix entry: {missing}"
    stale = [name for name in MATRIX if name not in route_names()]
    assert not stale, f"Matrix entries for routes that no longer exist: {stale}"


@pytest.fixture
def world(media_storage):
    w = {"project": factories.project(name="Matrix")}
    for role in ROLES:
        w[role] = factories.user(username=role)
        factories.membership(project=w["project"], user=w[role], role=role)
    w["stranger"] = factories.user(username="stranger")
    w["viewer_membership"] = Membership.objects.get(user=w["viewer"])
    scene = factories.scene(project=w["project"])
    w["shot"] = factories.shot(scene=scene, code="SH010")
    w["other_shot"] = factories.shot(scene=scene, code="SH020")
    asset = asset_create(project=w["project"], actor=w["owner"], kind="character", name="Mara")
    w["asset_file"] = asset_file_ingest_image(asset=asset, actor=w["owner"],
                                              data=factories.image_bytes(width=96, height=54))
    shot_reference_add(shot=w["shot"], actor=w["owner"], asset_file=w["asset_file"],
                       role="first_frame", job="identity")
    w["queued_take"] = Take.objects.create(shot=w["shot"], number=1, profile_id="previz",
                                           request={"spec": {}})
    done = Take.objects.create(shot=w["shot"], number=2, profile_id="previz",
                               request={"spec": {}}, status=TakeStatus.SUCCEEDED, progress=1)
    for field_name, name, data in (
        ("video", "video.mp4", b"\x00\x00\x00\x18ftypmp42"),
        ("poster", "poster.jpg", factories.image_bytes(fmt="JPEG")),
        ("filmstrip", "filmstrip.jpg", factories.image_bytes(fmt="JPEG")),
        ("last_frame", "last.png", factories.image_bytes()),
    ):
        getattr(done, field_name).save(name, ContentFile(data), save=False)
    done.save()
    w["done_take"] = done
    w["invite"], w["invite_token"] = invite_create(
        project=w["project"], actor_membership=Membership.objects.get(user=w["owner"]),
        email="guest@example.com", role="viewer", base_url="http://testserver")
    return w


def allowed(route: Route, rule: Rule, who: str, w: dict) -> tuple[int, ...] | str:
    """The statuses `who` may get, or "granted" for any answer that is not a refusal."""
    if who in rule.expect:
        return rule.expect[who]
    refused_anonymous = (401, 403) if route.api else (302,)
    if rule.needs == PUBLIC:
        return "granted"
    if who == "anonymous":
        return refused_anonymous
    if rule.needs == USER:
        return "granted"
    if who == "stranger":
        return (404,)
    if rule.needs == MEMBER or roles.role_can(who, rule.needs):
        return "granted"
    return (403,)


def call(client: Client, method: str, url: str, data: dict):
    if method == "GET":
        return client.get(url, data)
    if method == "POST":
        return client.post(url, data)
    return client.generic(method, url)


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_it_answers_each_role_as_the_matrix_says(name, world):
    route = MATRIX[name]
    url = reverse(name, kwargs=route.kwargs(world))
    failures = []
    for method, rule in route.methods.items():
        for who in WHO:
            client = Client()
            if who != "anonymous":
                client.force_login(world[who])
            # Each request runs in a savepoint rolled back afterwards, so one role's change
            # (a removed member, a revoked invite) never changes what the next role sees.
            with transaction.atomic():
                response = call(client, method, url, rule.data(world))
                transaction.set_rollback(True)
            expected = allowed(route, rule, who, world)
            status = response.status_code
            if expected == "granted":
                ok = status < 500 and status not in (401, 403, 404, 405)
                if who == "anonymous" and rule.needs == PUBLIC:
                    ok = ok and not (status == 302 and "/accounts/login/" in
                                     response.get("Location", "") and name != "logout")
            else:
                ok = status in expected
                if status == 302 and not route.api:
                    ok = ok and response["Location"].startswith("/accounts/login/")
            if not ok:
                failures.append(f"{method} {url} as {who}: {status}, expected {expected}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_it_refuses_methods_a_route_does_not_take(name, world):
    route = MATRIX[name]
    url = reverse(name, kwargs=route.kwargs(world))
    client = Client()
    client.force_login(world["owner"])
    wrong = [m for m in UNLISTED_METHODS if m not in route.methods
             and not (m == "GET" and "POST" in route.methods and name == "logout")]
    for method in wrong:
        with transaction.atomic():
            status = call(client, method, url, {}).status_code
            transaction.set_rollback(True)
        assert status == 405, f"{method} {url}: {status}"


def test_it_answers_404_for_another_projects_objects_on_every_project_route(world):
    other = factories.project(name="Elsewhere")
    factories.membership(project=other, user=world["owner"], role="owner")
    client = Client()
    client.force_login(world["owner"])
    checked = 0
    for name, route in MATRIX.items():
        kwargs = route.kwargs(world)
        if "slug" not in kwargs or len(kwargs) == 1:
            continue
        # The owner is on both projects: the other project's slug with this project's objects.
        url = reverse(name, kwargs={**kwargs, "slug": other.slug})
        for method, rule in route.methods.items():
            with transaction.atomic():
                status = call(client, method, url, rule.data(world)).status_code
                transaction.set_rollback(True)
            assert status == 404, f"{method} {url}: {status}"
            checked += 1
    assert checked >= 12
    assert Invite.objects.filter(project=other).count() == 0


def on_note(w):
    """A note by the owner on the finished take (the review routes)."""
    from takes.models import Note

    if "note" not in w:
        w["note"] = Note.objects.create(take=w["done_take"], author=w["owner"], body="Matrix")
    return {"slug": w["project"].slug, "note_id": w["note"].pk}
