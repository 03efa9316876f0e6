from apscheduler.triggers.cron import CronTrigger
from crontask import cron, scheduler
from crontask.management.commands.crontask import Command as CrontaskCommand
from django.utils import timezone

from campusvoice.ops.cli import ExamplesCommand
from campusvoice.ops.schedule import schedule_tasks


class Command(ExamplesCommand, CrontaskCommand):
    help = (
        "Enqueue the periodic tasks of campusvoice/ops/schedule.py on their cron lines, until stopped.\n"
        "Task workers (`campusvoice worker`) run them. Run one scheduler per deployment.\n\n"
        "Examples:\n"
        "  campusvoice scheduler           run the schedule (SIGTERM or Ctrl+C stops it)\n"
        "  campusvoice scheduler --list    print each periodic task and its next run"
    )

    def add_arguments(self, parser):
        parser.add_argument("--list", action="store_true", help="Print the schedule and exit.")

    def handle(self, *args, list=False, **options):
        entries = schedule_tasks()
        if list:
            now = timezone.localtime()
            for entry, _task in entries:
                trigger = CronTrigger.from_crontab(entry.cron, timezone=timezone.get_default_timezone())
                upcoming = trigger.get_next_fire_time(None, now).strftime("%Y-%m-%d %H:%M")
                self.stdout.write(
                    f"{entry.cron:<14} next {upcoming}  {entry.task.rsplit('.', 1)[-1]:<28} {entry.why}"
                )
            return
        # Registering twice (a second handle() in one process, as in tests) would double every job.
        if not scheduler.get_jobs():
            for entry, task in entries:
                cron(entry.cron, sentry_monitor_config=None)(task)
        self.stdout.write(f"Scheduling {len(entries)} periodic tasks.")
        super().handle(*args, no_task_loading=True, no_heartbeat=True, **options)
