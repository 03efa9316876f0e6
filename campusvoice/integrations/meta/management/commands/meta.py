from django.core.management.base import BaseCommand, CommandError

from campusvoice.integrations.meta import sync, webhooks
from campusvoice.integrations.meta.models import MetaConnection


class Command(BaseCommand):
    help = (
        "Meta integration jobs, for cron or a timer. Examples: campusvoice meta sync; "
        "campusvoice meta sync --connection 3 --full; campusvoice meta process-webhooks"
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="job", required=True)
        sync_parser = sub.add_parser("sync", help="Read new posts and comments of every active connection.")
        sync_parser.add_argument("--connection", type=int, help="Only this connection id.")
        sync_parser.add_argument("--full", action="store_true", help="Read every post again (backfill).")
        hooks = sub.add_parser("process-webhooks", help="Apply stored deliveries no worker finished.")
        hooks.add_argument("--all", action="store_true", help="Also those received in the last two minutes.")
        figures = sub.add_parser(
            "insights-sync",
            help="Fetch ad set, ad campaign and campaign post figures into reach snapshots. "
            "Example: campusvoice meta insights-sync --connection 3 --daily",
        )
        figures.add_argument("--connection", type=int, help="Only this connection id.")
        figures.add_argument("--daily", action="store_true", help="Also one row per day for each ad set.")

    def handle(self, *, job, **options):
        if job == "insights-sync":
            return self._insights_sync(connection_id=options["connection"], daily=options["daily"])
        if job == "process-webhooks":
            from datetime import timedelta

            older = timedelta(0) if options["all"] else timedelta(minutes=2)
            count = webhooks.webhook_deliveries_sweep(older_than=older)
            self.stdout.write(self.style.SUCCESS(f"{count} deliveries processed"))
            return
        connections = MetaConnection.objects.filter(status=MetaConnection.Status.ACTIVE)
        if options["connection"]:
            connections = MetaConnection.objects.filter(pk=options["connection"])
            if not connections.exists():
                raise CommandError(f"No connection with id {options['connection']}.")
        for connection in connections.select_related("channel", "instagram_channel"):
            report = sync.connection_sync(connection=connection, full=options["full"])
            line = (
                f"{connection.page_name}: {report.posts} posts ({report.posts_skipped} unchanged), "
                f"{report.comments} comments read, {report.created} new, {report.http_calls} Graph calls"
            )
            if report.stopped:
                self.stdout.write(self.style.WARNING(f"{line}; stopped: {report.stopped}"))
            else:
                self.stdout.write(self.style.SUCCESS(line))

    def _insights_sync(self, *, connection_id: int | None, daily: bool) -> None:
        from tqdm import tqdm

        from campusvoice.integrations.meta import insights

        connections = MetaConnection.objects.filter(status=MetaConnection.Status.ACTIVE)
        if connection_id:
            connections = MetaConnection.objects.filter(pk=connection_id)
            if not connections.exists():
                raise CommandError(f"No connection with id {connection_id}.")
        for connection in connections.select_related("channel"):

            def progress(items, connection=connection):
                return tqdm(items, desc=connection.page_name[:40], unit="object", file=self.stderr)

            report = insights.insights_sync(connection=connection, daily=daily, progress=progress)
            line = (
                f"{connection.page_name}: {report.ad_sets} ad sets, {report.campaigns} ad campaigns, "
                f"{report.posts} posts, {report.snapshots} snapshots stored"
            )
            if report.stopped:
                self.stdout.write(self.style.WARNING(f"{line}; stopped: {report.stopped}"))
            else:
                self.stdout.write(self.style.SUCCESS(line))
