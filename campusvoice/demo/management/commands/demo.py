from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from campusvoice.demo import services
from campusvoice.ops.cli import ExamplesCommand

URL = "http://127.0.0.1:8000/"
FAKE_GRAPH_PORT = 8765  # campusvoice/integrations/meta/demo.py connects the sandbox Page on this port
FAKE_GRAPH_URL = f"http://127.0.0.1:{FAKE_GRAPH_PORT}"


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
        self.write_live_feed()
        self.stdout.write("Stop with Ctrl+C.\n")
        call_command(
            "serve", bind="127.0.0.1:8000", workers=2, with_worker=True, with_fakegraph=FAKE_GRAPH_PORT
        )

    def write_live_feed(self):
        # The fake Graph API stands in for Facebook: see campusvoice/integrations/meta/fakegraph/.
        self.stdout.write(
            f"Live comments: a fake Facebook Page ({FAKE_GRAPH_URL}) adds a real public comment every few\n"
            f"  seconds; they reach the inbox ({URL}inbox/) through signed webhooks.\n"
            f"  Replies and hides you send from the inbox show on the fake Page: {FAKE_GRAPH_URL}/__fake__/page\n"
            f"  Facebook Login for Business: as the admin, open {URL}integrations/meta/ and click\n"
            "  “Connect with Facebook”, allow the sandbox Page on the fake dialog, then pick it."
        )

    def write_logins(self):
        passwords = services.demo_passwords_get()
        self.stdout.write("Log in as any of (demo passwords, kept in var/demo-passwords.json):")
        for role, email, _ in services.MEMBERS:
            self.stdout.write(f"  {str(role.label):<10} {email:<32} {passwords.get(email, '(unknown)')}")
        self.stdout.write(
            "The admin also needs a two-factor code; in another terminal run `make demo-otp`\n"
            "(or `CAMPUSVOICE_DEBUG=true .venv/bin/campusvoice demo otp`)."
        )
