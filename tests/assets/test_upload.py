"""Uploading references through the asset library's URL: what is stored, what is refused."""

import hashlib
import html
import io
import re

import av
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from assets.models import Asset, AssetFile
from tests import factories
from tests.assets import corpus

pytestmark = pytest.mark.django_db

KEY = re.compile(
    r"^projects/[0-9a-f-]{36}/assets/[0-9a-f-]{36}/(original\.(jpg|png|mp4)|thumb\.jpg)$"
)


def upload_url(project):
    return reverse("assets:asset-upload", args=[project.slug])


def post(client, project, files, **fields):
    """POST files the way the library's form does; `files` is a list of corpus Samples."""
    headers = fields.pop("headers", {})
    payload = {"name": "Mara", "kind": "character", "approval": "internal", **fields}
    payload["files"] = [SimpleUploadedFile(s.name, s.data, content_type=s.content_type)
                        for s in files]
    return client.post(upload_url(project), payload, **headers)


def text(response) -> str:
    return html.unescape(response.content.decode())


def stored_files(media_storage):
    if not media_storage.exists():
        return []
    return [p for p in media_storage.rglob("*") if p.is_file()]


def assert_nothing_stored(media_storage):
    assert AssetFile.objects.count() == 0
    assert stored_files(media_storage) == []


@pytest.fixture
def director_client(client, director):
    client.force_login(director)
    return client


@pytest.mark.parametrize("sample", corpus.bad_files(), ids=lambda s: s.id)
def test_it_refuses_each_bad_file_with_a_sentence_and_leaves_nothing(
        director_client, project, media_storage, sample):
    response = post(director_client, project, [sample])
    assert response.status_code == sample.status
    body = text(response)
    assert sample.message in body
    assert sample.name in body
    assert_nothing_stored(media_storage)
    assert not Asset.objects.exists()


def test_it_keeps_a_corpus_of_at_least_25_bad_files():
    assert len(corpus.bad_files()) >= 25


@pytest.mark.parametrize("sample", corpus.neutralised_files(), ids=lambda s: s.id)
def test_it_stores_a_polyglot_only_as_a_fresh_reencode_without_the_payload(
        director_client, project, media_storage, sample):
    response = post(director_client, project, [sample])
    assert response.status_code == 302
    asset_file = AssetFile.objects.get()
    stored = (media_storage / asset_file.file.name).read_bytes()
    assert asset_file.format == "JPEG" and asset_file.file.name.endswith("original.jpg")
    for payload in (b"<script", b"<html", b"<?php", b"PK\x03\x04"):
        assert payload not in stored.lower()
    assert asset_file.sha256 != hashlib.sha256(sample.data).hexdigest()
    assert stored.endswith(b"\xff\xd9")  # nothing after the JPEG's end-of-image marker


def test_it_stops_reading_an_image_over_the_limit_and_answers_413(
        director_client, project, media_storage, settings, tmp_path):
    settings.LOTIX_MAX_IMAGE_BYTES = 64 * 1024
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "uploads")
    (tmp_path / "uploads").mkdir()
    big = corpus.Sample("big", "big.bmp", "image/bmp", corpus.image("BMP", 300, 300))
    assert len(big.data) > 64 * 1024
    response = post(director_client, project, [big])
    assert response.status_code == 413
    assert "big.bmp: This image is larger than the 64 KB limit for images." in text(response)
    assert_nothing_stored(media_storage)
    assert list((tmp_path / "uploads").iterdir()) == []


def test_it_stops_reading_a_video_over_the_video_limit_and_answers_413(
        director_client, project, media_storage, settings):
    settings.LOTIX_MAX_VIDEO_BYTES = 2048
    clip = corpus.Sample("clip", "clip.mp4", "video/mp4", corpus.video(seconds=2))
    response = post(director_client, project, [clip])
    assert response.status_code == 413
    assert "clip.mp4: This video is larger than the 2 KB limit for videos." in text(response)
    assert_nothing_stored(media_storage)


def test_it_refuses_a_body_larger_than_any_allowed_upload_before_reading_it(
        director_client, project, media_storage, settings):
    settings.LOTIX_MAX_IMAGE_BYTES = settings.LOTIX_MAX_VIDEO_BYTES = 1024
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    filler = corpus.Sample("filler", "a.png", "image/png", b"\x00" * 20_000)
    response = post(director_client, project, [filler])
    assert response.status_code == 413
    assert "This upload is larger than the 10 KB Lotix accepts in one request." in text(response)
    assert_nothing_stored(media_storage)


