"""The previz engine: camera moves over real photos, the flow morph, seeds, progress and cancel."""

import cv2
import numpy as np
import pytest
from PIL import Image
from skimage import data

from generation.engines import previz
from generation.errors import TakeCanceled
from generation.media import cover_fit
from generation.qc import qc_metrics
from generation.spec import CAMERA_MOVEMENTS, RoleImages, TakeSpec

WIDTH, HEIGHT, COUNT = 96, 64, 17
MOVING = [m for m in CAMERA_MOVEMENTS if m != "static"]


def make_spec(movement: str = "static", **changes) -> TakeSpec:
    fields = dict(
        profile_id="previz",
        prompt="an astronaut turns to camera",
        negative_prompt="",
        seed=7,
        steps=1,
        guidance=1.0,
        num_frames=COUNT,
        fps=24,
        width=WIDTH,
        height=HEIGHT,
        camera_movement=movement,
    )
    fields.update(changes)
    return TakeSpec(**fields)


def render(spec: TakeSpec, images: RoleImages, seeds=(7,), on_step=None) -> list[np.ndarray]:
    return previz.run(
        previz.load(None), spec, images, seeds=list(seeds), on_step=on_step or (lambda d, t: None)
    )


def photo(name: str) -> Image.Image:
    return Image.fromarray(getattr(data, name)())


