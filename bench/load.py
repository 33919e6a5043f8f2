"""Load figures: the pages and the API under 10 concurrent clients, through gunicorn and wrk.

Run from the repository root: `.venv/bin/python -m bench.load` (PostgreSQL needed; `wrk` on
PATH). Targets on the 2-core development machine, 10 concurrent connections:
pages p50 ≤ 100 ms and p99 ≤ 400 ms; API take list ≥ 300 requests/s.

What it does, in order:
1. creates a fresh PostgreSQL database (`lotix_load`; dropped again at the end) and migrates it;
2. builds one project of 50 shots (5 scenes × 10) × 40 takes (2,000 takes) with 3 notes each,
   with bulk_create; takes carry media keys (no files), so posters and video URLs are rendered;
   one dailies session of the 40 takes of one shot;
3. measures each target in this process first with Django's test client (queries per request,
   median wall and CPU time: the profile to read when a target is missed);
4. starts gunicorn with 2 workers (`--threads`, default 1) on 127.0.0.1 with DEBUG=false,
   checks that every target answers 200, and runs `wrk` with 10 connections for 10 s per target
   (a session cookie for the pages, a bearer token for the API);
5. prints p50/p99 latency and requests/s per target against the targets, with the CPU time
   gunicorn spent per request and the load average: on a shared machine the latency depends
   on the neighbours, the CPU per request does not; 2 cores / CPU per request is the most an
   idle 2-core machine could serve (PostgreSQL's own CPU not counted).

A target whose URL does not exist in this checkout is listed as "not present", not skipped
silently. Options: --seconds, --connections, --threads, --keep (keep the database), --port.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
SHOTS_PER_SCENE, SCENES, TAKES_PER_SHOT, NOTES_PER_TAKE = 10, 5, 40, 3
PAGE_P50_MS, PAGE_P99_MS, API_RPS = 100.0, 400.0, 300.0
CORES = 2  # the development machine the targets are set for
USERNAME, PASSWORD = "loadtest", secrets.token_urlsafe(16)


@dataclass
class Target:
    name: str
    path: str | None  # None: the URL does not exist in this checkout
    kind: str  # "page" | "api"
    why_missing: str = ""
    queries: int | None = None
    render_ms: float | None = None
    render_cpu_ms: float | None = None
    bytes: int | None = None
    figures: dict = field(default_factory=dict)


def database_urls(name: str) -> tuple[str, str]:
    """(admin URL on the `postgres` database, URL of the load database), from DATABASE_URL's
    server or LOTIX_LOAD_DATABASE_URL, defaulting to the local server."""
    base = (os.environ.get("LOTIX_LOAD_DATABASE_URL") or os.environ.get("DATABASE_URL")
            or "postgres://postgres@127.0.0.1:5432/postgres")
    parts = urlsplit(base)
    if parts.scheme not in {"postgres", "postgresql"}:
        sys.exit("bench/load.py needs PostgreSQL: set DATABASE_URL=postgres://… (or "
                 "LOTIX_LOAD_DATABASE_URL) to a server where it may create a database.")
    return (urlunsplit(parts._replace(path="/postgres", query="")),
            urlunsplit(parts._replace(path=f"/{name}", query="")))


def recreate_database(admin_url: str, name: str, *, drop_only: bool = False) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            connection.execute(f'CREATE DATABASE "{name}"')


def configure_environment(database_url: str, media_root: str) -> dict:
    """The production-like environment the server and this process share."""
    env = {
        "DATABASE_URL": database_url,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOTIX_MEDIA_ROOT": media_root,
        "LOTIX_REQUIRE_SECRET_KEY": "true",
        "HF_HUB_OFFLINE": "1",
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lotix.settings")
    return env


def build_project() -> dict:
    """One project of 50 shots × 40 takes with notes, bulk-created; returns what the targets
    need (slug, a shot id, a session cookie, an API token, a dailies session id or why none)."""
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.test import Client
    from django.utils import timezone

    from generation.spec import TakeSpec
    from projects.models import Membership, Project
    from projects.services import api_token_create
    from shots.models import Scene, Shot
    from takes.models import Note, Take

    user = get_user_model().objects.create_user(USERNAME, f"{USERNAME}@example.com", PASSWORD)
    now = timezone.now()
    states = ["unreviewed"] * 5 + ["rejected"] * 2 + ["maybe", "selected"]
    with transaction.atomic():
        project = Project.objects.create(name="Load", slug="load")
        membership = Membership.objects.create(project=project, user=user, role="owner")
        scenes = Scene.objects.bulk_create(
            Scene(project=project, code=f"SC{10 * (i + 1):03d}", title=f"Scene {i + 1}", order=i)
            for i in range(SCENES)
        )
        shots = Shot.objects.bulk_create(
            Shot(scene=scene, code=f"SH{10 * (j + 1):03d}", order=j, status="in_review",
                 job="Character close-up", subject_action="Mara turns toward the window.",
                 camera_movement="push_in", duration_s=5,
                 review_standard="Face stays on model\nNo flicker in the window light")
            for scene in scenes for j in range(SHOTS_PER_SCENE)
        )
        takes = []
        for index, shot in enumerate(shots):
            for number in range(1, TAKES_PER_SHOT + 1):
                spec = TakeSpec(profile_id="previz", prompt="Mara turns toward the window.",
                                negative_prompt="blurry", seed=number, steps=1, guidance=0.0,
                                num_frames=121, fps=24, width=1280, height=720)
                take = Take(
                    shot=shot, number=number, requested_by=user, profile_id="previz",
                    request={"spec": spec.to_dict(), "reference_files": [],
                             "real_duration_s": 5.04, "estimated_gpu_seconds": 0.0},
                    status="succeeded", progress=1.0, attempts=1, started_at=now,
                    finished_at=now, gpu_seconds=2.5, qc={"frames": 121, "fps": 24},
                    # Half the shots have an approved take, like a project half way through.
                    review_state="approved" if number == 1 and index % 2 == 0
                    else states[number % len(states)],
                )
                keys = f"projects/{project.uuid}/takes/{take.uuid}"
                take.video, take.poster = f"{keys}/video.mp4", f"{keys}/poster.jpg"
                take.filmstrip, take.last_frame = f"{keys}/filmstrip.jpg", f"{keys}/last.png"
                takes.append(take)
        takes = Take.objects.bulk_create(takes, batch_size=500)
        Note.objects.bulk_create(
            (Note(take=take, author=user, body=f"Note {n + 1}: hold the eyeline a beat longer.",
                  frame_in=12 * n, frame_out=12 * n + 6 if n else None)
             for take in takes for n in range(NOTES_PER_TAKE)),
            batch_size=1000,
        )
    shot = shots[0]
    _, token = api_token_create(user=user, name="load")
    dailies_id, dailies_why = None, ""
    try:
        from dailies.services import dailies_create

        session = dailies_create(membership=membership, title="Load dailies",
                                 take_uuids=[str(t.uuid) for t in takes[:TAKES_PER_SHOT]])
        dailies_id = session.pk
    except Exception as error:  # an in-progress dailies app must not stop the other figures
        dailies_why = f"dailies session could not be made: {error}"
    client = Client()
    client.force_login(user)
    return {"slug": project.slug, "shot_id": shot.pk, "cookie": client.cookies["sessionid"].value,
            "token": token, "dailies_id": dailies_id, "dailies_why": dailies_why,
            "takes": len(takes), "shots": len(shots)}


def api_take_list_path(slug: str) -> tuple[str | None, str]:
    """The API take list of a project, when this checkout has one."""
    from django.urls import NoReverseMatch, reverse

    for name in ("api-take-list", "api-project-take-list", "api-takes"):
        try:
            return reverse(name, kwargs={"slug": slug}), ""
        except NoReverseMatch:
            continue
    return None, "no API take list URL (api-take-list) in this checkout"


def targets_for(data: dict) -> list[Target]:
    from django.urls import NoReverseMatch, reverse

    slug = data["slug"]
    targets = [
        Target("project home (50 shots)", reverse("shots:project-home", kwargs={"slug": slug}),
               "page"),
        Target(f"shot page ({TAKES_PER_SHOT} takes)",
               reverse("takes:shot-page", kwargs={"slug": slug, "shot_id": data["shot_id"]}),
               "page"),
    ]
    room, why = None, data["dailies_why"]
    if data["dailies_id"] is not None:
        try:
            room = reverse("dailies:dailies-room",
                           kwargs={"slug": slug, "session_id": data["dailies_id"]})
        except NoReverseMatch:
            why = "no dailies room URL (dailies:dailies-room) in this checkout"
    targets.append(Target(f"dailies room ({TAKES_PER_SHOT} takes)", room, "page", why))
    api, why = api_take_list_path(slug)
    targets.append(Target("API take list", api, "api", why))
    return targets


def profile_in_process(targets: list[Target], data: dict, repeats: int = 5) -> None:
    """Queries per request and median render time with the test client: the cheap profile."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    for target in targets:
        if target.path is None:
            continue
        headers = {"HTTP_HOST": "127.0.0.1"}
        if target.kind == "api":
            headers["HTTP_AUTHORIZATION"] = f"Bearer {data['token']}"
        client = Client(**headers)
        if target.kind == "page":
            client.cookies["sessionid"] = data["cookie"]
        times, cpu_times = [], []
        for _ in range(repeats):
            with CaptureQueriesContext(connection) as queries:
                start, cpu_start = time.perf_counter(), time.process_time()
                response = client.get(target.path)
                times.append((time.perf_counter() - start) * 1000)
                cpu_times.append((time.process_time() - cpu_start) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{target.name}: {target.path} answered "
                                 f"{response.status_code} in process")
        target.queries = len(queries.captured_queries)
        target.render_ms = statistics.median(times)
        target.render_cpu_ms = statistics.median(cpu_times)
        target.bytes = len(response.content)


