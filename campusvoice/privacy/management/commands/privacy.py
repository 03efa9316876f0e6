from pathlib import Path

from django.core.management.base import CommandError

from campusvoice.errors import ApplicationError
from campusvoice.ops.cli import ExamplesCommand
from campusvoice.privacy import services
from campusvoice.supporters.models import Person


class Command(ExamplesCommand):
    help = """Subject access, erasure and retention.

Examples:
  campusvoice privacy export --person 42 --out person-42.zip
  campusvoice privacy erase --person 42 --reason "request by e-mail, ticket 12"
  campusvoice privacy erase --person 42 --reason "ticket 12" --yes
  campusvoice privacy retention --dry-run
  campusvoice privacy retention"""

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="job", required=True)
        export = sub.add_parser("export", help="Write everything about a person to a ZIP (JSON and CSV).")
        export.add_argument("--person", type=int, required=True, help="The person's id.")
        export.add_argument("--out", type=Path, required=True, help="The ZIP file to write.")
        erase = sub.add_parser("erase", help="Erase a person for good; asks first unless --yes.")
        erase.add_argument("--person", type=int, required=True, help="The person's id.")
        erase.add_argument(
            "--reason", required=True, help="Why (kept in the audit log: no names or addresses)."
        )
        erase.add_argument("--yes", action="store_true", help="Do not ask for confirmation.")
        retention = sub.add_parser("retention", help="Apply the retention rules (see docs/deploy.md).")
        retention.add_argument("--dry-run", action="store_true", help="Only count what would go.")

    def handle(self, *, job, **options):
        if job == "retention":
            report = services.retention_run(dry_run=options["dry_run"])
            verb = "would be" if report.dry_run else "were"
            for rule, count in report.as_counts().items():
                self.stdout.write(f"{rule.replace('_', ' ')}: {count} {verb} removed")
            return
        person = Person.objects.filter(pk=options["person"]).first()
        if person is None:
            raise CommandError(f"No person with id {options['person']}.")
        try:
            if job == "export":
                options["out"].write_bytes(services.person_export(person=person, by=None))
                self.stdout.write(self.style.SUCCESS(f"person {person.pk} exported to {options['out']}"))
                return
            if not options["yes"]:
                answer = input(f"Erase person {person.pk} for good? Type the id to confirm: ")
                if answer.strip() != str(person.pk):
                    raise CommandError("Not confirmed; nothing was changed.")
            report = services.person_erase(person=person, by=None, reason=options["reason"])
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        counts = ", ".join(f"{name.replace('_', ' ')} {n}" for name, n in report.as_counts().items() if n)
        self.stdout.write(self.style.SUCCESS(f"person {report.person_id} erased: {counts}"))
