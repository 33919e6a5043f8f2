import pytest

from generation.prompting import CAMERA_PHRASES, assemble_negative, assemble_prompt, camera_phrase
from generation.spec import CAMERA_MOVEMENTS

PLAN = dict(
    motion_prompt="  She turns   toward the window ",
    subject_action="a woman in a red coat lowers her umbrella,",
    camera_movement="push_in",
    framing="medium close-up, 50mm lens.",
    lighting="Overcast daylight, wet street reflections",
)


def test_it_orders_motion_subject_camera_framing_lighting():
    assert assemble_prompt(**PLAN) == (
        "She turns toward the window. "
        "A woman in a red coat lowers her umbrella. "
        "Slow push-in, medium close-up, 50mm lens. "
        "Overcast daylight, wet street reflections."
    )


def test_it_assembles_the_same_prompt_every_time():
    assert len({assemble_prompt(**PLAN) for _ in range(5)}) == 1


def test_it_skips_empty_parts_and_repeated_sentences():
    prompt = assemble_prompt(
        motion_prompt="The door opens!",
        subject_action="the door opens",
        camera_movement="static",
        framing="",
        lighting="   ",
    )
    assert prompt == "The door opens! Static camera."


def test_it_accepts_camera_movements_as_people_write_them():
    assert camera_phrase("Push In") == camera_phrase("push-in") == camera_phrase("push_in")
    assert camera_phrase("") == ""


def test_it_has_a_phrase_for_every_camera_movement():
    assert set(CAMERA_PHRASES) == set(CAMERA_MOVEMENTS)


def test_it_refuses_an_unknown_camera_movement():
    with pytest.raises(ValueError, match="dolly_zoom"):
        camera_phrase("dolly_zoom")


def test_it_builds_a_deduplicated_negative_prompt_from_lines():
    lines = "- blurry\n* Blurry\nwarped hands, extra fingers\n\n  text   overlays.\nwatermark;"
    assert (
        assemble_negative(lines) == "blurry, warped hands, extra fingers, text overlays, watermark"
    )


def test_it_takes_negative_constraints_as_a_list():
    assert (
        assemble_negative(["flicker", "flicker", "1. morphing faces"]) == "flicker, morphing faces"
    )
    assert assemble_negative("") == ""
