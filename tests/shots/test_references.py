import pytest

from lotix.errors import DomainError
from projects.models import Activity
from shots.models import MAX_IMAGE_REFERENCES
from shots.services import (
    CodeTaken,
    ReferenceInvalid,
    ReferenceRoleTaken,
    TooManyReferences,
    scene_create,
    shot_create,
    shot_reference_add,
)
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def shot(project):
    return factories.shot(scene=factories.scene(project=project))


def add(shot, owner, **kwargs):
    kwargs.setdefault("asset_file", factories.asset_file(project=shot.scene.project))
    kwargs.setdefault("role", "reference")
    kwargs.setdefault("job", "identity")
    return shot_reference_add(shot=shot, actor=owner, **kwargs)


def test_it_refuses_a_tenth_image_reference_and_says_why(shot, owner):
    for _ in range(MAX_IMAGE_REFERENCES):
        add(shot, owner)
    with pytest.raises(TooManyReferences, match="already has 9 image references"):
        add(shot, owner)
    assert shot.references.count() == MAX_IMAGE_REFERENCES


def test_it_refuses_a_second_first_frame(shot, owner):
    add(shot, owner, role="first_frame")
    with pytest.raises(ReferenceRoleTaken, match="already has a first frame"):
        add(shot, owner, role="first_frame")


def test_it_refuses_a_file_from_another_project(shot, owner):
    foreign = factories.asset_file(project=factories.project(name="Other"))
    with pytest.raises(ReferenceInvalid, match="another project"):
        add(shot, owner, asset_file=foreign)


def test_it_refuses_an_unknown_role_or_job(shot, owner):
    with pytest.raises(ReferenceInvalid):
        add(shot, owner, role="hero")
    with pytest.raises(ReferenceInvalid):
        add(shot, owner, job="vibes")


def test_it_records_each_attachment_in_the_activity(shot, owner):
    add(shot, owner, role="last_frame", job="composition")
    activity = Activity.objects.get(verb="attached reference")
    assert activity.data["role"] == "last_frame"


def test_it_keeps_scene_and_shot_codes_unique_with_a_message(project, owner):
    scene = scene_create(project=project, actor=owner, code="sc010", title="Kitchen")
    assert scene.code == "SC010"
    with pytest.raises(CodeTaken, match="Scene SC010 already exists"):
        scene_create(project=project, actor=owner, code="SC010")
    shot_create(scene=scene, actor=owner, code="SH010", duration_s="4.5")
    with pytest.raises(CodeTaken, match="Shot SH010 already exists in scene SC010"):
        shot_create(scene=scene, actor=owner, code="SH010")


@pytest.mark.parametrize(
    ("plan", "message"),
    [
        ({"duration_s": "0"}, "Duration must be more than 0"),
        ({"duration_s": "soon"}, "Duration must be a number"),
        ({"camera_movement": "barrel_roll"}, "Unknown camera movement"),
        ({"fps": 240}, "between 1 and 120"),
        ({"mood": "tense"}, "Unknown shot plan fields: mood"),
    ],
)
def test_it_refuses_a_bad_shot_plan_with_a_message(project, owner, plan, message):
    scene = factories.scene(project=project)
    with pytest.raises(DomainError, match=message):
        shot_create(scene=scene, actor=owner, code="SH010", **plan)
    assert not scene.shots.exists()


def test_it_refuses_a_malformed_code(project, owner):
    with pytest.raises(DomainError, match="Codes look like SC010"):
        scene_create(project=project, actor=owner, code="scene one")
