"""Hypothesis fuzzing of the validator: any input ends in a valid result or an UploadRejected."""

import io

import av
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from assets.validation import (
    NormalizedImage,
    NormalizedVideo,
    UploadLimits,
    UploadRejected,
    validate_upload,
)
from tests.assets import corpus

# Lowered ceilings, as Pillow's own bomb tests do, so a flipped header bit that declares a large
# picture costs milliseconds rather than a real allocation.
LIMITS = UploadLimits(image_pixels=2_000_000, frame_pixels=8_000_000, video_pixels=500_000)

SEEDS = [
    corpus.image("JPEG", 48, 32), corpus.image("PNG", 48, 32), corpus.image("WEBP", 48, 32),
    corpus.image("BMP", 24, 16), corpus.image("TIFF", 24, 16), corpus.image("GIF", 24, 16),
    corpus.image("PNG", 24, 16, mode="RGBA"),
    corpus.animation("GIF", frames=3, width=16, height=12),
    corpus.animation("WEBP", frames=3, width=16, height=12), corpus.oriented_jpeg(6),
    corpus.jpeg_with_metadata(), corpus.png_with_metadata(),
    corpus.video(seconds=0.5, width=32, height=24),
    corpus.video(seconds=0.5, width=32, height=24, codec="libvpx-vp9", container="webm"),
]


@st.composite
def damaged(draw):
    """A valid seed file with flipped bits, cut short, or both."""
    data = bytearray(draw(st.sampled_from(SEEDS)))
    if draw(st.booleans()):
        for _ in range(draw(st.integers(1, 12))):
            position = draw(st.integers(0, len(data) - 1))
            data[position] ^= 1 << draw(st.integers(0, 7))
    if draw(st.booleans()):
        data = data[: draw(st.integers(0, len(data)))]
    return bytes(data)


def check_result(result):
    if isinstance(result, NormalizedImage):
        with Image.open(io.BytesIO(result.data), formats=["JPEG", "PNG"]) as stored:
            stored.load()
            assert stored.size == (result.width, result.height)
            assert not stored.getexif()
    else:
        assert isinstance(result, NormalizedVideo)
        assert result.duration_s > 0
        with av.open(str(result.path)) as container:
            assert len(container.streams.video) == 1
            assert container.streams.video[0].codec_context.name in {"h264", "hevc"}


@settings(max_examples=200, deadline=2000, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.one_of(st.binary(max_size=2048), damaged()))
def test_it_only_ever_returns_a_valid_result_or_an_upload_rejection(data):
    try:
        result = validate_upload(data, LIMITS)
    except UploadRejected as error:
        assert error.message and error.status_code in {400, 413}
        return
    try:
        check_result(result)
    finally:
        result.discard()
