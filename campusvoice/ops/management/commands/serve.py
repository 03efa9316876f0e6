import os

from django.conf import settings
from django.core.management.base import CommandError

from campusvoice.ops import services
from campusvoice.ops.cli import ExamplesCommand


class Command(ExamplesCommand):
    help = (
        "Serve campusvoice with gunicorn. Static files come from WhiteNoise, collected first if\n"
        "STATIC_ROOT is missing or stale. SIGTERM or Ctrl+C stops it cleanly.\n\n"
        "Examples:\n"
        "  campusvoice serve                                    127.0.0.1:8000, $WEB_CONCURRENCY or 2 processes\n"
        "  campusvoice serve --bind 0.0.0.0:8000 --workers 4    behind a reverse proxy\n"
        "  campusvoice serve --with-worker                      plus one task worker (a single machine)"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--bind", default="127.0.0.1:8000", help="HOST:PORT to listen on (default: %(default)s)."
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("WEB_CONCURRENCY", 2)),
            help="gunicorn worker processes (default: $WEB_CONCURRENCY or 2).",
        )
        parser.add_argument(
            "--with-worker",
            action="store_true",
            help="Also run one task worker (`campusvoice worker`) and stop it on exit.",
        )

    def handle(self, *, bind: str, workers: int, with_worker: bool, **options):
        if workers < 1:
            raise CommandError("--workers must be 1 or more.")
        if with_worker and settings.TASKS["default"]["BACKEND"].endswith("ImmediateBackend"):
            raise CommandError(
                "--with-worker needs CAMPUSVOICE_TASKS_BACKEND=db or rq; tasks run inline now."
            )
        services.static_collect_if_stale(stdout=self.stdout)
        server = services.gunicorn_argv(bind=bind, workers=workers)
        mode = "debug" if settings.DEBUG else "production"
        self.stdout.write(f"Serving on http://{bind}/ ({mode} mode, {workers} gunicorn workers)")
        if not with_worker:
            services.process_replace(server)
        status = services.processes_supervise(
            commands={"gunicorn": server, "task worker": services.worker_argv()}, stdout=self.stdout
        )
        if status:
            raise CommandError(f"Stopped: a process exited with status {status}.", returncode=status)
