import os

import numpy as np
import pytest
from PIL import Image

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture
def photo():
    """Make a random RGB picture whose aspect differs from the takes', so cover-fit runs."""

    def make(seed: int, *, width: int = 100, height: int = 80) -> Image.Image:
        rng = np.random.default_rng(seed)
        return Image.fromarray(rng.integers(0, 256, (height, width, 3), dtype=np.uint8))

    return make
