import json
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generation.profiles import profiles_all
from generation.spec import (
    ASPECT_RATIOS,
    FrameRule,
    ReferenceInput,
    RoleImages,
    TakeSpec,
    parse_resolution,
    real_duration,
    snap_num_frames,
    snap_size,
)

LTX = FrameRule("8k+1", 9, 257)
WAN = FrameRule("4k+1", 5, 81)
SVD = FrameRule("fixed", 14, 25, counts=(14, 25))
ANY = FrameRule("any", 1, 720)
RULES = [LTX, WAN, SVD, ANY] + [p.capabilities.frame_rule for p in profiles_all()]


def spec(**changes):
    fields = dict(
        profile_id="tiny-ltx",
        prompt="A slow push-in.",
        negative_prompt="blurry",
        seed=7,
        steps=2,
        guidance=3.0,
        num_frames=9,
        fps=24,
        width=64,
        height=64,
        camera_movement="push_in",
        references=(
            ReferenceInput(role="first_frame", job="composition", sha256="a" * 64),
            ReferenceInput(
                role="reference", job="identity", sha256="b" * 64, instruction="face", priority=1
            ),
        ),
        weights_revision="local-abc",
    )
    fields.update(changes)
    return TakeSpec(**fields)


def test_it_round_trips_a_take_spec_through_json():
    original = spec()
    data = json.loads(json.dumps(original.to_dict()))
    assert TakeSpec.from_dict(data) == original
    assert isinstance(TakeSpec.from_dict(data).references, tuple)


def test_it_refuses_unknown_fields_in_a_stored_spec():
    data = spec().to_dict() | {"sampler": "ddim"}
    with pytest.raises(ValueError, match="sampler"):
        TakeSpec.from_dict(data)


def test_it_fills_optional_fields_when_reading_an_old_spec():
    data = spec().to_dict()
    for key in ("camera_movement", "references", "weights_revision"):
        del data[key]
    restored = TakeSpec.from_dict(data)
    assert restored.camera_movement == "static"
    assert restored.references == ()


def test_it_starts_role_images_empty():
    images = RoleImages()
    assert images.first is None and images.last is None and images.references == []


@pytest.mark.parametrize(
    ("duration_s", "fps", "rule", "expected"),
    [
        (5, 24, LTX, 121),
        (5, 16, WAN, 81),
        (3, 16, WAN, 49),
        (2.9, 16, WAN, 45),
        (0.1, 24, LTX, 9),
        (60, 24, LTX, 257),
        (60, 16, WAN, 81),
        (1, 7, SVD, 14),
        (3, 7, SVD, 25),
        (2, 24, ANY, 48),
        (0.01, 24, ANY, 1),
    ],
)
def test_it_snaps_duration_to_the_frame_rule(duration_s, fps, rule, expected):
    assert snap_num_frames(duration_s=duration_s, fps=fps, rule=rule) == expected


@settings(max_examples=300, deadline=None)
@given(
    duration_s=st.floats(min_value=0.01, max_value=120, allow_nan=False),
    fps=st.integers(min_value=1, max_value=60),
    rule=st.sampled_from(RULES),
)
def test_it_always_returns_a_count_the_rule_allows(duration_s, fps, rule):
    frames = snap_num_frames(duration_s=duration_s, fps=fps, rule=rule)
    assert rule.allows(frames)
    assert rule.min_frames <= frames <= rule.max_frames


@settings(max_examples=200, deadline=None)
@given(frames=st.integers(min_value=9, max_value=257), fps=st.integers(min_value=1, max_value=60))
def test_it_keeps_an_allowed_count_unchanged(frames, fps):
    frames = (frames - 1) // 8 * 8 + 1
    duration = real_duration(frames, fps)
    assert snap_num_frames(duration_s=duration, fps=fps, rule=LTX) == frames


def test_it_refuses_a_zero_duration_or_fps():
    with pytest.raises(ValueError, match="Duration"):
        snap_num_frames(duration_s=0, fps=24, rule=LTX)
    with pytest.raises(ValueError, match="Frame rate"):
        snap_num_frames(duration_s=1, fps=0, rule=LTX)


def test_it_refuses_a_frame_rule_it_does_not_know():
    with pytest.raises(ValueError, match="frame rule"):
        FrameRule("3k+1", 4, 40)
    with pytest.raises(ValueError, match="frame count"):
        FrameRule("fixed", 25, 25)


def test_it_reports_the_real_duration():
    assert real_duration(121, 24) == pytest.approx(5.0417, abs=1e-4)


@pytest.mark.parametrize(
    ("aspect", "resolution", "multiple", "expected"),
    [
        ("16:9", "480p", 16, (848, 480)),
        ("9:16", "480p", 16, (480, 848)),
        ("1:1", "720p", 32, (704, 704)),
        ("16:9", "720p", 32, (1248, 704)),
        ("4:3", "480p", 16, (640, 480)),
        ("2.39:1", "1080p", 16, (2560, 1072)),
        ("16:9", 576, 64, (1024, 576)),
        ("16:9", 64, 32, (128, 64)),
        ("1:1", 10, 3, (6, 6)),
    ],
)
def test_it_snaps_sizes_to_the_multiple(aspect, resolution, multiple, expected):
    assert snap_size(aspect=aspect, resolution=resolution, multiple=multiple) == expected


@settings(max_examples=300, deadline=None)
@given(
    aspect=st.sampled_from(sorted(ASPECT_RATIOS)),
    short=st.integers(min_value=64, max_value=2160),
    multiple=st.sampled_from([1, 2, 8, 16, 32, 64]),
)
def test_it_returns_even_sizes_on_the_multiple_near_the_aspect(aspect, short, multiple):
    width, height = snap_size(aspect=aspect, resolution=short, multiple=multiple)
    assert width % multiple == 0 and height % multiple == 0
    assert width % 2 == 0 and height % 2 == 0
    assert min(width, height) <= short
    step = max(multiple, 2)
    assert abs(width / height - ASPECT_RATIOS[aspect]) <= 2 * step / min(width, height)


@pytest.mark.parametrize(
    ("aspect", "resolution", "message"),
    [
        ("21:9", "480p", "Unknown aspect ratio"),
        ("16:9", "4k", "Unknown resolution"),
        ("16:9", 0, "positive"),
        ("16:9", True, "Unknown resolution"),
    ],
)
def test_it_explains_an_unknown_size(aspect, resolution, message):
    with pytest.raises(ValueError, match=message):
        snap_size(aspect=aspect, resolution=resolution, multiple=16)


def test_it_reads_named_resolutions():
    assert [parse_resolution(r) for r in ("480p", "720p", "1080p", 512)] == [480, 720, 1080, 512]


def test_it_imports_spec_profiles_and_prompting_without_heavy_libraries():
    code = (
        "import sys, generation.spec, generation.profiles, generation.prompting, "
        "generation.errors; heavy = {'torch', 'diffusers', 'transformers', 'cv2', 'av'}; "
        "print(sorted(heavy & set(sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
