"""The approved-takes page and the export buttons, status fragment and downloads, via HTTP."""

import io
import zipfile

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from exports.models import Export, ExportStatus
from exports.services import export_build
from projects.models import Membership
from takes.models import Take
from tests import factories

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_it_lists_approved_takes_by_scene_in_shot_order_and_the_shots_missing_one(
        cut, viewer):
    scene = cut["scenes"]["SC010"]
    factories.shot(scene=scene, code="SH030", order=2, job="Reaction shot")
    omitted = factories.shot(scene=scene, code="SH040", order=3)
    omitted.status = "omitted"
    omitted.save()
    response = client_for(viewer).get(reverse("exports:approved", args=[cut["project"].slug]))
    assert response.status_code == 200
    html = response.content.decode()
    positions = [html.index(f'data-take="{take.uuid}"') for take in cut["takes"]]
    assert positions == sorted(positions)
    assert html.index('id="approved-SH030-SC010"') < html.index('id="approved-SH010-SC020"')
    assert "No approved take yet: Reaction shot" in html
    assert "SH040" not in html
    take = cut["takes"][0]
    for text in (str(take.uuid), "v002", "1.00 s", ">24</span> frames", "24 fps",
                 str(take.request["spec"]["seed"]), "Previz animatic", "producer",
                 "signal_SC010_SH010_v002.mp4"):
        assert text in html, text
    assert "4</span> approved takes" in html and "1 shot without one" in html
    # A viewer may look but not download or export.
    assert "MP4 ↓" not in html and "Export project" not in html
    assert "take-download" not in html and "/download" not in html


def test_it_keeps_a_constant_number_of_queries_whatever_the_number_of_takes(project, owner):
    producer = factories.membership(project=project, user=factories.user(username="prod"),
                                    role="producer")
    client = client_for(owner)
    url = reverse("exports:approved", args=[project.slug])
    counts = []
    for size in (3, 30):
        scene = factories.scene(project=project, code=f"SC{size:03d}", order=size)
        for n in range(size):
            shot = factories.shot(scene=scene, code=f"SH{n + 1:03d}", order=n)
            take = factories.take(shot=shot)
            from takes.services import take_decide

            take_decide(take=take, membership=producer, state="approved")
            factories.shot(scene=scene, code=f"SH{n + 1:03d}A", order=n)  # missing one
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200
        counts.append(len(captured))
    assert Take.objects.filter(review_state="approved").count() == 33
    assert counts[0] == counts[1], counts


def test_it_downloads_an_approved_take_under_its_editorial_name(cut, editor):
    take = cut["takes"][1]
    response = client_for(editor).get(
        reverse("exports:take-download", args=[cut["project"].slug, take.uuid]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="signal_SC010_SH020_v002.mp4"')
    assert response["Content-Type"] == "video/mp4"
    assert b"".join(response.streaming_content)[4:8] == b"ftyp"


def test_it_refuses_to_download_a_take_that_is_not_approved(cut, owner):
    unapproved = Take.objects.get(shot=cut["takes"][0].shot, number=1)
    response = client_for(owner).get(
        reverse("exports:take-download", args=[cut["project"].slug, unapproved.uuid]))
    assert response.status_code == 404


def test_it_exports_from_the_page_and_offers_the_zip_when_done(cut, editor):
    client = client_for(editor)
    slug = cut["project"].slug
    response = client.post(reverse("exports:export-create", args=[slug]),
                           {"scene": cut["scenes"]["SC010"].pk}, follow=True)
    assert response.status_code == 200
    assert "Export of SC010 queued (2 approved takes)." in response.content.decode()
    export = Export.objects.get()
    assert (export.scene, export.created_by, export.status) == (
        cut["scenes"]["SC010"], editor, ExportStatus.QUEUED)
    status_url = reverse("exports:export-status", args=[slug, export.uuid])
    queued = client.get(status_url).content.decode()
    assert 'hx-trigger="every 1s"' in queued and 'role="progressbar"' in queued

    export_build(export.pk)
    export.refresh_from_db()
    done = client.get(status_url).content.decode()
    assert "hx-trigger" not in done
    name = export.download_name()
    assert name == f"signal_SC010_{export.created_at:%Y%m%d}.zip" and name in done
    response = client.get(reverse("exports:export-download", args=[slug, export.uuid]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{name}"'
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert "timeline.edl" in archive.namelist()
    page = client.get(reverse("exports:approved", args=[slug])).content.decode()
    assert f'id="export-{export.uuid}"' in page and name in page


def test_it_shows_why_an_export_is_refused_when_nothing_is_approved(project, owner):
    factories.shot(scene=factories.scene(project=project))
    response = client_for(owner).post(reverse("exports:export-create", args=[project.slug]),
                                      follow=True)
    assert "There is no approved take in this project yet" in response.content.decode()
    assert not Export.objects.exists()


def test_it_shows_a_failed_export_with_its_message_and_no_download(cut, owner):
    from django.core.files.storage import default_storage

    default_storage.delete(cut["takes"][0].video.name)
    client = client_for(owner)
    slug = cut["project"].slug
    client.post(reverse("exports:export-create", args=[slug]))
    export = Export.objects.get()
    export_build(export.pk)
    fragment = client.get(reverse("exports:export-status", args=[slug, export.uuid]))
    assert "is missing from storage" in fragment.content.decode()
    assert client.get(reverse("exports:export-download", args=[slug, export.uuid])
                      ).status_code == 404


def test_it_lets_only_members_who_may_export_see_and_start_exports(cut, viewer, stranger):
    slug = cut["project"].slug
    export = Export.objects.create(project=cut["project"], created_by=None, take_count=1)
    for user, expected in ((viewer, 403), (stranger, 404)):
        client = client_for(user)
        assert client.post(reverse("exports:export-create", args=[slug])).status_code == expected
        assert client.get(reverse("exports:export-status", args=[slug, export.uuid])
                          ).status_code == expected
        assert client.get(reverse("exports:export-download", args=[slug, export.uuid])
                          ).status_code == expected
    assert Export.objects.count() == 1
    other = factories.project(name="Elsewhere")
    foreign = factories.scene(project=other)
    owner_membership = cut["owner"]
    response = client_for(owner_membership.user).post(
        reverse("exports:export-create", args=[slug]), {"scene": foreign.pk})
    assert response.status_code == 404
    assert Membership.objects.filter(project=other).count() == 0
