"""Benchmark the ingest of a 30 MB photograph: stream, validate, re-encode, thumbnail, hash,
preflight, store.

Run from the repository root: `.venv/bin/python -m bench.ingest`.
Targets: median wall time ≤ 1.5 s over 5 runs and peak memory ≤ 500 MB.

The photograph is skimage's coffee upscaled to 8000×5000 (40 megapixels) with σ=4 grain,
saved as JPEG quality 100: about 28 MiB, under the 30 MiB limit. It is wrapped once in a
multipart/form-data body on disk. Each run is a fresh Python process, so its peak resident set
(ru_maxrss) is the peak of one ingest; the baseline row is the same process with Django, Pillow
and numpy imported and nothing ingested. Inside the run the body goes through the path a request
takes: Django's MultiPartParser with Lotix's SizeLimitUploadHandler in front of Django's
TemporaryFileUploadHandler (the file streams to disk), then assets.validation.validate_upload
(decode with the safety checks, EXIF orientation, sRGB, re-encode, sha256, thumbnail and the
preflight measurements), assets.preflight.report, and both objects written to a file storage.
The database row is not part of the figure (one short INSERT).
"""

from __future__ import annotations

import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = 5
TARGET_S, TARGET_MB = 1.5, 500
WIDTH, HEIGHT, GRAIN_SIGMA, QUALITY = 8000, 5000, 4.0, 100
BOUNDARY = "lotixbenchboundary"


def build_photograph(path: Path) -> int:
    """Write the 40-megapixel JPEG; returns its size in bytes."""
    import cv2
    import numpy as np
    from PIL import Image
    from skimage import data

    source = cv2.resize(data.coffee(), (WIDTH, HEIGHT), interpolation=cv2.INTER_CUBIC)
    grain = np.random.default_rng(0).normal(0.0, GRAIN_SIGMA, source.shape).astype(np.float32)
    pixels = np.clip(source + grain, 0, 255).astype(np.uint8)
    Image.fromarray(pixels).save(path, "JPEG", quality=QUALITY)
    return path.stat().st_size


def build_body(photo: Path, body: Path) -> None:
    """The multipart body the library's form would send for this one file."""
    with body.open("wb") as out:
        out.write(f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\n"
                  "Kitchen\r\n".encode())
        out.write(f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"files\"; "
                  f"filename=\"kitchen.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n".encode())
        with photo.open("rb") as source:
            while block := source.read(1 << 20):
                out.write(block)
        out.write(f"\r\n--{BOUNDARY}--\r\n".encode())


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lotix.settings")
    import django

    django.setup()


def run_once(body_path: Path, store: Path, *, ingest: bool) -> dict:
    """One ingest in this process (or only the imports, when ingest is False)."""
    _setup_django()
    from django.conf import settings
    from django.core.files.base import ContentFile, File
    from django.core.files.storage import FileSystemStorage
    from django.core.files.uploadhandler import TemporaryFileUploadHandler
    from django.http.multipartparser import MultiPartParser

    from assets import preflight
    from assets.uploads import SizeLimitUploadHandler
    from assets.validation import UploadLimits, validate_upload

    stages: dict[str, float] = {}
    if ingest:
        storage = FileSystemStorage(location=str(store))
        limits = UploadLimits(image_bytes=settings.LOTIX_MAX_IMAGE_BYTES,
                              video_bytes=settings.LOTIX_MAX_VIDEO_BYTES)
        start = time.perf_counter()
        with body_path.open("rb") as stream:
            meta = {"CONTENT_TYPE": f"multipart/form-data; boundary={BOUNDARY}",
                    "CONTENT_LENGTH": str(body_path.stat().st_size)}
            handlers = [SizeLimitUploadHandler(image_bytes=limits.image_bytes,
                                               video_bytes=limits.video_bytes),
                        TemporaryFileUploadHandler()]
            _, files = MultiPartParser(meta, stream, handlers, "utf-8").parse()
        upload = files["files"]
        stages["stream"] = time.perf_counter() - start
        normalized = validate_upload(upload, limits)
        stages["validate+encode+hash+thumb+measure"] = time.perf_counter() - start - sum(
            stages.values())
        checks = preflight.report(normalized.measurements, aspect="16:9")
        stages["report"] = time.perf_counter() - start - sum(stages.values())
        with normalized.open() as content:
            storage.save("original.jpg", File(content))
        storage.save("thumb.jpg", ContentFile(normalized.thumbnail))
        upload.close()
        stages["store"] = time.perf_counter() - start - sum(stages.values())
        stages["total"] = time.perf_counter() - start
        stages["checks"] = [f"{c['check']}:{c['level']}" for c in checks]
        stages["stored_bytes"] = normalized.size
    stages["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return stages


def _child(body: Path, store: Path, ingest: bool) -> dict:
    command = [sys.executable, "-m", "bench.ingest", "--child", str(body), str(store),
               "ingest" if ingest else "baseline"]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="lotix-bench-ingest-") as tmp:
        work = Path(tmp)
        photo, body = work / "kitchen.jpg", work / "body.bin"
        # Built in a child too: Linux keeps ru_maxrss across fork and exec, so this process
        # must stay small for the children's figures to be their own.
        subprocess.run([sys.executable, "-m", "bench.ingest", "--build", str(photo), str(body)],
                       check=True)
        size = photo.stat().st_size
        runs = []
        for run in range(RUNS):
            store = work / f"store-{run}"
            store.mkdir()
            runs.append(_child(body, store, True))
        baseline = _child(body, work, False)

    totals = [r["total"] for r in runs]
    peak = max(r["maxrss_mb"] for r in runs)
    median = statistics.median(totals)
    out = io.StringIO()
    out.write(f"Ingest of a {WIDTH}×{HEIGHT} JPEG q{QUALITY}, {size / 2**20:.1f} MiB "
              f"({size / 1e6:.1f} MB), {RUNS} runs, each in a fresh process\n\n")
    out.write("| stage | median s |\n| --- | --- |\n")
    for stage in ("stream", "validate+encode+hash+thumb+measure", "report", "store"):
        out.write(f"| {stage} | {statistics.median(r[stage] for r in runs):.3f} |\n")
    verdict_s = "met" if median <= TARGET_S else "**not met**"
    verdict_mb = "met" if peak <= TARGET_MB else "**not met**"
    out.write(f"| total | {median:.3f} (min {min(totals):.3f}, max {max(totals):.3f}) |\n\n")
    out.write("| figure | value | target |\n| --- | --- | --- |\n")
    out.write(f"| median wall time | {median:.3f} s | ≤ {TARGET_S} s: {verdict_s} |\n")
    out.write(f"| peak resident set (ru_maxrss) | {peak:.0f} MB | ≤ {TARGET_MB} MB: "
              f"{verdict_mb} |\n")
    out.write(f"| baseline process (imports only) | {baseline['maxrss_mb']:.0f} MB | |\n")
    own = peak - baseline["maxrss_mb"]
    out.write(f"| ingest's own peak (peak − baseline) | {own:.0f} MB | |\n")
    out.write(f"\nstored JPEG {runs[0]['stored_bytes'] / 2**20:.1f} MiB; preflight: "
              f"{', '.join(runs[0]['checks'])}\n")
    print(out.getvalue())


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--build":
        build_photograph(Path(sys.argv[2]))
        build_body(Path(sys.argv[2]), Path(sys.argv[3]))
    elif len(sys.argv) == 5 and sys.argv[1] == "--child":
        result = run_once(Path(sys.argv[2]), Path(sys.argv[3]), ingest=sys.argv[4] == "ingest")
        print(json.dumps(result))
    else:
        main()