def test_it_refuses_ten_files_in_one_request_with_a_400_sentence(
        director_client, project, media_storage, caplog):
    files = [corpus.Sample(f"f{n}", f"f{n}.png", "image/png", corpus.image(seed=n))
             for n in range(10)]
    response = post(director_client, project, files)
    assert response.status_code == 400
    assert "Upload at most 9 files at a time." in text(response)
    assert_nothing_stored(media_storage)
    assert any(r.name == "django.security.TooManyFilesSent" for r in caplog.records)


def test_it_refuses_a_form_with_too_many_fields_with_a_400_sentence(
        director_client, project, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 20
    fields = {f"extra{n}": "x" for n in range(30)}
    response = post(director_client, project, [corpus.Sample("a", "a.png", "image/png",
                                                             corpus.image())], **fields)
    assert response.status_code == 400
    assert "more fields or text than Lotix accepts" in text(response)


def test_it_accepts_nine_files_at_once(director_client, project):
    files = [corpus.Sample(f"f{n}", f"f{n}.png", "image/png", corpus.image(seed=n))
             for n in range(9)]
    response = post(director_client, project, files)
    assert response.status_code == 302
    assert AssetFile.objects.count() == 9


ALLOWED = [
    ("jpeg", "a.jpg", "image/jpeg", lambda: corpus.image("JPEG"), "JPEG"),
    ("png", "a.png", "image/png", lambda: corpus.image("PNG"), "JPEG"),
    ("png-alpha", "a.png", "image/png", lambda: corpus.image("PNG", mode="RGBA"), "JPEG"),
    ("png-transparent", "t.png", "image/png",
     lambda: corpus.image("PNG", mode="LA"), "JPEG"),
    ("webp", "a.webp", "image/webp", lambda: corpus.image("WEBP"), "JPEG"),
    ("bmp", "a.bmp", "image/bmp", lambda: corpus.image("BMP"), "JPEG"),
    ("tiff", "a.tif", "image/tiff", lambda: corpus.image("TIFF", compression="tiff_lzw"), "JPEG"),
    ("gif", "a.gif", "image/gif", lambda: corpus.image("GIF"), "JPEG"),
    ("gif-animated", "a.gif", "image/gif",
     lambda: corpus.animation("GIF", width=64, height=48), "JPEG"),
    ("webp-animated", "a.webp", "image/webp",
     lambda: corpus.animation("WEBP", width=64, height=48), "JPEG"),
    ("jpeg-cmyk", "cmyk.jpg", "image/jpeg", lambda: corpus.image("JPEG", mode="CMYK"), "JPEG"),
    ("png-16-bit-grey", "deep.png", "image/png", lambda: corpus.image("PNG", mode="I;16"),
     "JPEG"),
    ("jpeg-named-png-sent-as-gif", "odd.png", "image/gif", lambda: corpus.image("JPEG"), "JPEG"),
]


@pytest.mark.parametrize("case", ALLOWED, ids=lambda c: c[0])
def test_it_accepts_each_allowed_image_format_as_a_fresh_encode(
        director_client, project, media_storage, case):
    _, name, content_type, build, stored_format = case
    response = post(director_client, project,
                    [corpus.Sample("ok", name, content_type, build())])
    assert response.status_code == 302, text(response)
    asset_file = AssetFile.objects.get()
    assert asset_file.format == stored_format
    assert KEY.match(asset_file.file.name) and KEY.match(asset_file.thumbnail.name)
    with Image.open(media_storage / asset_file.file.name) as stored:
        stored.load()
        assert stored.format == stored_format
        assert stored.size == (asset_file.width, asset_file.height) == (64, 48)
        assert getattr(stored, "n_frames", 1) == 1


def test_it_keeps_transparency_as_png(director_client, project, media_storage):
    picture = Image.new("RGBA", (40, 30), (200, 10, 10, 0))
    picture.paste((10, 200, 10, 255), (0, 0, 20, 30))
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    response = post(director_client, project,
                    [corpus.Sample("a", "cutout.png", "image/png", buffer.getvalue())])
    assert response.status_code == 302
    asset_file = AssetFile.objects.get()
    assert asset_file.format == "PNG" and asset_file.file.name.endswith("original.png")
    with Image.open(media_storage / asset_file.file.name) as stored:
        assert stored.mode == "RGBA"
        assert stored.getpixel((30, 10))[3] == 0 and stored.getpixel((5, 5))[3] == 255


METADATA = [
    ("jpeg", "gps.jpg", corpus.jpeg_with_metadata,
     [b"Exif\x00", b"xmpmeta", b"Photoshop 3.0", b"SecretComment", b"SECRET-SERIAL-123"]),
    ("png", "text.png", corpus.png_with_metadata, [b"tEXt", b"zTXt", b"iTXt", b"eXIf"]),
    ("webp", "exif.webp", corpus.webp_with_metadata, [b"EXIF", b"XMP ", b"SecretXMP"]),
    ("tiff", "gps.tif", corpus.tiff_with_gps, [b"Secret Artist"]),
]


@pytest.mark.parametrize("case", METADATA, ids=lambda c: c[0])
def test_it_strips_every_kind_of_metadata_from_the_stored_file(
        director_client, project, media_storage, case):
    _, name, build, carried = case
    data = build()
    for marker in carried:
        assert marker in data
    response = post(director_client, project,
                    [corpus.Sample("meta", name, "application/octet-stream", data)])
    assert response.status_code == 302, text(response)
    asset_file = AssetFile.objects.get()
    stored = (media_storage / asset_file.file.name).read_bytes()
    for marker in (b"Secret", b"SECRET", b"Exif\x00", b"http://ns.adobe.com/xap", b"xmpmeta",
                   b"Photoshop 3.0", b"tEXt", b"iTXt", b"zTXt", b"eXIf", b"ICC_PROFILE",
                   *carried):
        assert marker not in stored
    with Image.open(io.BytesIO(data)) as original:
        if name.endswith((".jpg", ".tif")):
            assert original.getexif().get_ifd(0x8825)  # the fixture really carries GPS
    with Image.open(io.BytesIO(stored)) as picture:
        assert not picture.getexif()
        assert not set(picture.info) & {"exif", "xmp", "comment", "icc_profile", "photoshop"}
    assert "Secret" not in str(asset_file.preflight)


def multipart(fields: dict, files: list[tuple[str, bytes]], boundary="LotixBoundary") -> bytes:
    """A multipart body written by hand, so file names reach the server exactly as given."""
    parts = []
    for key, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n'
                     f"{value}\r\n".encode())
    for name, data in files:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="files"; '
                     f'filename="{name}"\r\nContent-Type: image/jpeg\r\n\r\n'.encode()
                     + data + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode()


