import itertools

import pytest

from generation.errors import (
    InvalidTakeSpec,
    ReferenceRoleUnsupported,
    TooManyReferences,
    UnknownProfile,
)
from generation.profiles import (
    PROFILES,
    QUEUES,
    check_references,
    check_spec,
    estimate_gpu_seconds,
    fps_for,
    frames_for,
    model_path,
    profile_get,
    profiles_all,
    size_for,
    tiny_marker,
    weights_present,
    weights_revision,
)
from generation.spec import TakeSpec
from lotix.errors import DomainError

# (first/last combinations the profile accepts, most references, references left out quietly)
ACCEPTS = {
    "ltx": ({(True, False), (True, True)}, 0, False),
    "wan-i2v": ({(True, False)}, 0, False),
    "wan-flf2v": ({(True, True)}, 0, False),
    "wan-vace": ({(False, False), (True, False), (False, True), (True, True)}, 3, False),
    "svd": ({(True, False)}, 0, False),
    "previz": ({(True, False), (True, True)}, 0, True),
}
KIND = {
    "ltx-video": "ltx",
    "tiny-ltx": "ltx",
    "wan21-i2v": "wan-i2v",
    "tiny-wan-i2v": "wan-i2v",
    "wan21-flf2v": "wan-flf2v",
    "tiny-wan-flf2v": "wan-flf2v",
    "wan-vace": "wan-vace",
    "tiny-wan-vace": "wan-vace",
    "svd-xt": "svd",
    "tiny-svd": "svd",
    "previz": "previz",
}


def test_it_registers_every_profile_the_studio_offers():
    assert set(PROFILES) == set(KIND)
    assert [p.id for p in profiles_all(include_tiny=False)] == [
        "ltx-video",
        "wan21-i2v",
        "wan21-flf2v",
        "wan-vace",
        "svd-xt",
        "previz",
    ]


def test_it_routes_each_family_to_its_queue():
    queues = {p.id: p.queue for p in profiles_all()}
    assert set(queues.values()) <= set(QUEUES)
    assert queues["ltx-video"] == queues["tiny-ltx"] == "gpu.ltx"
    assert {queues[i] for i in ("wan21-i2v", "wan21-flf2v", "wan-vace", "tiny-wan-vace")} == {
        "gpu.wan"
    }
    assert queues["svd-xt"] == queues["tiny-svd"] == "gpu.svd"
    assert queues["previz"] == "cpu"


def test_it_names_the_hub_weights_of_the_real_profiles():
    assert profile_get("ltx-video").model_id == "Lightricks/LTX-Video-0.9.5"
    assert profile_get("wan21-i2v").model_id == "Wan-AI/Wan2.1-I2V-14B-480P-Diffusers"
    assert profile_get("wan21-flf2v").model_id == "Wan-AI/Wan2.1-FLF2V-14B-720P-diffusers"
    assert profile_get("wan-vace").model_id == "Wan-AI/Wan2.1-VACE-1.3B-diffusers"
    assert profile_get("svd-xt").model_id == "stabilityai/stable-video-diffusion-img2vid-xt"
    assert not profile_get("previz").needs_weights


def test_it_gives_tiny_profiles_their_family_roles_at_test_sizes():
    pairs = [
        ("ltx-video", "tiny-ltx"),
        ("wan21-i2v", "tiny-wan-i2v"),
        ("wan21-flf2v", "tiny-wan-flf2v"),
        ("wan-vace", "tiny-wan-vace"),
        ("svd-xt", "tiny-svd"),
    ]
    for real_id, tiny_id in pairs:
        real, tiny = profile_get(real_id), profile_get(tiny_id)
        assert tiny.is_tiny and not real.is_tiny
        assert (tiny.engine, tiny.family, tiny.queue) == (real.engine, real.family, real.queue)
        for field in ("first_frame", "last_frame", "max_references", "size_multiple"):
            assert getattr(tiny.capabilities, field) == getattr(real.capabilities, field)
        assert tiny.capabilities.frame_rule.kind == real.capabilities.frame_rule.kind
        assert tiny.capabilities.max_resolution == 64
        assert tiny.capabilities.max_frames <= 17
        assert 2 <= tiny.capabilities.default_steps <= 4


