"""Demo data: a connection to the fake Graph API's sandbox Page (`campusvoice fakegraph --seed demo`).

The demo runner starts the fake server on 127.0.0.1:8765; its Page token is invented.
"""

from django.db import transaction

from campusvoice.conversations.models import Channel

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
