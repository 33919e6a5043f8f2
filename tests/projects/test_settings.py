"""Settings come from the environment and a bad value stops the process at start."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from lotix import settings as lotix_settings

ROOT = Path(__file__).resolve().parents[2]


def start_with(env: dict) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items()
             if k not in {"DATABASE_URL", "REDIS_URL", "EMAIL_URL", "DEBUG", "SECRET_KEY"}}
    return subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env={**clean, **env},
        capture_output=True, text=True, timeout=120,
    )


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("DATABASE_URL", "mysql://db/lotix", "DATABASE_URL must start with postgres://"),
        ("DATABASE_URL", "postgres://127.0.0.1:5432/", "DATABASE_URL names no database"),
        ("REDIS_URL", "localhost:6379", "REDIS_URL must look like redis://"),
        ("DEBUG", "maybe", "DEBUG must be one of"),
        ("EMAIL_URL", "pigeon://coop", "EMAIL_URL must start with"),
        ("SECRET_KEY", "short", "SECRET_KEY must be at least 32 characters"),
        ("LOTIX_MAX_IMAGE_BYTES", "lots", "LOTIX_MAX_IMAGE_BYTES must be a whole number"),
    ],
)
def test_it_refuses_to_start_on_a_bad_value(variable, value, message):
    result = start_with({variable: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_it_starts_with_no_environment_at_all():
    result = start_with({})
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_it_reads_a_postgres_url_into_a_database_entry():
    entry = lotix_settings.database_from_url("postgres://ann:p%40ss@db.internal:5433/lotix")
    assert entry["ENGINE"] == "django.db.backends.postgresql"
    assert (entry["NAME"], entry["USER"], entry["PASSWORD"]) == ("lotix", "ann", "p@ss")
    assert (entry["HOST"], entry["PORT"]) == ("db.internal", "5433")


def test_it_reads_an_smtp_url_into_mail_settings():
    mail = lotix_settings.email_from_url("smtp://robot:secret@mail.example.com:2525")
    assert mail["EMAIL_HOST"] == "mail.example.com"
    assert (mail["EMAIL_PORT"], mail["EMAIL_USE_TLS"]) == (2525, True)


def test_it_refuses_a_number_below_its_minimum(monkeypatch):
    monkeypatch.setenv("LOTIX_TASK_TIME_LIMIT", "3")
    with pytest.raises(ImproperlyConfigured, match="at least 10"):
        lotix_settings.env_int("LOTIX_TASK_TIME_LIMIT", 60, minimum=10)


def test_it_keeps_the_broker_visibility_longer_than_the_hard_time_limit(settings):
    timeout = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get(
        "visibility_timeout", settings.CELERY_VISIBILITY_TIMEOUT
    )
    assert timeout >= settings.CELERY_TASK_TIME_LIMIT + 600
