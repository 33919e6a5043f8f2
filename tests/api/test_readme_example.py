"""The README's API example, run as it is printed, against a live server."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.files.storage import default_storage

from projects.services import api_token_create
from tests import factories

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_example() -> str:
    text = README.read_text()
    match = re.search(r"<!-- api-example -->\s*```python\n(.*?)```", text, re.S)
    assert match, "README.md lost its API example"
    return match.group(1)


def test_the_readme_example_downloads_the_approved_takes_of_a_scene(
        live_server, transactional_db, media_storage, tmp_path):
    owner = factories.user(username="editor-script")
    project = factories.project(name="Signal")  # the slug the example names
    factories.membership(project=project, user=owner, role="editor")
    scene = factories.scene(project=project, code="SC010")
    first, second = (factories.shot(scene=scene, code=code) for code in ("SH010", "SH020"))
    wanted = [factories.finished_take(shot=first, review_state="approved", frames=12, fps=12,
                                      width=128, height=72),
              factories.finished_take(shot=second, review_state="approved", frames=12, fps=12,
                                      width=128, height=72)]
    factories.finished_take(shot=second, review_state="selected", frames=12, fps=12,
                            width=128, height=72)
    elsewhere = factories.shot(scene=factories.scene(project=project, code="SC020"))
    factories.finished_take(shot=elsewhere, review_state="approved", frames=12, fps=12,
                            width=128, height=72)
    _, token = api_token_create(user=owner, name="README")
    script = tmp_path / "download.py"
    script.write_text(readme_example())

    done = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True,
        timeout=120, env={**os.environ, "LOTIX_URL": live_server.url, "LOTIX_TOKEN": token},
    )

    assert done.returncode == 0, done.stderr
    files = sorted((tmp_path / "approved").iterdir())
    assert [f.name for f in files] == ["signal_SC010_SH010_v001.mp4",
                                       "signal_SC010_SH020_v001.mp4"]
    for path, take in zip(files, wanted, strict=True):
        with default_storage.open(take.video.name, "rb") as stored:
            assert path.read_bytes() == stored.read()
    assert "seed" in done.stdout and done.stdout.count(".mp4") == 2


@pytest.mark.django_db
def test_the_example_uses_only_documented_fields(client, owner):
    client.force_login(owner)
    schema = client.get("/api/schema/?format=json").json()
    take = schema["components"]["schemas"]["Take"]["properties"]
    used = set(re.findall(r"take\['(\w+)'\]", readme_example()))
    assert used and used <= set(take) | {"media"}
    assert {"video"} <= set(schema["components"]["schemas"]["TakeMedia"]["properties"])
