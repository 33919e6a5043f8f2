"""A real Celery worker process on Redis, sharing the test PostgreSQL database."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.conftest import require_component

ROOT = Path(__file__).resolve().parents[1]
QUEUES = "cpu,gpu.ltx,gpu.wan,gpu.svd"


@pytest.fixture(scope="session")
def worker_media(tmp_path_factory):
    return tmp_path_factory.mktemp("worker-media")


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker, tiny_models_dir, worker_media,
                  tmp_path_factory):
    """Start `celery worker` against the test database; stop it at the end of the session."""
    require_component(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    require_component(bool(settings.REDIS_URL), "Redis (REDIS_URL)")
    from lotix.celery import app

    db = connection.settings_dict
    database_url = (
        f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )
    app.control.purge()
    log_path = tmp_path_factory.mktemp("worker-log") / "worker.log"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": settings.REDIS_URL,
        "LOTIX_MODELS_DIR": str(tiny_models_dir),
        "LOTIX_MEDIA_ROOT": str(worker_media),
        "HF_HUB_OFFLINE": "1",
        "SECRET_KEY": settings.SECRET_KEY,
    }
    log = open(log_path, "w")  # noqa: SIM115 - stays open for the worker's lifetime
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "lotix.celery", "worker", "--pool", "solo",
         "--concurrency", "1", "-Q", QUEUES, "-n", f"test-{os.getpid()}@%h",
         "--loglevel", "INFO", "--without-mingle", "--without-gossip"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 90
    while True:
        if process.poll() is not None:
            pytest.fail(f"The worker exited at start:\n{log_path.read_text()[-4000:]}")
        if app.control.ping(timeout=0.5):
            break
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"The worker did not answer a ping:\n{log_path.read_text()[-4000:]}")
    yield {"process": process, "log": log_path}
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


@pytest.fixture
def worker(celery_worker, settings, tiny_models_dir, worker_media):
    """A running worker, with this test's storage and models pointing where the worker's do."""
    settings.LOTIX_MODELS_DIR = tiny_models_dir
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                    "OPTIONS": {"location": str(worker_media)}},
    }
    if celery_worker["process"].poll() is not None:
        pytest.fail(f"The worker died:\n{celery_worker['log'].read_text()[-4000:]}")
    return celery_worker
