"""The floor under a signature: what serving one request costs before the view does anything.

    python -m bench sign_floor                       # both apps, sync and gthread workers
    python -m bench.bench_sign_floor --seconds 10 --connections 16

Serves two WSGI applications with gunicorn (the same server `campusvoice serve` runs, production
settings: DEBUG off, behind the proxy) and drives each with wrk for a few seconds:

* `bare`: a WSGI callable that answers "ok" (gunicorn's own HTTP parsing and the socket work);
* `django`: Django's WSGIHandler with the project's full settings.MIDDLEWARE in front of one
  trivial @public view (no query, no template): Django's request cycle without the application.

It reports requests per second and the CPU the gunicorn processes used per request (from
/proc, so it holds whatever else the machine is doing), for sync workers (a new connection per
request) and gthread workers (keep-alive). wrk runs on the same cores.
"""

import argparse
import os
import re
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

from bench import ROOT, production_env

# The trivial view makes no query; the settings still want a database to name.
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
TICKS = os.sysconf("SC_CLK_TCK")


# --- the two applications (imported by gunicorn in its workers) -------------------------------


def bare(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
    return [b"ok"]


def _trivial(request):
    from django.http import HttpResponse

    return HttpResponse("ok", content_type="text/plain")


urlpatterns: list = []


def _django_app():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "campusvoice.settings")
    import django
    from django.conf import settings

    settings.ROOT_URLCONF = __name__  # before setup: this module's one URL, the full middleware
    django.setup(set_prefix=False)
    from django.core.handlers.wsgi import WSGIHandler
    from django.urls import path

    from campusvoice.accounts.access import public

    urlpatterns.append(path("t/", public(_trivial)))
    return WSGIHandler()


def __getattr__(name):  # `bench.bench_sign_floor:django` builds the app only in gunicorn's workers
    if name == "django":
        return _django_app()
    raise AttributeError(name)


# --- the measurement --------------------------------------------------------------------------


def _cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICKS


def _tree(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [pid, *map(int, children)]


def _run(app: str, worker_class: str, workers: int, seconds: int, connections: int) -> dict:
    port = 18000 + secrets.randbelow(2000)
    env = production_env(PG_URL)
    argv = [sys.executable, "-m", "gunicorn", f"bench.bench_sign_floor:{app}", f"--bind=127.0.0.1:{port}"]
    argv += [f"--workers={workers}", f"--worker-class={worker_class}", "--no-control-socket"]
    if worker_class == "gthread":
        argv += ["--threads=4"]
    server = subprocess.Popen(argv, cwd=ROOT, env=env, stderr=subprocess.DEVNULL)  # noqa: S603
    try:
        url = f"http://127.0.0.1:{port}/t/"
        headers = ["-H", "X-Forwarded-Proto: https", "-H", "X-Forwarded-For: 10.0.0.1"]
        for _ in range(100):  # up, and every worker warmed
            time.sleep(0.2)
            warm = subprocess.run(
                ["wrk", "-t1", "-c4", "-d1s", *headers, url], capture_output=True, text=True, check=False
            )
            if "Requests/sec" in warm.stdout and "Non-2xx" not in warm.stdout and "errors" not in warm.stdout:
                break
        pids = _tree(server.pid)
        before = _cpu_seconds(pids)
        done = subprocess.run(
            ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", *headers, url],
            capture_output=True,
            text=True,
            check=True,
        )
        cpu = _cpu_seconds(pids) - before
    finally:
        server.terminate()
        server.wait()
    requests = int(re.search(r"(\d+) requests in", done.stdout).group(1))
    p99 = re.search(r"99%\s+(\S+)", done.stdout).group(1)
    return {
        "app": app,
        "workers": f"{workers} {worker_class}",
        "per_second": requests / seconds,
        "cpu_ms_per_request": 1000 * cpu / max(requests, 1),
        "p99": p99,
        "errors": " ".join(
            line.strip() for line in done.stdout.splitlines() if "Non-2xx" in line or "Socket errors" in line
        ),
    }


def _in_process(requests: int = 1500) -> None:
    """The trivial view through Django's WSGIHandler without a server: with settings.MIDDLEWARE
    and with none (run in a child with production settings: `--in-process --child`)."""
    import io

    application = _django_app()
    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler

    def environ() -> dict:
        return {
            "REQUEST_METHOD": "GET", "PATH_INFO": "/t/", "QUERY_STRING": "", "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": "127.0.0.1", "HTTP_X_FORWARDED_PROTO": "https", "HTTP_X_FORWARDED_FOR": "10.0.0.1",
            "wsgi.input": io.BytesIO(b""), "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr,
            "wsgi.multithread": False, "wsgi.multiprocess": True, "wsgi.run_once": False, "wsgi.version": (1, 0),
        }  # fmt: skip

    def cpu_ms(app) -> float:
        for _ in range(200):
            b"".join(app(environ(), lambda *a: None))
        started = time.process_time()
        for _ in range(requests):
            b"".join(app(environ(), lambda *a: None))
        return (time.process_time() - started) / requests * 1000

    full = cpu_ms(application)
    settings.MIDDLEWARE = []
    bare = cpu_ms(WSGIHandler())
    print(
        f"in-process: {full:.2f} ms CPU per request through {len(_MIDDLEWARE)} middlewares, {bare:.2f} ms with none"
    )


_MIDDLEWARE: list = []


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--in-process", action="store_true", help="also time the view without a server")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv if argv is not None else [])
    if args.child:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "campusvoice.settings")
        from django.conf import settings

        _MIDDLEWARE.extend(settings.MIDDLEWARE)
        _in_process()
        return
    if args.in_process:
        env = production_env(PG_URL)
        subprocess.run(
            [sys.executable, "-m", "bench.bench_sign_floor", "--child"], cwd=ROOT, env=env, check=True
        )  # noqa: S603
    if shutil.which("wrk") is None:
        print("skipped: wrk is not installed (apt-get install wrk)")
        return
    print(f"load before: {os.getloadavg()}", flush=True)
    for worker_class, workers in (("sync", 4), ("gthread", 2)):
        for app in ("bare", "django"):
            r = _run(app, worker_class, workers, args.seconds, args.connections)
            print(
                f"{r['app']:7} {r['workers']:10} {r['per_second']:8.0f}/s  "
                f"gunicorn CPU {r['cpu_ms_per_request']:.2f} ms/request  p99 {r['p99']}"
                + (f"  ({r['errors']})" if r["errors"] else ""),
                flush=True,
            )
    print(f"load after: {os.getloadavg()}", flush=True)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main(sys.argv[1:])
