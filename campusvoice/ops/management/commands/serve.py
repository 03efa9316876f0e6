import os

from django.conf import settings
from django.core.management.base import CommandError

from campusvoice.integrations.meta.fakegraph.state import DEMO_AD_ACCOUNT_ID
from campusvoice.ops import services
from campusvoice.ops.cli import ExamplesCommand


class Command(ExamplesCommand):
    help = (
        "Serve campusvoice with gunicorn. Static files come from WhiteNoise, collected first if\n"
        "STATIC_ROOT is missing or stale. SIGTERM or Ctrl+C stops it cleanly.\n\n"
        "Examples:\n"
        "  campusvoice serve                                    127.0.0.1:8000, $WEB_CONCURRENCY or 2 processes\n"
        "  campusvoice serve --bind 0.0.0.0:8000 --workers 4    behind a reverse proxy\n"
        "  campusvoice serve --with-worker                      plus a task worker and the scheduler (one machine)\n"
        "  campusvoice serve --with-worker --with-fakegraph     the demo: plus the fake Graph API and its live feed"
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
            help="Also run one task worker and the periodic scheduler, and stop them on exit.",
        )
        parser.add_argument(
            "--with-fakegraph",
            nargs="?",
            const=8765,
            type=int,
            metavar="PORT",
            help="Demo and development only: also run the fake Graph API (default port 8765) with its live "
            "feed of comments, sending signed webhooks here; the app talks to it instead of Meta.",
        )
        parser.add_argument(
            "--drip-every",
            type=float,
            metavar="SECONDS",
            default=5.0,
            help="With --with-fakegraph: seconds between two new comments (default: %(default)s).",
        )

    def handle(
        self, *, bind: str, workers: int, with_worker: bool, with_fakegraph=None, drip_every=5.0, **options
    ):
        if workers < 1:
            raise CommandError("--workers must be 1 or more.")
        if with_fakegraph is not None and not settings.DEBUG:
            raise CommandError(
                "--with-fakegraph is for the demo and development: set CAMPUSVOICE_DEBUG=true."
            )
        if with_worker and settings.TASKS["default"]["BACKEND"].endswith("ImmediateBackend"):
            raise CommandError(
                "--with-worker needs CAMPUSVOICE_TASKS_BACKEND=db or rq; tasks run inline now."
            )
        services.static_collect_if_stale(stdout=self.stdout)
        server = services.gunicorn_argv(bind=bind, workers=workers)
        mode = "debug" if settings.DEBUG else "production"
        self.stdout.write(f"Serving on http://{bind}/ ({mode} mode, {workers} gunicorn workers)")
        if not with_worker and with_fakegraph is None:
            services.process_replace(server)
        commands = {"gunicorn": server}
        if with_worker:
            commands |= {"task worker": services.worker_argv(), "scheduler": services.scheduler_argv()}
        if with_fakegraph is not None:
            fake_url, argv = services.fakegraph_argv(bind=bind, port=with_fakegraph, drip_every=drip_every)
            # The children (web, worker) talk to the fake instead of Meta; inherited by each Popen.
            os.environ["CAMPUSVOICE_META_GRAPH_URL"] = os.environ["CAMPUSVOICE_META_DIALOG_URL"] = fake_url
            # The fake's sandbox ad account, so "Paid ads on Meta" works in the demo without typing it.
            os.environ.setdefault("CAMPUSVOICE_META_AD_ACCOUNT_ID", DEMO_AD_ACCOUNT_ID)
            commands["fake Graph API"] = argv
            self.stdout.write(
                f"Fake Graph API on {fake_url}/ (its Page as Facebook shows it: {fake_url}/__fake__/page)"
            )
        status = services.processes_supervise(commands=commands, stdout=self.stdout)
        if status:
            raise CommandError(f"Stopped: a process exited with status {status}.", returncode=status)