def test_it_refuses_an_unknown_profile_with_its_name():
    with pytest.raises(UnknownProfile, match=r"Unknown model profile 'sora'\.") as caught:
        profile_get("sora")
    assert isinstance(caught.value, DomainError)


@pytest.mark.parametrize(
    ("profile_id", "has_first", "has_last", "n_references"),
    list(itertools.product(sorted(KIND), [True, False], [True, False], [0, 1, 3, 5])),
)
def test_it_checks_every_role_combination(profile_id, has_first, has_last, n_references):
    combos, most, skips = ACCEPTS[KIND[profile_id]]
    accepted = (has_first, has_last) in combos and (skips or n_references <= most)
    profile = profile_get(profile_id)
    if accepted:
        check_references(profile, has_first=has_first, has_last=has_last, n_references=n_references)
    else:
        with pytest.raises(ReferenceRoleUnsupported) as caught:
            check_references(
                profile, has_first=has_first, has_last=has_last, n_references=n_references
            )
        assert profile.label in caught.value.message


@pytest.mark.parametrize(
    ("profile_id", "has_first", "has_last", "n_references", "message"),
    [
        (
            "wan21-i2v",
            True,
            True,
            0,
            "Wan 2.1 I2V cannot use a last frame; pick Wan 2.1 FLF2V or LTX-Video.",
        ),
        (
            "wan21-flf2v",
            True,
            False,
            0,
            "Wan 2.1 FLF2V needs a last frame; add one or pick Wan 2.1 I2V or Wan VACE.",
        ),
        (
            "ltx-video",
            False,
            False,
            0,
            "This shot has no first frame; LTX-Video needs one. Add one or pick Wan VACE.",
        ),
        (
            "wan-vace",
            True,
            False,
            5,
            "Wan VACE takes at most 3 reference images; this shot has 5.",
        ),
        (
            "ltx-video",
            True,
            False,
            2,
            "LTX-Video cannot use reference images; this shot has 2. Remove them or pick Wan VACE.",
        ),
        (
            "svd-xt",
            True,
            True,
            2,
            "Stable Video Diffusion XT cannot use a last frame; pick Wan VACE.",
        ),
        (
            "tiny-wan-i2v",
            True,
            True,
            0,
            "Tiny Wan 2.1 I2V cannot use a last frame; pick Tiny Wan 2.1 FLF2V or Tiny LTX-Video.",
        ),
    ],
)
def test_it_explains_a_refusal_to_the_director(
    profile_id, has_first, has_last, n_references, message
):
    with pytest.raises(ReferenceRoleUnsupported) as caught:
        check_references(
            profile_get(profile_id),
            has_first=has_first,
            has_last=has_last,
            n_references=n_references,
        )
    assert caught.value.message == message


def test_it_raises_too_many_references_as_a_role_problem():
    with pytest.raises(TooManyReferences) as caught:
        check_references(profile_get("wan-vace"), has_first=False, has_last=False, n_references=4)
    assert isinstance(caught.value, ReferenceRoleUnsupported)


def test_it_lets_previz_leave_references_out():
    check_references(profile_get("previz"), has_first=True, has_last=False, n_references=9)


def take(profile_id="tiny-ltx", **changes):
    fields = dict(
        profile_id=profile_id,
        prompt="p",
        negative_prompt="",
        seed=1,
        steps=2,
        guidance=3.0,
        num_frames=9,
        fps=24,
        width=64,
        height=64,
    )
    fields.update(changes)
    return TakeSpec(**fields)


