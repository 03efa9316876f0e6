from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from campusvoice.accounts.models import User
from campusvoice.api import services


class Command(BaseCommand):
    help = (
        "Create an OSDI API token for a member; it acts with the member's role and is printed once. "
        "Example: campusvoice tokens create --user olga@example.org --name 'newsletter sync'"
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a token and print it once.")
        create.add_argument("--user", required=True, help="The member's e-mail address.")
        create.add_argument("--name", default="command line", help="What will use the token.")

    def handle(self, *, action: str, user: str, name: str, **options):
        member = User.objects.filter(email__iexact=user.strip()).first()
        if member is None:
            raise CommandError("No member with that e-mail address.")
        try:
            token, raw = services.api_token_create(user=member, name=name)
        except ValidationError as exc:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from exc
        self.stderr.write(
            f"Token {token.pk} for member {member.pk} ({member.get_role_display()}); shown only once:"
        )
        self.stdout.write(raw)
