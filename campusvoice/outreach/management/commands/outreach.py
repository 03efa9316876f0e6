from django.core.management.base import BaseCommand

from campusvoice.outreach.services import coverage, relationships


class Command(BaseCommand):
    help = (
        "Outreach chores for cron. Examples: campusvoice outreach fetch-newspapers · "
        "campusvoice outreach mark-overdue"
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["fetch-newspapers", "mark-overdue"])

    def handle(self, *, action: str, **options):
        if action == "fetch-newspapers":
            report = coverage.newspapers_fetch()
            self.stdout.write(
                f"{report.checked} checked, {report.not_modified} not modified, "
                f"{report.failed} failed, {report.new_articles} new articles"
            )
            for error in report.errors:
                self.stderr.write(error)
        else:
            counts = relationships.relationships_mark_overdue()
            self.stdout.write(f"{counts['overdue']} overdue ({counts['marked']} newly marked)")
