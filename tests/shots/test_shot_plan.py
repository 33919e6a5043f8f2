from decimal import Decimal

import pytest
from django.urls import reverse

from projects.models import Activity
from shots.models import Shot
from tests import factories

pytestmark = pytest.mark.django_db

LABELS = ["Job (why the shot exists)", "Subject &amp; action (what changes)", "Camera movement",
          "Framing &amp; lens", "Lighting &amp; environment", "Duration (seconds)",
          "Aspect ratio", "Resolution", "Frame rate (fps)", "Negative constraints",
          "Review standard", "Motion prompt (what moves)"]


@pytest.fixture
def shot(project):
    return factories.shot(scene=factories.scene(project=project))


def plan(**changes):
    data = {"job": "Reveal", "subject_action": "Mara lifts her eyes.",
            "camera_movement": "push_in", "framing": "close-up, 85mm", "lighting": "Neon rain",
            "duration_s": "4.5", "aspect_ratio": "9:16", "resolution": "", "fps": "25",
            "negative_constraints": "text\nwatermark", "review_standard": "No extra fingers",
            "motion_prompt": "She slowly turns toward the door."}
    data.update(changes)
    return data


def test_it_shows_every_field_of_the_shot_plan_with_a_label(client, director, project, shot):
    client.force_login(director)
    body = client.get(reverse("shots:shot-edit", args=[project.slug, shot.pk])).content.decode()
    for label in LABELS:
        assert label in body, label
    assert 'id="prompt-preview"' in body and "Slow push-in." in body
    assert "Default (16:9)" in body


def test_it_saves_the_plan_and_records_activity(client, director, project, shot):
    client.force_login(director)
    url = reverse("shots:shot-edit", args=[project.slug, shot.pk])
    response = client.post(url, plan())
    assert response.status_code == 302
    shot = Shot.objects.get(pk=shot.pk)
    assert (shot.duration_s, shot.aspect_ratio, shot.fps) == (Decimal("4.5"), "9:16", 25)
    assert shot.review_standard_lines() == ["No extra fingers"]
    assert Activity.objects.filter(verb="edited shot plan", target_id=str(shot.pk)).exists()


def test_it_refuses_a_bad_plan_keeping_the_input_and_saying_why(client, director, project, shot):
    client.force_login(director)
    url = reverse("shots:shot-edit", args=[project.slug, shot.pk])
    response = client.post(url, plan(duration_s="90", motion_prompt="Her scarf lifts."))
    assert response.status_code == 400
    body = response.content.decode()
    assert "Duration must be more than 0 and at most 60 seconds." in body
    assert "Her scarf lifts." in body and 'value="90"' in body
    assert Shot.objects.get(pk=shot.pk).duration_s == 5


def test_it_previews_lint_warnings_and_the_assembled_prompts(client, director, project, shot):
    client.force_login(director)
    url = reverse("shots:shot-preview", args=[project.slug, shot.pk])
    forty = " ".join(["She turns toward the open door"] + ["slowly"] * 34)
    body = client.post(url, plan(motion_prompt=forty, camera_movement="static")).content.decode()
    assert 'data-lint="too_long"' in body and "40 words" in body
    assert "Static camera, close-up, 85mm." in body
    assert "text, watermark" in body
    calm = client.post(url, plan()).content.decode()
    assert "no warnings" in calm and "data-lint=" not in calm


def test_it_renames_a_shot_from_the_plan_page(client, director, project, shot):
    client.force_login(director)
    client.post(reverse("shots:shot-rename", args=[project.slug, shot.pk]), {"code": "SH011"})
    assert Shot.objects.get(pk=shot.pk).code == "SH011"
