"""Safe reading of uploaded references: content decides, everything stored is a fresh re-encode.

Pure functions: they take the uploaded bytes (or a file), never a model, and either return a
normalized image or video ready to store, or raise an `UploadRejected` subclass whose message is
written for the person who sent the file. The file name and Content-Type the browser sent are
never consulted.

Images are opened only by the Pillow decoders in `ALLOWED_IMAGE_FORMATS`, checked against pixel
and frame ceilings before any pixel is decoded, fully decoded (so a truncated file is refused),
turned upright from their EXIF orientation and re-encoded from the bare pixels. Nothing of the
upload's metadata survives: no EXIF (GPS, serial numbers), XMP, IPTC, comments or PNG text. An
embedded ICC profile is used to convert the pixels to sRGB and then dropped, so every stored
image is untagged sRGB, which is what browsers and the generation pipelines assume.

Reference videos are opened only by FFmpeg's MP4/MOV and WebM demuxers, probed, and written
again as a fresh MP4 holding only the first video stream (stream copy for H.264/HEVC, otherwise
re-encoded to H.264), with no container metadata and no audio.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import unicodedata
import warnings
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import BinaryIO

import av
import numpy as np
from PIL import Image, ImageCms, ImageFile, ImageOps, UnidentifiedImageError

from assets.preflight import Measurements, measure
from lotix.errors import DomainError

ALLOWED_IMAGE_FORMATS = ("JPEG", "PNG", "WEBP", "BMP", "TIFF", "GIF")
# Pillow's JPEG opener hands back an MPO image for camera files with a multi-picture extension.
ACCEPTED_OPENED_FORMATS = frozenset(ALLOWED_IMAGE_FORMATS) | {"MPO"}
MAX_IMAGE_PIXELS = 80_000_000
MAX_FRAMES = 300
MAX_FRAME_PIXELS = 400_000_000
MAX_VIDEO_SECONDS = 15.0
MAX_VIDEO_PIXELS = 4096 * 4096
THUMB_WIDTH = 384
JPEG_QUALITY = 95
# Codecs a reference video may arrive in; H.264 and HEVC are copied, the rest re-encoded.
COPIED_VIDEO_CODECS = frozenset({"h264", "hevc"})
ACCEPTED_VIDEO_CODECS = COPIED_VIDEO_CODECS | {"vp8", "vp9", "av1", "mpeg4", "prores", "mjpeg"}
# ISO base media brands of MP4 and QuickTime movies; HEIF/AVIF stills share the box layout and
# are deliberately absent.
VIDEO_BRANDS = frozenset({
    b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"qt  ",
    b"M4V ", b"M4VP", b"M4VH", b"mmp4", b"dash", b"MSNV",
})
QUICKTIME_LEADING_ATOMS = frozenset({b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"})
IMAGE_SIGNATURES = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a", b"BM",
                    b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")
ACCEPTED_LIST = ("Upload a JPEG, PNG, WebP, BMP, TIFF or GIF image, "
                 "or an MP4, MOV or WebM video.")
MUX_OPTIONS = {"movflags": "+faststart", "fflags": "+bitexact"}


class UploadRejected(DomainError):
    """An uploaded file Lotix will not store; the message says why, for the person who sent it."""

    code = "rejected"


class EmptyUpload(UploadRejected):
    code = "empty_file"


class UploadTooLarge(UploadRejected):
    code = "file_too_large"
    status_code = 413


class TooManyFiles(UploadRejected):
    code = "too_many_files"


class UnsupportedFileType(UploadRejected):
    code = "unsupported_type"


class ImageCorrupt(UploadRejected):
    code = "corrupt_image"


class ImageTooLarge(UploadRejected):
    code = "image_too_large"


class AnimationTooLarge(UploadRejected):
    code = "too_many_frames"


class VideoCorrupt(UploadRejected):
    code = "corrupt_video"


class VideoCodecUnsupported(UploadRejected):
    code = "unsupported_codec"


class VideoWithoutPicture(UploadRejected):
    code = "no_video_stream"


class VideoTooLong(UploadRejected):
    code = "video_too_long"


class VideoResolutionTooHigh(UploadRejected):
    code = "video_too_large"


@dataclass(frozen=True)
class UploadLimits:
    """The ceilings one validation runs under; settings supply the byte limits."""

    image_bytes: int = 30 * 1024 * 1024
    video_bytes: int = 100 * 1024 * 1024
    image_pixels: int = MAX_IMAGE_PIXELS
    frames: int = MAX_FRAMES
    frame_pixels: int = MAX_FRAME_PIXELS
    video_seconds: float = MAX_VIDEO_SECONDS
    video_pixels: int = MAX_VIDEO_PIXELS


@dataclass
class NormalizedImage:
    """A re-encoded, upright, metadata-free image and the facts about it."""

    data: bytes
    ext: str
    format: str
    width: int
    height: int
    sha256: str
    thumbnail: bytes
    source_format: str
    source_frames: int
    measurements: Measurements | None = None

    media_kind = "image"
    duration_s = None

    @property
    def size(self) -> int:
        """Bytes of the re-encoded image."""
        return len(self.data)

    def open(self) -> BinaryIO:
        """The re-encoded image as a file."""
        return io.BytesIO(self.data)

    def discard(self) -> None:
        """Nothing to remove: the image lives in memory."""


@dataclass
class NormalizedVideo:
    """A freshly muxed MP4 in a temporary file (remove it with `discard`) and its facts."""

    path: Path
    width: int
    height: int
    duration_s: float
    sha256: str
    thumbnail: bytes
    source_format: str
    source_codec: str
    copied: bool

    media_kind = "video"
    ext = "mp4"
    format = "MP4"

    @property
    def size(self) -> int:
        """Bytes of the new MP4."""
        return self.path.stat().st_size

    def open(self) -> BinaryIO:
        """The new MP4, opened for reading."""
        return self.path.open("rb")

    def discard(self) -> None:
        """Remove the temporary MP4."""
        self.path.unlink(missing_ok=True)


def megabytes(limit: int) -> str:
    """A byte limit the way a person reads it: '30 MB', '1.5 MB' or '200 KB'."""
    if limit >= 1024 * 1024:
        return f"{limit / (1024 * 1024):.1f}".removesuffix(".0") + " MB"
    return f"{max(limit // 1024, 1)} KB"


def too_large(kind: str, limit: int) -> UploadTooLarge:
    """The error for a file over its byte limit; `kind` is 'image' or 'video'."""
    return UploadTooLarge(f"This {kind} is larger than the {megabytes(limit)} limit for {kind}s.")


def display_name(name: str) -> str:
    """The upload's name made safe to show: no folders, control or bidi characters, ≤255 chars."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    # Cc are control characters, Cf format characters such as the right-to-left override.
    name = "".join(c for c in name if unicodedata.category(c) not in {"Cc", "Cf"}).strip()
    return name[:255]


