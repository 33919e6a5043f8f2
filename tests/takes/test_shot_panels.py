"""The shot page's references panel, generate panel and takes strip: services and pages."""

from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from projects.models import Activity
from shots.models import ShotReference
from shots.services import (
    ReferenceInvalid,
    ReferenceRoleTaken,
    shot_reference_remove,
    shot_reference_update,
    shot_references_reorder,
)
from takes import services
from takes.models import Take, TakeStatus
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def shot(project):
    return factories.shot(scene=factories.scene(project=project), duration_s=2, fps=12,
                          aspect_ratio="16:9", resolution="480p", motion_prompt="slow push-in")


@pytest.fixture
def published():
    with mock.patch.object(services, "takes_publish", return_value=True) as publish:
        yield publish


def refs(shot, *roles):
    project = shot.scene.project
    return [factories.reference(shot=shot, asset_file=factories.asset_file(project=project),
                                role=role, priority=i) for i, role in enumerate(roles)]


def test_it_changes_a_references_role_job_and_instruction(shot, owner):
    [ref] = refs(shot, "reference")
    shot_reference_update(reference=ref, actor=owner, role="last_frame", job="composition",
                          instruction="  end on the door  ")
    ref.refresh_from_db()
    assert (ref.role, ref.job, ref.instruction) == ("last_frame", "composition", "end on the door")
    assert Activity.objects.filter(verb="changed reference").count() == 1


def test_it_refuses_a_second_first_frame_by_update(shot, owner):
    first, other = refs(shot, "first_frame", "reference")
    with pytest.raises(ReferenceRoleTaken, match="already has a first frame"):
        shot_reference_update(reference=other, actor=owner, role="first_frame")
    other.refresh_from_db()
    assert other.role == "reference"
    # Keeping its own role is not a clash.
    shot_reference_update(reference=first, actor=owner, role="first_frame", job="style")


def test_it_refuses_a_video_as_anything_but_a_motion_reference(shot, owner):
    [ref] = refs(shot, "reference")
    ref.asset_file.media_kind = "video"
    ref.asset_file.duration_s = 2
    ref.asset_file.save()
    ref.job = "motion"
    ref.save()
    with pytest.raises(ReferenceInvalid, match="motion reference"):
        shot_reference_update(reference=ref, actor=owner, job="identity")


def test_it_removes_a_reference_and_keeps_the_file(shot, owner):
    [ref] = refs(shot, "first_frame")
    shot_reference_remove(reference=ref, actor=owner)
    assert not ShotReference.objects.filter(pk=ref.pk).exists()
    assert ref.asset_file.__class__.objects.filter(pk=ref.asset_file_id).exists()
    assert Activity.objects.filter(verb="removed reference").count() == 1


def test_it_reorders_references_and_refuses_a_partial_order(shot, owner):
    a, b, c = refs(shot, "first_frame", "reference", "last_frame")
    shot_references_reorder(shot=shot, actor=owner, reference_ids=[c.pk, a.pk, b.pk])
    assert list(shot.references.order_by("priority").values_list("pk", flat=True)) == [
        c.pk, a.pk, b.pk]
    with pytest.raises(ReferenceInvalid, match="changed while you were ordering"):
        shot_references_reorder(shot=shot, actor=owner, reference_ids=[a.pk, b.pk])


def test_it_queues_format_variants_in_three_sizes(shot, owner, published):
    refs(shot, "first_frame")
    takes = services.takes_format_variants(shot=shot, user=owner, profile_id="previz", seed=7)
    sizes = [(t.request["aspect_ratio"], t.request["spec"]["width"], t.request["spec"]["height"])
             for t in takes]
    assert [s[0] for s in sizes] == ["16:9", "9:16", "1:1"]
    (_, w1, h1), (_, w2, h2), (_, w3, h3) = sizes
    assert w1 > h1 and w2 < h2 and w3 == h3
    assert abs(w1 / h1 - 16 / 9) < 0.05 and abs(h2 / w2 - 16 / 9) < 0.05
    assert [t.number for t in takes] == [1, 2, 3]
    assert published.call_count == 0  # on commit only; the test transaction never commits


def test_it_runs_a_take_again_with_the_same_seed_or_a_new_one(shot, owner, published):
    refs(shot, "first_frame")
    [take] = services.take_request(shot=shot, user=owner, profile_id="previz", seed=1234)
    shot.motion_prompt = "a different plan since"
    shot.save()
    same = services.take_again(take=take, user=owner, same_seed=True)
    assert same.number == 2
    assert same.request == take.request  # the frozen request, not a new plan
    new = services.take_again(take=take, user=owner, same_seed=False)
    assert new.request["spec"]["seed"] != 1234
    assert {k: v for k, v in new.request["spec"].items() if k != "seed"} == {
        k: v for k, v in take.request["spec"].items() if k != "seed"}


