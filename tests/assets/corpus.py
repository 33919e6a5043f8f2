"""Upload fixtures built in code: good images and videos, and a corpus of files to refuse."""

import functools
import io
import os
import struct
import tempfile
import zlib
from dataclasses import dataclass

import av
import numpy as np
from PIL import Image

MB = 1024 * 1024


@dataclass(frozen=True)
class Sample:
    """One file as a browser would send it, and what Lotix must answer."""

    id: str
    name: str
    content_type: str
    data: bytes
    status: int = 400
    message: str = ""



def pixels(width=64, height=48, seed=0) -> np.ndarray:
    """A gradient with a seed-dependent tint, so no two fixtures hash the same."""
    x = np.linspace(0, 255, width, dtype=np.uint8)[None, :]
    y = np.linspace(0, 255, height, dtype=np.uint8)[:, None]
    frame = np.zeros((height, width, 3), dtype=np.uint8)
    frame[:, :, 0] = x
    frame[:, :, 1] = y
    frame[:, :, 2] = (seed * 37) % 256
    return frame


def image(fmt="PNG", width=64, height=48, mode="RGB", seed=0, **options) -> bytes:
    """A small valid image in `fmt`."""
    picture = Image.fromarray(pixels(width, height, seed)).convert(mode)
    buffer = io.BytesIO()
    picture.save(buffer, fmt, **options)
    return buffer.getvalue()


def animation(fmt="GIF", frames=3, width=32, height=24) -> bytes:
    """A small valid animation whose frames differ in colour."""
    pictures = [Image.fromarray(pixels(width, height, seed)) for seed in range(frames)]
    buffer = io.BytesIO()
    pictures[0].save(buffer, fmt, save_all=True, append_images=pictures[1:], duration=100,
                     loop=0)
    return buffer.getvalue()


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return (struct.pack(">I", len(body)) + kind + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header declares `width`×`height` pixels (a decompression bomb)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header)
            + png_chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + png_chunk(b"IEND", b""))


def png_bad_crc() -> bytes:
    data = bytearray(image("PNG"))
    iend = data.rindex(b"IEND")
    # The CRC of the chunk before IEND sits in the four bytes before IEND's length.
    data[iend - 8] ^= 0xFF
    return bytes(data)


def jpeg_declaring(width: int, height: int) -> bytes:
    data = bytearray(image("JPEG"))
    sof = data.index(b"\xff\xc0")
    data[sof + 5:sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def gif_bytes(screen=(16, 16), frames=((0, 0, 16, 16),), lzw=b"\x02\x02\x4c\x01\x00") -> bytes:
    """A GIF built block by block: each frame is (x, y, width, height) with tiny LZW data."""
    out = bytearray(b"GIF89a" + struct.pack("<HH", *screen) + bytes([0x80, 0, 0]))
    out += b"\x00\x00\x00\xff\xff\xff"
    for x, y, width, height in frames:
        out += b"\x21\xf9\x04\x00\x0a\x00\x00\x00"
        out += b"\x2c" + struct.pack("<HHHH", x, y, width, height) + b"\x00"
        out += lzw
    out += b"\x3b"
    return bytes(out)


def gif_with_frame_outside(x: int, y: int) -> bytes:
    """A valid 16×16 GIF followed by a second frame placed at (x, y), far off its canvas."""
    data = image("GIF", 16, 16).rstrip(b";")
    frame = b"\x2c" + struct.pack("<HHHH", x, y, 16, 16) + b"\x00" + b"\x02\x02\x4c\x01\x00"
    return data + frame + b";"


def jpeg_with_metadata() -> bytes:
    """A JPEG carrying GPS and camera EXIF, XMP, an IPTC block and a comment."""
    picture = Image.fromarray(pixels(96, 64, seed=5))
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"           # Make
    exif[0x0131] = "SecretSoftware"      # Software
    exif[0x013B] = "Secret Artist"       # Artist
    exif[0xA431] = "SECRET-SERIAL-123"   # BodySerialNumber (Exif IFD in practice)
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (48.0, 51.0, 29.0)
    gps[3], gps[4] = "E", (2.0, 17.0, 40.0)
    xmp = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description '
           b'xmlns:dc="http://purl.org/dc/elements/1.1/" dc:creator="SecretXMP"/></rdf:RDF>'
           b"</x:xmpmeta>")
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", exif=exif, xmp=xmp, comment=b"SecretComment", quality=90)
    data = buffer.getvalue()
    iptc = b"Photoshop 3.0\x008BIM\x04\x04\x00\x00\x00\x00\x00\x10\x1c\x02\x50\x00\x0cSecretByline"
    app13 = b"\xff\xed" + struct.pack(">H", len(iptc) + 2) + iptc
    return data[:2] + app13 + data[2:]


