"""Preflight checks on constructed images: each check sees what it is meant to see."""

import numpy as np
import pytest
import skimage.data
from PIL import Image, ImageDraw, ImageFilter

from assets import preflight


def photo(size=(1600, 900)) -> Image.Image:
    return Image.fromarray(skimage.data.coffee()).resize(size, Image.Resampling.LANCZOS)


def disc_on_grey(box, size=(1600, 900)) -> Image.Image:
    image = Image.new("RGB", size, (90, 100, 110))
    ImageDraw.Draw(image).ellipse(box, fill=(230, 180, 40))
    return image


def levels(checks: list[dict]) -> dict[str, str]:
    return {check["check"]: check["level"] for check in checks}


def test_it_passes_a_sharp_well_exposed_photograph_of_advised_size():
    checks = preflight.preflight_image(photo(), aspect="16:9")
    assert [check["check"] for check in checks] == [
        "resolution", "aspect", "blur", "exposure", "edge"]
    assert levels(checks)["resolution"] == "pass"
    assert levels(checks)["aspect"] == "pass"
    assert levels(checks)["blur"] == "pass"
    assert levels(checks)["exposure"] == "pass"
    assert all(check["message"].endswith(".") for check in checks)


def test_it_warns_about_a_small_image_in_either_orientation():
    assert preflight.check_resolution(640, 360)["level"] == "warn"
    assert "below the advised 1280×720" in preflight.check_resolution(640, 360)["message"]
    assert preflight.check_resolution(720, 1280)["level"] == "pass"


def test_it_compares_the_aspect_ratio_with_the_project_frame():
    assert preflight.check_aspect(1920, 1080, "16:9")["level"] == "pass"
    four_three = preflight.check_aspect(1600, 1200, "16:9")
    assert four_three["level"] == "warn"
    assert "taller than the project's 16:9" in four_three["message"]
    assert "wider" in preflight.check_aspect(1920, 1080, "1:1")["message"]


def test_it_tells_a_sharp_image_from_a_blurred_one():
    sharp = preflight.measure(photo())
    soft = preflight.measure(photo().filter(ImageFilter.GaussianBlur(6)))
    slight = preflight.measure(photo().filter(ImageFilter.GaussianBlur(3)))
    assert sharp.sharpness > 5 * preflight.BLUR_WARN > preflight.BLUR_FAIL > soft.sharpness
    assert preflight.check_blur(sharp.sharpness)["level"] == "pass"
    assert preflight.check_blur(soft.sharpness)["level"] == "fail"
    assert preflight.check_blur(slight.sharpness)["level"] == "warn"
    assert preflight.check_blur(0.5)["level"] == "fail"


def test_it_finds_blown_highlights_and_crushed_shadows():
    pixels = np.asarray(photo(), dtype=np.float32)
    blown = Image.fromarray(np.clip(pixels * 2.5, 0, 255).astype(np.uint8))
    crushed = Image.fromarray(np.clip(pixels * 1.0 - 90, 0, 255).astype(np.uint8))
    assert preflight.preflight_image(photo())[2]["level"] == "pass"
    bright = preflight.check_exposure(*preflight.clipping(blown))
    dark = preflight.check_exposure(*preflight.clipping(crushed))
    assert bright["level"] in {"warn", "fail"} and "blown highlights" in bright["message"]
    assert dark["level"] in {"warn", "fail"} and "crushed shadows" in dark["message"]
    white = Image.new("RGB", (100, 100), (255, 255, 255))
    assert preflight.check_exposure(*preflight.clipping(white))["level"] == "fail"


@pytest.mark.parametrize("box, side", [
    ((1300, 250, 1800, 750), "right"),
    ((-200, 250, 300, 750), "left"),
    ((600, -200, 1000, 300), "top"),
])
def test_it_warns_when_the_subject_is_cut_by_the_frame_edge(box, side):
    edge = preflight.check_edge(preflight.measure(disc_on_grey(box)).edge_touch)
    assert edge["level"] == "warn"
    assert f"touches the {side} edge" in edge["message"]


def test_it_passes_a_centred_subject():
    centred = disc_on_grey((600, 250, 1000, 650))
    assert preflight.check_edge(preflight.measure(centred).edge_touch)["level"] == "pass"


def test_it_does_not_call_an_even_frame_filling_texture_a_subject():
    noise = np.random.default_rng(7).integers(0, 256, (900, 1600, 3), dtype=np.uint8)
    touch = preflight.measure(Image.fromarray(noise)).edge_touch
    assert preflight.check_edge(touch)["level"] == "pass"


def test_it_measures_greyscale_and_transparent_images():
    grey = photo().convert("L")
    rgba = photo().convert("RGBA")
    assert preflight.preflight_image(grey)[0]["level"] == "pass"
    assert preflight.preflight_image(rgba)[1]["check"] == "blur"