def sniff_kind(head: bytes) -> str:
    """'video' when the first bytes are an MP4/MOV or WebM container, otherwise 'image'."""
    if len(head) >= 12 and head[4:8] == b"ftyp" and head[8:12] in VIDEO_BRANDS:
        return "video"
    if len(head) >= 8 and head[4:8] in QUICKTIME_LEADING_ATOMS:
        return "video"
    if head[:4] == b"\x1a\x45\xdf\xa3" and b"webm" in head[:64]:
        return "video"
    return "image"


def _video_container(head: bytes) -> tuple[str, str]:
    """FFmpeg's demuxer for a sniffed video and the container's name for people."""
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "matroska", "WEBM"
    if head[4:8] != b"ftyp" or head[8:12] == b"qt  ":
        return "mov", "MOV"
    return "mov", "MP4"


def describe_unknown(head: bytes) -> str | None:
    """What a file Lotix cannot read looks like, from its first bytes; None when unknown."""
    lower = head[:1024].lower().lstrip(b"\xef\xbb\xbf \t\r\n")
    if b"<svg" in lower:
        return "an SVG drawing"
    if lower.startswith((b"<!doctype html", b"<html")) or b"<script" in lower:
        return "an HTML page"
    if lower.startswith(b"<?xml") or lower.startswith(b"<!doctype"):
        return "an XML document"
    if head.startswith(b"%PDF-"):
        return "a PDF document"
    if head.startswith(b"%!PS") or head.startswith(b"\xc5\xd0\xd3\xc6"):
        return "a PostScript (EPS) file"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06", b"Rar!", b"7z\xbc\xaf", b"\x1f\x8b")):
        return "a compressed archive"
    if head.startswith((b"MZ", b"\x7fELF", b"\xcf\xfa\xed\xfe", b"#!")):
        return "a program"
    if head.startswith(b"8BPS"):
        return "a Photoshop document"
    if head.startswith(b"SIMPLE  ="):
        return "a FITS astronomy image"
    if len(head) >= 12 and head[4:8] == b"ftyp":
        if head[8:12] in {b"heic", b"heix", b"heim", b"heis", b"mif1", b"msf1", b"avif", b"avis"}:
            return "a HEIC or AVIF photo"
        return "a video container Lotix does not accept"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "a Matroska (MKV) video"
    if head.startswith(b"RIFF") and head[8:12] == b"AVI ":
        return "an AVI video"
    if head.startswith((b"\x00\x00\x01\x00", b"\x00\x00\x02\x00")):
        return "a Windows icon"
    return None


