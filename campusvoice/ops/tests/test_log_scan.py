"""The log scan: the main flows run with canary personal data, and no log line may carry it.

Each flow plants a canary e-mail address, name and comment text, then every log record made
meanwhile (at DEBUG for our own loggers, before any scrubbing), the production JSON log output and
everything printed to stdout/stderr are searched for them. A hit fails the test and names the
logger and the line.
"""

import io
import json
import logging
import re

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from campusvoice.accounts.models import Role
from campusvoice.api import services as api_services
from campusvoice.conversations.tests.fakes import keyword_classifier  # noqa: F401 - a fixture
from campusvoice.integrations.meta.fakegraph import DEMO_PAGE_ID
from campusvoice.integrations.meta.fakegraph.webhooks import WebhookEmitter, comment_change, entry
from campusvoice.integrations.meta.tests.conftest import (  # noqa: F401 - fixtures
    connection,
    fake_graph,
    fake_graph_server,
)
from campusvoice.ops.tests.test_logs import json_log  # noqa: F401 - a fixture
from campusvoice.petitions.tests.factories import CampaignFactory, PetitionVersionFactory

pytestmark = pytest.mark.django_db

CANARY_EMAIL = "canary.k7q2@example.org"
CANARY_NAME = "Canaryname Zubrowska"
CANARY_TEXT = "canary disclosure 5c1e: it happened after the party in residence hall"
CANARIES = [CANARY_EMAIL, CANARY_NAME, CANARY_TEXT, "canary.k7q2", "Zubrowska", "canary disclosure"]


class _Everything(logging.Handler):
    """Keeps the raw text of every record: message, arguments, traceback and extra fields."""

    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.lines: list[tuple[str, str]] = []

    def emit(self, record):
        text = record.getMessage()
        if record.exc_info:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        text += "\n" + repr({key: value for key, value in vars(record).items() if key not in ("msg", "args")})
        self.lines.append((record.name, text))


@pytest.fixture
def log_scan(json_log, capsys):  # noqa: F811
    """Yields while a flow runs, then fails if any log record, log line or output holds a canary."""
    root = logging.getLogger()
    handler, level = _Everything(), root.level
    # First in line, so it sees each record before the console handler's scrubbing.
    root.handlers.insert(0, handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    output = capsys.readouterr()
    sources = [(f"log record from {name}", text) for name, text in handler.lines]
    sources += [("JSON log line", json.dumps(line)) for line in json_log()]
    sources += [("stdout", output.out), ("stderr", output.err)]
    leaks = [
        f"{where}: …{text[max(0, text.lower().find(canary.lower()) - 80) :][:200]}…"
        for where, text in sources
        for canary in CANARIES
        if canary.lower() in text.lower()
    ]
    assert not leaks, "personal data in the logs or output:\n" + "\n".join(leaks)
    # The scan only means something if the flow logged at all or printed something.
    assert handler.lines or output.out or output.err


def test_comment_import_logs_no_comment_text_or_author(tmp_path, log_scan, keyword_classifier):  # noqa: F811
    path = tmp_path / "comments.jsonl"
    rows = [
        {
            "id": "201_1",
            "message": CANARY_TEXT,
            "from": {"id": "61200000099", "name": CANARY_NAME},
            "created_time": "2026-10-01T10:00:00+0000",
            "post_id": "111_201",
        },
        # A bad row: the error names the line and field, never the text.
        {"id": "201_2", "message": CANARY_TEXT, "created_time": "not a date", "post_id": "111_201"},
    ]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")

    with pytest.raises(Exception, match="comments.jsonl"):
        call_command("comments", "import", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    path.write_text(json.dumps(rows[0]) + "\n", encoding="utf-8")
    call_command("comments", "import", str(path))

    logging.getLogger("campusvoice.test").info("comment import done")


def test_a_webhook_delivery_logs_no_comment_text_or_author(
    client,
    connection,  # noqa: F811
    settings,
    django_capture_on_commit_callbacks,
    log_scan,
):
    def transport(body: bytes, headers: dict) -> int:
        extra = {k: v for k, v in headers.items() if k != "Content-Type"}
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(
                reverse("meta:webhook"), data=body, content_type="application/json", headers=extra
            ).status_code

    emitter = WebhookEmitter(app_secret=settings.CAMPUSVOICE_META_APP_SECRET, transport=transport, get=None)
    change = comment_change(
        post_id=f"{DEMO_PAGE_ID}_122131676912594941",
        comment_id="941_7001",
        verb="add",
        message=CANARY_TEXT,
        author={"id": "6120000000077", "name": CANARY_NAME},
        parent_id="",
        created_time=1_790_000_000,
    )
    body = emitter.body("page", [entry(DEMO_PAGE_ID, [change], 1_790_000_005)])

    assert emitter.send(body) == 200
    assert emitter.send(body, forged=True) == 403  # the refusal is logged too


def test_signing_and_confirming_a_petition_logs_no_address_or_name(
    client, mailoutbox, django_capture_on_commit_callbacks, log_scan
):
    version = PetitionVersionFactory()
    page = reverse(
        "petitions_public:version",
        kwargs={"lang": "en", "slug": version.petition.slug, "code": version.code},
    )
    form = {"name": CANARY_NAME, "email": CANARY_EMAIL, "consent": "on", "version": version.pk}

    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(page, form, REMOTE_ADDR="203.0.113.7").status_code == 302
    [message] = mailoutbox
    confirm = next(link for link in re.findall(r"https?://[^\s\"'<>]+", message.body) if "/confirm/" in link)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(re.sub(r"^https?://[^/]+", "", confirm)).status_code == 302
    # A second confirmation is refused (410): that refusal reaches django.request's log.
    assert client.post(re.sub(r"^https?://[^/]+", "", confirm)).status_code == 410


def test_submitting_a_story_logs_no_story_or_contact(client, log_scan):
    campaign = CampaignFactory()
    url = reverse("petitions_public:story-create", kwargs={"lang": "en", "campaign_slug": campaign.slug})

    response = client.post(
        url,
        {"kind": "story", "text": CANARY_TEXT, "display_name": CANARY_NAME, "contact_email": CANARY_EMAIL},
    )

    assert response.status_code == 200
    # And a bad submission, whose errors are shown back, not logged.
    client.post(url, {"kind": "story", "text": "", "contact_email": CANARY_EMAIL})


def test_the_api_logs_no_person_data(organiser, log_scan):
    token = api_services.api_token_create(user=organiser, name="scan")[1]
    api = Client(headers={"OSDI-API-Token": token})
    body = {"person": {"given_name": CANARY_NAME, "email_addresses": [{"address": CANARY_EMAIL}]}}

    created = api.post("/api/v2/people/", json.dumps(body), content_type="application/json")
    found = api.get("/api/v2/people/", {"filter": f"email_address eq '{CANARY_EMAIL}'"})
    refused = api.post(
        "/api/v2/people/",
        json.dumps(
            {"person": {"given_name": CANARY_NAME, "email_addresses": [{"address": "not-an-address"}]}}
        ),
        content_type="application/json",
    )

    assert organiser.role == Role.ORGANISER
    assert created.status_code == 201
    assert found.status_code == 200
    assert refused.status_code >= 400
