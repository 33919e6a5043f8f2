"""Under CI the suite must run against the real services, never a quiet substitute."""

import pytest
from django.db import connection

from tests.conftest import IN_CI


@pytest.mark.django_db
def test_it_runs_on_postgresql_in_ci():
    if IN_CI:
        assert connection.vendor == "postgresql", "CI must run the suite on PostgreSQL"
    else:
        assert connection.vendor in {"postgresql", "sqlite"}


def test_it_reaches_redis_in_ci(settings):
    if not IN_CI:
        return
    import redis

    assert settings.REDIS_URL, "CI must set REDIS_URL"
    assert redis.Redis.from_url(settings.REDIS_URL).ping()
    assert settings.CELERY_BROKER_URL.startswith("redis://")