def _unsupported(head: bytes) -> UnsupportedFileType:
    noun = describe_unknown(head)
    if noun is None:
        return UnsupportedFileType(f"This file is not an image or video Lotix can read. "
                                   f"{ACCEPTED_LIST}")
    return UnsupportedFileType(f"This file is {noun}, which Lotix does not accept. "
                               f"{ACCEPTED_LIST}")


def check_decoder_flags() -> None:
    """Refuse to decode when some library has made Pillow accept truncated images."""
    if ImageFile.LOAD_TRUNCATED_IMAGES:
        raise RuntimeError(
            "PIL.ImageFile.LOAD_TRUNCATED_IMAGES is True; a library imported by this process "
            "flipped it, and truncated uploads would be accepted. Find it and stop it."
        )


def _read_all(upload: bytes | BinaryIO, limit: int, kind: str) -> bytes:
    if isinstance(upload, bytes | bytearray | memoryview):
        data = bytes(upload)
    else:
        upload.seek(0)
        # One byte past the limit is enough to know the file is too large.
        data = upload.read(limit + 1)
    if len(data) > limit:
        raise too_large(kind, limit)
    return data


def _file_head(upload: bytes | BinaryIO, size: int = 1024) -> bytes:
    if isinstance(upload, bytes | bytearray | memoryview):
        return bytes(upload[:size])
    upload.seek(0)
    head = upload.read(size)
    upload.seek(0)
    return head


def _file_size(upload: bytes | BinaryIO) -> int:
    if isinstance(upload, bytes | bytearray | memoryview):
        return len(upload)
    upload.seek(0, os.SEEK_END)
    size = upload.tell()
    upload.seek(0)
    return size


def validate_upload(upload: bytes | BinaryIO,
                    limits: UploadLimits | None = None) -> NormalizedImage | NormalizedVideo:
    """Validate an uploaded image or reference video; content alone decides which it is."""
    limits = limits or UploadLimits()
    head = _file_head(upload)
    if not head:
        raise EmptyUpload("The file is empty.")
    if sniff_kind(head) == "video":
        return validate_video(upload, limits)
    return validate_image(upload, limits)



