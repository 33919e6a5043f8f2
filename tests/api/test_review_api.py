"""Notes, dailies, exports and webhooks through API v1."""

import io
import zipfile

import pytest

from exports.services import export_build
from hooks.models import Webhook
from takes.models import Note
from tests import factories
from tests.api.conftest import assert_error

pytestmark = pytest.mark.django_db


@pytest.fixture
def shot(project):
    return factories.shot(scene=factories.scene(project=project))


def test_notes_are_added_with_frames_and_drawings_and_resolved(project, shot, director,
                                                              editor, as_user):
    take = factories.take(shot=shot, num_frames=48)
    url = f"/api/v1/projects/{project.slug}/takes/{take.uuid}/notes/"
    stroke = {"tool": "arrow", "color": "#FF0000", "width": 0.004,
              "points": [[0.1, 0.2], [0.5, 0.5]]}
    response = as_user(editor).post(url, {"body": "Her hand pops @director", "frame_in": 12,
                                          "frame_out": 20, "annotation": {"12": [stroke]}},
                                    format="json")
    assert response.status_code == 201, response.json()
    note = response.json()
    assert (note["frame_in"], note["frame_out"], note["author"]) == (12, 20, "editor")
    assert note["annotation"]["12"][0]["color"] == "#ff0000"
    assert note["mentions"] == ["director"]
    assert_error(as_user(editor).post(url, {"body": "x", "frame_in": 99}, format="json"), 400,
                 "note_invalid")
    reply = as_user(director).post(url, {"body": "Agreed.", "parent": note["id"]},
                                   format="json").json()
    assert reply["parent"] == note["id"]
    listed = as_user(editor).get(url).json()
    assert [n["body"] for n in listed["results"]] == ["Her hand pops @director", "Agreed."]
    resolve = f"/api/v1/projects/{project.slug}/notes/{note['id']}/resolve/"
    assert_error(as_user(editor).post(f"/api/v1/projects/{project.slug}/notes/{reply['id']}"
                                      "/resolve/", {}, format="json"), 403)
    assert as_user(director).post(resolve, {}, format="json").json()["resolved"] is True
    assert as_user(editor).post(resolve, {"resolved": False},
                                format="json").json()["resolved"] is False
    assert Note.objects.filter(take=take).count() == 2


def test_dailies_are_created_listed_filled_and_closed(project, shot, producer, editor,
                                                      as_user):
    first, second = factories.take(shot=shot), factories.take(shot=shot)
    url = f"/api/v1/projects/{project.slug}/dailies/"
    assert_error(as_user(editor).post(url, {"title": "Tuesday", "takes": [str(first.uuid)]},
                                      format="json"), 403)
    created = as_user(producer).post(url, {"title": "Tuesday", "takes": [str(first.uuid)]},
                                     format="json")
    assert created.status_code == 201, created.json()
    session = created.json()
    assert (session["title"], session["status"], session["take_count"]) == ("Tuesday", "open", 1)
    entries = f"{url}{session['id']}/entries/"
    added = as_user(producer).post(entries, {"take": str(second.uuid)}, format="json")
    assert added.status_code == 201
    assert [e["take"]["label"] for e in added.json()["results"]] == ["v001", "v002"]
    assert as_user(producer).delete(f"{entries}{first.uuid}/").status_code == 204
    assert_error(as_user(producer).delete(f"{entries}{second.uuid}/"), 400, "dailies_invalid")
    closed = as_user(producer).post(f"{url}{session['id']}/close/").json()
    assert closed["status"] == "closed" and closed["closed_at"]
    assert_error(as_user(producer).post(f"{url}{session['id']}/close/"), 409, "dailies_closed")
    assert [s["title"] for s in as_user(editor).get(url).json()["results"]] == ["Tuesday"]
    assert as_user(editor).get(f"{url}{session['id']}/").json()["take_count"] == 1


def test_an_export_is_requested_followed_and_downloaded(project, shot, editor, viewer,
                                                        as_user, media_storage):
    url = f"/api/v1/projects/{project.slug}/exports/"
    assert_error(as_user(editor).post(url, {}, format="json"), 400, "export_refused")
    factories.finished_take(shot=shot, review_state="approved", frames=24, fps=24, width=128,
                            height=72)
    assert_error(as_user(viewer).post(url, {}, format="json"), 403)
    response = as_user(editor).post(url, {"scene": shot.scene_id}, format="json")
    assert response.status_code == 201, response.json()
    export = response.json()
    assert export["status"] == "queued" and export["download_url"] is None
    assert export["scene_code"] == shot.scene.code and export["take_count"] == 1
    from exports.models import Export

    export_build(Export.objects.get(uuid=export["uuid"]).pk)  # what the CPU worker runs
    done = as_user(editor).get(export["url"]).json()
    assert (done["status"], done["progress"]) == ("succeeded", 1.0)
    download = as_user(editor).get(done["download_url"])
    assert download.status_code == 200
    assert "attachment" in download["Content-Disposition"]
    names = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content))).namelist()
    assert any(n.endswith(".mp4") for n in names) and any(n.endswith(".edl") for n in names)
    assert as_user(editor).get(url).json()["count"] == 1


def test_webhooks_are_added_listed_logged_and_deleted(project, producer, editor, as_user):
    url = f"/api/v1/projects/{project.slug}/webhooks/"
    assert_error(as_user(editor).get(url), 403)
    assert_error(as_user(producer).post(url, {"url": "https://10.0.0.5/hook",
                                              "events": ["take.decided"]}, format="json"),
                 400)
    assert_error(as_user(producer).post(url, {"url": "https://93.184.216.34/hook",
                                              "events": ["take.exploded"]}, format="json"),
                 400, "validation_error")
    created = as_user(producer).post(url, {"url": "https://93.184.216.34/hook",
                                           "events": ["take.decided", "export.ready"]},
                                     format="json")
    assert created.status_code == 201, created.json()
    webhook = created.json()
    assert webhook["secret"].startswith("whsec_")
    assert webhook["events"] == ["take.decided", "export.ready"]
    listed = as_user(producer).get(url).json()["results"]
    assert [w["uuid"] for w in listed] == [webhook["uuid"]] and "secret" not in listed[0]
    from hooks.services import webhook_emit

    webhook_emit(project=project, event="take.decided", payload={"take": "v001"})
    log = as_user(producer).get(f"{url}{webhook['uuid']}/deliveries/").json()
    assert [(d["event"], d["status"]) for d in log["results"]] == [("take.decided", "pending")]
    assert as_user(producer).delete(f"{url}{webhook['uuid']}/").status_code == 204
    assert not Webhook.objects.exists()
