import json

import numpy as np
import pytest
import torch
from PIL import Image

from generation.engines import cover_fit, to_uint8
from generation.errors import GpuOutOfMemory, ReferenceRoleUnsupported, TakeCanceled, WeightsMissing
from generation.loader import PipelineCache, engine_module, load_pipeline
from generation.profiles import profile_get, profiles_all
from generation.spec import RoleImages, TakeSpec
from generation.tiny import build_tiny_models

# Which role images each tiny profile is run with, and its fps.
CASES = {
    "tiny-ltx": {"fps": 24, "last": True, "references": 0},
    "tiny-wan-i2v": {"fps": 16, "last": False, "references": 0},
    "tiny-wan-flf2v": {"fps": 16, "last": True, "references": 0},
    "tiny-wan-vace": {"fps": 16, "last": True, "references": 1},
    "tiny-svd": {"fps": 7, "last": False, "references": 0},
}
# Wan and SVD batch the seeds into one call; the larger batch's CPU kernels round differently
# (~5e-5), so after quantisation a pixel may move by one level. LTX and VACE run seeds one call
# each and match exactly.
BATCH_TOLERANCE = {"tiny-wan-i2v": 1, "tiny-wan-flf2v": 1, "tiny-svd": 1}


def take(profile_id, **changes):
    fields = dict(
        profile_id=profile_id,
        prompt="A lighthouse keeper climbs the stairs. Slow push-in.",
        negative_prompt="blurry, warped",
        seed=3,
        steps=2,
        guidance=3.0,
        num_frames=9,
        fps=CASES[profile_id]["fps"],
        width=64,
        height=64,
    )
    fields.update(changes)
    return TakeSpec(**fields)


def images_for(profile_id, photo):
    case = CASES[profile_id]
    return RoleImages(
        first=photo(1),
        last=photo(2) if case["last"] else None,
        references=[photo(10 + i, width=40, height=90) for i in range(case["references"])],
    )


def never(done, total):
    pass


@pytest.mark.parametrize("profile_id", sorted(CASES))
def test_it_generates_reproducible_takes_one_per_seed(profile_id, tiny_models_dir, photo):
    profile = profile_get(profile_id)
    engine = engine_module(profile)
    pipe = load_pipeline(profile, tiny_models_dir)
    spec, images = take(profile_id), images_for(profile_id, photo)

    [alone_3] = engine.run(pipe, spec, images, seeds=[3], on_step=never)
    [again_3] = engine.run(pipe, spec, images, seeds=[3], on_step=never)
    [alone_4] = engine.run(pipe, spec, images, seeds=[4], on_step=never)
    steps = []
    both = engine.run(pipe, spec, images, seeds=[3, 4], on_step=lambda d, t: steps.append((d, t)))

    assert alone_3.shape == (9, 64, 64, 3) and alone_3.dtype == np.uint8
    assert np.array_equal(alone_3, again_3)
    assert not np.array_equal(alone_3, alone_4)
    assert len(both) == 2
    tolerance = BATCH_TOLERANCE.get(profile_id, 0)
    for batched, alone in zip(both, [alone_3, alone_4], strict=True):
        assert batched.shape == alone.shape
        assert np.abs(batched.astype(int) - alone.astype(int)).max() <= tolerance
    done = [d for d, _ in steps]
    total = steps[-1][1]
    assert done == sorted(set(done)) and done[0] == 1
    assert steps[-1] == (total, total) and {t for _, t in steps} == {total}


@pytest.mark.parametrize("profile_id", sorted(CASES))
def test_it_stops_at_the_step_where_the_take_is_canceled(profile_id, tiny_models_dir, photo):
    profile = profile_get(profile_id)
    pipe = load_pipeline(profile, tiny_models_dir)
    calls = []

    def cancel(done, total):
        calls.append(done)
        raise TakeCanceled()

    with pytest.raises(TakeCanceled):
        engine_module(profile).run(
            pipe, take(profile_id), images_for(profile_id, photo), seeds=[1, 2], on_step=cancel
        )
    assert calls == [1]


def test_it_turns_cuda_out_of_memory_into_a_readable_error(tiny_models_dir, photo):
    profile = profile_get("tiny-wan-i2v")
    pipe = load_pipeline(profile, tiny_models_dir)

    def run_out(done, total):
        raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB")

    with pytest.raises(GpuOutOfMemory) as caught:
        engine_module(profile).run(
            pipe, take("tiny-wan-i2v"), RoleImages(first=photo(1)), seeds=[1, 2], on_step=run_out
        )
    assert caught.value.message == (
        "GPU memory ran out generating 9 frames at 64×64 (2 variations in one batch). "
        "Try fewer variations at once, fewer frames or a lower resolution."
    )


@pytest.mark.parametrize(
    ("profile_id", "images", "message"),
    [
        ("tiny-wan-flf2v", {"first": 1}, "needs a last frame"),
        ("tiny-wan-i2v", {"first": 1, "last": 2}, "cannot use a last frame"),
        ("tiny-ltx", {"last": 2}, "no first frame"),
        ("tiny-svd", {"first": 1, "references": [3]}, "cannot use reference images"),
    ],
)
def test_it_refuses_role_images_the_model_cannot_take(
    profile_id, images, message, tiny_models_dir, photo
):
    profile = profile_get(profile_id)
    pipe = load_pipeline(profile, tiny_models_dir)
    role_images = RoleImages(
        first=photo(images["first"]) if "first" in images else None,
        last=photo(images["last"]) if "last" in images else None,
        references=[photo(seed) for seed in images.get("references", [])],
    )
    with pytest.raises(ReferenceRoleUnsupported, match=message):
        engine_module(profile).run(pipe, take(profile_id), role_images, seeds=[1], on_step=never)