HOSTILE_NAMES = ["../../x.jpg", "..\\..\\windows\\x.jpg", "a.php%00.jpg", "x.jpg.html",
                 "\u202egpj.exe", "n" * 300 + ".jpg", "CON", "nul.jpg", "/etc/passwd",
                 "name\twith\ttabs.jpg"]


def test_it_never_lets_an_uploaded_name_reach_a_storage_key(director_client, project,
                                                            media_storage):
    files = [(name, corpus.image("JPEG", seed=n)) for n, name in enumerate(HOSTILE_NAMES[:9])]
    body = multipart({"name": "Mara", "kind": "character", "approval": "pending"}, files)
    response = director_client.generic("POST", upload_url(project), body,
                                       content_type="multipart/form-data; boundary=LotixBoundary")
    assert response.status_code == 302
    asset_files = list(AssetFile.objects.all())
    assert len(asset_files) == 9
    for asset_file in asset_files:
        assert KEY.match(asset_file.file.name), asset_file.file.name
        assert KEY.match(asset_file.thumbnail.name)
        name = asset_file.original_name
        assert "/" not in name and "\\" not in name and len(name) <= 255
        assert not any(ord(c) < 32 or c in "\u202e\u202d\u200f" for c in name)
    for path in stored_files(media_storage):
        assert KEY.match(str(path.relative_to(media_storage)))


