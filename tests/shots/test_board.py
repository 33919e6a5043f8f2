import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from shots.models import Shot
from takes.models import Take, TakeStatus
from tests import factories

pytestmark = pytest.mark.django_db


def fill(project, scenes, shots_per_scene, takes_per_shot, approve_every=3):
    """Scenes of shots, each with a first frame and takes; every third shot has an approved take."""
    shots = []
    for s in range(scenes):
        scene = factories.scene(project=project, code=f"SC{(s + 1) * 10:03d}", order=s)
        for n in range(shots_per_scene):
            shot = factories.shot(scene=scene, code=f"SH{(n + 1) * 10:03d}")
            factories.reference(shot=shot, asset_file=factories.asset_file(project=project),
                                role="first_frame")
            shots.append(shot)
    Take.objects.bulk_create([
        Take(shot=shot, number=k + 1, profile_id="previz", request={"spec": {}},
             status=TakeStatus.SUCCEEDED, poster=f"test/{shot.pk}-{k}.jpg",
             review_state="approved" if i % approve_every == 0 and k == 0 else "unreviewed")
        for i, shot in enumerate(shots) for k in range(takes_per_shot)
    ])
    return shots


def board(client, project, query=""):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("shots:project-home", args=[project.slug]) + query)
    assert response.status_code == 200
    return response, len(captured)


def test_it_renders_the_board_in_constant_queries_for_50_shots_with_40_takes(client, owner,
                                                                              project):
    client.force_login(owner)
    fill(project, 1, 1, 1)
    _, small = board(client, project)
    big = factories.project(name="Feature")
    factories.membership(project=big, user=owner, role="owner")
    fill(big, 5, 10, 40)
    response, large = board(client, big)
    assert small == large
    assert response.content.decode().count('data-shot-id=') == 50
    _, filtered = board(client, big, "?status=unapproved")
    assert filtered == large


def test_it_shows_the_approved_takes_poster_and_counts_shots_without_one(client, director,
                                                                          project):
    shots = fill(project, 1, 3, 2)
    client.force_login(director)
    response, _ = board(client, project)
    body = response.content.decode()
    approved = Take.objects.get(shot=shots[0], review_state="approved")
    poster = reverse("takes:take-poster", args=[project.slug, approved.uuid])
    assert body.count(poster) == 1
    assert "Approved v001" in body
    assert "2 without an approved take" in body
    assert body.count("/thumb.jpg") == 6  # first frame: card thumbnail and reference strip


def test_it_filters_the_board_by_status_through_the_querystring(client, director, project):
    shots = fill(project, 1, 3, 1)
    Shot.objects.filter(pk=shots[1].pk).update(status="omitted")
    client.force_login(director)
    body = board(client, project, "?status=omitted")[0].content.decode()
    assert body.count("data-shot-id=") == 1
    assert f'id="shot-{shots[1].pk}"' in body
    body = board(client, project, "?status=unapproved")[0].content.decode()
    assert body.count("data-shot-id=") == 1  # shot 0 is approved, shot 1 is omitted
    body = board(client, project, "?status=nonsense")[0].content.decode()
    assert body.count("data-shot-id=") == 3


def test_it_hides_planning_controls_from_a_viewer(client, viewer, project):
    fill(project, 1, 1, 0)
    client.force_login(viewer)
    body = board(client, project)[0].content.decode()
    assert "Add scene" not in body and "Duplicate" not in body
    assert 'draggable="true"' not in body