def validate_image(upload: bytes | BinaryIO, limits: UploadLimits | None = None) -> NormalizedImage:
    """Decode an uploaded image safely and return it re-encoded, upright and without metadata."""
    limits = limits or UploadLimits()
    data = _read_all(upload, limits.image_bytes, "image")
    if not data:
        raise EmptyUpload("The file is empty.")
    check_decoder_flags()
    with warnings.catch_warnings():
        # Pillow only warns between its pixel limit and twice that; a warning is a refusal here.
        # (catch_warnings swaps process-wide filters; it is held only for this decode.)
        warnings.simplefilter("ignore")
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        image, source_format, frames = _decode(data, limits)
        image = _upright(image)
    image = _to_srgb_8bit(image)
    stored, ext, stored_format = _encode(image)
    return NormalizedImage(
        data=stored, ext=ext, format=stored_format, width=image.width, height=image.height,
        sha256=hashlib.sha256(stored).hexdigest(), thumbnail=thumbnail_jpeg(image),
        source_format=source_format, source_frames=frames, measurements=measure(image),
    )


def _open(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data), formats=list(ALLOWED_IMAGE_FORMATS))


def _decode(data: bytes, limits: UploadLimits) -> tuple[Image.Image, str, int]:
    try:
        probe = _open(data)
    except UnidentifiedImageError:
        if data.startswith(IMAGE_SIGNATURES) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP"):
            # An accepted format's signature whose header then fails to parse.
            raise _corrupt() from None
        raise _unsupported(data[:1024]) from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels(None, limits) from None
    except Exception:
        # A plugin that recognised the signature and then choked on the header.
        raise _corrupt() from None
    try:
        source_format = probe.format or ""
        if source_format not in ACCEPTED_OPENED_FORMATS:
            raise _unsupported(data[:1024])
        _check_pixels(probe.size, limits)
        frames = _check_frames(probe, data, limits)
        # verify() checks what load() may skip (PNG chunk CRCs); it leaves the image unusable.
        probe.verify()
        check_decoder_flags()
        image = _open(data)
        image.load()
        # A GIF frame placed outside the logical screen grows the canvas while loading.
        _check_pixels(image.size, limits)
    except UploadRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels(None, limits) from None
    except Exception:
        # Any failure while decoding untrusted bytes means the file cannot be used; the
        # decoders raise OSError, SyntaxError, ValueError, EOFError, struct.error and more.
        raise _corrupt() from None
    return image, source_format, frames


def _corrupt() -> ImageCorrupt:
    return ImageCorrupt("This image is damaged or cut short, so it cannot be decoded.")


def _too_many_pixels(size: tuple[int, int] | None, limits: UploadLimits) -> ImageTooLarge:
    ceiling = f"at most {limits.image_pixels / 1_000_000:g} megapixels are accepted"
    if size is None:
        return ImageTooLarge(f"This image declares more pixels than Lotix decodes; {ceiling}.")
    width, height = size
    return ImageTooLarge(
        f"This image is {width}×{height} ({width * height / 1_000_000:.0f} megapixels); "
        f"{ceiling}."
    )


def _check_pixels(size: tuple[int, int], limits: UploadLimits) -> None:
    width, height = size
    if width <= 0 or height <= 0:
        raise _corrupt()
    if width * height > limits.image_pixels:
        raise _too_many_pixels(size, limits)


def _check_frames(image: Image.Image, data: bytes, limits: UploadLimits) -> int:
    """Count frames without decoding them, stopping just past the frame ceiling."""
    if image.format == "GIF":
        frames, pixels = gif_frames(data, limits.frames)
    elif image.format == "TIFF":
        # Seeking to a page walks the IFD chain only as far as that page; nothing is decoded.
        try:
            image.seek(limits.frames)
            frames = limits.frames + 1
        except EOFError:
            frames = image.n_frames
        image.seek(0)
        pixels = frames * image.width * image.height
    else:
        # WebP and APNG declare their frame count in a header.
        frames = getattr(image, "n_frames", 1)
        pixels = frames * image.width * image.height
    if frames > limits.frames:
        raise AnimationTooLarge(
            f"This animation has more than {limits.frames} frames; Lotix keeps only the first "
            f"frame and accepts at most {limits.frames}."
        )
    if pixels > limits.frame_pixels:
        raise AnimationTooLarge(
            f"This animation's {frames} frames hold {pixels / 1_000_000:.0f} megapixels; at most "
            f"{limits.frame_pixels / 1_000_000:g} megapixels across all frames are accepted."
        )
    return frames


