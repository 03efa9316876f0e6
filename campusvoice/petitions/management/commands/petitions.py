"""`campusvoice petitions send-mail`: the outgoing-mail sweep, for cron or by hand."""

from django.core.management.base import CommandParser

from campusvoice.ops.cli import ExamplesCommand


class Command(ExamplesCommand):
    help = (
        "Petition chores.\n\n"
        "Examples:\n"
        "  campusvoice petitions send-mail          send every queued e-mail that is due (run every few minutes)\n"
        "  campusvoice petitions send-mail --queue  let the task worker do it instead"
    )

    def add_arguments(self, parser: CommandParser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="{send-mail}")
        send = actions.add_parser(
            "send-mail", help="Send queued e-mail that is due, and retry what a mail outage held back."
        )
        send.add_argument("--queue", action="store_true", help="Enqueue the sweep as a background task.")

    def handle(self, *args, action: str, **options):
        if action == "send-mail":
            self._send_mail(queue=options["queue"])

    def _send_mail(self, *, queue: bool) -> None:
        from campusvoice.petitions import tasks
        from campusvoice.petitions.services.mail import outgoing_emails_send_due

        if queue:
            tasks.outgoing_emails_send_due.enqueue()
            self.stdout.write(self.style.SUCCESS("Mail sweep queued; the worker will run it."))
            return
        counts = outgoing_emails_send_due()
        self.stdout.write(
            self.style.SUCCESS(
                f"{counts['due']} due: {counts['sent']} sent, {counts['failed']} still waiting or failed"
                + (f"; {counts['reclaimed']} stale claims given back" if counts["reclaimed"] else "")
            )
        )
