from generation.prompting import MAX_PROMPT_WORDS, lint_prompt


def codes(**kwargs):
    kwargs.setdefault("camera_movement", "push_in")
    return [w["code"] for w in lint_prompt(**kwargs)]


def test_it_passes_a_short_prompt_about_one_movement():
    assert codes(motion_prompt="She slowly turns toward the window.") == []


def test_it_warns_when_the_prompt_is_over_thirty_words():
    prompt = "She turns toward the window " + " ".join(["softly"] * 30)
    warnings = lint_prompt(motion_prompt=prompt, camera_movement="static")
    assert [w["code"] for w in warnings] == ["too_long"]
    assert f"{len(prompt.split())} words" in warnings[0]["message"]
    assert str(MAX_PROMPT_WORDS) in warnings[0]["message"]


def test_it_warns_about_more_than_one_primary_action():
    assert "several_actions" in codes(motion_prompt="She opens the door, then walks outside.")
    assert "several_actions" in codes(motion_prompt="He lifts the cup, smiles and waves.")


def test_it_warns_when_the_prompt_describes_the_still_scene():
    assert "still_scene" in codes(motion_prompt="A beautiful portrait of a woman in a red coat")
    assert "still_scene" in codes(motion_prompt="There is a kitchen at night, she turns.")


def test_it_warns_about_rapid_or_extreme_camera_moves():
    assert "rapid_camera" in codes(motion_prompt="Fast whip pan as the dog runs past",
                                   camera_movement="pan_left")
    assert "rapid_camera" not in codes(motion_prompt="The dog runs fast across the yard.")


def test_it_warns_when_the_prompt_and_the_camera_field_disagree():
    warnings = lint_prompt(motion_prompt="The camera pans left as she walks.",
                           camera_movement="static")
    conflict = [w for w in warnings if w["code"] == "camera_conflict"]
    assert conflict and "camera pans left" in conflict[0]["message"]
    assert "static camera" in conflict[0]["message"]
    assert "camera_conflict" not in codes(motion_prompt="Slow push in as she turns.")


def test_it_checks_the_subject_and_action_when_there_is_no_motion_prompt():
    assert codes(motion_prompt="", subject_action="She turns to the door.") == []
    assert codes(motion_prompt="", subject_action="") == ["empty"]


def test_it_returns_readable_sentences_for_every_warning():
    prompt = ("A beautiful photo of a kitchen; the camera does a rapid crash zoom while she "
              "opens the door then walks and waves, pans left " + "slowly " * 20)
    for warning in lint_prompt(motion_prompt=prompt, camera_movement="orbit"):
        assert set(warning) == {"code", "message"}
        assert warning["message"][0].isupper() and warning["message"].endswith(".")