def png_with_metadata() -> bytes:
    """A PNG carrying tEXt, zTXt, iTXt and eXIf chunks."""
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "SecretAuthor")
    info.add_text("Comment", "SecretZ", zip=True)
    info.add_itxt("Description", "SecretIntl", lang="en", tkey="Description")
    exif = Image.Exif()
    exif[0x013B] = "Secret Artist"
    buffer = io.BytesIO()
    Image.fromarray(pixels(80, 60, seed=6)).save(buffer, "PNG", pnginfo=info, exif=exif)
    return buffer.getvalue()


def webp_with_metadata() -> bytes:
    exif = Image.Exif()
    exif[0x013B] = "Secret Artist"
    buffer = io.BytesIO()
    Image.fromarray(pixels(80, 60, seed=7)).save(buffer, "WEBP", exif=exif,
                                                  xmp=b"<x:xmpmeta>SecretXMP</x:xmpmeta>")
    return buffer.getvalue()


def tiff_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x013B] = "Secret Artist"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (48.0, 51.0, 29.0)
    buffer = io.BytesIO()
    # Pillow writes a TIFF's GPS sub-IFD only when given the EXIF as bytes.
    Image.fromarray(pixels(80, 60, seed=8)).save(buffer, "TIFF", exif=exif.tobytes())
    return buffer.getvalue()


# EXIF orientation → the transpose that stores an upright picture so that the tag undoes it.
ORIENTATION_STORE = {
    1: None,
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}
QUADRANTS = {"top_left": (230, 30, 30), "top_right": (30, 200, 30),
             "bottom_left": (30, 30, 230), "bottom_right": (240, 240, 240)}


