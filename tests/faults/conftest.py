"""The fault tests' own services: a throwaway Redis, Celery workers, a pausable PostgreSQL proxy.

Nothing here disturbs the machine's own Redis or PostgreSQL, which other tests use: the Redis
is a second `redis-server` on a free port, the workers are our subprocesses (each in its own
process group, so a `kill -9` of the group takes the whole worker) on the test database, and a
database outage is a proxy in front of PostgreSQL that we pause. Every process is killed in a
finalizer, before the test database is flushed or dropped.
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection

from tests import factories
from tests.conftest import require_component

ROOT = Path(__file__).resolve().parents[2]
QUEUES = "cpu,gpu.ltx,gpu.wan,gpu.svd"
# The CPU animatic engine: a real take (render, H.264 encode, QC, storage) whose length is set
# by the shot's duration, with no torch import, so a worker starts in seconds on a busy CPU.
PROFILE = "previz"
PROFILE_QUEUE = "cpu"
MEDIA_NAMES = ["filmstrip.jpg", "last.png", "poster.jpg", "video.mp4"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(predicate, *, timeout: float, what: str, interval: float = 0.1, log=None):
    """Poll `predicate` until it returns something true; fail with `what` at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            tail = f"\n{log()[-4000:]}" if log else ""
            pytest.fail(f"Gave up after {timeout} s waiting for {what}.{tail}")
        time.sleep(interval)


class RedisServer:
    """A redis-server without persistence on its own port: a restart starts it empty."""

    def __init__(self, workdir: Path):
        self.port = free_port()
        self.workdir = workdir
        self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self):
        import redis

        return redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=2)

    def start(self) -> None:
        log = open(self.workdir / "redis.log", "a")  # noqa: SIM115 - closed with the process
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--daemonize", "no", "--dir", str(self.workdir)],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        log.close()

        def answers():
            if self.process.poll() is not None:
                pytest.fail(f"redis-server exited: {(self.workdir / 'redis.log').read_text()}")
            try:
                return self.client().ping()
            except Exception:
                return False

        wait_until(answers, timeout=20, what="the test Redis to answer")

    def stop(self) -> None:
        """Kill it outright, as a crash would: nothing is saved."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def restart(self) -> None:
        self.stop()
        self.start()

    def queue_length(self, queue: str) -> int:
        return self.client().llen(queue)

    def unacked(self) -> int:
        return self.client().hlen("unacked")


class PgProxy:
    """Forwards 127.0.0.1:port to PostgreSQL; `pause()` drops every connection and refuses new
    ones until `resume()`, as a database restart or a network cut would."""

    def __init__(self, upstream: tuple[str, int]):
        self.upstream = upstream
        self.port = free_port()
        self.lock = threading.Lock()
        self.sockets: set[socket.socket] = set()
        self.listening = threading.Event()
        self.closed = False
        self.accepted = 0
        self._listen()

    def _listen(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        listener.settimeout(0.1)
        self.listening.set()
        self.acceptor = threading.Thread(target=self._accept, args=(listener,), daemon=True)
        self.acceptor.start()

    def _accept(self, listener: socket.socket) -> None:
        with listener:
            while self.listening.is_set() and not self.closed:
                try:
                    client, _ = listener.accept()
                except TimeoutError:
                    continue
                except OSError:
                    return
                if not self.listening.is_set():  # paused while this one was arriving
                    client.close()
                    return
                try:
                    upstream = socket.create_connection(self.upstream, timeout=5)
                except OSError:
                    client.close()
                    continue
                client.settimeout(None)
                upstream.settimeout(None)
                with self.lock:
                    self.sockets.update((client, upstream))
                    self.accepted += 1
                for src, dst in ((client, upstream), (upstream, client)):
                    threading.Thread(target=self._pipe, args=(src, dst), daemon=True).start()

    def _pipe(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            self._drop(src)
            self._drop(dst)

    def _drop(self, sock: socket.socket) -> None:
        with self.lock:
            self.sockets.discard(sock)
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()

    def pause(self) -> None:
        """Stop listening (new connections are refused) and cut every open connection."""
        self.listening.clear()
        # The accept thread closes the listener within its 0.1 s timeout; once it has, a
        # connection attempt is refused.
        self.acceptor.join(timeout=5)
        with self.lock:
            open_now = list(self.sockets)
        for sock in open_now:
            self._drop(sock)

    def resume(self) -> None:
        # SO_REUSEADDR lets the new listener bind the same port right away.
        self._listen()

    def close(self) -> None:
        self.closed = True
        self.pause()


class Worker:
    """A `celery worker` subprocess (solo pool, as in production) in its own process group."""

    def __init__(self, *, env: dict, log_path: Path, queues: str = QUEUES):
        self.name = f"fault-{uuid.uuid4().hex[:8]}@{socket.gethostname()}"
        self.log_path = log_path
        with open(log_path, "w") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "lotix.celery", "worker", "--pool", "solo",
                 "--concurrency", "1", "-Q", queues, "-n", self.name, "--loglevel", "INFO",
                 "--without-mingle", "--without-gossip", "--without-heartbeat"],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def alive(self) -> bool:
        return self.process.poll() is None

    def wait_ready(self, app, *, timeout: float = 90) -> "Worker":
        def answers():
            if not self.alive():
                pytest.fail(f"The worker exited at start:\n{self.log()[-4000:]}")
            return app.control.ping(destination=[self.name], timeout=0.5)

        wait_until(answers, timeout=timeout, what=f"worker {self.name} to answer a ping",
                   interval=0.2, log=self.log)
        return self

    def signal_group(self, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, sig)

    def wait_exit(self, *, timeout: float) -> int:
        wait_until(lambda: not self.alive(), timeout=timeout,
                   what=f"worker {self.name} to exit", log=self.log)
        return self.process.returncode

    def kill(self) -> None:
        """SIGKILL the whole process group and reap it."""
        self.signal_group(signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=15)


@pytest.fixture
def fault_redis(tmp_path):
    """A second Redis on a free port, killed at the end of the test."""
    require_component(shutil.which("redis-server") is not None, "redis-server")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def fault_broker(fault_redis):
    """Point this process's Celery app (which publishes takes) at the test Redis, then back."""
    from lotix.celery import app

    # The app's connection pool comes from kombu's process-wide registry, keyed by broker URL:
    # closing it would leave every later test (and the session worker's publishers) with a
    # dead pool for the real Redis. Set the real one aside and close only the fault one.
    saved = (app.conf.broker_url, app._pool, app.amqp._producer_pool)
    app._pool = None
    app.amqp._producer_pool = None
    app.conf.broker_url = fault_redis.url
    yield app
    if app._pool is not None:
        app._pool.force_close_all()
    app.conf.broker_url, app._pool, app.amqp._producer_pool = saved