def shift_between(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Return how far the picture content moved from a to b, in px (x right, y down)."""
    grey_a = cv2.cvtColor(a, cv2.COLOR_RGB2GRAY).astype(np.float64)
    grey_b = cv2.cvtColor(b, cv2.COLOR_RGB2GRAY).astype(np.float64)
    (dx, dy), _ = cv2.phaseCorrelate(grey_a, grey_b)
    return dx, dy


def test_it_loads_nothing():
    assert previz.load(None) is None
    assert previz.load("/models/none", device="cpu", dtype="float32") is None


@pytest.mark.parametrize("movement", CAMERA_MOVEMENTS)
def test_it_renders_every_camera_movement_at_the_requested_shape(movement):
    (frames,) = render(make_spec(movement), RoleImages(first=photo("astronaut")))
    assert frames.shape == (COUNT, HEIGHT, WIDTH, 3) and frames.dtype == np.uint8


@pytest.mark.parametrize("movement", MOVING)
def test_it_moves_the_camera_for_every_movement_but_static(movement):
    spec = make_spec(movement, width=192, height=108, num_frames=25)
    (frames,) = render(spec, RoleImages(first=photo("astronaut")))
    assert qc_metrics(frames)["mean_motion"] > 0.1
    assert np.abs(frames[0].astype(int) - frames[-1].astype(int)).mean() > 1.0


def test_it_holds_a_static_shot_perfectly_still_on_the_cover_fitted_photo():
    (frames,) = render(make_spec("static"), RoleImages(first=photo("rocket")))
    assert all(np.array_equal(frame, frames[0]) for frame in frames)
    expected = cover_fit(data.rocket(), width=WIDTH, height=HEIGHT)
    assert np.abs(frames[0].astype(int) - expected.astype(int)).mean() < 2.0


@pytest.mark.parametrize(
    ("movement", "direction"),
    [("pan_left", (1, 0)), ("pan_right", (-1, 0)), ("tilt_up", (0, 1)), ("tilt_down", (0, -1))],
)
def test_it_slides_the_scene_against_the_pan_or_tilt(movement, direction):
    spec = make_spec(movement, width=192, height=128)
    (frames,) = render(spec, RoleImages(first=photo("chelsea")))
    dx, dy = shift_between(frames[COUNT // 2 - 2], frames[COUNT // 2 + 2])
    moved = dx if direction[0] else dy
    assert moved * (direction[0] or direction[1]) > 1.0


def test_it_pushes_in_and_pulls_out():
    first = photo("coffee")
    spec = make_spec("push_in", width=192, height=128)
    (push,) = render(spec, RoleImages(first=first))
    (pull,) = render(make_spec("pull_out", width=192, height=128), RoleImages(first=first))
    assert np.array_equal(push[0], pull[-1]) and np.array_equal(push[-1], pull[0])
    # The pushed-in end frame is the centre of the opening frame, enlarged by the push zoom.
    crop_w, crop_h = round(192 / previz.PUSH_ZOOM), round(128 / previz.PUSH_ZOOM)
    left, top = (192 - crop_w) // 2, (128 - crop_h) // 2
    centre = push[0][top : top + crop_h, left : left + crop_w]
    enlarged = cv2.resize(centre, (192, 128), interpolation=cv2.INTER_LINEAR).astype(int)
    assert np.abs(enlarged - push[-1]).mean() < 0.4 * np.abs(push[0].astype(int) - push[-1]).mean()


@pytest.mark.parametrize("movement", CAMERA_MOVEMENTS)
def test_it_never_shows_a_border(movement):
    # Lift every pixel to at least 60: any border or padding would show up as darker pixels.
    lifted = Image.fromarray(np.clip(data.astronaut().astype(int) + 60, 0, 255).astype(np.uint8))
    spec = make_spec(movement, width=160, height=90)
    (frames,) = render(spec, RoleImages(first=lifted))
    assert frames.min() >= 60


def test_it_ends_exactly_on_the_cover_fitted_last_image():
    last = photo("coffee")
    (frames,) = render(make_spec("push_in"), RoleImages(first=photo("astronaut"), last=last))
    expected = cover_fit(np.asarray(last), width=WIDTH, height=HEIGHT)
    assert np.array_equal(frames[-1], expected)
    assert qc_metrics(frames, last_ref=last)["last_frame_ssim"] > 0.99


def test_it_dissolves_from_the_first_image_to_the_last():
    first, last = photo("astronaut"), photo("chelsea")
    (frames,) = render(make_spec("static"), RoleImages(first=first, last=last))
    metrics = qc_metrics(frames, first_ref=first, last_ref=last)
    assert metrics["first_frame_ssim"] > 0.9 and metrics["last_frame_ssim"] > 0.99
    middle = frames[COUNT // 2].astype(int)
    to_first = np.abs(middle - frames[0]).mean()
    to_last = np.abs(middle - frames[-1]).mean()
    assert to_first > 5 and to_last > 5
    assert metrics["flicker"] < 1.0


def test_it_renders_byte_identical_frames_for_the_same_spec_and_seed():
    images = RoleImages(first=photo("astronaut"), last=photo("rocket"))
    for movement in ("orbit", "handheld"):
        (a,) = render(make_spec(movement), images, seeds=[11])
        (b,) = render(make_spec(movement), images, seeds=[11])
        assert a.tobytes() == b.tobytes()


def test_it_shakes_differently_per_seed_only_for_handheld():
    images = RoleImages(first=photo("astronaut"))
    one, two, again = render(make_spec("handheld"), images, seeds=[1, 2, 1])
    assert not np.array_equal(one, two)
    assert np.array_equal(one, again)
    first, second = render(make_spec("orbit"), images, seeds=[1, 2])
    assert np.array_equal(first, second)


def test_it_returns_read_only_frames():
    (frames,) = render(make_spec("track"), RoleImages(first=photo("astronaut")))
    with pytest.raises(ValueError):
        frames[0, 0, 0, 0] = 1


def test_it_reports_progress_in_groups_of_frames():
    calls = []
    render(
        make_spec("pan_left"),
        RoleImages(first=photo("astronaut")),
        on_step=lambda d, t: calls.append((d, t)),
    )
    assert calls == [(8, COUNT), (16, COUNT), (17, COUNT)]
    calls.clear()
    spec = make_spec("handheld", num_frames=8)
    render(
        spec,
        RoleImages(first=photo("astronaut")),
        seeds=[1, 2],
        on_step=lambda d, t: calls.append((d, t)),
    )
    assert calls == [(8, 16), (16, 16)]


def test_it_stops_rendering_when_on_step_cancels():
    calls = []

    def cancel(done: int, total: int) -> None:
        calls.append(done)
        raise TakeCanceled("stop")

    with pytest.raises(TakeCanceled):
        render(
            make_spec("orbit", num_frames=65), RoleImages(first=photo("astronaut")), on_step=cancel
        )
    assert calls == [8]


def test_it_needs_a_first_frame_image():
    with pytest.raises(ValueError, match="first-frame image"):
        render(make_spec("push_in"), RoleImages(last=photo("coffee")))


def test_it_rejects_an_unknown_camera_movement():
    with pytest.raises(ValueError, match="dolly_zoom"):
        render(make_spec("dolly_zoom"), RoleImages(first=photo("coffee")))


def test_it_renders_a_vertical_single_frame_take():
    images = RoleImages(first=photo("rocket"), last=photo("coffee"))
    (frames,) = render(make_spec("orbit", width=36, height=64, num_frames=1), images)
    assert frames.shape == (1, 64, 36, 3)
    assert np.array_equal(frames[0], cover_fit(data.coffee(), width=36, height=64))
