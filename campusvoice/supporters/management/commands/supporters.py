"""`campusvoice supporters rescore` and `campusvoice supporters from-inbox`."""

from django.core.management.base import CommandParser

from campusvoice.ops.cli import ExamplesCommand


class Command(ExamplesCommand):
    help = (
        "Supporter chores.\n\n"
        "Examples:\n"
        "  campusvoice supporters rescore      recompute every engagement score (they decay: run daily)\n"
        "  campusvoice supporters from-inbox   link every inbox commenter to a person (idempotent)\n"
        "  campusvoice supporters duplicates   suggest merges for people with the same name and campus"
    )

    def add_arguments(self, parser: CommandParser):
        actions = parser.add_subparsers(
            dest="action", required=True, metavar="{rescore,from-inbox,duplicates}"
        )
        actions.add_parser("rescore", help="Recompute every person's score and ladder step.")
        actions.add_parser("from-inbox", help="Create or update people from the inbox's comments.")
        actions.add_parser(
            "duplicates", help="Suggest merges for people with the same name on the same campus."
        )

    def handle(self, *args, action: str, **options):
        from campusvoice.supporters import services

        if action == "rescore":
            count = services.people_scores_update()
            self.stdout.write(self.style.SUCCESS(f"{count} people rescored."))
        elif action == "from-inbox":
            from campusvoice.conversations.models import Comment

            linked = 0
            comments = Comment.objects.select_related("channel", "post").order_by("pk")
            for comment in comments.iterator():
                linked += services.person_from_commenter(comment=comment) is not None
            self.stdout.write(self.style.SUCCESS(f"{linked} comments linked to people."))
        else:
            created = services.merge_suggestions_find()
            self.stdout.write(self.style.SUCCESS(f"{created} new merge suggestions."))