def test_it_accepts_a_short_h264_mp4_as_a_remuxed_motion_reference(
        director_client, project, media_storage):
    data = corpus.video(seconds=2, fps=12, audio=True)
    response = post(director_client, project,
                    [corpus.Sample("clip", "walk cycle.mp4", "video/mp4", data)],
                    name="Walk cycle", kind="motion")
    assert response.status_code == 302, text(response)
    asset_file = AssetFile.objects.get()
    assert (asset_file.media_kind, asset_file.format) == ("video", "MP4")
    assert asset_file.duration_s == pytest.approx(2.0, abs=0.05)
    assert (asset_file.width, asset_file.height) == (64, 48)
    assert asset_file.file.name.endswith("original.mp4") and KEY.match(asset_file.file.name)
    assert asset_file.preflight == []
    stored = (media_storage / asset_file.file.name).read_bytes()
    assert b"SecretTitle" not in stored
    assert stored.index(b"moov") < stored.index(b"mdat")  # faststart: playable while loading
    with av.open(io.BytesIO(stored)) as container:
        assert [s.type for s in container.streams] == ["video"]
        assert container.streams.video[0].codec_context.name == "h264"
        assert sum(1 for _ in container.decode(video=0)) == 24
    with Image.open(media_storage / asset_file.thumbnail.name) as thumb:
        assert thumb.format == "JPEG"


def test_it_reencodes_a_vp9_webm_to_h264(director_client, project, media_storage):
    data = corpus.video(seconds=1, codec="libvpx-vp9", container="webm")
    response = post(director_client, project,
                    [corpus.Sample("clip", "move.webm", "video/webm", data)], kind="motion")
    assert response.status_code == 302, text(response)
    asset_file = AssetFile.objects.get()
    with av.open(str(media_storage / asset_file.file.name)) as container:
        assert container.streams.video[0].codec_context.name == "h264"
    assert asset_file.duration_s == pytest.approx(1.0, abs=0.1)


def test_it_records_a_rotated_phone_video_in_its_display_orientation(
        director_client, project, media_storage):
    data = corpus.video(seconds=1, width=64, height=48, rotation=-90)
    response = post(director_client, project,
                    [corpus.Sample("clip", "phone.mov", "video/quicktime", data)], kind="motion")
    assert response.status_code == 302
    asset_file = AssetFile.objects.get()
    assert (asset_file.width, asset_file.height) == (48, 64)
    with Image.open(media_storage / asset_file.thumbnail.name) as thumb:
        assert thumb.width < thumb.height


def test_it_stores_the_good_files_and_lists_the_refused_ones(director_client, project,
                                                            media_storage):
    good = corpus.Sample("good", "good.png", "image/png", corpus.image())
    bad = corpus.bad_files()[1]
    response = post(director_client, project, [good, bad])
    assert response.status_code == 400
    body = text(response)
    assert "Added to Mara" in body and "good.png" in body
    assert "cut.jpg" in body and bad.message in body
    assert AssetFile.objects.count() == 1
    assert len(stored_files(media_storage)) == 2  # the image and its thumbnail


def test_it_refuses_the_same_picture_twice_in_one_asset_with_409(director_client, project):
    sample = corpus.Sample("a", "a.png", "image/png", corpus.image())
    assert post(director_client, project, [sample]).status_code == 302
    response = post(director_client, project, [sample])
    assert response.status_code == 409
    assert "This image is already in Mara." in text(response)
    assert AssetFile.objects.count() == 1


def test_it_uploads_into_an_existing_asset_of_the_project(director_client, project):
    asset = Asset.objects.create(project=project, kind="location", name="Kitchen")
    response = post(director_client, project,
                    [corpus.Sample("a", "a.png", "image/png", corpus.image())],
                    asset=asset.pk, name="", kind="")
    assert response.status_code == 302
    assert AssetFile.objects.get().asset == asset


def test_it_refuses_an_asset_of_another_project(director_client, project, media_storage):
    other = factories.project(name="Other")
    foreign = Asset.objects.create(project=other, kind="prop", name="Key")
    response = post(director_client, project,
                    [corpus.Sample("a", "a.png", "image/png", corpus.image())],
                    asset=foreign.pk, name="", kind="")
    assert response.status_code == 400
    assert "Select a valid choice" in text(response)
    assert_nothing_stored(media_storage)


def test_it_asks_for_files_and_a_name(director_client, project):
    response = director_client.post(upload_url(project), {"name": "", "kind": "",
                                                          "approval": "pending"})
    assert response.status_code == 400
    body = text(response)
    assert "Choose at least one file to upload." in body
    assert "Choose an asset, or name the new one." in body