def test_it_accepts_a_spec_within_the_rules():
    check_spec(profile_get("tiny-ltx"), take())
    check_spec(profile_get("ltx-video"), take("ltx-video", num_frames=121, width=768, height=512))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"num_frames": 10}, "cannot make 10 frames; it takes 8k\\+1 between 9 and 17"),
        ({"num_frames": 25}, "cannot make 25 frames"),
        ({"width": 80}, "multiples of 32; this take is 80×64"),
        ({"width": 128, "height": 96}, "goes up to 64p"),
        ({"fps": 60}, "takes 8 to 30 fps; this take asks for 60"),
        ({"steps": 0}, "at least one step"),
    ],
)
def test_it_refuses_a_spec_that_breaks_the_rules(changes, message):
    with pytest.raises(InvalidTakeSpec, match=message):
        check_spec(profile_get("tiny-ltx"), take(**changes))


def test_it_names_the_fixed_counts_svd_takes():
    with pytest.raises(InvalidTakeSpec, match="takes 25"):
        check_spec(profile_get("svd-xt"), take("svd-xt", num_frames=24, fps=7))


def test_it_sizes_and_times_a_shot_for_a_profile():
    ltx = profile_get("ltx-video")
    assert size_for(ltx, aspect="16:9", resolution="1080p") == (1248, 704)
    assert size_for(profile_get("wan21-i2v"), aspect="9:16", resolution="720p") == (480, 848)
    assert frames_for(ltx, duration_s=5, fps=24) == 121
    assert frames_for(profile_get("svd-xt"), duration_s=5, fps=24) == 25
    assert fps_for(profile_get("svd-xt"), 60) == 30
    assert fps_for(profile_get("wan21-i2v")) == 16
    assert fps_for(ltx, 24) == 24


def test_it_estimates_gpu_seconds_from_frames_size_and_steps():
    ltx = profile_get("ltx-video")
    base = estimate_gpu_seconds(ltx, num_frames=121, width=1248, height=704, steps=30)
    assert base == pytest.approx(0.5 * 121)
    assert estimate_gpu_seconds(
        ltx, num_frames=121, width=1248, height=704, steps=60, variations=2
    ) == pytest.approx(4 * base)
    assert (
        estimate_gpu_seconds(profile_get("previz"), num_frames=48, width=1280, height=720, steps=1)
        == 0
    )


def test_it_finds_tiny_weights_in_the_models_dir(tiny_models_dir):
    tiny = profile_get("tiny-wan-vace")
    assert model_path(tiny, tiny_models_dir) == tiny_models_dir / "tiny-wan-vace"
    assert weights_present(tiny, tiny_models_dir)
    assert tiny_marker(tiny_models_dir / "tiny-wan-vace")["profile"] == "tiny-wan-vace"
    revision = weights_revision(tiny, tiny_models_dir)
    assert revision.startswith("local-") and revision == weights_revision(tiny, tiny_models_dir)


def test_it_reports_missing_weights(tmp_path, monkeypatch):
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path / "hub"))
    assert model_path(profile_get("tiny-ltx"), tmp_path) is None
    assert not weights_present(profile_get("ltx-video"), tmp_path)
    assert weights_present(profile_get("previz"), None)
    assert weights_revision(profile_get("ltx-video"), tmp_path) == ""


def test_it_finds_weights_in_the_hugging_face_cache(tmp_path, monkeypatch):
    import huggingface_hub.constants

    hub = tmp_path / "hub"
    repo = hub / "models--Lightricks--LTX-Video-0.9.5"
    snapshot = repo / "snapshots" / "0123abcd"
    snapshot.mkdir(parents=True)
    (snapshot / "model_index.json").write_text("{}")
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("0123abcd")
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(hub))
    ltx = profile_get("ltx-video")
    assert model_path(ltx, tmp_path / "empty") == snapshot
    assert weights_revision(ltx, None) == "0123abcd"
