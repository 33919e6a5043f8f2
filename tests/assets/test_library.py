"""The asset library page through HTTP: usage records, used-in lists, preflight, query counts."""

import io

import pytest
import skimage.data
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from assets.models import AssetFile
from projects.models import Activity
from tests import factories

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def library(project):
    return reverse("assets:asset-list", args=[project.slug])


def usage_url(asset_file):
    return reverse("assets:file-usage", args=[asset_file.asset.project.slug, asset_file.uuid])


def usage(**fields):
    return {"source": "Photographed on set", "rights_owner": "Northlight Films",
            "approval": "client", "client_use_notes": "Cleared for the trailer.", **fields}


def jpeg(pixels) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG", quality=92)
    return buffer.getvalue()


def test_it_saves_the_usage_record_and_records_the_change(project, director):
    asset_file = factories.asset_file(project=project)
    response = client_for(director).post(usage_url(asset_file), usage())
    assert response.status_code == 302
    asset_file.refresh_from_db()
    assert (asset_file.source, asset_file.rights_owner, asset_file.approval,
            asset_file.client_use_notes) == ("Photographed on set", "Northlight Films",
                                             "client", "Cleared for the trailer.")
    activity = Activity.objects.get(verb="changed usage record")
    assert activity.data["to"]["approval"] == "client"
    assert activity.data["from"]["approval"] == "pending"


def test_it_answers_htmx_with_the_saved_record(project, director):
    asset_file = factories.asset_file(project=project)
    response = client_for(director).post(usage_url(asset_file), usage(source="Scout"),
                                         headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 200
    assert f'id="usage-{asset_file.uuid}"' in body and 'value="Scout"' in body
    assert "Saved." in body and "<html" not in body


def test_it_refuses_an_unknown_approval_with_a_sentence(project, director):
    asset_file = factories.asset_file(project=project)
    response = client_for(director).post(usage_url(asset_file), usage(approval="everyone"),
                                         headers={"HX-Request": "true"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    asset_file.refresh_from_db()
    assert asset_file.approval == "pending"


def test_it_lets_a_viewer_read_but_not_edit_the_usage_record(project, viewer):
    asset_file = factories.asset_file(project=project)
    client = client_for(viewer)
    assert client.post(usage_url(asset_file), usage()).status_code == 403
    asset_file.refresh_from_db()
    assert asset_file.approval == "pending"
    body = client.get(library(project)).content.decode()
    assert "Usage record" in body and "Save usage record" not in body


def test_it_hides_another_projects_file(project, director):
    other = factories.project(name="Other", slug="other")
    asset_file = factories.asset_file(project=other)
    response = client_for(director).post(
        reverse("assets:file-usage", args=[project.slug, asset_file.uuid]), usage())
    assert response.status_code == 404


def test_it_lists_the_shots_that_use_a_file(project, director):
    asset_file = factories.asset_file(project=project)
    scene = factories.scene(project=project, code="SC020")
    first = factories.shot(scene=scene, code="SH010")
    second = factories.shot(scene=scene, code="SH020")
    factories.reference(shot=second, asset_file=asset_file)
    factories.reference(shot=first, asset_file=asset_file, role="first_frame")
    body = client_for(director).get(library(project)).content.decode()
    first_url = reverse("takes:shot-page", args=[project.slug, first.pk])
    second_url = reverse("takes:shot-page", args=[project.slug, second.pk])
    assert f'<a href="{first_url}">SC020/SH010</a>' in body
    assert body.index(first_url) < body.index(second_url)
    assert "used in 2" in body


def test_it_shows_preflight_results_of_an_uploaded_photograph(project, director):
    small = jpeg(skimage.data.coffee())  # 600×400: below the advised 1280×720, and 3:2
    response = client_for(director).post(reverse("assets:asset-upload", args=[project.slug]), {
        "name": "Kitchen", "kind": "location", "approval": "pending",
        "files": SimpleUploadedFile("coffee.jpg", small, content_type="image/jpeg"),
    })
    assert response.status_code == 302
    asset_file = AssetFile.objects.get()
    assert [check["check"] for check in asset_file.preflight] == [
        "resolution", "aspect", "blur", "exposure", "edge"]
    assert all(check["level"] in {"pass", "warn", "fail"} for check in asset_file.preflight)
    body = client_for(director).get(library(project)).content.decode()
    assert "600×400 is below the advised 1280×720; takes will look soft." in body
    assert "wider than the project&#x27;s 16:9 frame" not in body
    assert "taller than the project&#x27;s 16:9 frame" in body
    assert "The image is sharp" in body


def test_it_renders_the_library_in_constant_queries(project, director):
    client = client_for(director)
    scene = factories.scene(project=project)

    def grow(count):
        for n in range(count):
            shot = factories.shot(scene=scene, code=f"SH{len(scene.shots.all()) * 10 + 10:03d}")
            for kind in ("character", "location"):
                asset_file = factories.asset_file(project=project, kind=kind, name=f"A{n}")
                factories.reference(shot=shot, asset_file=asset_file)

    def count_queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(library(project)).status_code == 200
        return len(captured)

    grow(2)
    few = count_queries()
    grow(25)
    assert count_queries() == few
