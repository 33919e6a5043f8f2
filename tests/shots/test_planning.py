import pytest
from django.urls import reverse

from lotix.errors import DomainError
from projects.models import Activity
from shots import services
from shots.models import Scene, Shot
from tests import factories

pytestmark = pytest.mark.django_db


def codes(scene):
    return [s.code for s in Shot.objects.filter(scene=scene).order_by("order", "code")]


@pytest.fixture
def scene(project):
    return factories.scene(project=project)


def test_it_suggests_the_next_codes_in_steps_of_ten(project, director, scene):
    assert services.scene_code_suggest(project=project) == "SC020"
    assert services.shot_code_suggest(scene=scene) == "SH010"
    services.shot_add(scene=scene, actor=director)
    services.shot_add(scene=scene, actor=director)
    assert codes(scene) == ["SH010", "SH020"]
    assert services.scene_add(project=project, actor=director, title="Roof").code == "SC020"


def test_it_inserts_a_shot_between_two_with_a_code_in_between(director, scene):
    first = services.shot_add(scene=scene, actor=director)
    services.shot_add(scene=scene, actor=director)
    assert services.shot_add(scene=scene, actor=director, after=first).code == "SH015"
    assert services.shot_add(scene=scene, actor=director, after=first).code == "SH012"
    assert codes(scene) == ["SH010", "SH012", "SH015", "SH020"]
    assert services.shot_add(scene=scene, actor=director, after=first).code == "SH011"
    # No whole number is left between SH010 and SH011: a letter follows.
    assert services.shot_add(scene=scene, actor=director, after=first).code == "SH010A"


def test_it_renames_scenes_and_shots_and_refuses_a_taken_code(project, director, scene):
    shot = services.shot_add(scene=scene, actor=director)
    other = services.shot_add(scene=scene, actor=director)
    services.shot_rename(shot=shot, actor=director, code="sh005")
    assert Shot.objects.get(pk=shot.pk).code == "SH005"
    with pytest.raises(DomainError, match="already exists"):
        services.shot_rename(shot=other, actor=director, code="SH005")
    services.scene_rename(scene=scene, actor=director, code="SC015", title="Kitchen, later")
    assert Scene.objects.get(pk=scene.pk).title == "Kitchen, later"
    verbs = list(Activity.objects.values_list("verb", flat=True))
    assert "renamed shot" in verbs and "renamed scene" in verbs


def test_it_moves_and_reorders_shots_and_scenes(project, director, scene):
    a, b, c = (services.shot_add(scene=scene, actor=director) for _ in range(3))
    services.shot_move(shot=c, actor=director, direction="up")
    assert codes(scene) == ["SH010", "SH030", "SH020"]
    services.shot_move(shot=a, actor=director, direction="up")  # already first: no change
    assert codes(scene) == ["SH010", "SH030", "SH020"]
    services.shots_reorder(scene=scene, actor=director, shot_ids=[b.pk, a.pk, c.pk])
    assert codes(scene) == ["SH020", "SH010", "SH030"]
    with pytest.raises(DomainError, match="changed while you moved"):
        services.shots_reorder(scene=scene, actor=director, shot_ids=[a.pk, b.pk])
    second = services.scene_add(project=project, actor=director)
    services.scene_move(scene=second, actor=director, direction="up")
    assert list(Scene.objects.filter(project=project).values_list("code", flat=True)) == [
        "SC020", "SC010"]


def test_it_omits_and_restores_a_shot_with_activity(director, scene):
    shot = services.shot_add(scene=scene, actor=director)
    services.shot_omit(shot=shot, actor=director)
    assert Shot.objects.get(pk=shot.pk).status == "omitted"
    services.shot_restore(shot=shot, actor=director)
    assert Shot.objects.get(pk=shot.pk).status == "planned"
    assert Activity.objects.filter(verb__in=["omitted shot", "restored shot"]).count() == 2


def test_it_duplicates_a_shot_with_its_plan_and_references(project, director, scene):
    shot = services.shot_add(scene=scene, actor=director, motion_prompt="She turns.",
                             camera_movement="orbit", review_standard="No warped hands")
    services.shot_add(scene=scene, actor=director)
    first = factories.reference(shot=shot, asset_file=factories.asset_file(project=project),
                                role="first_frame")
    first.instruction = "face continuity"
    first.save()
    factories.reference(shot=shot, asset_file=factories.asset_file(project=project), priority=1)
    copy = services.shot_duplicate(shot=shot, actor=director)
    assert copy.code == "SH015"
    assert codes(scene) == ["SH010", "SH015", "SH020"]
    assert (copy.motion_prompt, copy.camera_movement, copy.review_standard) == (
        "She turns.", "orbit", "No warped hands")
    copied = list(copy.references.order_by("priority").values_list("role", "instruction"))
    assert copied == [("first_frame", "face continuity"), ("reference", "")]
    assert Activity.objects.filter(verb="duplicated shot", target_id=str(copy.pk)).exists()


def test_it_creates_a_scene_and_a_shot_through_the_board(client, director, project):
    client.force_login(director)
    response = client.post(reverse("shots:scene-create", args=[project.slug]),
                           {"title": "Rooftop"})
    assert response.status_code == 302
    scene = Scene.objects.get(project=project, title="Rooftop")
    assert scene.code == "SC010"
    response = client.post(reverse("shots:shot-create", args=[project.slug, scene.pk]),
                           {"subject_action": "Wind lifts her scarf."})
    shot = Shot.objects.get(scene=scene)
    assert response["Location"].endswith(f"#shot-{shot.pk}")
    assert (shot.code, shot.subject_action) == ("SH010", "Wind lifts her scarf.")
    body = client.get(response["Location"]).content.decode()
    assert "Shot SC010/SH010 added." in body


def test_it_refuses_a_bad_code_on_the_board_and_says_why(client, director, project):
    client.force_login(director)
    response = client.post(reverse("shots:scene-create", args=[project.slug]),
                           {"code": "kitchen!"}, follow=True)
    assert "Codes look like SC010" in response.content.decode()
    assert not Scene.objects.filter(project=project).exists()


def test_it_moves_a_shot_down_through_the_board(client, director, project):
    scene = factories.scene(project=project)
    first = services.shot_add(scene=scene, actor=director)
    services.shot_add(scene=scene, actor=director)
    client.force_login(director)
    client.post(reverse("shots:shot-move", args=[project.slug, first.pk]), {"direction": "down"})
    assert codes(scene) == ["SH020", "SH010"]
