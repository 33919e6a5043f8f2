import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db


def fill(project, scenes, shots_per_scene):
    for s in range(scenes):
        scene = factories.scene(project=project, code=f"SC{(s + 1) * 10:03d}", order=s)
        for n in range(shots_per_scene):
            shot = factories.shot(scene=scene, code=f"SH{(n + 1) * 10:03d}")
            factories.reference(shot=shot, asset_file=factories.asset_file(project=project),
                                role="first_frame")
            factories.reference(shot=shot, asset_file=factories.asset_file(project=project))


def queries_for(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def test_it_renders_the_project_home_in_constant_queries(client, project, owner):
    client.force_login(owner)
    url = reverse("shots:project-home", args=[project.slug])
    fill(project, 1, 1)
    small = queries_for(client, url)
    fill_more = factories.project(name="Bigger")
    factories.membership(project=fill_more, user=owner, role="owner")
    fill(fill_more, 5, 10)
    large = queries_for(client, reverse("shots:project-home", args=[fill_more.slug]))
    assert small == large


def test_it_renders_the_project_list_in_constant_queries(client, owner, project):
    client.force_login(owner)
    url = reverse("projects:project-list")
    one = queries_for(client, url)
    for n in range(12):
        other = factories.project(name=f"Film {n}")
        factories.membership(project=other, user=owner, role="viewer")
        fill(other, 1, 2)
    assert queries_for(client, url) == one


def test_it_lists_each_shot_with_its_reference_thumbnails(client, project, owner):
    fill(project, 2, 2)
    client.force_login(owner)
    body = client.get(reverse("shots:project-home", args=[project.slug])).content.decode()
    assert body.count('class="card shot-card"') == 4
    # Two reference thumbnails per shot, plus the first frame again as the card's thumbnail.
    assert body.count("/thumb.jpg") == 12
