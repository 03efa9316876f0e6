from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from campusvoice.campaigns import publishing
from campusvoice.campaigns.models import Campaign
from campusvoice.campaigns.services import export, feeds, reach


class Command(BaseCommand):
    help = (
        "Campaign work from the command line. Examples: "
        "campusvoice campaigns export consent-on-campus-2026 --out bundle.zip · "
        "campusvoice campaigns publish-due · campusvoice campaigns fetch-feeds · "
        "campusvoice campaigns import-reach consent-on-campus-2026 ads-export.csv"
    )

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="action", required=True)
        export_parser = commands.add_parser("export", help="Write the export bundle (ZIP) of a campaign.")
        export_parser.add_argument("slug")
        export_parser.add_argument("--out", type=Path, required=True)
        commands.add_parser(
            "publish-due", help="Publish scheduled items whose time has come (run from cron)."
        )
        commands.add_parser("fetch-feeds", help="Fetch every ally's feed.")
        import_parser = commands.add_parser(
            "import-reach", help="Import an Ads Manager or Page insights export."
        )
        import_parser.add_argument("slug")
        import_parser.add_argument("path", type=Path)

    def _campaign(self, slug: str) -> Campaign:
        try:
            return Campaign.objects.get(slug=slug)
        except Campaign.DoesNotExist:
            raise CommandError(f"No campaign with the slug {slug!r}.") from None

    def handle(self, *, action: str, **options):
        if action == "export":
            bundle = export.campaign_export(campaign=self._campaign(options["slug"]), by=None)
            options["out"].write_bytes(bundle)
            self.stdout.write(self.style.SUCCESS(f"{options['out']}: {len(bundle):,} bytes"))
        elif action == "publish-due":
            due = publishing.content_publish_due()
            self.stdout.write(self.style.SUCCESS(f"{len(due)} items due"))
        elif action == "fetch-feeds":
            created = feeds.allies_fetch()
            self.stdout.write(self.style.SUCCESS(f"{created} new items"))
        elif action == "import-reach":
            try:
                report = reach.reach_import(
                    campaign=self._campaign(options["slug"]), path=options["path"], by=None
                )
            except reach.ReachImportError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(
                self.style.SUCCESS(f"{report.created} created, {report.updated} updated ({report.level})")
            )
