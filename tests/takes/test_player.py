"""The review player's context (takes/player.py) and its markup on the shot page."""

import pytest
from django.urls import reverse

from takes import selectors
from takes.models import Take
from takes.player import player_context
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def shot(project):
    return factories.shot(scene=factories.scene(project=project), fps=24)


def played(shot, number, status="succeeded"):
    """A take row that looks finished (a video name) when it succeeded."""
    take = factories.take(shot=shot, number=number, status=status)
    if status == "succeeded":
        Take.objects.filter(pk=take.pk).update(video=f"t/{number}.mp4", poster=f"t/{number}.jpg")
        take.refresh_from_db()
    return take


def test_it_offers_only_the_other_finished_takes_of_the_shot_to_compare(project, shot):
    take = played(shot, 1)
    other = played(shot, 2)
    played(shot, 3, status="queued")
    played(shot, 4, status="running")
    played(shot, 5, status="failed")
    played(shot, 6, status="canceled")
    elsewhere = factories.shot(scene=shot.scene, code="SH020")
    played(elsewhere, 1)

    context = player_context(take=take, project=project)

    assert [c["label"] for c in context["candidates"]] == ["v002"]
    [candidate] = context["candidates"]
    assert candidate["uuid"] == str(other.uuid)
    assert candidate["video_url"] == reverse("takes:take-video", args=[project.slug, other.uuid])
    assert (candidate["fps"], candidate["frames"]) == (24, 48)


def test_it_leaves_out_a_succeeded_take_without_a_video(project, shot):
    take = played(shot, 1)
    factories.take(shot=shot, number=2, status="succeeded")  # no media stored
    assert player_context(take=take, project=project)["candidates"] == []


def test_it_gives_fps_frames_and_the_take_media_urls(project, shot):
    take = played(shot, 1)
    context = player_context(take=take, project=project)
    assert (context["fps"], context["frames"]) == (24, 48)
    assert context["video_url"] == reverse("takes:take-video", args=[project.slug, take.uuid])
    assert context["last_url"] == ""  # no last frame stored
    Take.objects.filter(pk=take.pk).update(last_frame="t/last.png")
    take.refresh_from_db()
    assert player_context(take=take, project=project)["last_url"] == reverse(
        "takes:take-last", args=[project.slug, take.uuid])


def test_it_has_no_reference_images_when_the_shot_has_no_first_or_last_frame(project, shot):
    take = played(shot, 1)
    factories.reference(shot=shot, asset_file=factories.asset_file(project=project),
                        role="reference")
    context = player_context(take=take, project=project)
    assert context["first_reference"] is None
    assert context["last_reference"] is None


def test_it_links_the_first_and_last_frame_references_of_the_shot(project, shot):
    take = played(shot, 1)
    first = factories.asset_file(project=project, name="Mara")
    last = factories.asset_file(project=project, kind="location", name="Corridor")
    factories.reference(shot=shot, asset_file=first, role="first_frame")
    factories.reference(shot=shot, asset_file=last, role="last_frame", job="location")

    context = player_context(take=take, project=project)

    assert context["first_reference"]["url"] == reverse("assets:file-original",
                                                        args=[project.slug, first.uuid])
    assert context["first_reference"]["name"] == "Mara"
    assert context["last_reference"]["url"] == reverse("assets:file-original",
                                                       args=[project.slug, last.uuid])
    assert context["last_reference"]["thumb_url"] == reverse("assets:file-thumb",
                                                             args=[project.slug, last.uuid])


def test_it_reads_nothing_more_when_the_page_already_loaded_the_shot_and_its_takes(
    project, shot, director, django_assert_num_queries
):
    take = played(shot, 1)
    played(shot, 2)
    factories.reference(shot=shot, asset_file=factories.asset_file(project=project),
                        role="first_frame")
    membership = project.memberships.get(user=director)
    loaded = selectors.shot_get(membership, shot.pk)
    takes = list(selectors.takes_for_shot(loaded))
    with django_assert_num_queries(0):
        context = player_context(take=takes[1], project=project, shot=loaded, takes=takes)
    assert context["take"] == take
    assert [c["label"] for c in context["candidates"]] == ["v002"]
    assert context["first_reference"] is not None


def test_the_shot_page_renders_the_player_with_its_frame_rate_and_compare_reasons(
    client, project, shot, director
):
    take = played(shot, 1)
    client.force_login(director)
    html = client.get(reverse("takes:shot-page", args=[project.slug, shot.pk])).content.decode()
    assert f'data-player data-take="{take.uuid}"' in html
    assert 'data-fps="24" data-frames="48"' in html
    assert "data-player-frame" in html and "data-player-timecode" in html
    assert 'title="This shot has no first-frame reference."' in html
    assert 'title="No other finished take of this shot to compare with."' in html
    assert 'title="This take has no last-frame image."' in html
    # The reasons are also written out, for those who never hover a disabled option.
    assert "take vs first-frame reference (this shot has no first-frame reference)" in html
    assert "take vs another take (no other finished take of this shot)" in html
    assert "js/player.js" in html
    assert "Recipe" in html  # the shot page keeps the take's recipe under the player
