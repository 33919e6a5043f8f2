"""No module Lotix loads may make Pillow accept truncated images, in the web or the worker."""

import ast
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

WEB = """
import importlib, os, pkgutil
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lotix.settings")
import django
django.setup()
import lotix.urls
for app in ("lotix", "projects", "assets", "shots", "takes", "dailies"):
    package = importlib.import_module(app)
    for module in pkgutil.walk_packages(package.__path__, app + "."):
        importlib.import_module(module.name)
from PIL import ImageFile
print("LOAD_TRUNCATED_IMAGES", ImageFile.LOAD_TRUNCATED_IMAGES)
"""

WORKER = """
import importlib, os, pkgutil
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lotix.settings")
import django
django.setup()
import worker.tasks
for app in ("worker", "generation"):
    package = importlib.import_module(app)
    for module in pkgutil.walk_packages(package.__path__, app + "."):
        importlib.import_module(module.name)
for module, name in {lazy!r}:
    getattr(importlib.import_module(module), name)
from PIL import ImageFile
print("LOAD_TRUNCATED_IMAGES", ImageFile.LOAD_TRUNCATED_IMAGES)
"""

# Loaded by from_pretrained when a pipeline with an image encoder is assembled.
ALSO_LOADED = {("transformers", "CLIPImageProcessor"), ("diffusers.utils", "load_image")}


def lazy_ml_imports() -> set[tuple[str, str]]:
    """Every `from diffusers…`/`from transformers… import X` in generation/ and worker/: the
    engines import them inside functions, so a plain module import would not load them."""
    found = set(ALSO_LOADED)
    for path in [*(ROOT / "generation").rglob("*.py"), *(ROOT / "worker").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in {
                "diffusers", "transformers"
            }:
                found.update((node.module, alias.name) for alias in node.names)
    return found


def run(code: str) -> subprocess.Popen:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_VERBOSITY": "error"}
    return subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_it_keeps_truncated_images_refused_after_every_import_in_web_and_worker():
    lazy = sorted(lazy_ml_imports())
    assert any(module == "diffusers" for module, _ in lazy)
    # Fresh interpreters, so nothing this test session imported earlier can hide a flip.
    web, worker = run(WEB), run(WORKER.format(lazy=lazy))
    for name, process in (("web", web), ("worker", worker)):
        out, err = process.communicate(timeout=180)
        assert process.returncode == 0, f"{name} imports failed:\n{err[-3000:]}"
        assert "LOAD_TRUNCATED_IMAGES False" in out, f"{name}: {out}"