def upright_quadrants(width=400, height=300) -> Image.Image:
    """The upright picture: four flat colours, one per quadrant."""
    frame = np.zeros((height, width, 3), dtype=np.uint8)
    frame[: height // 2, : width // 2] = QUADRANTS["top_left"]
    frame[: height // 2, width // 2:] = QUADRANTS["top_right"]
    frame[height // 2:, : width // 2] = QUADRANTS["bottom_left"]
    frame[height // 2:, width // 2:] = QUADRANTS["bottom_right"]
    return Image.fromarray(frame)


def oriented_jpeg(orientation: int) -> bytes:
    """A JPEG whose pixels are turned so that EXIF `orientation` makes them upright again."""
    picture = upright_quadrants()
    if ORIENTATION_STORE[orientation] is not None:
        picture = picture.transpose(ORIENTATION_STORE[orientation])
    exif = Image.Exif()
    exif[0x0112] = orientation
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", exif=exif, quality=95)
    return buffer.getvalue()



def video(*, seconds=1.0, fps=12, width=64, height=48, codec="libx264", container="mp4",
          pix_fmt="yuv420p", audio=False, picture=True, rotation=0, seed=0) -> bytes:
    """A small synthetic video written with PyAV."""
    handle, path = tempfile.mkstemp(suffix=f".{container}")
    os.close(handle)
    try:
        with av.open(path, "w", format=container) as output:
            output.metadata["title"] = "SecretTitle"
            # Every stream is added before the first packet is muxed (that writes the header).
            stream = output.add_stream(codec, rate=fps) if picture else None
            sound = output.add_stream("aac", rate=16000) if audio else None
            if stream is not None:
                stream.width, stream.height, stream.pix_fmt = width, height, pix_fmt
                if rotation:
                    stream.set_display_rotation(rotation)
                for n in range(int(round(seconds * fps))):
                    frame = pixels(width, height, seed=seed + n)
                    frame[n % height, :, :] = 255
                    for packet in stream.encode(av.VideoFrame.from_ndarray(frame, "rgb24")):
                        output.mux(packet)
                for packet in stream.encode(None):
                    output.mux(packet)
            if sound is not None:
                for n in range(int(seconds * 16000 / 1024)):
                    samples = av.AudioFrame.from_ndarray(
                        np.zeros((1, 1024), np.float32), format="fltp", layout="mono")
                    samples.sample_rate, samples.pts = 16000, n * 1024
                    for packet in sound.encode(samples):
                        output.mux(packet)
                for packet in sound.encode(None):
                    output.mux(packet)
        with open(path, "rb") as handle_in:
            return handle_in.read()
    finally:
        os.unlink(path)


def mp4_with_garbage_frames() -> bytes:
    """An MP4 whose boxes are intact but whose coded pictures are random bytes."""
    data = bytearray(video(seconds=1.0))
    start = data.index(b"mdat") + 4
    moov = data.index(b"moov")
    end = moov - 4 if moov > start else len(data)
    data[start:end] = np.random.default_rng(7).integers(0, 256, end - start,
                                                        dtype=np.uint8).tobytes()
    return bytes(data)


UNSUPPORTED = "which Lotix does not accept"
CORRUPT = "damaged or cut short"


@functools.cache
def bad_files() -> tuple[Sample, ...]:
    """Every file here must be refused with the status and sentence it names."""
    jpeg = image("JPEG", 200, 150, quality=90)
    png = image("PNG", 200, 150)
    webp = image("WEBP", 200, 150)
    tiff = image("TIFF", 200, 150)
    bmp = image("BMP", 200, 150)
    svg = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" '
           b'onload="alert(document.cookie)"><rect width="10" height="10"/></svg>')
    xxe = (b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
           b'<svg xmlns="http://www.w3.org/2000/svg"><text>&xxe;</text></svg>')
    mkv = video(container="matroska")
    mp4_cut = video(seconds=2.0)
    return (
        Sample("zero-bytes", "empty.jpg", "image/jpeg", b"", 400, "The file is empty."),
        Sample("truncated-jpeg", "cut.jpg", "image/jpeg", jpeg[: len(jpeg) // 2], 400, CORRUPT),
        Sample("truncated-jpeg-99", "cut99.jpg", "image/jpeg", jpeg[: int(len(jpeg) * .99)],
               400, CORRUPT),
        Sample("truncated-png", "cut.png", "image/png", png[: len(png) // 2], 400, CORRUPT),
        Sample("truncated-png-header", "cut10.png", "image/png", png[:10], 400, CORRUPT),
        Sample("truncated-webp", "cut.webp", "image/webp", webp[: len(webp) // 2], 400, CORRUPT),
        Sample("truncated-tiff", "cut.tif", "image/tiff", tiff[: len(tiff) // 2], 400, CORRUPT),
        Sample("truncated-bmp", "cut.bmp", "image/bmp", bmp[: len(bmp) // 2], 400, CORRUPT),
        Sample("png-bad-crc", "crc.png", "image/png", png_bad_crc(), 400, CORRUPT),
        Sample("corrupt-jpeg-header", "head.jpg", "image/jpeg",
               b"\xff\xd8\xff\xe0" + b"\x00" * 300, 400, CORRUPT),
        Sample("corrupt-png-header", "head.png", "image/png",
               b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\x0dIHDR" + b"\xff" * 40, 400, CORRUPT),
        Sample("svg-onload", "pwn.svg", "image/svg+xml", svg, 400, "an SVG drawing"),
        Sample("svg-renamed-png", "ref.png", "image/png", svg, 400, "an SVG drawing"),
        Sample("svg-xxe", "xxe.svg", "image/svg+xml", xxe, 400, "an SVG drawing"),
        Sample("html", "page.jpg", "image/jpeg",
               b"<!DOCTYPE html><html><script>alert(1)</script></html>", 400, "an HTML page"),
        Sample("pdf", "doc.png", "image/png", b"%PDF-1.7\n1 0 obj<<>>endobj\n%%EOF", 400,
               "a PDF document"),
        Sample("zip", "refs.jpg", "image/jpeg", b"PK\x03\x04" + b"\x00" * 60, 400,
               "a compressed archive"),
        Sample("exe", "setup.jpg", "image/jpeg", b"MZ\x90\x00\x03" + b"\x00" * 120, 400,
               "a program"),
        Sample("text-renamed-jpg", "notes.jpg", "image/jpeg", b"Lunch at noon, then shoot.\n",
               400, "not an image or video Lotix can read"),
        Sample("fits", "m31.png", "image/png",
               b"SIMPLE  =                    T" + b" " * 50 + b"END" + b" " * 2797, 400,
               "a FITS astronomy image"),
        Sample("eps", "logo.jpg", "image/jpeg", b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 9 9",
               400, "a PostScript (EPS) file"),
        Sample("psd", "comp.png", "image/png", b"8BPS\x00\x01" + b"\x00" * 40, 400,
               "a Photoshop document"),
        Sample("heic", "phone.jpg", "image/jpeg", b"\x00\x00\x00\x18ftypheic" + b"\x00" * 40,
               400, "a HEIC or AVIF photo"),
        Sample("ico", "favicon.png", "image/png", b"\x00\x00\x01\x00\x01\x00" + b"\x00" * 40, 400,
               "a Windows icon"),
        Sample("png-bomb", "bomb.png", "image/png", png_declaring(100_000, 100_000), 400,
               "megapixels"),
        Sample("png-over-ceiling", "81mp.png", "image/png", png_declaring(9_000, 9_000), 400,
               "9000×9000 (81 megapixels)"),
        Sample("png-pillow-warning-zone", "100mp.png", "image/png",
               png_declaring(10_000, 10_000), 400, "megapixels"),
        Sample("jpeg-bomb-header", "bomb.jpg", "image/jpeg", jpeg_declaring(65_500, 65_500),
               400, "megapixels"),
        Sample("gif-frame-bomb", "frames.gif", "image/gif",
               gif_bytes(screen=(2000, 2000), frames=[(0, 0, 2000, 2000)] * 400), 400,
               "more than 300 frames"),
        Sample("gif-pixel-bomb", "pixels.gif", "image/gif",
               gif_bytes(screen=(2000, 2000), frames=[(0, 0, 2000, 2000)] * 120), 400,
               "megapixels across all frames"),
        Sample("gif-frame-outside-canvas", "outside.gif", "image/gif",
               gif_bytes(screen=(16, 16), frames=[(60_000, 60_000, 16, 16)]), 400,
               "megapixels"),
        Sample("webp-frame-bomb", "frames.webp", "image/webp",
               animation("WEBP", frames=301, width=2, height=2), 400, "more than 300 frames"),
        Sample("tiff-page-bomb", "pages.tif", "image/tiff",
               animation("TIFF", frames=301, width=2, height=2), 400, "more than 300 frames"),
        Sample("apng-frame-bomb", "frames.png", "image/png",
               animation("PNG", frames=301, width=2, height=2), 400, "more than 300 frames"),
        Sample("mp4-too-long", "long.mp4", "video/mp4", video(seconds=17, fps=2), 400,
               "runs 17.0 s; motion references may be at most 15 s long"),
        Sample("mp4-no-video-stream", "sound.mp4", "video/mp4",
               video(seconds=1, picture=False, audio=True), 400, "no video track"),
        Sample("mp4-garbage-frames", "noise.mp4", "video/mp4", mp4_with_garbage_frames(), 400,
               "This video is damaged or incomplete"),
        Sample("mp4-truncated", "cut.mp4", "video/mp4", mp4_cut[: len(mp4_cut) * 2 // 3], 400,
               "damaged or incomplete"),
        Sample("mov-unsupported-codec", "anim.mov", "video/quicktime",
               video(codec="png", container="mov", pix_fmt="rgb24"), 400,
               "uses the png codec"),
        Sample("mkv", "clip.mkv", "video/x-matroska", mkv, 400, "a Matroska (MKV) video"),
    )


@functools.cache
def neutralised_files() -> tuple[Sample, ...]:
    """Polyglots: accepted only as a fresh re-encode in which the smuggled payload is gone."""
    png = image("PNG", 120, 90, seed=11)
    iend = png.rindex(b"IEND") - 4
    script = b"<html><body><script>alert(document.domain)</script></body></html>"
    png_text = png[:iend] + png_chunk(b"tEXt", b"Comment\x00" + script) + png[iend:]
    return (
        Sample("png-html-polyglot", "poly.png", "image/png", png_text + script, 201),
        Sample("jpeg-trailing-script", "poly.jpg", "image/jpeg",
               image("JPEG", 120, 90, seed=12) + b"<script>alert(1)</script>", 201),
        Sample("gifar", "poly.gif", "image/gif",
               image("GIF", 120, 90, seed=13) + b"PK\x03\x04<?php system($_GET[0]); ?>", 201),
    )
