"""Batch from images: one shot per image with a shared template, and its progress page."""

from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects.models import Activity, Membership
from shots.models import Scene, Shot
from takes import services
from takes.models import Take, TakeStatus
from tests import factories

pytestmark = pytest.mark.django_db

TEMPLATE = {"job": "Product turntable", "subject_action": "{name} turns on a plinth",
            "camera_movement": "orbit", "duration_s": "2", "motion_prompt": "a slow turn",
            "negative_constraints": "no text"}


@pytest.fixture
def published():
    with mock.patch.object(services, "takes_publish", return_value=True) as publish:
        yield publish


def images(project, n):
    return [factories.asset_file(project=project, kind="prop", name=f"Bottle {i}")
            for i in range(n)]


def create(director, project, files, **kwargs):
    kwargs.setdefault("profile_id", "previz")
    kwargs.setdefault("template", TEMPLATE)
    if "scene" not in kwargs:
        kwargs.setdefault("new_scene", {"code": "SC090", "title": "Products"})
    membership = Membership.objects.get(user=director, project=project)
    return services.takes_batch_create(membership=membership, asset_files=files, **kwargs)


def test_it_creates_one_shot_per_image_with_first_frames_and_batch_takes(
    director, project, published
):
    scene = factories.scene(project=project)
    factories.shot(scene=scene, code="SH010")
    files = images(project, 3)
    batch, takes = create(director, project, files, scene=scene, variations=2)
    shots = list(Shot.objects.filter(scene=scene).order_by("order"))
    assert [s.code for s in shots] == ["SH010", "SH020", "SH030", "SH040"]
    for shot, f in zip(shots[1:], files, strict=True):
        assert shot.subject_action == f"{f.asset.name} turns on a plinth"
        assert shot.camera_movement == "orbit" and shot.motion_prompt == "a slow turn"
        [ref] = shot.references.all()
        assert (ref.role, ref.job, ref.asset_file_id) == ("first_frame", "composition", f.pk)
        assert ref.instruction.startswith("Batch 20")
        assert shot.status == "generating"
    assert len(takes) == 6
    stored = Take.objects.filter(request__batch=batch)
    assert stored.count() == 6 and stored.filter(status="queued").count() == 6
    assert all(t.request["spec"]["references"] for t in stored)
    assert Activity.objects.filter(verb="started batch", data__batch=batch).count() == 1
    assert Activity.objects.filter(verb="created shot").count() == 3


def test_it_creates_a_new_scene_when_asked(director, project, published):
    batch, takes = create(director, project, images(project, 2))
    scene = Scene.objects.get(project=project, code="SC090")
    assert scene.title == "Products"
    assert [s.code for s in scene.shots.all()] == ["SH010", "SH020"]


@pytest.mark.parametrize("case", ["none", "too_many", "profile", "budget", "bad_template"])
def test_it_refuses_with_a_sentence_and_creates_nothing(case, director, project, published):
    files = images(project, 3)
    kwargs = {}
    if case == "none":
        files, expected = [], "Select at least one image"
    elif case == "too_many":
        files, expected = files * 34, "at most 100 images"
    elif case == "profile":
        kwargs["profile_id"] = "wan21-flf2v"
        expected = "last frame"
    elif case == "budget":
        one = services._batch_estimate(services.profiles.profile_get("ltx-video"), project, 2)
        assert one > 1
        # Enough for two of the three shots, not for the whole batch.
        project.budget_gpu_seconds = int(one * 2 * 2.5)
        project.save()
        kwargs.update(variations=2, profile_id="ltx-video")
        expected = "This batch needs about"
        weights = mock.patch.object(services.profiles, "weights_present", return_value=True)
        weights.start()
    else:
        kwargs["template"] = {**TEMPLATE, "duration_s": "90"}
        expected = "at most 60 seconds"
    before = (Scene.objects.count(), Shot.objects.count(), Take.objects.count())
    try:
        with pytest.raises(services.DomainError) as caught:
            create(director, project, files, **kwargs)
    finally:
        mock.patch.stopall()
    assert expected in caught.value.message
    assert (Scene.objects.count(), Shot.objects.count(), Take.objects.count()) == before
    published.assert_not_called()


def test_it_offers_only_profiles_that_take_a_lone_first_frame():
    options = {o["profile"].id: o["reason"] for o in services.batch_profile_options()}
    assert options["previz"] == ""
    assert "last frame" in options["wan21-flf2v"]


def test_it_gates_the_pages_by_role(client, project, director, producer, editor, viewer,
                                    stranger, published):
    new = reverse("takes:batch-new", args=[project.slug])
    for user, status in ((director, 200), (producer, 403), (editor, 403), (viewer, 403),
                         (stranger, 404)):
        client.force_login(user)
        assert client.get(new).status_code == status, user
    batch, _ = create(director, project, images(project, 1))
    detail = reverse("takes:batch-detail", args=[project.slug, batch])
    for user, status in ((director, 200), (producer, 200), (viewer, 200), (stranger, 404)):
        client.force_login(user)
        assert client.get(detail).status_code == status, user


def test_it_submits_the_form_and_redirects_to_the_batch(client, project, director, published):
    files = images(project, 2)
    client.force_login(director)
    page = client.get(reverse("takes:batch-new", args=[project.slug])).content.decode()
    assert "Select all" in page and "Bottle 1" in page and 'value="previz"' in page
    response = client.post(reverse("takes:batch-new", args=[project.slug]), {
        "files": [str(f.uuid) for f in files], "scene": "new", "scene_code": "SC050",
        "scene_title": "Shelf", **TEMPLATE, "profile": "previz", "variations": "1"})
    assert response.status_code == 302
    batch = response["Location"].rstrip("/").rsplit("/", 1)[1]
    assert Take.objects.filter(request__batch=batch).count() == 2
    refused = client.post(reverse("takes:batch-new", args=[project.slug]), {
        "scene": "new", **TEMPLATE, "profile": "previz", "variations": "1"})
    assert refused.status_code == 400
    assert "Select at least one image" in refused.content.decode()
    forged = client.post(reverse("takes:batch-new", args=[project.slug]), {
        "files": ["not-a-uuid"], "scene": "new", **TEMPLATE, "profile": "previz"})
    assert forged.status_code == 400
    assert "not in this project" in forged.content.decode()


def test_it_shows_the_batch_progress_in_constant_queries(client, project, director, published):
    client.force_login(director)

    def queries(n):
        batch, _ = create(director, project, images(project, n), new_scene={
            "code": f"SC{n:03d}", "title": ""})
        Take.objects.filter(request__batch=batch).filter(pk__in=Take.objects.filter(
            request__batch=batch).values("pk")[:1]).update(status=TakeStatus.SUCCEEDED,
                                                           progress=1)
        url = reverse("takes:batch-detail", args=[project.slug, batch])
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        html = response.content.decode()
        assert f"1 of {n} done · 0 failed · {n - 1} running/queued" in html
        assert 'hx-trigger="every 1s"' in html
        return len(captured)

    assert queries(3) == queries(30)