def gif_frames(data: bytes, cap: int) -> tuple[int, int]:
    """A GIF's frame count and total frame pixels from its block headers, stopping past `cap`."""
    if len(data) < 13:
        return 0, 0
    pos = 13
    flags = data[10]
    if flags & 0x80:
        pos += 3 << ((flags & 7) + 1)
    frames = pixels = blocks = 0
    # Blocks are bounded too (8 per allowed frame), so a file of empty extensions stays cheap.
    while pos < len(data) and frames <= cap and blocks <= 8 * cap + 16:
        blocks += 1
        introducer = data[pos]
        if introducer == 0x21:
            pos = _skip_sub_blocks(data, pos + 2)
        elif introducer == 0x2C:
            if pos + 10 > len(data):
                break
            width = int.from_bytes(data[pos + 5:pos + 7], "little")
            height = int.from_bytes(data[pos + 7:pos + 9], "little")
            local = data[pos + 9]
            pos += 10
            if local & 0x80:
                pos += 3 << ((local & 7) + 1)
            pos = _skip_sub_blocks(data, pos + 1)
            frames += 1
            pixels += width * height
        else:
            break
    if blocks > 8 * cap + 16:
        frames = max(frames, cap + 1)
    return frames, pixels


def _skip_sub_blocks(data: bytes, pos: int) -> int:
    while pos < len(data):
        size = data[pos]
        pos += 1 + size
        if size == 0:
            break
    return pos


def _upright(image: Image.Image) -> Image.Image:
    try:
        # in_place: without an Orientation tag exif_transpose would still return a full copy.
        ImageOps.exif_transpose(image, in_place=True)
        return image
    except Exception:
        # Unreadable EXIF carries no usable orientation; the pixels are fine as they are.
        return image


_SRGB = ImageCms.createProfile("sRGB")
HIGH_BIT_MODES = frozenset({"I", "I;16", "I;16B", "I;16L", "I;16N", "F"})


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in {"RGBA", "LA", "PA", "RGBa", "La"} or (
        image.mode in {"P", "L", "RGB"} and "transparency" in image.info
    )


def _to_srgb_8bit(image: Image.Image) -> Image.Image:
    """8-bit RGB or RGBA in sRGB, holding no metadata at all."""
    try:
        if image.mode in HIGH_BIT_MODES:
            image = _high_bit_to_l(image)
        target = "RGBA" if _has_alpha(image) else "RGB"
        icc = image.info.get("icc_profile")
        converted = None
        if icc and image.mode in {"RGB", "RGBA", "CMYK", "L"}:
            try:
                source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
                working = image if image.mode != "L" else image.convert("RGB")
                converted = ImageCms.profileToProfile(
                    working, source, _SRGB, outputMode=target if working.mode != "CMYK" else "RGB"
                )
            except Exception:
                # A broken or mismatched profile: fall back to the plain conversion below.
                converted = None
        base = converted or image
        # convert() to the mode the image already has would copy every pixel (120 MB for a
        # 40 MP photograph) only to drop the metadata, which clearing `info` below does.
        clean = base if base.mode == target else base.convert(target)
    except Exception:
        raise UnsupportedFileType(
            f"This image uses a colour format ({image.mode}) Lotix cannot convert. "
            f"{ACCEPTED_LIST}"
        ) from None
    if clean.mode == "RGBA" and clean.getchannel("A").getextrema()[0] == 255:
        clean = clean.convert("RGB")
    # The encoders read comments and ICC profiles from `info`; the stored file gets none.
    clean.info = {}
    return clean


def _high_bit_to_l(image: Image.Image) -> Image.Image:
    pixels = np.asarray(image, dtype=np.float32)
    top = float(pixels.max()) if pixels.size else 0.0
    if image.mode == "F":
        scale = 1.0 if top <= 1.0 else 255.0
    else:
        scale = 255.0 if top <= 255 else 65535.0
    scaled = np.clip(np.nan_to_num(pixels) / scale * 255.0 + 0.5, 0, 255).astype(np.uint8)
    return Image.fromarray(scaled, "L")


