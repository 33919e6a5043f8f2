"""The coverage board builds its links from one URL prefix per kind and shares one form among
every card's move/duplicate/omit/restore buttons: the links must still be the routes' own, and
every button must still post to its shot (performance work on the project home, issue 8)."""

import re

import pytest
from django.urls import reverse

from shots.models import Shot
from takes.models import Take, TakeStatus
from tests import factories

pytestmark = pytest.mark.django_db


def board(client, project, query=""):
    response = client.get(reverse("shots:project-home", args=[project.slug]) + query)
    assert response.status_code == 200
    return response.content.decode()


def card(html, shot):
    """The markup of one shot card: from its <li> to the end of its list item."""
    start = html.index(f'id="shot-{shot.pk}"')
    return html[start:html.index("</li>", html.index('class="shot-tools"', start))]


@pytest.fixture
def planned(project):
    scene = factories.scene(project=project, code="SC010", order=0)
    other = factories.scene(project=project, code="SC020", order=1)
    first = factories.shot(scene=scene, code="SH010")
    factories.reference(shot=first, asset_file=factories.asset_file(project=project),
                        role="first_frame")
    omitted = factories.shot(scene=scene, code="SH020")
    Shot.objects.filter(pk=omitted.pk).update(status="omitted")
    take = Take.objects.create(shot=first, number=1, profile_id="previz", request={"spec": {}},
                               status=TakeStatus.SUCCEEDED, poster="p.jpg",
                               review_state="approved")
    return {"scene": scene, "other": other, "first": first, "omitted": omitted, "take": take}


def test_every_link_and_button_of_a_card_is_the_routes_own_url(client, director, project,
                                                                 planned):
    client.force_login(director)
    html = board(client, project)
    slug, first, omitted = project.slug, planned["first"], planned["omitted"]
    mine = card(html, first)
    assert f'href="{reverse("takes:shot-page", args=[slug, first.pk])}"' in mine
    assert f'href="{reverse("shots:shot-edit", args=[slug, first.pk])}"' in mine
    move = reverse("shots:shot-move", args=[slug, first.pk])
    assert (f'id="shot-{first.pk}-down" type="submit" form="board-form" formaction="{move}" '
            'name="direction" value="down"') in mine
    assert ('value="up" disabled aria-label="Move SH010 up"' in mine
            and 'value="down" aria-label="Move SH010 down"' in mine)  # the first of two
    assert 'value="down" disabled aria-label="Move SH020 down"' in card(html, omitted)
    assert f'formaction="{reverse("shots:shot-duplicate", args=[slug, first.pk])}"' in mine
    assert f'formaction="{reverse("shots:shot-omit", args=[slug, first.pk])}"' in mine
    poster = reverse("takes:take-poster", args=[slug, planned["take"].uuid])
    assert f'src="{poster}" alt="Approved take v001 of SH010"' in mine
    thumb = reverse("assets:file-thumb",
                    args=[slug, first.references.get().asset_file.uuid])
    assert mine.count(f'src="{thumb}"') == 2  # the card's first frame and the reference strip
    restore = reverse("shots:shot-restore", args=[slug, omitted.pk])
    assert f'formaction="{restore}"' in card(html, omitted)
    scene = planned["scene"]
    assert f'formaction="{reverse("shots:scene-move", args=[slug, scene.pk])}"' in html
    assert f'action="{reverse("shots:scene-rename", args=[slug, scene.pk])}"' in html
    assert f'action="{reverse("shots:shot-create", args=[slug, scene.pk])}"' in html
    assert f'data-reorder-url="{reverse("shots:shot-reorder", args=[slug, scene.pk])}"' in html


def test_one_form_carries_the_csrf_token_for_every_cards_buttons(client, director, project,
                                                                  planned):
    client.force_login(director)
    html = board(client, project)
    assert html.count('<form id="board-form" method="post" hidden>') == 1
    form = re.search(r'<form id="board-form"[^>]*>(.*?)</form>', html, re.S).group(1)
    assert 'name="csrfmiddlewaretoken"' in form
    # 2 scenes × up/down, 2 shots × up/down/duplicate/omit-or-restore.
    assert html.count('form="board-form"') == 2 * 2 + 2 * 4
    # Each button's form and URL, posted as the browser would, moves its own shot.
    second = planned["omitted"]
    client.post(reverse("shots:shot-move", args=[project.slug, second.pk]), {"direction": "up"})
    assert list(Shot.objects.filter(scene=planned["scene"]).order_by("order")
                .values_list("code", flat=True)) == ["SH020", "SH010"]


def test_a_viewer_gets_no_board_form(client, viewer, project, planned):
    client.force_login(viewer)
    html = board(client, project)
    assert "board-form" not in html and "formaction" not in html


def test_the_card_shows_the_status_camera_duration_and_job_as_before(client, director,
                                                                      project, planned):
    Shot.objects.filter(pk=planned["first"].pk).update(
        job="", subject_action="A" * 200, camera_movement="push_in", duration_s="2.50")
    client.force_login(director)
    mine = card(board(client, project), planned["first"])
    assert '<span class="chip status-planned">Planned</span>' in mine
    assert '<p class="specs">Push in · 2.5 s</p>' in mine
    assert f'<p class="shot-job">{"A" * 139}…</p>' in mine