@pytest.fixture
def fault_media(settings, tmp_path):
    """The media folder shared by this test process and its workers."""
    media = tmp_path / "fault-media"
    media.mkdir()
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                    "OPTIONS": {"location": str(media)}},
    }
    settings.MEDIA_ROOT = str(media)
    return media


@pytest.fixture
def short_leases(settings):
    """Leases short enough for a test; the workers get the same values through their env."""
    settings.LOTIX_TAKE_LEASE_S = 4
    settings.LOTIX_TAKE_REPUBLISH_S = 1
    return settings


@pytest.fixture
def start_worker(transactional_db, fault_broker, fault_redis, fault_media, short_leases,
                 tmp_path):
    """Start Celery workers against the test database and the test Redis; all are killed at
    the end of the test, before the database is flushed or dropped."""
    require_component(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    settings = short_leases
    db = connection.settings_dict
    started: list[Worker] = []

    def start(*, db_port: int | None = None, wait: bool = True) -> Worker:
        database_url = (
            f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:"
            f"{db_port or db['PORT'] or 5432}/{db['NAME']}"
        )
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "REDIS_URL": fault_redis.url,
            "LOTIX_MODELS_DIR": str(tmp_path / "no-models"),  # previz needs no weights
            "LOTIX_MEDIA_ROOT": str(fault_media),
            "LOTIX_TAKE_LEASE_S": str(settings.LOTIX_TAKE_LEASE_S),
            "LOTIX_TAKE_REPUBLISH_S": str(settings.LOTIX_TAKE_REPUBLISH_S),
            "HF_HUB_OFFLINE": "1",
            "SECRET_KEY": settings.SECRET_KEY,
            # Eight test runs share two cores; one thread per library avoids thrashing.
            "OMP_NUM_THREADS": "1",
        }
        worker = Worker(env=env, log_path=tmp_path / f"worker-{len(started) + 1}.log")
        started.append(worker)
        if wait:
            worker.wait_ready(fault_broker)
        return worker

    yield start
    for worker in started:
        worker.kill()


@pytest.fixture
def pg_proxy():
    """A pausable proxy in front of the test PostgreSQL server."""
    require_component(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    db = connection.settings_dict
    proxy = PgProxy((db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432)))
    yield proxy
    proxy.close()


@pytest.fixture
def owner_and_project(transactional_db):
    user = factories.user(username="director")
    project = factories.project(name="Fault Test")
    factories.membership(project=project, user=user, role="owner")
    return user, project


def make_shot(user, project, *, code="SH010", duration_s=0.5):
    """A 1:1 480p shot with a first-frame reference; at 24 fps each second is 24 frames."""
    from assets.services import asset_create, asset_file_ingest_image
    from shots.services import shot_reference_add

    scene = project.scenes.first() or factories.scene(project=project)
    shot = factories.shot(scene=scene, code=code, camera_movement="push_in", duration_s=duration_s,
                          aspect_ratio="1:1", resolution="480p", fps=24,
                          motion_prompt="slow push-in")
    asset = asset_create(project=project, actor=user, kind="character", name=f"{code} face")
    asset_file = asset_file_ingest_image(
        asset=asset, actor=user, data=factories.image_bytes(width=96, height=96,
                                                            color=(120, 60, 30)))
    shot_reference_add(shot=shot, actor=user, asset_file=asset_file, role="first_frame",
                       job="identity")
    return shot


def request_takes(shot, user, *, variations: int = 1, profile: str = PROFILE):
    """Request takes of the shot as a director would (published to the broker on commit)."""
    from takes.services import take_request

    return take_request(shot=shot, user=user, profile_id=profile, variations=variations, seed=11)


def media_objects(media_root: Path, take) -> list[str]:
    """Every object stored under the take's folder, by name."""
    folder = media_root / "projects" / str(take.shot.scene.project.uuid) / "takes" / str(take.uuid)
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def assert_one_set_of_media(media_root: Path, take) -> None:
    assert media_objects(media_root, take) == MEDIA_NAMES
    prefix = f"projects/{take.shot.scene.project.uuid}/takes/{take.uuid}/"
    assert take.video.name == prefix + "video.mp4"
    assert take.poster.name == prefix + "poster.jpg"
    assert take.filmstrip.name == prefix + "filmstrip.jpg"
    assert take.last_frame.name == prefix + "last.png"
    assert (media_root / take.video.name).stat().st_size > 0