def _encode(image: Image.Image) -> tuple[bytes, str, str]:
    """PNG when the image has transparency, JPEG (4:4:4, quality 95) otherwise."""
    buffer = io.BytesIO()
    if image.mode == "RGBA":
        image.save(buffer, "PNG", compress_level=3)
        return buffer.getvalue(), "png", "PNG"
    image.save(buffer, "JPEG", quality=JPEG_QUALITY, subsampling=0)
    return buffer.getvalue(), "jpg", "JPEG"


def thumbnail_jpeg(image: Image.Image) -> bytes:
    """A JPEG at most THUMB_WIDTH wide; transparency is laid on the page's card colour."""
    width, height = image.size
    scale = min(THUMB_WIDTH / width, THUMB_WIDTH * 4 / height, 1.0)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    # resize() builds the small image straight from the source (a box reduction first, then
    # Lanczos); thumbnail() would first need a full-size copy, 120 MB for a 40 MP photograph.
    thumb = image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
    if thumb.mode == "RGBA":
        backdrop = Image.new("RGBA", thumb.size, (27, 32, 41, 255))
        thumb = Image.alpha_composite(backdrop, thumb)
    buffer = io.BytesIO()
    thumb.convert("RGB").save(buffer, "JPEG", quality=85)
    return buffer.getvalue()



def validate_video(upload: bytes | BinaryIO, limits: UploadLimits | None = None) -> NormalizedVideo:
    """Probe an uploaded reference video and write it again as a fresh, metadata-free MP4."""
    limits = limits or UploadLimits()
    size = _file_size(upload)
    if size == 0:
        raise EmptyUpload("The file is empty.")
    if size > limits.video_bytes:
        raise too_large("video", limits.video_bytes)
    head = _file_head(upload)
    source = io.BytesIO(upload) if isinstance(upload, bytes | bytearray | memoryview) else upload
    source.seek(0)
    handle, name = tempfile.mkstemp(prefix="lotix-video-", suffix=".mp4")
    os.close(handle)
    path = Path(name)
    try:
        demuxer, source_format = _video_container(head)
        facts = _remux(source, demuxer, path, limits)
        facts["source_format"] = source_format
        digest = hashlib.sha256()
        with path.open("rb") as stored:
            for block in iter(lambda: stored.read(1024 * 1024), b""):
                digest.update(block)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return NormalizedVideo(path=path, sha256=digest.hexdigest(), **facts)


def _remux(source: BinaryIO, demuxer: str, path: Path, limits: UploadLimits) -> dict:
    try:
        container = av.open(source, mode="r", format=demuxer)
    except Exception:
        raise VideoCorrupt("This video is damaged or incomplete, so it cannot be read.") from None
    try:
        return _remux_open(container, path, limits)
    except UploadRejected:
        raise
    except Exception:
        # FFmpeg reports damaged streams as many different errors; all mean the same here.
        raise VideoCorrupt("This video is damaged or incomplete, so it cannot be read.") from None
    finally:
        container.close()


def _video_stream(container):
    for stream in container.streams.video:
        if not stream.disposition & av.stream.Disposition.attached_pic:
            return stream
    return None


