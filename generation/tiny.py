"""Tiny, randomly initialised versions of the real pipelines, written with save_pretrained.

They load through the same `from_pretrained` path as real weights, so the whole chain runs on a
CPU in tests. Their output is noise. Built offline: tokenizer and configs are made inline.
"""

from __future__ import annotations

import json
import shutil
import string
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from generation.profiles import TINY_MARKER, Profile, profile_get, profiles_all

TINY_FORMAT = 1  # bump when a builder changes, so stale tiny folders are rebuilt
SEED = 0


def build_tiny_models(
    models_dir: Path, *, profile_ids: Iterable[str] | None = None, force: bool = False
) -> list[Path]:
    """Write the tiny pipelines under models_dir/<local dir>; skip ones already built."""
    models_dir = Path(models_dir)
    models_dir.mkdir(parents=True, exist_ok=True)
    if profile_ids is None:
        profiles = [p for p in profiles_all() if p.is_tiny]
    else:
        profiles = [profile_get(i) for i in profile_ids]
    for profile in profiles:
        if not profile.is_tiny:
            raise ValueError(f"{profile.id} is not a tiny profile; only tiny ones are built here.")
    return [_build_one(profile, models_dir, force=force) for profile in profiles]


def _build_one(profile: Profile, models_dir: Path, *, force: bool) -> Path:
    target = models_dir / profile.local_dir
    if not force and _is_current(profile, target):
        return target
    pipe = _BUILDERS[profile.id]()
    # Build beside the target and rename, so a reader never sees a half-written folder.
    staging = Path(tempfile.mkdtemp(prefix=f".{profile.local_dir}-", dir=models_dir))
    try:
        pipe.save_pretrained(staging, safe_serialization=True)
        marker = {"profile": profile.id, "pipeline": type(pipe).__name__, "format": TINY_FORMAT}
        (staging / TINY_MARKER).write_text(json.dumps(marker, indent=2) + "\n")
        if target.exists():
            shutil.rmtree(target)
        try:
            staging.rename(target)
        except OSError:
            # Another process finished the same folder first; theirs is identical.
            if not _is_current(profile, target):
                raise
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    return target


def _is_current(profile: Profile, target: Path) -> bool:
    marker = target / TINY_MARKER
    if not (target / "model_index.json").is_file() or not marker.is_file():
        return False
    data = json.loads(marker.read_text())
    return data.get("profile") == profile.id and data.get("format") == TINY_FORMAT


def t5_tokenizer():
    """Return a small offline T5 tokenizer (ids stay below every T5 vocabulary size)."""
    from transformers import T5Tokenizer

    # transformers 5 builds a Unigram T5 tokenizer from (piece, score) pairs: no spiece.model,
    # no hub download.
    pieces = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0), ("\u2581", -2.0)]
    pieces += [("\u2581" + c, -3.0) for c in string.ascii_lowercase]
    pieces += [(c, -4.0) for c in string.ascii_letters + string.digits + string.punctuation]
    return T5Tokenizer(vocab=pieces, extra_ids=0)


def _text_encoder(kind: str, vocab_size: int):
    from transformers import T5Config, T5EncoderModel, UMT5Config, UMT5EncoderModel

    dims = {
        "vocab_size": vocab_size,
        "d_model": 32,
        "d_kv": 8,
        "d_ff": 37,
        "num_layers": 2,
        "num_heads": 4,
        "relative_attention_num_buckets": 8,
        "dropout_rate": 0.0,
    }
    if kind == "umt5":  # Wan's real encoder is umt5-xxl
        return UMT5EncoderModel(UMT5Config(**dims)).eval()
    return T5EncoderModel(T5Config(**dims)).eval()


def _clip_processor(size: int):
    import transformers

    # Without torchvision, transformers 5 falls back to the PIL processor with a warning;
    # asking for that one directly writes the same files without the warning.
    cls = getattr(transformers, "CLIPImageProcessorPil", None) or transformers.CLIPImageProcessor
    return cls(crop_size=size, size=size)


