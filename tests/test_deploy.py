"""A production-like environment passes Django's deploy checks, and pages carry their headers."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[1]


def test_it_passes_the_deploy_checks_with_production_settings():
    # The browser tests' DJANGO_ALLOW_ASYNC_UNSAFE never belongs in a deployment.
    env = {k: v for k, v in os.environ.items()
           if k not in {"DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(DEBUG="false", SECRET_KEY=secrets.token_urlsafe(50), LOTIX_HTTPS="true",
               ALLOWED_HOSTS="lotix.example.com", LOTIX_REQUIRE_SECRET_KEY="true")
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_it_refuses_to_start_in_production_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY"}}
    env.update(DEBUG="false", LOTIX_REQUIRE_SECRET_KEY="true")
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "SECRET_KEY must be set in production" in result.stderr


@pytest.mark.django_db
def test_it_sends_security_headers_with_every_page(client):
    response = client.get(reverse("login"))
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "script-src 'self'" in policy and "unsafe-eval" not in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
def test_it_lets_only_the_api_docs_page_style_inline(client, owner):
    client.force_login(owner)
    docs = client.get("/api/docs/")["Content-Security-Policy"]
    page = client.get(reverse("projects:project-list"))["Content-Security-Policy"]
    assert "style-src 'self' 'unsafe-inline'" in docs and "script-src 'self'" in docs
    assert "unsafe-inline" not in page.replace("style-src-attr 'unsafe-inline'", "")
