from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from campusvoice.demo import services
from campusvoice.ops.cli import ExamplesCommand

URL = "http://127.0.0.1:8000/"


class Command(ExamplesCommand):
    help = (
        "The demo organisation, for trying campusvoice on one machine (needs CAMPUSVOICE_DEBUG=true).\n\n"
        "Examples:\n"
        "  campusvoice demo load   create the demo members and data; does nothing the second time\n"
        "  campusvoice demo otp    print the demo admin's current two-factor code\n"
        "  campusvoice demo run    serve the demo on http://127.0.0.1:8000 with a task worker"
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="{load,otp,run}")
        actions.add_parser("load", help="Create the demo organisation, its members and data (idempotent).")
        actions.add_parser("otp", help="Print the demo admin's current six-digit two-factor code.")
        actions.add_parser("run", help="Serve the demo on 127.0.0.1:8000 and print the log-ins.")

    def handle(self, *, action: str, **options):
        if not settings.DEBUG:
            # Known passwords and a printable second factor have no place on a real deployment.
            raise CommandError("The demo needs CAMPUSVOICE_DEBUG=true; it never runs in production mode.")
        getattr(self, f"handle_{action}")()

    def handle_load(self):
        report = services.demo_load(stdout=self.stdout)
        for module_name in report.skipped_loaders:
            self.stderr.write(self.style.WARNING(f"Skipped {module_name}: the module does not exist yet."))
        if not report.created:
            self.stdout.write(
                "The demo is already loaded; nothing changed. "
                "To start again, empty the database (`campusvoice flush`) and load it anew."
            )
            return
        self.stdout.write(self.style.SUCCESS(f"Loaded the demo organisation “{services.ORGANISATION_NAME}”."))
        self.write_logins()

    def handle_otp(self):
        try:
            self.stdout.write(services.demo_admin_otp())
        except services.DemoError as exc:
            raise CommandError(exc.message) from exc

    def handle_run(self):
        if not services.demo_is_loaded():
            raise CommandError("The demo is not loaded: run `campusvoice demo load` first.")
        self.stdout.write(self.style.SUCCESS(f"campusvoice demo: {URL}"))
        self.write_logins()
        self.stdout.write("Stop with Ctrl+C.\n")
        call_command("serve", bind="127.0.0.1:8000", workers=2, with_worker=True)

    def write_logins(self):
        passwords = services.demo_passwords_get()
        self.stdout.write("Log in as any of (demo passwords, kept in var/demo-passwords.json):")
        for role, email, _ in services.MEMBERS:
            self.stdout.write(f"  {str(role.label):<10} {email:<32} {passwords.get(email, '(unknown)')}")
        self.stdout.write(
            "The admin also needs a two-factor code; in another terminal run `make demo-otp`\n"
            "(or `CAMPUSVOICE_DEBUG=true .venv/bin/campusvoice demo otp`)."
        )