def _build_ltx():
    import torch
    from diffusers import (
        AutoencoderKLLTXVideo,
        FlowMatchEulerDiscreteScheduler,
        LTXConditionPipeline,
        LTXVideoTransformer3DModel,
    )

    torch.manual_seed(SEED)
    tokenizer = t5_tokenizer()
    transformer = LTXVideoTransformer3DModel(
        in_channels=8,
        out_channels=8,
        patch_size=1,
        patch_size_t=1,
        num_attention_heads=4,
        attention_head_dim=8,
        cross_attention_dim=32,
        num_layers=1,
        caption_channels=32,
    )
    vae = AutoencoderKLLTXVideo(
        in_channels=3,
        out_channels=3,
        latent_channels=8,
        block_out_channels=(8, 8, 8, 8),
        decoder_block_out_channels=(8, 8, 8, 8),
        layers_per_block=(1, 1, 1, 1, 1),
        decoder_layers_per_block=(1, 1, 1, 1, 1),
        spatio_temporal_scaling=(True, True, False, False),
        decoder_spatio_temporal_scaling=(True, True, False, False),
        decoder_inject_noise=(False,) * 5,
        upsample_residual=(False,) * 4,
        upsample_factor=(1,) * 4,
        timestep_conditioning=False,
        patch_size=1,
        patch_size_t=1,
        encoder_causal=True,
        decoder_causal=False,
    )
    return LTXConditionPipeline(
        transformer=transformer,
        vae=vae,
        scheduler=FlowMatchEulerDiscreteScheduler(),
        text_encoder=_text_encoder("t5", len(tokenizer)),
        tokenizer=tokenizer,
    )


def _wan_vae():
    from diffusers import AutoencoderKLWan

    return AutoencoderKLWan(
        base_dim=3,
        z_dim=16,
        dim_mult=[1, 1, 1, 1],
        num_res_blocks=1,
        temperal_downsample=[False, True, True],
    )