def start_gunicorn(env: dict, port: int, threads: int, log: Path) -> subprocess.Popen:
    gunicorn = Path(sys.executable).with_name("gunicorn")
    command = [str(gunicorn) if gunicorn.exists() else "gunicorn", "lotix.wsgi:application",
               "--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", str(threads),
               "--timeout", "60", "--log-level", "warning"]
    server = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env},
                              stdout=log.open("wb"), stderr=subprocess.STDOUT,
                              start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    stop(server)
    raise SystemExit(f"gunicorn did not answer /healthz within 60 s:\n{log.read_text()}")


def stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def auth_header(target: Target, data: dict) -> str:
    if target.kind == "api":
        return f"Authorization: Bearer {data['token']}"
    return f"Cookie: sessionid={data['cookie']}"


def check_answers(url: str, header: str) -> None:
    """A login redirect or an error would make wrk measure the wrong page: demand a 200."""
    name, _, value = header.partition(": ")
    opener = urllib.request.build_opener(NoRedirect)
    try:
        response = opener.open(urllib.request.Request(url, headers={name: value}), timeout=30)
    except urllib.error.HTTPError as error:
        raise SystemExit(f"{url} answered {error.code} through gunicorn, not 200") from None
    if response.status != 200:
        raise SystemExit(f"{url} answered {response.status} through gunicorn, not 200")


UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def parse_wrk(output: str) -> dict:
    def latency(percent: str) -> float:
        match = re.search(rf"^\s*{percent}%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.MULTILINE)
        if not match:
            raise SystemExit(f"wrk printed no {percent}% latency:\n{output}")
        return float(match.group(1)) * UNITS_MS[match.group(2)]

    rps = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.MULTILINE)
    total = re.search(r"^\s*(\d+) requests in", output, re.MULTILINE)
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                       output)
    return {
        "p50_ms": latency("50"), "p99_ms": latency("99"),
        "rps": float(rps.group(1)) if rps else 0.0,
        "requests": int(total.group(1)) if total else 0,
        "errors": int(errors.group(1)) if errors else 0,
        "timeouts": int(socket.group(4)) if socket else 0,
    }


def server_cpu_seconds(server: subprocess.Popen) -> float:
    """User + system CPU time of gunicorn's master and workers so far (Linux /proc).

    The machine may be shared: wall-clock latency then depends on the neighbours, while the
    CPU the server spends per request does not, and tells what an idle machine would do.
    """
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(entry.name), int(fields[1])
        if pid == server.pid or ppid == server.pid:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def load_average() -> float:
    return os.getloadavg()[0]


def run_wrk(url: str, header: str, *, connections: int, seconds: int) -> dict:
    command = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--latency",
               "--timeout", "10s", "-H", header, url]
    result = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    if result.returncode != 0:
        raise SystemExit(f"wrk failed ({result.returncode}): {result.stderr}")
    return parse_wrk(result.stdout)


