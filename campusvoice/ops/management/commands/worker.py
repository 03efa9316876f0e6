import signal

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import OperationalError

from campusvoice.ops import services
from campusvoice.ops.cli import ExamplesCommand

DB_BACKEND = "django_tasks_db.DatabaseBackend"
RQ_BACKEND = "django_tasks_rq.RQBackend"
# django-tasks-rq only runs tasks through its own Job class; RQ's default one fails every task
# with "'Task' object is not callable".
RQ_JOB_CLASS = "django_tasks_rq.Job"
RQ_WORKER_CLASS = "campusvoice.ops.rqworker.Worker"


class Command(ExamplesCommand):
    help = (
        "Run background tasks with the worker that matches CAMPUSVOICE_TASKS_BACKEND:\n"
        "django-tasks-db's db_worker for 'db', an RQ worker for 'rq'. SIGINT or SIGTERM stops it\n"
        "once the task in hand is done.\n\n"
        "Examples:\n"
        "  campusvoice worker                   work until stopped\n"
        "  campusvoice worker --burst           run what is queued, then exit (cron, tests)\n"
        "  campusvoice worker --queue default --max-tasks 500   exit after 500 tasks"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--queue",
            action="append",
            dest="queues",
            metavar="NAME",
            help="A queue to work on; repeat for several (default: every queue the backend lists).",
        )
        parser.add_argument("--burst", action="store_true", help="Run the queued tasks, then exit.")
        parser.add_argument("--max-tasks", type=int, help="Exit after running this many tasks.")

    def handle(self, *, queues: list[str] | None, burst: bool, max_tasks: int | None, **options):
        config = settings.TASKS["default"]
        backend = config["BACKEND"]
        queues = queues or config.get("QUEUES") or ["default"]
        verbosity = options["verbosity"]

        if backend == DB_BACKEND:
            # host:pid, so the next worker can tell that a task's claimer died.
            worker_id = services.worker_id_for_this_process()
            lost: frozenset[str] = frozenset()
            while True:
                counts = services.tasks_requeue_orphaned(dead_worker_ids=lost)
                if any(counts.values()):
                    self.stdout.write(
                        f"Tasks a dead worker left: {counts['requeued']} back in the queue, {counts['failed']} failed."
                    )
                try:
                    call_command(
                        "db_worker",
                        queue_name=",".join(queues),
                        batch=burst,
                        max_tasks=max_tasks,
                        # Code reloading drops the task in hand; restart the worker on deploy instead.
                        reload=False,
                        worker_id=worker_id,
                        verbosity=verbosity,
                    )
                    return
                except OperationalError:
                    if burst:
                        raise
                # The database went away (restart, fail-over). Exiting would stop `serve
                # --with-worker` altogether, so wait for it; a task in hand is still RUNNING under
                # our id, and goes back in the queue above. A signal now stops us at once.
                for signum in (signal.SIGINT, signal.SIGTERM):
                    signal.signal(signum, signal.SIG_DFL)
                self.stderr.write("The database is unreachable; waiting for it.")
                services.database_wait()
                self.stderr.write("The database is back; working again.")
                lost = frozenset({worker_id})
        elif backend == RQ_BACKEND:
            from django_rq.management.commands import rqworker

            from campusvoice.ops.rqworker import Worker

            while True:
                Worker.stop_requested = False
                try:
                    call_command(
                        rqworker.Command(),
                        *queues,
                        job_class=RQ_JOB_CLASS,
                        worker_class=RQ_WORKER_CLASS,
                        burst=burst,
                        max_jobs=max_tasks,
                        # Deferred tasks (run_after) wait in RQ's scheduled registry until a scheduler moves them.
                        with_scheduler=True,
                        verbosity=verbosity,
                    )
                except SystemExit:  # django-rq's answer to a ConnectionError
                    if burst or Worker.stop_requested or services.redis_reachable():
                        raise
                else:
                    if burst or max_tasks or Worker.stop_requested or services.redis_reachable():
                        return
                # Redis went away (restart, fail-over) and rq quit. Exiting would stop `serve
                # --with-worker` altogether, so wait for it. A task in hand then is in RQ's failed
                # registry (or gone with a Redis that keeps nothing); the row-based sweeps (mail,
                # webhooks, posts) enqueue their work again. A signal now stops us at once.
                for signum in (signal.SIGINT, signal.SIGTERM):
                    signal.signal(signum, signal.SIG_DFL)
                self.stderr.write("Redis is unreachable; waiting for it.")
                services.redis_wait()
                self.stderr.write("Redis is back; working again.")
        else:
            raise CommandError(
                f"The tasks backend {backend} needs no worker: tasks run when they are enqueued. "
                "Set CAMPUSVOICE_TASKS_BACKEND=db or rq."
            )
