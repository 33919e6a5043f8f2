"""Every rule the database holds rejects a row that breaks it."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from assets.models import Asset, AssetFile
from dailies.models import DailiesEntry, DailiesSession, ShareLink
from projects.models import Invite, Membership, Project
from shots.models import Scene, Shot
from takes.models import Note, Take, TakeDecision
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    project = factories.project()
    user = factories.user()
    scene = factories.scene(project=project)
    shot = factories.shot(scene=scene)
    take = Take.objects.create(shot=shot, number=1, profile_id="previz", request={})
    session = DailiesSession.objects.create(project=project, title="Day 1")
    return {"project": project, "user": user, "scene": scene, "shot": shot, "take": take,
            "session": session}


def invite(w, **fields):
    defaults = {"project": w["project"], "email": "a@example.com", "role": "viewer",
                "token_hash": "a" * 64, "expires_at": timezone.now() + timedelta(days=7)}
    return Invite.objects.create(**{**defaults, **fields})


VIOLATIONS = {
    "project slug unique": lambda w: factories.project(name="Other", slug=w["project"].slug),
    "project fps in range": lambda w: factories.project(name="Fast", default_fps=500),
    "membership unique per user": lambda w: [
        factories.membership(project=w["project"], user=w["user"], role="viewer")
        for _ in range(2)
    ],
    "membership role valid": lambda w: Membership.objects.create(
        project=w["project"], user=w["user"], role="admin"
    ),
    "invite token unique": lambda w: [invite(w), invite(w, email="b@example.com")],
    "invite not accepted and revoked": lambda w: invite(
        w, accepted_at=timezone.now(), revoked_at=timezone.now()
    ),
    "asset name unique per kind": lambda w: [
        Asset.objects.create(project=w["project"], kind="prop", name="Case") for _ in range(2)
    ],
    "asset file content unique": lambda w: [
        AssetFile.objects.create(asset=Asset.objects.get_or_create(
            project=w["project"], kind="prop", name="Case")[0], file="x.jpg", sha256="f" * 64,
            format="JPEG", width=10, height=10, bytes=1) for _ in range(2)
    ],
    "asset file has size": lambda w: AssetFile.objects.create(
        asset=Asset.objects.create(project=w["project"], kind="prop", name="Case"),
        file="x.jpg", sha256="e" * 64, format="JPEG", width=0, height=10, bytes=1,
    ),
    "video asset file has duration": lambda w: AssetFile.objects.create(
        asset=Asset.objects.create(project=w["project"], kind="motion", name="Walk"),
        file="x.mp4", sha256="d" * 64, format="MP4", media_kind="video", width=10, height=10,
        bytes=1,
    ),
    "scene code unique per project": lambda w: factories.scene(project=w["project"]),
    "shot code unique per scene": lambda w: factories.shot(scene=w["scene"]),
    "shot duration positive": lambda w: factories.shot(scene=w["scene"], code="SH020",
                                                       duration_s=0),
    "shot duration at most a minute": lambda w: factories.shot(scene=w["scene"], code="SH020",
                                                               duration_s=61),
    "shot fps in range": lambda w: factories.shot(scene=w["scene"], code="SH020", fps=0),
    "one first frame per shot": lambda w: [
        factories.reference(shot=w["shot"], asset_file=factories.asset_file(
            project=w["project"]), role="first_frame") for _ in range(2)
    ],
    "one last frame per shot": lambda w: [
        factories.reference(shot=w["shot"], asset_file=factories.asset_file(
            project=w["project"]), role="last_frame") for _ in range(2)
    ],
    "a file attached once per shot": lambda w: [
        factories.reference(shot=w["shot"], asset_file=f) for f in
        [factories.asset_file(project=w["project"])] * 2
    ],
    "take number unique per shot": lambda w: Take.objects.create(
        shot=w["shot"], number=1, profile_id="previz", request={}
    ),
    "take number positive": lambda w: Take.objects.create(
        shot=w["shot"], number=0, profile_id="previz", request={}
    ),
    "take progress at most 1": lambda w: Take.objects.filter(pk=w["take"].pk).update(progress=1.5),
    "take progress not negative": lambda w: Take.objects.filter(pk=w["take"].pk).update(
        progress=-0.1),
    "take gpu seconds not negative": lambda w: Take.objects.filter(pk=w["take"].pk).update(
        gpu_seconds=-1),
    "decision changes state": lambda w: TakeDecision.objects.create(
        take=w["take"], from_state="maybe", to_state="maybe"
    ),
    "note frame range ordered": lambda w: Note.objects.create(
        take=w["take"], body="soft focus", frame_in=20, frame_out=10
    ),
    "note frame out needs frame in": lambda w: Note.objects.create(
        take=w["take"], body="soft focus", frame_out=10
    ),
    "dailies take once per session": lambda w: [
        DailiesEntry.objects.create(session=w["session"], take=w["take"], position=p)
        for p in (1, 2)
    ],
    "dailies position unique": lambda w: [
        DailiesEntry.objects.create(session=w["session"], take=Take.objects.create(
            shot=w["shot"], number=n, profile_id="previz", request={}), position=1)
        for n in (2, 3)
    ],
    "share link token unique": lambda w: [
        ShareLink.objects.create(session=w["session"], token_hash="c" * 64,
                                 expires_at=timezone.now()) for _ in range(2)
    ],
}


@pytest.mark.parametrize("rule", sorted(VIOLATIONS))
def test_it_rejects_a_row_that_breaks(rule, world):
    with pytest.raises(IntegrityError), transaction.atomic():
        VIOLATIONS[rule](world)


def test_it_accepts_rows_that_keep_the_rules(world):
    project, shot = world["project"], world["shot"]
    factories.reference(shot=shot, asset_file=factories.asset_file(project=project),
                        role="first_frame")
    factories.reference(shot=shot, asset_file=factories.asset_file(project=project),
                        role="last_frame")
    for priority in range(3):
        factories.reference(shot=shot, asset_file=factories.asset_file(project=project),
                            priority=priority)
    factories.shot(scene=factories.scene(project=project, code="SC020"), code="SH010")
    Take.objects.create(shot=shot, number=2, profile_id="previz", request={})
    Note.objects.create(take=world["take"], body="hold", frame_in=3, frame_out=3)
    assert shot.references.count() == 5
    assert Project.objects.count() == 1
    assert Shot.objects.filter(code="SH010").count() == 2
    assert Scene.objects.count() == 2