def test_it_shows_why_flf2v_needs_a_last_frame(tiny_models_dir, photo):
    pipe = load_pipeline(profile_get("tiny-wan-flf2v"), tiny_models_dir)
    with pytest.raises(RuntimeError, match="is invalid"):
        pipe(image=photo(1), prompt="p", height=64, width=64, num_frames=9, num_inference_steps=1)


@pytest.mark.parametrize(
    "images",
    [{"references": [3, 4, 5]}, {"last": 2}, {}],
    ids=["references-only", "last-only", "prompt-only"],
)
def test_it_runs_vace_with_any_mix_of_roles(images, tiny_models_dir, photo):
    profile = profile_get("tiny-wan-vace")
    pipe = load_pipeline(profile, tiny_models_dir)
    role_images = RoleImages(
        last=photo(images["last"]) if "last" in images else None,
        references=[photo(seed, width=30, height=90) for seed in images.get("references", [])],
    )
    [frames] = engine_module(profile).run(
        pipe, take("tiny-wan-vace", width=48, height=32), role_images, seeds=[5], on_step=never
    )
    assert frames.shape == (9, 32, 48, 3)


def test_it_runs_ltx_from_a_first_frame_alone(tiny_models_dir, photo):
    profile = profile_get("tiny-ltx")
    pipe = load_pipeline(profile, tiny_models_dir)
    spec = take("tiny-ltx", num_frames=17, width=64, height=32)
    [frames] = engine_module(profile).run(
        pipe, spec, RoleImages(first=photo(1)), seeds=[2], on_step=never
    )
    assert frames.shape == (17, 32, 64, 3)


def test_it_explains_where_missing_weights_go(tmp_path):
    with pytest.raises(WeightsMissing) as caught:
        load_pipeline(profile_get("tiny-ltx"), tmp_path)
    message = caught.value.message
    assert str(tmp_path / "tiny-ltx") in message and "manage.py build_tiny_models" in message


def test_it_names_the_hub_weights_to_download_when_real_ones_are_missing(tmp_path, monkeypatch):
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path / "hub"))
    with pytest.raises(WeightsMissing) as caught:
        load_pipeline(profile_get("wan21-flf2v"), tmp_path)
    message = caught.value.message
    assert "Wan-AI/Wan2.1-FLF2V-14B-720P-diffusers" in message
    assert str(tmp_path / "Wan2.1-FLF2V-14B-720P-diffusers") in message


def test_it_loads_a_pipeline_once_per_profile(tiny_models_dir):
    cache = PipelineCache()
    ltx, vace = profile_get("tiny-ltx"), profile_get("tiny-wan-vace")
    first = cache.get(ltx, tiny_models_dir, device="cpu", dtype="float32")
    assert cache.get(ltx, tiny_models_dir, device="cpu", dtype="float32") is first
    assert cache.loads == 1
    assert type(first).__name__ == "LTXConditionPipeline"
    cache.get(vace, tiny_models_dir, device="cpu", dtype="float32")
    assert cache.loads == 2
    assert cache.get(ltx, tiny_models_dir, device="cpu", dtype="float32") is not first
    assert cache.loads == 3


def test_it_gives_every_profile_an_engine_with_load_and_run():
    for profile in profiles_all():
        engine = engine_module(profile)
        assert callable(engine.load) and callable(engine.run)


def test_it_builds_tiny_models_once_and_deterministically(tiny_models_dir, tmp_path):
    [path] = build_tiny_models(tmp_path, profile_ids=["tiny-ltx"])
    index = path / "model_index.json"
    written = index.stat().st_mtime_ns
    assert build_tiny_models(tmp_path, profile_ids=["tiny-ltx"]) == [path]
    assert index.stat().st_mtime_ns == written
    weights = "transformer/diffusion_pytorch_model.safetensors"
    assert (path / weights).read_bytes() == (tiny_models_dir / "tiny-ltx" / weights).read_bytes()
    assert json.loads((path / "lotix-tiny.json").read_text())["profile"] == "tiny-ltx"
    with pytest.raises(ValueError, match="not a tiny profile"):
        build_tiny_models(tmp_path, profile_ids=["ltx-video"])


def test_it_cover_fits_role_images_without_stretching():
    wide = Image.new("RGB", (200, 100), (255, 0, 0))
    wide.paste((0, 0, 255), (0, 0, 30, 100))
    fitted = cover_fit(wide, 64, 64)
    assert fitted.size == (64, 64)
    assert fitted.getpixel((0, 32)) == (255, 0, 0)  # the blue left edge was cropped away
    assert to_uint8(np.array([[[[0.0, 0.5, 1.2]]]])).tolist() == [[[[0, 128, 255]]]]
    video = torch.rand(3, 3, 8, 10) * 1.2 - 0.1  # (F, C, H, W), as output_type="pt" gives
    assert np.array_equal(to_uint8(video), to_uint8(video.permute(0, 2, 3, 1).numpy()))
