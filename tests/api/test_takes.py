"""Takes through API v1: request, list with filters, detail with recipe/QC/media, cancel,
again, decisions with optimistic concurrency, GPU usage."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from takes.models import Take, TakeDecision, TakeStatus
from tests import factories
from tests.api.conftest import assert_error

pytestmark = pytest.mark.django_db


@pytest.fixture
def shot(project):
    shot = factories.shot(scene=factories.scene(project=project), duration_s=2, fps=12)
    factories.reference(shot=shot, asset_file=factories.asset_file(project=project),
                        role="first_frame")
    return shot


def test_it_requests_takes_with_profile_variations_and_seed(project, shot, director, editor,
                                                           as_user):
    url = f"/api/v1/projects/{project.slug}/shots/{shot.pk}/takes/"
    assert_error(as_user(editor).post(url, {"profile": "previz"}, format="json"), 403)
    response = as_user(director).post(url, {"profile": "previz", "variations": 2, "seed": 7},
                                      format="json")
    assert response.status_code == 201, response.json()
    takes = response.json()
    assert [(t["label"], t["seed"], t["status"]) for t in takes] == [
        ("v001", 7, "queued"), ("v002", 8, "queued")]
    assert takes[0]["url"].endswith(f"/api/v1/projects/{project.slug}/takes/{takes[0]['uuid']}/")
    assert takes[0]["media"] == {"video": None, "poster": None, "filmstrip": None,
                                 "last_frame": None}
    assert_error(as_user(director).post(url, {"profile": "nope"}, format="json"), 400,
                 "unknown_profile")
    assert_error(as_user(director).post(url, {"profile": "previz", "variations": 9},
                                        format="json"), 400, "validation_error")


def test_it_lists_takes_with_filters_in_constant_queries(project, shot, owner, as_user):
    other = factories.shot(scene=factories.scene(project=project, code="SC020", order=1),
                           code="SH010")
    client = as_user(owner)
    url = f"/api/v1/projects/{project.slug}/takes/"

    def count_queries(per_shot: int) -> int:
        for target in (shot, other):
            for n in range(target.takes.count(), per_shot):
                factories.take(shot=target, review_state="approved" if n == 0 else "maybe",
                               status="succeeded" if n % 3 else "failed")
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            body = client.get(url, {"limit": 200}).json()
        assert body["count"] == 2 * per_shot
        return len(queries)

    assert count_queries(2) == count_queries(40)
    approved = client.get(url, {"review_state": "approved"}).json()["results"]
    assert [(t["scene_code"], t["label"]) for t in approved] == [("SC010", "v001"),
                                                                 ("SC020", "v001")]
    in_scene = client.get(url, {"scene": other.scene_id, "status": "failed"}).json()
    assert in_scene["count"] == 14 and {t["shot"] for t in in_scene["results"]} == {other.pk}
    assert client.get(url, {"shot": shot.pk}).json()["count"] == 40
    assert_error(client.get(url, {"review_state": "great"}), 400, "validation_error")
    page = client.get(url, {"limit": 50, "offset": 50}).json()
    assert len(page["results"]) == 30 and page["next"] is None


def test_the_detail_has_the_recipe_qc_and_media_urls_a_token_can_download(
        project, shot, viewer, stranger, as_user, media_storage):
    take = factories.finished_take(shot=shot, frames=12, fps=12, width=128, height=72)
    client = as_user(viewer)
    body = client.get(f"/api/v1/projects/{project.slug}/takes/{take.uuid}/").json()
    assert body["recipe"]["seed"] == take.request["spec"]["seed"]
    assert body["recipe"]["profile_id"] == "previz" and body["frames"] == 12
    assert body["qc"] == take.qc and isinstance(body["qc_flags"], list)
    video = body["media"]["video"]
    assert video == (f"http://testserver/api/v1/projects/{project.slug}/takes/{take.uuid}"
                     "/video.mp4")
    response = client.get(video)
    assert response.status_code == 200 and response["Content-Type"] == "video/mp4"
    data = b"".join(response.streaming_content)
    assert data[4:8] == b"ftyp" and len(data) == take.video.size
    ranged = client.get(video, HTTP_RANGE="bytes=0-99")
    assert ranged.status_code == 206 and ranged["Content-Range"].startswith("bytes 0-99/")
    assert client.get(body["media"]["poster"])["Content-Type"] == "image/jpeg"
    assert_error(as_user(stranger).get(video), 404)
    queued = factories.take(shot=shot, status="queued")
    assert_error(client.get(f"/api/v1/projects/{project.slug}/takes/{queued.uuid}/video.mp4"),
                 404)


def test_cancel_and_again_go_through_the_services(project, shot, director, viewer, as_user):
    queued = factories.take(shot=shot, status="queued")
    base = f"/api/v1/projects/{project.slug}/takes/"
    assert_error(as_user(viewer).post(f"{base}{queued.uuid}/cancel/"), 403)
    canceled = as_user(director).post(f"{base}{queued.uuid}/cancel/").json()
    assert canceled["status"] == "canceled"
    assert_error(as_user(director).post(f"{base}{queued.uuid}/cancel/"), 409,
                 "take_not_cancelable")
    done = factories.take(shot=shot, seed=4321)
    again = as_user(director).post(f"{base}{done.uuid}/again/", {"seed": "same"},
                                   format="json")
    assert again.status_code == 201, again.json()
    assert again.json()["seed"] == 4321 and again.json()["status"] == "queued"
    fresh = as_user(director).post(f"{base}{done.uuid}/again/", {"seed": "new"},
                                   format="json").json()
    assert fresh["number"] == again.json()["number"] + 1
    assert Take.objects.filter(shot=shot, status=TakeStatus.QUEUED).count() == 2


def test_decisions_need_the_version_and_a_stale_one_gets_409_with_the_state_now(
        project, shot, producer, editor, as_user):
    take = factories.take(shot=shot)
    url = f"/api/v1/projects/{project.slug}/takes/{take.uuid}/decisions/"
    assert_error(as_user(editor).post(url, {"state": "maybe", "expected_version": 0},
                                      format="json"), 403)
    error = assert_error(as_user(producer).post(url, {"state": "maybe"}, format="json"), 400,
                         "validation_error")
    assert "expected_version" in error["fields"]
    shot.review_standard = "No extra fingers"
    shot.save(update_fields=["review_standard"])
    decided = as_user(producer).post(url, {"state": "selected", "reason": "Best eyes.",
                                           "expected_version": 0,
                                           "checklist": [{"line": "No extra fingers",
                                                          "checked": True}]}, format="json")
    assert decided.status_code == 201, decided.json()
    assert (decided.json()["review_state"], decided.json()["review_version"]) == ("selected", 1)
    error = assert_error(as_user(producer).post(url, {"state": "approved",
                                                      "expected_version": 0}, format="json"),
                         409, "decision_stale")
    assert error["current"] == {"review_state": "selected", "review_version": 1}
    assert as_user(producer).post(url, {"state": "approved", "expected_version": 1},
                                  format="json").status_code == 201
    history = as_user(editor).get(url).json()
    assert [(d["from_state"], d["to_state"], d["actor"]) for d in history["results"]] == [
        ("unreviewed", "selected", "producer"), ("selected", "approved", "producer")]
    assert history["results"][0]["reason"] == "Best eyes."
    assert {"line": "No extra fingers", "checked": True} in history["results"][0]["checklist"]
    assert TakeDecision.objects.filter(take=take).count() == 2


def test_usage_reports_gpu_seconds_against_the_budget(project, shot, viewer, as_user):
    project.budget_gpu_seconds = 100
    project.save(update_fields=["budget_gpu_seconds"])
    Take.objects.filter(pk=factories.take(shot=shot).pk).update(gpu_seconds=30)
    body = as_user(viewer).get(f"/api/v1/projects/{project.slug}/usage/").json()
    assert body == {"spent": 30.0, "reserved": 0.0, "budget": 100, "left": 70.0}


def test_the_take_list_rows_equal_the_take_serializer_field_for_field(project, shot, owner,
                                                                       as_user):
    """The list serializes plain rows (a hot path); each row must be exactly what
    TakeSerializer gives for the same take, odd requests and missing media included."""
    import json
    from datetime import timedelta

    from django.utils import timezone
    from rest_framework.renderers import JSONRenderer
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    from takes.api import TakeSerializer

    done = factories.take(shot=shot, fps=12)
    keys = f"projects/{project.uuid}/takes/{done.uuid}"
    done.video, done.poster = f"{keys}/video.mp4", f"{keys}/poster.jpg"
    done.started_at = timezone.now() - timedelta(seconds=90, microseconds=1234)
    done.gpu_seconds, done.review_version = 12.5, 3
    done.save()
    factories.take(shot=shot, status="queued")
    failed = factories.take(shot=shot, status="failed")
    failed.request, failed.error = ["not", "a", "mapping"], "GPU out of memory."
    failed.save()
    odd = factories.take(shot=shot, review_state="approved")
    odd.request = {"spec": "not a mapping"}
    odd.save()
    other = factories.take(shot=factories.shot(scene=factories.scene(
        project=project, code="SC020", order=2), code="SH010"), review_state="maybe")
    url = f"/api/v1/projects/{project.slug}/takes/"
    body = as_user(owner).get(url, {"limit": 3, "offset": 1}).json()
    assert body["count"] == 5 and len(body["results"]) == 3
    assert body["next"] and body["previous"]
    takes = list(Take.objects.filter(shot__scene__project=project)
                 .select_related("shot__scene__project")
                 .order_by("shot__scene__order", "shot__order", "number")[1:4])
    assert [t.pk for t in takes] == [Take.objects.get(uuid=r["uuid"]).pk
                                     for r in body["results"]]
    request = Request(APIRequestFactory().get(url))

    def serialized(rows):
        return json.loads(JSONRenderer().render(TakeSerializer(
            rows, many=True, context={"request": request, "slug": project.slug}).data))

    assert body["results"] == serialized(takes)
    assert {r["uuid"] for r in body["results"]} == {str(failed.uuid), str(odd.uuid),
                                                   str(Take.objects.get(status="queued").uuid)}
    everything = as_user(owner).get(url).json()["results"]
    assert everything == serialized(
        Take.objects.filter(shot__scene__project=project).select_related("shot__scene")
        .order_by("shot__scene__order", "shot__order", "number"))
    assert everything[0]["uuid"] == str(done.uuid) and everything[0]["media"]["video"]
    assert everything[0]["media"]["filmstrip"] is None and everything[0]["duration_s"]
    assert everything[-1]["uuid"] == str(other.uuid)
    past_the_end = as_user(owner).get(url, {"offset": 9}).json()
    assert past_the_end["count"] == 5 and past_the_end["results"] == []
