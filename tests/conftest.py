import os

import pytest

from tests import factories

os.environ.setdefault("HF_HUB_OFFLINE", "1")

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.fixture(autouse=True)
def media_storage(settings, tmp_path):
    """Every test writes media to its own folder, never into var/."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """Password hashing at production cost makes every test user take a quarter second."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fresh_cache(settings):
    """Each test reads and writes its own cache namespace (login counters, rate limits)."""
    import uuid

    settings.CACHES = {
        name: {**config, "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}
        for name, config in settings.CACHES.items()
    }


def require_component(ok: bool, what: str) -> None:
    """Under CI a missing component fails the test; on a laptop without it, the test is skipped
    with the reason."""
    if not ok:
        message = f"{what} is needed for this test."
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture
def postgresql(transactional_db):
    """Row locks and concurrent connections behave as in production only on PostgreSQL."""
    from django.db import connection

    require_component(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")


@pytest.fixture(scope="session")
def tiny_models_dir(tmp_path_factory):
    """The tiny random pipelines, built once per test session."""
    from generation.tiny import build_tiny_models

    models_dir = tmp_path_factory.mktemp("models")
    build_tiny_models(models_dir)
    return models_dir


@pytest.fixture
def project(db):
    return factories.project()


def _member(project, role):
    user = factories.user(username=role)
    factories.membership(project=project, user=user, role=role)
    return user


@pytest.fixture
def owner(project):
    return _member(project, "owner")


@pytest.fixture
def director(project):
    return _member(project, "director")


@pytest.fixture
def producer(project):
    return _member(project, "producer")


@pytest.fixture
def editor(project):
    return _member(project, "editor")


@pytest.fixture
def viewer(project):
    return _member(project, "viewer")


@pytest.fixture
def stranger(db):
    return factories.user(username="stranger")


# The real Celery worker, shared by the worker and browser tests.
from tests.worker_fixtures import celery_worker, worker, worker_media  # noqa: E402, F401
