"""Scenes, shots (with the plan), assets and references through API v1."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assets.models import AssetFile
from assets.services import asset_create, asset_file_ingest_image
from shots.models import Shot
from tests import factories
from tests.api.conftest import assert_error

pytestmark = pytest.mark.django_db


def test_scenes_are_listed_created_and_renamed_by_planners(project, director, editor,
                                                           as_user):
    url = f"/api/v1/projects/{project.slug}/scenes/"
    created = as_user(director).post(url, {"title": "Dawn"}, format="json")
    assert created.status_code == 201
    scene = created.json()
    assert scene["code"] == "SC010" and scene["title"] == "Dawn" and scene["shot_count"] == 0
    assert as_user(director).post(url, {}, format="json").json()["code"] == "SC020"
    assert_error(as_user(editor).patch(f"{url}{scene['id']}/", {"title": "X"}, format="json"),
                 403)
    renamed = as_user(director).patch(f"{url}{scene['id']}/", {"code": "sc015"}, format="json")
    assert renamed.json()["code"] == "SC015" and renamed.json()["title"] == "Dawn"
    assert_error(as_user(director).patch(f"{url}{scene['id']}/", {"code": "SC020"},
                                         format="json"), 409, "code_taken")
    listed = as_user(editor).get(url).json()
    assert [s["code"] for s in listed["results"]] == ["SC015", "SC020"]


def test_shots_carry_their_plan_and_only_sent_fields_change(project, director, viewer,
                                                            as_user):
    scene = factories.scene(project=project)
    url = f"/api/v1/projects/{project.slug}/shots/"
    response = as_user(director).post(url, {
        "scene": scene.pk, "subject_action": "Mara turns.", "camera_movement": "orbit",
        "duration_s": 3.5, "fps": 25, "review_standard": "No extra fingers\nEyes open"},
        format="json")
    assert response.status_code == 201, response.json()
    shot = response.json()
    assert shot["code"] == "SH010" and shot["scene_code"] == "SC010"
    assert shot["plan"]["camera_movement"] == "orbit" and shot["plan"]["duration_s"] == 3.5
    assert shot["effective"] == {"aspect_ratio": project.default_aspect_ratio,
                                 "resolution": project.default_resolution, "fps": 25}
    patched = as_user(director).patch(f"{url}{shot['id']}/", {"motion_prompt": "Slow orbit."},
                                      format="json").json()
    assert patched["plan"]["motion_prompt"] == "Slow orbit."
    assert patched["plan"]["subject_action"] == "Mara turns."
    assert_error(as_user(director).patch(f"{url}{shot['id']}/", {"duration_s": 0},
                                         format="json"), 400, "invalid")
    assert_error(as_user(director).patch(f"{url}{shot['id']}/", {"duration_s": 0.001},
                                         format="json"), 400, "validation_error")
    assert_error(as_user(viewer).patch(f"{url}{shot['id']}/", {"job": "x"}, format="json"), 403)
    assert Shot.objects.get(pk=shot["id"]).duration_s == 3.5


def test_the_shot_list_filters_by_scene_in_constant_queries(project, owner, as_user):
    client = as_user(owner)
    url = f"/api/v1/projects/{project.slug}/shots/"
    scenes = [factories.scene(project=project, code=f"SC0{n}0", order=n) for n in (1, 2)]

    def count_queries(size: int) -> int:
        for scene in scenes:
            start = scene.shots.count()
            for n in range(start, size):
                factories.shot(scene=scene, code=f"SH{n + 1:03d}")
        client.get(url)  # warm the token's last-used write
        with CaptureQueriesContext(connection) as queries:
            body = client.get(url, {"limit": 200}).json()
        assert body["count"] == 2 * size
        return len(queries)

    assert count_queries(3) == count_queries(30)
    only = client.get(url, {"scene": scenes[1].pk}).json()
    assert only["count"] == 30 and {s["scene"] for s in only["results"]} == {scenes[1].pk}
    assert_error(client.get(url, {"scene": "x"}), 400, "validation_error")


def test_it_uploads_files_through_the_api_like_the_library_page(project, director, viewer,
                                                                as_user, media_storage):
    url = f"/api/v1/projects/{project.slug}/assets/upload/"
    files = [factories.image_bytes(width=96, height=54, color=(0, c, 90)) for c in (10, 200)]
    from django.core.files.uploadedfile import SimpleUploadedFile

    def multipart(**fields):
        uploads = [SimpleUploadedFile(f"ref{n}.png", data, "image/png")
                   for n, data in enumerate(files)]
        return {"files": uploads, **fields}

    assert_error(as_user(viewer).post(url, multipart(name="Mara", kind="character"),
                                      format="multipart"), 403)
    response = as_user(director).post(url, multipart(name="Mara", kind="character",
                                                     approval="internal"),
                                      format="multipart")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["asset"]["name"] == "Mara" and len(body["accepted"]) == 2
    assert body["refused"] == []
    stored = AssetFile.objects.get(uuid=body["accepted"][0]["uuid"])
    assert stored.approval == "internal" and f"assets/{stored.uuid}/original." in stored.file.name
    assert body["accepted"][0]["original_url"].startswith("http://testserver/p/")
    # Same bytes again into the same asset: every file refused, in the error format.
    again = as_user(director).post(url, multipart(asset=body["asset"]["id"]),
                                   format="multipart")
    error = assert_error(again, 409, "asset_file_duplicate")
    assert len(error["fields"]["files"]) == 2
    error = assert_error(as_user(director).post(url, {"name": "X", "kind": "prop"},
                                                format="multipart"), 400, "validation_error")
    assert error["fields"]["files"] == ["Choose at least one file to upload."]
    junk = {"files": [SimpleUploadedFile("notes.txt", b"hello " * 40, "text/plain")],
            "name": "Junk", "kind": "prop"}
    assert_error(as_user(director).post(url, junk, format="multipart"), 400,
                 "unsupported_type")
    listed = as_user(viewer).get(f"/api/v1/projects/{project.slug}/assets/").json()
    assert [(a["name"], len(a["files"])) for a in listed["results"]] == [("Mara", 2)]


def test_references_are_listed_added_changed_and_removed(project, director, editor, as_user):
    scene = factories.scene(project=project)
    shot = factories.shot(scene=scene)
    asset = asset_create(project=project, actor=director, kind="character", name="Mara")
    image = asset_file_ingest_image(asset=asset, actor=director,
                                    data=factories.image_bytes(width=96, height=54))
    url = f"/api/v1/projects/{project.slug}/shots/{shot.pk}/references/"
    assert_error(as_user(editor).post(url, {"asset_file": str(image.uuid), "role": "reference",
                                            "job": "identity"}, format="json"), 403)
    added = as_user(director).post(url, {"asset_file": str(image.uuid), "role": "first_frame",
                                         "job": "identity", "instruction": "Face and hair."},
                                   format="json")
    assert added.status_code == 201, added.json()
    reference = added.json()
    assert reference["asset"] == "Mara" and reference["role"] == "first_frame"
    # The picture is far below 1280×720: the page's warning, here too.
    assert any(w["level"] == "warn" and "96×54" in w["message"] for w in reference["warnings"])
    assert_error(as_user(director).post(url, {"asset_file": str(image.uuid),
                                              "role": "last_frame", "job": "identity"},
                                        format="json"), 409, "reference_role_taken")
    detail = f"/api/v1/projects/{project.slug}/references/{reference['id']}/"
    changed = as_user(director).patch(detail, {"job": "composition"}, format="json").json()
    assert changed["job"] == "composition" and changed["instruction"] == "Face and hair."
    assert as_user(editor).get(url).json()["count"] == 1
    assert as_user(director).delete(detail).status_code == 204
    assert as_user(editor).get(url).json()["count"] == 0
    other = factories.project(name="Other")
    foreign = factories.asset_file(project=other)
    assert_error(as_user(director).post(url, {"asset_file": str(foreign.uuid),
                                              "role": "reference", "job": "style"},
                                        format="json"), 404)


def test_an_upload_over_the_limit_is_stopped_while_it_streams(project, director, as_user,
                                                              settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.LOTIX_MAX_IMAGE_BYTES = 2048
    big = factories.image_bytes(width=400, height=300, fmt="BMP")  # ~360 kB
    response = as_user(director).post(
        f"/api/v1/projects/{project.slug}/assets/upload/",
        {"files": [SimpleUploadedFile("big.bmp", big, "image/bmp")], "name": "Big",
         "kind": "prop"}, format="multipart")
    error = assert_error(response, 413, "file_too_large")
    assert error["message"].startswith("big.bmp:")
    assert not AssetFile.objects.exists()