def test_it_answers_htmx_with_the_result_and_the_refreshed_library(director_client, project):
    response = post(director_client, project,
                    [corpus.Sample("a", "hero.png", "image/png", corpus.image())],
                    headers={"HTTP_HX_REQUEST": "true"})
    assert response.status_code == 200
    body = text(response)
    assert "<html" not in body
    assert "Added to Mara" in body and "hero.png" in body
    assert 'id="asset-library" aria-label="Assets" hx-swap-oob="true"' in body
    assert reverse("assets:file-thumb", args=[project.slug, AssetFile.objects.get().uuid]) in body


def test_it_answers_htmx_refusals_with_a_fragment_and_the_status(director_client, project):
    bad = corpus.bad_files()[0]
    response = post(director_client, project, [bad], headers={"HTTP_HX_REQUEST": "true"})
    assert response.status_code == 400
    body = text(response)
    assert "<html" not in body and "The file is empty." in body and "hx-swap-oob" not in body


def test_it_checks_the_csrf_token_after_installing_the_size_limit(project, director):
    client = Client(enforce_csrf_checks=True)
    client.force_login(director)
    response = post(client, project, [corpus.Sample("a", "a.png", "image/png", corpus.image())])
    assert response.status_code == 403
    assert not AssetFile.objects.exists()


def test_it_never_reads_request_body_in_upload_views():
    from pathlib import Path

    import assets.views

    assert "request.body" not in Path(assets.views.__file__).read_text()


@pytest.mark.parametrize("role", ["producer", "editor", "viewer"])
def test_it_forbids_uploading_to_roles_without_plan(client, project, role, media_storage):
    user = factories.user(username=role)
    factories.membership(project=project, user=user, role=role)
    client.force_login(user)
    response = post(client, project, [corpus.Sample("a", "a.png", "image/png", corpus.image())])
    assert response.status_code == 403
    assert_nothing_stored(media_storage)


def test_it_hides_the_project_from_strangers(client, project, stranger, media_storage):
    client.force_login(stranger)
    assert client.get(reverse("assets:asset-list", args=[project.slug])).status_code == 404
    response = post(client, project, [corpus.Sample("a", "a.png", "image/png", corpus.image())])
    assert response.status_code == 404
    assert_nothing_stored(media_storage)


def test_it_sends_anonymous_visitors_to_log_in(client, project, media_storage):
    for response in (
        client.get(reverse("assets:asset-list", args=[project.slug])),
        post(client, project, [corpus.Sample("a", "a.png", "image/png", corpus.image())]),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    assert_nothing_stored(media_storage)


def test_it_shows_viewers_the_library_without_the_upload_form(client, project, viewer):
    client.force_login(viewer)
    response = client.get(reverse("assets:asset-list", args=[project.slug]))
    assert response.status_code == 200
    assert 'id="upload-form"' not in response.content.decode()


def test_it_lists_assets_grouped_by_kind_with_thumbnails(director_client, project):
    post(director_client, project, [corpus.Sample("a", "a.png", "image/png", corpus.image())])
    post(director_client, project, [corpus.Sample("b", "b.png", "image/png", corpus.image(seed=3))],
         name="Kitchen", kind="location")
    body = text(director_client.get(reverse("assets:asset-list", args=[project.slug])))
    assert body.index(">Character ") < body.index(">Location ")
    for asset_file in AssetFile.objects.all():
        assert reverse("assets:file-thumb", args=[project.slug, asset_file.uuid]) in body
    assert 'id="upload-form"' in body


def test_it_renders_the_library_in_constant_queries(director_client, project):
    url = reverse("assets:asset-list", args=[project.slug])

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert director_client.get(url).status_code == 200
        return len(captured)

    factories.asset_file(project=project)
    few = queries()
    for n in range(6):
        for kind in ("prop", "location"):
            factories.asset_file(project=project, kind=kind, name=f"{kind} {n}")
    assert queries() == few


def test_it_links_the_library_from_the_project_nav(director_client, project):
    body = director_client.get(reverse("shots:project-home", args=[project.slug])).content
    assert reverse("assets:asset-list", args=[project.slug]).encode() in body
