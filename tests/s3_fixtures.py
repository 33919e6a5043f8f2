"""A real S3 endpoint for tests: moto's server on 127.0.0.1, and Lotix's storage pointed at it.

The storage options come from lotix/settings.py itself, evaluated in a child process with the
LOTIX_S3_* variables set, so the tests exercise the S3 configuration production uses.

Use in a conftest: `from tests.s3_fixtures import moto_server, s3, s3_options  # noqa: F401`.
"""

import json
import os
import socket
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest

ROOT = Path(__file__).resolve().parents[1]
REGION = "us-east-1"
ACCESS_KEY = "lotix-test-key"
SECRET_KEY = "lotix-test-secret"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def moto_server():
    """moto's S3 in server mode: real HTTP on a random local port, for the whole session."""
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


def settings_storage(env: dict[str, str]) -> dict:
    """STORAGES["default"] as lotix/settings.py computes it from `env`."""
    code = ("import json, lotix.settings as s; "
            "print(json.dumps(s.STORAGES['default']))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, timeout=60, check=False,
                            env={**os.environ, "DJANGO_SETTINGS_MODULE": "lotix.settings", **env})
    if result.returncode:
        pytest.fail(f"lotix.settings did not load with {env}:\n{result.stderr[-2000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="session")
def s3_options(moto_server):
    """The S3 storage options settings.py makes for a bucket on the moto endpoint."""
    storage = settings_storage({"LOTIX_S3_BUCKET": "lotix-placeholder",
                                "LOTIX_S3_ENDPOINT_URL": moto_server,
                                "AWS_DEFAULT_REGION": REGION})
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    return storage["OPTIONS"]


@dataclass
class S3:
    endpoint: str
    bucket: str
    client: object

    def list_keys(self, prefix: str = "") -> list[str]:
        listing = self.client.list_objects_v2(Bucket=self.bucket, Prefix=prefix)
        return sorted(item["Key"] for item in listing.get("Contents", []))

    def read(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()


@pytest.fixture
def s3(moto_server, s3_options, settings, monkeypatch):
    """A fresh bucket, and the default storage pointed at it (as LOTIX_S3_BUCKET would)."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    bucket = f"lotix-test-{uuid.uuid4().hex[:12]}"
    client = boto3.client("s3", endpoint_url=moto_server, region_name=REGION,
                          aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY)
    client.create_bucket(Bucket=bucket)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "storages.backends.s3.S3Storage",
                    "OPTIONS": {**s3_options, "bucket_name": bucket}},
    }
    return S3(endpoint=moto_server, bucket=bucket, client=client)
