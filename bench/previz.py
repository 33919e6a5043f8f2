"""Benchmark the previz engine: render and finalize a 121-frame 720p animatic with a last frame.

Run from the repository root: `.venv/bin/python -m bench.previz`.
Target: render + finalize median ≤ 5 s for each movement.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

from PIL import Image
from skimage import data

from generation.engines import previz
from generation.media import finalize_frames
from generation.spec import RoleImages, TakeSpec

COUNT, WIDTH, HEIGHT, FPS = 121, 1280, 720, 24
RUNS = 3
TARGET_S = 5.0
MOVEMENTS = ("push_in", "orbit")


def main() -> None:
    """Time render and finalize for each movement and print a compact table."""
    images = RoleImages(
        first=Image.fromarray(data.astronaut()), last=Image.fromarray(data.coffee())
    )
    print(
        f"previz {COUNT} frames {WIDTH}x{HEIGHT} @ {FPS} fps, first+last image, "
        f"{os.cpu_count()} cores"
    )
    print(
        f"{'movement':<10}{'runs':>5}{'render s':>10}{'finalize s':>12}{'total s':>9}"
        f"{'min s':>8}  target"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for movement in MOVEMENTS:
            spec = TakeSpec(
                profile_id="previz",
                prompt="",
                negative_prompt="",
                seed=1,
                steps=1,
                guidance=1.0,
                num_frames=COUNT,
                fps=FPS,
                width=WIDTH,
                height=HEIGHT,
                camera_movement=movement,
            )
            render_s, finalize_s, total_s = [], [], []
            for run in range(RUNS):
                start = time.perf_counter()
                (frames,) = previz.run(
                    None, spec, images, seeds=[1], on_step=lambda done, total: None
                )
                rendered = time.perf_counter()
                finalize_frames(frames, fps=FPS, out_dir=Path(tmp) / f"{movement}{run}")
                finished = time.perf_counter()
                render_s.append(rendered - start)
                finalize_s.append(finished - rendered)
                total_s.append(finished - start)
                del frames
            total = statistics.median(total_s)
            print(
                f"{movement:<10}{RUNS:>5}{statistics.median(render_s):>10.3f}"
                f"{statistics.median(finalize_s):>12.3f}{total:>9.3f}{min(total_s):>8.3f}  "
                f"<= {TARGET_S} s {'PASS' if total <= TARGET_S else 'MISS'}"
            )


if __name__ == "__main__":
    main()
