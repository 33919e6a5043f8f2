"""The shot page's takes strip builds each take's URLs from one prefix, its spec line in the
view, the "continue into" options once, and shares one form among the "again" buttons
(performance work on the shot page, issue 8): the markup must still carry the routes' own URLs
and the same text."""

import re

import pytest
from django.urls import reverse

from takes.models import Take, TakeStatus
from tests import factories

pytestmark = pytest.mark.django_db


def spec(seed, **extra):
    return {"spec": {"seed": seed, "num_frames": 49, "width": 768, "height": 432}, **extra}


@pytest.fixture
def shots(project):
    scene = factories.scene(project=project, code="SC010", order=0)
    later = factories.scene(project=project, code="SC020", order=1)
    return [factories.shot(scene=scene, code="SH010"), factories.shot(scene=scene, code="SH020"),
            factories.shot(scene=later, code="SH010")]


def page(client, shot):
    response = client.get(reverse("takes:shot-page", args=[shot.scene.project.slug, shot.pk]))
    assert response.status_code == 200
    return response.content.decode()


def row(html, take):
    """One take's <li> in the strip."""
    start = html.index(f'data-take="{take.label}" data-status=')
    return html[start:html.index("</li>", start)]


def test_each_take_links_and_posts_to_its_own_routes(client, director, project, shots):
    shot = shots[0]
    done = Take.objects.create(shot=shot, number=1, profile_id="previz", request=spec(7),
                               status=TakeStatus.SUCCEEDED, poster="p.jpg", video="v.mp4")
    running = Take.objects.create(shot=shot, number=2, profile_id="ltx", request=spec(8),
                                  status=TakeStatus.RUNNING, progress=0.5)
    client.force_login(director)
    html = page(client, shot)
    slug = project.slug
    mine = row(html, done)
    assert f'src="{reverse("takes:take-poster", args=[slug, done.uuid])}"' in mine
    again = reverse("takes:take-again", args=[slug, done.uuid])
    assert mine.count(f'form="takes-again-form" formaction="{again}" name="seed"') == 2
    assert f'action="{reverse("takes:take-continue", args=[slug, done.uuid])}"' in mine
    cancel = reverse("takes:take-cancel", args=[slug, running.uuid])
    assert f'hx-post="{cancel}"' in row(html, running)
    # The again buttons' one form carries the CSRF token and nothing else.
    form = re.search(r'<form id="takes-again-form" method="post" hidden>(.*?)</form>', html,
                     re.S).group(1)
    assert 'name="csrfmiddlewaretoken"' in form and "<button" not in form


def test_the_spec_line_and_status_read_as_before(client, director, project, shots):
    shot = shots[0]
    previz = Take.objects.create(shot=shot, number=1, profile_id="previz",
                                 request=spec(42, aspect_ratio="9:16"),
                                 status=TakeStatus.SUCCEEDED)
    retired = Take.objects.create(shot=shot, number=2, profile_id="gone",
                                  request={"spec": {"seed": 3}}, status=TakeStatus.FAILED,
                                  error="Out of <memory>")
    client.force_login(director)
    html = page(client, shot)
    mine = row(html, previz)
    assert '<span class="chip take-status-succeeded">Succeeded</span>' in mine
    label = re.search(r'<span class="specs">(.*?)</span>', mine).group(1)
    assert label.endswith("· seed 42 · 49 f · 768×432 · 9:16 · animatic, not AI output")
    other = row(html, retired)
    assert '<span class="specs">gone · seed 3 ·  f · ×</span>' in other  # missing: blank
    assert "Out of &lt;memory&gt;" in other


def test_continue_offers_every_other_shot_once_per_take_in_board_order(client, director,
                                                                         project, shots):
    shot = shots[1]
    for number in (1, 2):
        Take.objects.create(shot=shot, number=number, profile_id="previz", request=spec(number),
                            status=TakeStatus.SUCCEEDED)
    client.force_login(director)
    html = page(client, shot)
    options = re.findall(r'<select id="continue-\d+" name="shot">\s*(.*?)\s*</select>', html,
                         re.S)
    assert len(options) == 2 and options[0] == options[1]
    assert options[0] == (f'<option value="{shots[0].pk}">SC010/SH010</option>'
                          f'<option value="{shots[2].pk}">SC020/SH010</option>')


def test_a_project_of_one_shot_offers_no_continue(client, director, project):
    shot = factories.shot(scene=factories.scene(project=project))
    Take.objects.create(shot=shot, number=1, profile_id="previz", request=spec(1),
                        status=TakeStatus.SUCCEEDED)
    client.force_login(director)
    assert "Continue from this take" not in page(client, shot)


def test_a_viewer_gets_neither_again_nor_continue(client, viewer, project, shots):
    Take.objects.create(shot=shots[0], number=1, profile_id="previz", request=spec(1),
                        status=TakeStatus.SUCCEEDED)
    client.force_login(viewer)
    html = page(client, shots[0])
    assert "takes-again-form" not in html and "Continue from this take" not in html


def test_the_library_pickers_thumbnails_are_the_routes_own_urls(client, director, project,
                                                               shots):
    files = [factories.asset_file(project=project) for _ in range(3)]
    client.force_login(director)
    html = page(client, shots[0])
    picker = html[html.index('class="library-picker"'):html.index("</fieldset>")]
    for f in files:
        thumb = reverse("assets:file-thumb", args=[project.slug, f.uuid])
        assert f'value="{f.uuid}"' in picker and f'src="{thumb}"' in picker
