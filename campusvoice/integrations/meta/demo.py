"""Demo data: a connection to the fake Graph API's sandbox Page (`campusvoice fakegraph --seed demo`).

The demo runner starts the fake server on 127.0.0.1:8765; its Page token is invented.
"""

from django.db import transaction

from campusvoice.conversations.models import Channel

from .fakegraph.drip import DripText
from .fakegraph.state import DEMO_IG_USER_ID, DEMO_PAGE_ID, DEMO_PAGE_TOKEN, PAGE_SCOPES
from .models import MetaConnection
from .tokens import token_encrypt

FAKE_GRAPH_URL = "http://127.0.0.1:8765"


@transaction.atomic
def load(*, stdout) -> MetaConnection:
    """Create (or refresh) the demo connection; it syncs once the fake server is running."""
    channel, _created = Channel.objects.get_or_create(
        kind=Channel.Kind.FACEBOOK_PAGE, platform_id=DEMO_PAGE_ID, defaults={"name": "Campus Voice Sandbox"}
    )
    instagram, _created = Channel.objects.get_or_create(
        kind=Channel.Kind.INSTAGRAM,
        platform_id=DEMO_IG_USER_ID,
        defaults={"name": "Campus Voice Sandbox (Instagram)"},
    )
    connection, created = MetaConnection.objects.update_or_create(
        page_id=DEMO_PAGE_ID,
        defaults={
            "channel": channel,
            "instagram_channel": instagram,
            "page_name": "Campus Voice Sandbox",
            "instagram_account_id": DEMO_IG_USER_ID,
            "graph_url": FAKE_GRAPH_URL,
            "token_encrypted": token_encrypt(DEMO_PAGE_TOKEN),
            "permissions": list(PAGE_SCOPES),
            "status": MetaConnection.Status.ACTIVE,
        },
    )
    stdout.write(
        f"Meta: demo connection to the fake Graph API at {FAKE_GRAPH_URL} "
        f"({'created' if created else 'refreshed'}); sync with: campusvoice meta sync\n"
    )
    return connection


def drip_texts() -> list[DripText]:
    """The live feed's comments: the demo inbox's real public texts, EN and IT, author = data set.

    Same pools and attribution as campusvoice/conversations/demo.py, except the project's own
    example disclosures: a disclosure in the live feed is always a real public one (SafeCity).
    Raises OSError when the shared data sets are missing.
    """
    from campusvoice.conversations.demo import SOURCES, _texts

    texts = []
    for pool, items in _texts().items():
        kind, language = pool.rsplit("_", 1)
        texts += [
            DripText(text=text, source=SOURCES[source], language=language)
            for source, text in items
            if not (kind == "disclosure" and source == "own")
        ]
    return texts