def verdict(target: Target) -> str:
    figures = target.figures
    if not figures.get("requests"):
        return "**not met** (no request completed)"
    if target.kind == "page":
        met = (figures["p50_ms"] <= PAGE_P50_MS and figures["p99_ms"] <= PAGE_P99_MS
               and not figures["errors"])
        return "met" if met else "**not met**"
    return "met" if figures["rps"] >= API_RPS and not figures["errors"] else "**not met**"


def report(targets: list[Target], *, connections: int, threads: int, data: dict) -> str:
    lines = [
        f"Project: {data['shots']} shots × {TAKES_PER_SHOT} takes = {data['takes']} takes, "
        f"{NOTES_PER_TAKE} notes each; gunicorn 2 workers × {threads} threads, DEBUG=false; "
        f"wrk {connections} connections.",
        "",
        "| target | queries | in-process ms (CPU) | p50 ms | p99 ms | req/s | errors | server CPU "
        "ms/request | idle 2-core estimate req/s | load avg | target | |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for target in targets:
        goal = (f"p50 ≤ {PAGE_P50_MS:.0f}, p99 ≤ {PAGE_P99_MS:.0f} ms" if target.kind == "page"
                else f"≥ {API_RPS:.0f} req/s")
        if target.path is None:
            lines.append(f"| {target.name} | | | | | | | | | | {goal} | not present: "
                         f"{target.why_missing} |")
            continue
        f = target.figures
        lines.append(
            f"| {target.name} | {target.queries} | {target.render_ms:.1f} "
            f"({target.render_cpu_ms:.1f}) | {f['p50_ms']:.1f} | "
            f"{f['p99_ms']:.1f} | {f['rps']:.1f} | {f['errors'] + f['timeouts']} | "
            f"{f['cpu_ms']:.1f} | {CORES * 1000 / max(f['cpu_ms'], 0.001):.0f} | "
            f"{f['load']:.1f} | {goal} | {verdict(target)} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("--threads", type=int, default=1,
                        help="gunicorn threads per worker (1: the sync worker)")
    parser.add_argument("--port", type=int, default=18080)
    parser.add_argument("--db-name", default="lotix_load")
    parser.add_argument("--keep", action="store_true", help="keep the load database")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("bench/load.py needs wrk on PATH (apt-get install wrk).")

    sys.path.insert(0, str(ROOT))
    admin_url, database_url = database_urls(args.db_name)
    media_root = tempfile.mkdtemp(prefix="lotix-load-media-")
    env = configure_environment(database_url, media_root)
    recreate_database(admin_url, args.db_name)
    server = None
    try:
        import django
        from django.core.management import call_command

        django.setup()
        started = time.perf_counter()
        call_command("migrate", verbosity=0, interactive=False)
        migrated = time.perf_counter()
        data = build_project()
        print(f"migrated in {migrated - started:.1f} s; built {data['takes']} takes in "
              f"{time.perf_counter() - migrated:.1f} s", flush=True)
        targets = targets_for(data)
        profile_in_process(targets, data)
        from django.db import connections

        connections.close_all()
        log = Path(media_root) / "gunicorn.log"
        server = start_gunicorn(env, args.port, args.threads, log)
        for target in targets:
            if target.path is None:
                continue
            url, header = f"http://127.0.0.1:{args.port}{target.path}", auth_header(target, data)
            check_answers(url, header)
            run_wrk(url, header, connections=args.connections, seconds=2)  # warm both workers
            cpu_before = server_cpu_seconds(server)
            target.figures = run_wrk(url, header, connections=args.connections,
                                     seconds=args.seconds)
            requests = max(target.figures["requests"], 1)
            target.figures["cpu_ms"] = (server_cpu_seconds(server) - cpu_before) * 1000 / requests
            target.figures["load"] = load_average()
            print(f"  {target.name}: p50 {target.figures['p50_ms']:.1f} ms, "
                  f"p99 {target.figures['p99_ms']:.1f} ms, {target.figures['rps']:.1f} req/s",
                  flush=True)
        print()
        print(report(targets, connections=args.connections, threads=args.threads, data=data))
        missed = [t.name for t in targets if t.path is not None and verdict(t) != "met"]
        if missed:
            print(f"\nNot met: {', '.join(missed)}.")
        return 0
    finally:
        if server is not None:
            stop(server)
        try:
            from django.db import connections

            connections.close_all()
        except Exception:
            pass
        if not args.keep:
            recreate_database(admin_url, args.db_name, drop_only=True)
        shutil.rmtree(media_root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