def _build_wan(*, first_last: bool):
    import torch
    from diffusers import (
        FlowMatchEulerDiscreteScheduler,
        WanImageToVideoPipeline,
        WanTransformer3DModel,
    )
    from transformers import CLIPVisionConfig, CLIPVisionModel

    torch.manual_seed(SEED)
    tokenizer = t5_tokenizer()
    image_size, patch = 16, 2
    image_tokens = (image_size // patch) ** 2 + 1
    image_encoder = CLIPVisionModel(
        CLIPVisionConfig(
            hidden_size=8,
            num_hidden_layers=2,
            num_attention_heads=2,
            image_size=image_size,
            intermediate_size=16,
            patch_size=patch,
        )
    ).eval()
    # Wan feeds CLIP's hidden_states[-2] as image tokens, so image_dim is CLIP's hidden size.
    # FLF2V checkpoints set pos_embed_seq_len to the tokens of two images (first and last);
    # such a transformer crashes when given only a first frame, as the real one does.
    transformer = WanTransformer3DModel(
        patch_size=(1, 2, 2),
        num_attention_heads=2,
        attention_head_dim=12,
        in_channels=36,
        out_channels=16,
        text_dim=32,
        freq_dim=256,
        ffn_dim=32,
        num_layers=2,
        cross_attn_norm=True,
        qk_norm="rms_norm_across_heads",
        rope_max_seq_len=32,
        image_dim=8,
        pos_embed_seq_len=2 * image_tokens if first_last else None,
    )
    return WanImageToVideoPipeline(
        tokenizer=tokenizer,
        text_encoder=_text_encoder("umt5", len(tokenizer)),
        vae=_wan_vae(),
        scheduler=FlowMatchEulerDiscreteScheduler(shift=7.0),
        image_processor=_clip_processor(image_size),
        image_encoder=image_encoder,
        transformer=transformer,
        transformer_2=None,
    )


def _build_wan_vace():
    import torch
    from diffusers import (
        FlowMatchEulerDiscreteScheduler,
        WanVACEPipeline,
        WanVACETransformer3DModel,
    )

    torch.manual_seed(SEED)
    tokenizer = t5_tokenizer()
    transformer = WanVACETransformer3DModel(
        patch_size=(1, 2, 2),
        num_attention_heads=2,
        attention_head_dim=12,
        in_channels=16,
        out_channels=16,
        text_dim=32,
        freq_dim=256,
        ffn_dim=32,
        num_layers=3,
        cross_attn_norm=True,
        qk_norm="rms_norm_across_heads",
        rope_max_seq_len=32,
        vace_layers=[0, 2],
        vace_in_channels=96,
    )
    return WanVACEPipeline(
        tokenizer=tokenizer,
        text_encoder=_text_encoder("umt5", len(tokenizer)),
        vae=_wan_vae(),
        scheduler=FlowMatchEulerDiscreteScheduler(shift=7.0),
        transformer=transformer,
        transformer_2=None,
    )


def _build_svd():
    import torch
    from diffusers import (
        AutoencoderKLTemporalDecoder,
        EulerDiscreteScheduler,
        StableVideoDiffusionPipeline,
        UNetSpatioTemporalConditionModel,
    )
    from transformers import CLIPVisionConfig, CLIPVisionModelWithProjection

    torch.manual_seed(SEED)
    unet = UNetSpatioTemporalConditionModel(
        sample_size=32,
        in_channels=8,
        out_channels=4,
        down_block_types=("CrossAttnDownBlockSpatioTemporal", "DownBlockSpatioTemporal"),
        up_block_types=("UpBlockSpatioTemporal", "CrossAttnUpBlockSpatioTemporal"),
        block_out_channels=(32, 64),
        layers_per_block=1,
        cross_attention_dim=32,
        num_attention_heads=8,
        projection_class_embeddings_input_dim=96,
        addition_time_embed_dim=32,
        num_frames=9,
    )
    scheduler = EulerDiscreteScheduler(
        beta_start=0.00085,
        beta_end=0.012,
        beta_schedule="scaled_linear",
        interpolation_type="linear",
        num_train_timesteps=1000,
        prediction_type="v_prediction",
        sigma_max=700.0,
        sigma_min=0.002,
        steps_offset=1,
        timestep_spacing="leading",
        timestep_type="continuous",
        use_karras_sigmas=True,
    )
    # Three blocks downsample 4×, which keeps the UNet's attention small at 64×64.
    vae = AutoencoderKLTemporalDecoder(
        block_out_channels=[32, 32, 64],
        in_channels=3,
        out_channels=3,
        down_block_types=["DownEncoderBlock2D"] * 3,
        latent_channels=4,
    )
    # SVD resizes every PIL input to 224×224 before CLIP, so the tiny CLIP must take 224;
    # 32-pixel patches keep it at 7×7 tokens.
    image_encoder = CLIPVisionModelWithProjection(
        CLIPVisionConfig(
            hidden_size=32,
            projection_dim=32,
            num_hidden_layers=2,
            num_attention_heads=4,
            image_size=224,
            intermediate_size=37,
            patch_size=32,
        )
    ).eval()
    return StableVideoDiffusionPipeline(
        vae=vae,
        image_encoder=image_encoder,
        unet=unet,
        scheduler=scheduler,
        feature_extractor=_clip_processor(224),
    )


_BUILDERS: dict[str, Callable[[], object]] = {
    "tiny-ltx": _build_ltx,
    "tiny-wan-i2v": lambda: _build_wan(first_last=False),
    "tiny-wan-flf2v": lambda: _build_wan(first_last=True),
    "tiny-wan-vace": _build_wan_vace,
    "tiny-svd": _build_svd,
}
