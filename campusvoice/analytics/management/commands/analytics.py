"""`campusvoice analytics refresh`: rebuild the per-campus daily figures, for cron or by hand."""

from django.core.management.base import CommandError, CommandParser
from django.utils.dateparse import parse_date

from campusvoice.ops.cli import ExamplesCommand


class Command(ExamplesCommand):
    help = (
        "Analytics chores.\n\n"
        "Examples:\n"
        "  campusvoice analytics refresh                    the last 14 days (run every few minutes)\n"
        "  campusvoice analytics refresh --since 2026-09-01 from that day on\n"
        "  campusvoice analytics refresh --all              every day (nightly)\n"
        "  campusvoice analytics refresh --queue            let the task worker do it"
    )

    def add_arguments(self, parser: CommandParser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="{refresh}")
        refresh = actions.add_parser(
            "refresh", help="Rebuild the daily per-campus figures the dashboard reads."
        )
        refresh.add_argument("--since", help="First day to rebuild (YYYY-MM-DD).")
        refresh.add_argument("--all", action="store_true", help="Rebuild every day.")
        refresh.add_argument("--days", type=int, default=14, help="Without --since: how many days back.")
        refresh.add_argument("--queue", action="store_true", help="Enqueue the refresh as a background task.")

    def handle(self, *args, action: str, **options):
        from campusvoice.analytics import services, tasks

        since = None
        if options["since"]:
            since = parse_date(options["since"])
            if since is None:
                raise CommandError(f"--since: {options['since']!r} is not a date like 2026-09-01")
        elif not options["all"]:
            since = services.refresh_since_default(lookback_days=options["days"])
        if options["queue"]:
            tasks.analytics_refresh.enqueue(since.isoformat() if since else "all")
            self.stdout.write(self.style.SUCCESS("Refresh queued; the worker will run it."))
            return
        rows = services.analytics_refresh(since=since)
        where = f"from {since.isoformat()}" if since else "for every day"
        self.stdout.write(self.style.SUCCESS(f"{rows} daily rows rebuilt {where}."))
