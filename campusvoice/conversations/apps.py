from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _inbox_indexes_ensure(sender, using, apps=None, **kwargs):
    # A later migration can rebuild the comment table on SQLite and drop the search triggers
    # and queue indexes it does not know about; put them back (campusvoice/conversations/search.py).
    from django.db import connections

    from campusvoice.conversations import search

    if apps is None:
        return
    try:
        comment_model = apps.get_model("conversations", "Comment")
    except LookupError:
        return
    with connections[using].schema_editor() as schema_editor:
        search.indexes_ensure(schema_editor, comment_model)


class ConversationsConfig(AppConfig):
    name = "campusvoice.conversations"
    verbose_name = _("Conversations")

    def ready(self):
        post_migrate.connect(_inbox_indexes_ensure, sender=self)
