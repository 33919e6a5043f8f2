import numpy as np
import torch
from PIL import Image

from generation import loader, profiles
from generation.engines import _EncodeCache, reused_encodes
from generation.spec import RoleImages, TakeSpec


def spec_for(profile_id: str, seed: int) -> TakeSpec:
    return TakeSpec(profile_id=profile_id, prompt="a slow push-in", negative_prompt="blur",
                    seed=seed, steps=2, guidance=5.0, num_frames=9, fps=16, width=64, height=64)


def test_it_reuses_the_conditioning_encode_of_a_retake_and_gets_the_same_frames(
    tiny_models_dir, photo
):
    profile = profiles.profile_get("tiny-wan-flf2v")
    engine = loader.engine_module(profile)
    images = RoleImages(first=photo(1), last=photo(2))
    fresh = loader.PipelineCache()
    pipe = fresh.get(profile, tiny_models_dir, device="cpu", dtype="float32")
    first = engine.run(pipe, spec_for(profile.id, 5), images, seeds=[5], on_step=lambda *a: None)
    assert pipe._lotix_encode_cache.hits == 0
    again = engine.run(pipe, spec_for(profile.id, 5), images, seeds=[5], on_step=lambda *a: None)
    assert pipe._lotix_encode_cache.hits >= 1
    assert np.array_equal(first[0], again[0])
    other = RoleImages(first=photo(3), last=photo(2))
    hits = pipe._lotix_encode_cache.hits
    engine.run(pipe, spec_for(profile.id, 5), other, seeds=[5], on_step=lambda *a: None)
    assert pipe._lotix_encode_cache.hits == hits


class _Vae:
    def __init__(self):
        self.calls = 0

    def encode(self, x):
        self.calls += 1
        return x * 2


class _Pipe:
    def __init__(self):
        self.vae = _Vae()


def test_it_encodes_again_when_the_input_differs_under_the_same_key():
    pipe = _Pipe()
    vae = pipe.vae
    cache = _EncodeCache(pipe)
    pipe._lotix_encode_cache = cache
    spec = spec_for("tiny-wan-flf2v", 1)
    image = Image.new("RGB", (64, 64))
    with reused_encodes(pipe, [image], spec, 1):
        out = pipe.vae.encode(torch.ones(4))
    with reused_encodes(pipe, [image], spec, 1):
        noisy = pipe.vae.encode(torch.ones(4) + 0.5)  # a seed-dependent input, say
    assert vae.calls == 2
    assert torch.equal(out, torch.full((4,), 2.0))
    assert torch.equal(noisy, torch.full((4,), 3.0))
    with reused_encodes(pipe, [image], spec, 1):
        assert torch.equal(pipe.vae.encode(torch.ones(4) + 0.5), torch.full((4,), 3.0))
    assert (vae.calls, cache.hits) == (2, 1)
