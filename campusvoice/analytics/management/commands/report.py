"""`campusvoice report impact`: the impact report for funders, as HTML or PDF."""

import sys
from pathlib import Path

from django.core.management.base import CommandError, CommandParser
from django.utils.dateparse import parse_date

from campusvoice.ops.cli import ExamplesCommand


class Command(ExamplesCommand):
    help = (
        "Reports.\n\n"
        "Examples:\n"
        "  campusvoice report impact --campaign consent-week --format pdf --out impact.pdf\n"
        "  campusvoice report impact --campaign consent-week --format html --lang it > impatto.html\n"
        "  campusvoice report impact --campaign consent-week --format pdf --from 2026-10-01 --to 2026-10-31 --with-quotes"
    )

    def add_arguments(self, parser: CommandParser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="{impact}")
        impact = actions.add_parser(
            "impact", help="Goals against results, per-campus figures, charts and methods."
        )
        impact.add_argument("--campaign", required=True, help="The campaign's short name (slug).")
        impact.add_argument("--format", choices=["html", "pdf"], default="html")
        impact.add_argument("--lang", choices=["en", "it"], default="en")
        impact.add_argument("--out", type=Path, help="File to write (default: standard output).")
        impact.add_argument(
            "--from", dest="date_from", help="First day (YYYY-MM-DD); default: the campaign's start."
        )
        impact.add_argument(
            "--to", dest="date_to", help="Last day (YYYY-MM-DD); default: the campaign's end."
        )
        impact.add_argument(
            "--with-quotes",
            action="store_true",
            help="Include quotes: comments organisers chose for letters, and story excerpts their writers "
            "agreed to share (a name only where the writer asked for it).",
        )

    def handle(self, *args, action: str, **options):
        from campusvoice.analytics import report, selectors
        from campusvoice.analytics.figures import Period
        from campusvoice.campaigns.models import Campaign

        try:
            campaign = Campaign.objects.get(slug=options["campaign"])
        except Campaign.DoesNotExist:
            raise CommandError(
                f"--campaign: no campaign with the short name {options['campaign']!r}"
            ) from None
        period = selectors.period_default(campaign=campaign)
        for name in ("date_from", "date_to"):
            if options[name] and parse_date(options[name]) is None:
                raise CommandError(f"--{name[5:]}: {options[name]!r} is not a date like 2026-10-01")
        period = Period(
            parse_date(options["date_from"] or "") or period.date_from,
            parse_date(options["date_to"] or "") or period.date_to,
        )
        if period.date_to < period.date_from:
            raise CommandError("--to comes before --from")
        html = report.impact_report_html(
            campaign=campaign, period=period, language=options["lang"], with_quotes=options["with_quotes"]
        )
        data = report.pdf_from_html(html) if options["format"] == "pdf" else html.encode()
        if options["out"]:
            options["out"].write_bytes(data)
            self.stderr.write(self.style.SUCCESS(f"Wrote {options['out']} ({len(data):,} bytes)."))
        elif options["format"] == "pdf" and sys.stdout.isatty():
            raise CommandError("A PDF needs --out FILE (or redirect standard output).")
        else:
            self.stdout.buffer.write(data) if hasattr(self.stdout, "buffer") else self.stdout.write(html)