def _remux_open(container, path: Path, limits: UploadLimits) -> dict:
    stream = _video_stream(container)
    if stream is None:
        raise VideoWithoutPicture(
            "This file has no video track (only sound?); a motion reference needs a picture."
        )
    codec = stream.codec_context.name
    if codec not in ACCEPTED_VIDEO_CODECS:
        raise VideoCodecUnsupported(
            f"This video uses the {codec} codec, which Lotix does not accept; export it as "
            "H.264, HEVC, VP9 or AV1."
        )
    width, height = stream.codec_context.width, stream.codec_context.height
    if width <= 0 or height <= 0:
        raise VideoCorrupt("This video's picture has no size, so it cannot be read.")
    if width * height > limits.video_pixels:
        raise VideoResolutionTooHigh(
            f"This video is {width}×{height}; reference videos may be at most "
            f"{limits.video_pixels / 1_000_000:.1f} megapixels (for example 3840×2160)."
        )
    if container.duration is not None:
        _check_duration(container.duration / av.time_base, limits)
    copied = codec in COPIED_VIDEO_CODECS
    with av.open(str(path), mode="w", format="mp4", options=MUX_OPTIONS) as output:
        if copied:
            duration, first = _copy_packets(container, stream, output, limits)
        else:
            duration, first = _reencode(container, stream, output, limits)
    if first is None:
        raise VideoCorrupt("The first frame of this video does not decode.")
    rotation = int(round(first.rotation or 0)) % 360
    picture = first.to_image()
    if rotation:
        picture = picture.rotate(rotation, expand=True)
    return {
        "width": picture.width, "height": picture.height, "duration_s": duration,
        "thumbnail": thumbnail_jpeg(picture), "source_codec": codec, "copied": copied,
    }


def _check_duration(seconds: float, limits: UploadLimits) -> None:
    # A frame's worth of slack: a 15 s clip at 24 fps often reports 15.04 s.
    if seconds > limits.video_seconds + 0.05:
        raise VideoTooLong(
            f"This video runs {seconds:.1f} s; motion references may be at most "
            f"{limits.video_seconds:g} s long."
        )


def _fallback_frame_seconds(stream) -> float:
    rate = stream.average_rate or stream.guessed_rate or stream.base_rate
    return float(1 / rate) if rate else 1 / 25


def _copy_packets(container, stream, output, limits: UploadLimits):
    out_stream = output.add_stream_from_template(stream)
    out_stream.metadata.clear()
    first = None
    start = end = None
    for packet in container.demux(stream):
        if packet.dts is None:
            continue
        if first is None:
            first = next(iter(stream.codec_context.decode(packet)), None)
        pts = packet.pts if packet.pts is not None else packet.dts
        seconds = float(pts * packet.time_base)
        start = seconds if start is None else min(start, seconds)
        span = float(packet.duration * packet.time_base) if packet.duration else 0.0
        end = max(end or seconds, seconds + span)
        _check_duration(end - start, limits)
        packet.stream = out_stream
        output.mux(packet)
    if first is None:
        first = next(iter(stream.codec_context.decode(None)), None)
    if start is None:
        return 0.0, None
    return max(end - start, _fallback_frame_seconds(stream)), first


def _reencode(container, stream, output, limits: UploadLimits):
    width, height = stream.codec_context.width // 2 * 2, stream.codec_context.height // 2 * 2
    if width == 0 or height == 0:
        raise VideoCorrupt("This video's picture is too small to encode.")
    rate = stream.average_rate or stream.guessed_rate or Fraction(25)
    encoder = output.add_stream("libx264", rate=rate)
    encoder.width, encoder.height, encoder.pix_fmt = width, height, "yuv420p"
    # Keep the source's clock; the muxer later changes the stream's own time base, so frames
    # are stamped with this local value rather than with encoder.time_base.
    time_base = stream.time_base or Fraction(1, 90000)
    encoder.codec_context.time_base = time_base
    encoder.options = {"crf": "18", "preset": "veryfast"}
    first = None
    start = last_pts = None
    end = 0.0
    for frame in container.decode(stream):
        if first is None:
            first = frame
            if frame.rotation:
                encoder.set_display_rotation(frame.rotation)
        pts = frame.pts if frame.pts is not None else (last_pts or 0) + 1
        start = pts if start is None else start
        pts = pts - start
        if last_pts is not None and pts <= last_pts:
            pts = last_pts + 1
        last_pts = pts
        seconds = float(pts * time_base)
        end = max(end, seconds + _fallback_frame_seconds(stream))
        _check_duration(seconds, limits)
        picture = frame.reformat(width=width, height=height, format="yuv420p")
        picture.pts, picture.time_base = pts, time_base
        for packet in encoder.encode(picture):
            output.mux(packet)
    for packet in encoder.encode(None):
        output.mux(packet)
    return end, first