def test_it_refuses_again_for_a_take_without_a_request(shot, owner):
    take = Take.objects.create(shot=shot, number=1, profile_id="previz", request={"spec": {}})
    with pytest.raises(services.TakeRequestInvalid, match="no complete recorded request"):
        services.take_again(take=take, user=owner, same_seed=True)


def test_it_shows_the_reason_for_a_tenth_image_reference_and_keeps_the_input(
    client, shot, director
):
    project = shot.scene.project
    refs(shot, *["reference"] * 9)
    extra = factories.asset_file(project=project, name="Tenth")
    client.force_login(director)
    response = client.post(reverse("takes:reference-add", args=[project.slug, shot.pk]),
                           {"asset_file": extra.uuid, "role": "reference", "job": "style",
                            "instruction": "keep the grain"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "at most 9 are allowed" in html
    assert 'value="keep the grain"' in html
    assert shot.references.count() == 9


def test_it_attaches_changes_and_reorders_through_the_page(client, shot, director):
    project = shot.scene.project
    library = factories.asset_file(project=project, name="Door", width=1024, height=768)
    client.force_login(director)
    add = reverse("takes:reference-add", args=[project.slug, shot.pk])
    response = client.post(add, {"asset_file": library.uuid, "role": "first_frame",
                                 "job": "composition", "instruction": "open on the door"})
    assert response.status_code == 302
    ref = shot.references.get()
    page = client.get(reverse("takes:shot-page", args=[project.slug, shot.pk])).content.decode()
    assert "The first frame is 4:3 (1024×768) but the shot is 16:9" in page
    response = client.post(reverse("takes:reference-update", args=[project.slug, ref.pk]),
                           {"role": "reference", "job": "style", "instruction": "grain"})
    assert response.status_code == 302
    ref.refresh_from_db()
    assert (ref.role, ref.job, ref.instruction) == ("reference", "style", "grain")


def test_it_shows_stored_preflight_warnings_next_to_the_reference(client, shot, viewer):
    [ref] = refs(shot, "reference")
    ref.asset_file.preflight = [
        {"check": "resolution", "level": "warn", "message": "640×360 is below the advised."},
        {"check": "blur", "level": "pass", "message": "Sharp."},
    ]
    ref.asset_file.save()
    client.force_login(viewer)
    page = client.get(reverse("takes:shot-page", args=[shot.scene.project.slug, shot.pk]))
    html = page.content.decode()
    assert "640×360 is below the advised." in html
    assert "Sharp." not in html


def test_it_renders_the_shot_page_with_40_takes_in_constant_queries(
    client, shot, director, published
):
    project = shot.scene.project
    refs(shot, "first_frame", "reference", "last_frame")
    client.force_login(director)
    url = reverse("takes:shot-page", args=[project.slug, shot.pk])

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    def finish(upto):
        Take.objects.filter(shot=shot, number__lte=upto).update(
            status=TakeStatus.SUCCEEDED, progress=1,
            qc={"filmstrip": {"tiles": 10, "tile_width": 160}}, poster="p.jpg", video="v.mp4",
            filmstrip="f.jpg")

    # Both sizes show a selected take with its review panel, so only the row count differs.
    services.take_request(shot=shot, user=director, profile_id="previz", variations=2)
    finish(1)
    few = queries()
    for _ in range(5):
        services.take_request(shot=shot, user=director, profile_id="previz", variations=8)
    finish(20)
    assert shot.takes.count() == 42
    many = queries()
    assert many == few, (few, many)
    html = client.get(url).content.decode()
    assert 'class="filmstrip"' in html and "Recipe" in html


def test_it_disables_a_profile_that_cannot_honour_the_references_with_the_reason(
    client, shot, director
):
    project = shot.scene.project
    refs(shot, "first_frame", *["reference"] * 5)
    client.force_login(director)
    html = client.get(reverse("takes:shot-page", args=[project.slug, shot.pk])).content.decode()
    assert "Unavailable:" in html
    assert "first frame required" in html or "first frame optional" in html
    assert 'id="cost-estimate"' in html


def test_it_queues_format_variants_through_the_page(client, shot, director, published):
    refs(shot, "first_frame")
    project = shot.scene.project
    client.force_login(director)
    response = client.post(reverse("takes:take-format-variants", args=[project.slug, shot.pk]),
                           {"profile": "previz", "variations": 1})
    assert response.status_code == 302
    assert sorted(t.request["aspect_ratio"] for t in shot.takes.all()) == ["16:9", "1:1", "9:16"]


def test_it_runs_a_take_again_through_the_page(client, shot, director, published):
    refs(shot, "first_frame")
    project = shot.scene.project
    [take] = services.take_request(shot=shot, user=director, profile_id="previz", seed=99)
    client.force_login(director)
    response = client.post(reverse("takes:take-again", args=[project.slug, take.uuid]),
                           {"seed": "same"})
    assert response.status_code == 302
    assert shot.takes.get(number=2).request["spec"]["seed"] == 99
