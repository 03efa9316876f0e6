"""Letters: templates, the batch for a campaign's campuses, quotes, rendering, deliveries."""

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from campusvoice.accounts.models import AuditEvent, User
from campusvoice.accounts.services import audit_record, organisation_get
from campusvoice.campaigns.models import Campaign
from campusvoice.campuses.models import CampusGroup, Contact, StudentNewspaper, University
from campusvoice.errors import ApplicationError
from campusvoice.outreach import rendering, selectors
from campusvoice.outreach.models import Letter, LetterDelivery, LetterKind, LetterTemplate

logger = logging.getLogger(__name__)

MAX_QUOTES = 5
# The head of a campus when the directory names nobody. Letter text in the letter's language, so
# not through gettext: it must not depend on the interface language or on a catalogue's progress.
OFFICE_TITLES = {"en": "President", "it": "Rettore"}

# A context with every variable a template may use, for checking a template when it is saved.
SAMPLE_CONTEXT = {
    "organisation": {"name": "Org", "address": "Street 1", "website": "https://example.org"},
    "recipient": {"name": "Dr Example", "title": "President", "organisation": "Example University"},
    "campus": {
        "name": "Example University",
        "city": "Springfield",
        "enrollment": {"total": 10000, "year": 2024, "source": "IPEDS"},
        "incidents": {"total": 3, "year": 2023, "source": "Clery", "rows": [{"offence": "Rape", "count": 3}]},
    },
    "campaign": {
        "name": "Consent Week",
        "starts_on": timezone.now().date(),
        "ends_on": timezone.now().date(),
    },
    "students": {"on_topic_comments": 12, "themes": ["consent"], "quotes": ["A quote."]},
    "petition": {"title": "A petition", "confirmed_signatures": 100},
    "reach": {
        "people": 4000,
        "share_percent": 40.0,
        "date_start": timezone.now().date(),
        "date_stop": timezone.now().date(),
        "is_estimate": True,
    },
    "today": timezone.now().date(),
}


class LetterRenderError(ApplicationError):
    pass


def _check_template_source(source: str, field: str) -> None:
    try:
        rendering.render(source, SAMPLE_CONTEXT)
    except rendering.TemplateSyntaxError as exc:
        raise ValidationError({field: _("This template cannot be used: %(error)s") % {"error": exc}}) from exc
    except rendering.MissingVariable as exc:
        raise ValidationError(
            {field: _("There is no variable “%(name)s”.") % {"name": "{{ " + exc.variable + " }}"}}
        ) from exc


def letter_template_check(*, subject: str, body: str) -> None:
    """Render the subject and text in the sandbox with every variable; ValidationError keyed by field."""
    _check_template_source(subject, "subject")
    _check_template_source(body, "body")


@transaction.atomic
def letter_template_save(*, template: LetterTemplate, by: User | None) -> LetterTemplate:
    """Validate the subject and text in the sandbox, then save; ValidationError keyed by field."""
    template.full_clean()
    letter_template_check(subject=template.subject, body=template.body)
    if template.pk is None:
        template.created_by = by
    template.save()
    return template


# --- who gets a letter ---


@dataclass
class Recipient:
    kind: str
    key: str
    name: str
    title: str
    organisation: str
    email: str = ""
    contact: Contact | None = None
    group: CampusGroup | None = None
    newspaper: StudentNewspaper | None = None


def _from_contact(kind: str, contact: Contact, organisation: str, **links) -> Recipient:
    return Recipient(
        kind=kind,
        key=f"contact:{contact.pk}",
        name=contact.name,
        title=contact.title or contact.get_role_display(),
        organisation=organisation,
        email=contact.email,
        contact=contact,
        **links,
    )


def campus_recipients(*, university: University, kinds) -> list[Recipient]:
    """The people a campaign writes to at one campus, for the kinds asked for.

    President: the president/rector contact, else the chief administrator from the directory.
    Title IX: each Title IX contact. Each campus group that has a contact (or an e-mail), and each
    student newspaper.
    """
    recipients: list[Recipient] = []
    contacts = list(university.contacts.order_by("pk"))
    if LetterKind.PRESIDENT in kinds:
        president = next((c for c in contacts if c.role == Contact.Role.PRESIDENT), None)
        if president is not None:
            recipients.append(_from_contact(LetterKind.PRESIDENT, president, university.name))
        else:
            # The chief administrator from the directory; without one, the office itself
            # ("The Rector"), in the campus's language.
            fallback = OFFICE_TITLES[campus_language(university)]
            recipients.append(
                Recipient(
                    kind=LetterKind.PRESIDENT,
                    key=f"university:{university.pk}",
                    name=university.chief_admin_name,
                    title=university.chief_admin_title or fallback,
                    organisation=university.name,
                )
            )
    if LetterKind.TITLE_IX in kinds:
        for contact in contacts:
            if contact.role == Contact.Role.TITLE_IX:
                recipients.append(_from_contact(LetterKind.TITLE_IX, contact, university.name))
    if LetterKind.CAMPUS_GROUP in kinds:
        for group in university.groups.order_by("name"):
            contact = next((c for c in contacts if c.group_id == group.pk), None)
            if contact is not None:
                recipients.append(_from_contact(LetterKind.CAMPUS_GROUP, contact, group.name, group=group))
                recipients[-1].email = contact.email or group.email
            elif group.email:
                recipients.append(
                    Recipient(
                        kind=LetterKind.CAMPUS_GROUP,
                        key=f"group:{group.pk}",
                        name="",
                        title="",
                        organisation=group.name,
                        email=group.email,
                        group=group,
                    )
                )
    if LetterKind.STUDENT_NEWSPAPER in kinds:
        for newspaper in university.newspapers.order_by("name"):
            contact = next((c for c in contacts if c.newspaper_id == newspaper.pk), None)
            recipients.append(
                Recipient(
                    kind=LetterKind.STUDENT_NEWSPAPER,
                    key=f"newspaper:{newspaper.pk}",
                    name=newspaper.editor_name or (contact.name if contact else ""),
                    title=_("Editor") if newspaper.editor_name or contact else "",
                    organisation=newspaper.name,
                    email=newspaper.editor_email or (contact.email if contact else ""),
                    contact=contact,
                    newspaper=newspaper,
                )
            )
    return recipients


def campus_language(university: University) -> str:
    return "it" if university.country == "IT" else "en"


def _pick_template(choice, language: str) -> LetterTemplate | None:
    if choice is None or isinstance(choice, LetterTemplate):
        return choice
    return choice.get(language) or next((t for t in choice.values() if t is not None), None)


# --- rendering ---


def _tidy(text: str) -> str:
    """No trailing spaces, and at most one blank line: sentences left out by {% if %} leave no gap."""
    lines = [line.rstrip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def letter_render(*, letter: Letter) -> Letter:
    """Render the letter from its template and the current figures; save the text or the error.

    A missing variable or a refused tag leaves the letter in ERROR with a message that names the
    variable and the recipient (by role and institution, not by name), never blank text.
    """
    if letter.status == Letter.Status.SENT:
        return letter  # what was sent stays as it was sent
    template = letter.template
    if template is None:
        letter.status, letter.error = Letter.Status.ERROR, _("The letter's template was deleted.")
        letter.save(update_fields=["status", "error", "updated_at"])
        return letter
    context, figures = selectors.letter_context(letter=letter, organisation=organisation_get())
    subject, body, error = _render_text(letter=letter, template=template, context=context)
    if error:
        letter.status, letter.error = Letter.Status.ERROR, error
    else:
        letter.subject, letter.body, letter.figures = subject, body, figures
        letter.status, letter.error, letter.rendered_at = Letter.Status.DRAFT, "", timezone.now()
    letter.save()
    return letter


def _render_text(*, letter: Letter, template: LetterTemplate, context: Mapping) -> tuple[str, str, str]:
    """(subject, body, "") when the template renders for this letter, else ("", "", the reason)."""
    try:
        # In the letter's language, whatever the page's: numbers, decimals and dates follow it.
        with translation.override(letter.language):
            subject = rendering.render(template.subject, context).strip()
            body = rendering.render(template.body, context).strip()
    except rendering.MissingVariable as exc:
        error = _("“%(variable)s” has no value for %(recipient)s.") % {
            "variable": "{{ " + exc.variable + " }}",
            "recipient": letter.recipient_label,
        }
    except rendering.TemplateSyntaxError as exc:
        error = _("The template cannot be used: %(error)s") % {"error": exc}
    else:
        return subject[:300], _tidy(body), ""
    return "", "", error[:500]


@dataclass
class LetterPreview:
    recipient_label: str
    contact_id: int | None
    subject: str
    body: str
    error: str


PREVIEW_MAX_RECIPIENTS = 10


def letter_preview(
    *, template: LetterTemplate, campaign: Campaign, university: University, kind: str = ""
) -> list[LetterPreview]:
    """The template rendered for each recipient of this kind at one campus, as letters_prepare would.

    Writes nothing: no Letter is created and nothing is audited here. `kind` defaults to the
    template's. At most PREVIEW_MAX_RECIPIENTS recipients (a campus can have many groups).
    """
    kind = kind or template.kind
    previews = []
    for recipient in campus_recipients(university=university, kinds={kind})[:PREVIEW_MAX_RECIPIENTS]:
        letter = Letter(
            campaign=campaign,
            university=university,
            template=template,
            kind=kind,
            language=template.language,
            recipient_key=recipient.key,
            contact=recipient.contact,
            group=recipient.group,
            newspaper=recipient.newspaper,
            recipient_name=recipient.name[:200],
            recipient_title=recipient.title[:200],
            recipient_organisation=recipient.organisation[:300],
        )
        context, _figures = selectors.letter_context(letter=letter, organisation=organisation_get())
        subject, body, error = _render_text(letter=letter, template=template, context=context)
        previews.append(
            LetterPreview(
                recipient_label=letter.recipient_label,
                contact_id=recipient.contact.pk if recipient.contact else None,
                subject=subject,
                body=body,
                error=error,
            )
        )
    return previews


def letter_require_rendered(letter: Letter) -> None:
    if letter.status == Letter.Status.ERROR:
        raise LetterRenderError(letter.error)


@dataclass
class PrepareReport:
    letters: list[Letter] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged_sent: int = 0

    @property
    def failed(self) -> list[Letter]:
        return [letter for letter in self.letters if letter.status == Letter.Status.ERROR]


@transaction.atomic
def letters_prepare(
    *,
    campaign: Campaign,
    template_by_kind: Mapping[str, LetterTemplate | Mapping[str, LetterTemplate]],
    by: User | None,
    universities=None,
) -> PrepareReport:
    """One letter per recipient at each of the campaign's target campuses, rendered now.

    `template_by_kind` maps a LetterKind to a template, or to {"en": …, "it": …} so Italian
    campuses get the Italian one. Running it again re-renders drafts and leaves sent letters alone.
    Letters that cannot be rendered are kept in ERROR with the reason; the others are ready.
    """
    kinds = {kind for kind, choice in template_by_kind.items() if choice}
    unknown = kinds - set(LetterKind.values)
    if unknown:
        raise ValidationError(
            {"template_by_kind": _("Unknown kind: %(kinds)s") % {"kinds": ", ".join(unknown)}}
        )
    if not kinds:
        raise ApplicationError(_("Choose at least one template."))
    campuses = universities if universities is not None else campaign.universities.order_by("name")
    report = PrepareReport()
    existing = {
        (letter.kind, letter.recipient_key): letter for letter in Letter.objects.filter(campaign=campaign)
    }
    for university in campuses:
        language = campus_language(university)
        for recipient in campus_recipients(university=university, kinds=kinds):
            template = _pick_template(template_by_kind.get(recipient.kind), language)
            if template is None:
                continue
            letter = existing.get((recipient.kind, recipient.key))
            if letter is not None and letter.status == Letter.Status.SENT:
                report.unchanged_sent += 1
                continue
            if letter is None:
                letter = Letter(
                    campaign=campaign, kind=recipient.kind, recipient_key=recipient.key, created_by=by
                )
                report.created += 1
            else:
                report.updated += 1
            letter.university = university
            letter.template, letter.language = template, template.language
            letter.contact, letter.group, letter.newspaper = (
                recipient.contact,
                recipient.group,
                recipient.newspaper,
            )
            letter.recipient_name, letter.recipient_title = recipient.name[:200], recipient.title[:200]
            letter.recipient_organisation = recipient.organisation[:300]
            letter.recipient_email = recipient.email
            if letter.pk is None:
                letter.save()
            report.letters.append(letter_render(letter=letter))
    audit_record(
        actor=by,
        action=AuditEvent.Action.CREATE,
        object_type="outreach.letter_batch",
        object_id=campaign.pk,
        detail={"created": report.created, "updated": report.updated, "failed": len(report.failed)},
    )
    logger.info(
        "letters prepared for campaign %s: %s created, %s updated, %s failed",
        campaign.pk,
        report.created,
        report.updated,
        len(report.failed),
    )
    return report


@transaction.atomic
def letter_quotes_set(*, letter: Letter, comment_ids: list[int], by: User | None) -> Letter:
    """Choose the comments the letter quotes, then render it again.

    Only on-topic comments on this campaign's posts for this campus; never a disclosure: asking
    for one raises ApplicationError and changes nothing.
    """
    ids = {int(pk) for pk in comment_ids}
    if len(ids) > MAX_QUOTES:
        raise ApplicationError(_("A letter quotes at most %(n)s comments.") % {"n": MAX_QUOTES})
    allowed = set(
        selectors.quotable_comments(campaign=letter.campaign, university=letter.university)
        .filter(pk__in=ids)
        .values_list("pk", flat=True)
    )
    if ids - allowed:
        raise ApplicationError(
            _(
                "Some of these comments cannot be quoted: only on-topic comments on this campaign's "
                "posts for this campus, and never a disclosure."
            )
        )
    letter.quoted_comments.set(sorted(ids))
    audit_record(
        actor=by,
        action=AuditEvent.Action.CHANGE,
        object_type="outreach.letter",
        object_id=letter.pk,
        detail={"quoted_comment_ids": sorted(ids)},
    )
    return letter_render(letter=letter)


# --- deliveries ---


def letter_delivery_record(*, letter: Letter, channel: str, by: User | None, email=None) -> LetterDelivery:
    """Record that a letter left us (printed, handed out for editing, or e-mailed), and audit it."""
    delivery = LetterDelivery.objects.create(
        letter=letter, channel=channel, by=by, figures=letter.figures, email=email
    )
    if letter.status != Letter.Status.SENT:
        letter.status = Letter.Status.SENT
        letter.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=by,
        action=AuditEvent.Action.EXPORT
        if channel != LetterDelivery.Channel.EMAIL
        else AuditEvent.Action.CREATE,
        object_type="outreach.letterdelivery",
        object_id=delivery.pk,
        detail={"letter_id": letter.pk, "channel": channel, "contact_id": letter.contact_id},
    )
    # The relationship's history shows the letter (and a first letter moves it to "contacted").
    from campusvoice.outreach.services.relationships import relationships_letter_sent

    relationships_letter_sent(letter=letter, by=by)
    return delivery


@transaction.atomic
def letter_email(*, letter: Letter, by: User | None) -> LetterDelivery:
    """Queue the letter, with its PDF attached, in the outgoing-mail queue (sent after commit,
    retried on failure with the same PDF). Raises ApplicationError without an address."""
    # Imported here: documents imports this module.
    from campusvoice.outreach.services.documents import CONTENT_TYPES, letter_file_name, letter_pdf_bytes
    from campusvoice.petitions.services.mail import Attachment, outgoing_email_queue

    letter_require_rendered(letter)
    if not letter.recipient_email:
        raise ApplicationError(_("There is no e-mail address for %(r)s.") % {"r": letter.recipient_label})
    pdf = Attachment(
        filename=letter_file_name(letter, "pdf"),
        content=letter_pdf_bytes(letters=[letter]),
        content_type=CONTENT_TYPES["pdf"],
    )
    email = outgoing_email_queue(
        to=letter.recipient_email,
        subject=letter.subject,
        body_text=letter.body,
        purpose="outreach_letter",
        object_type="outreach.letter",
        object_id=letter.pk,
        attachments=[pdf],
    )
    return letter_delivery_record(letter=letter, channel=LetterDelivery.Channel.EMAIL, by=by, email=email)


@dataclass
class EmailBatchPlan:
    """What "send all by e-mail" would do: letters to send, and each letter held back with why."""

    to_send: list[Letter] = field(default_factory=list)
    held: list[tuple[Letter, str]] = field(default_factory=list)
    already_emailed: list[Letter] = field(default_factory=list)


def letters_email_plan(*, letters) -> EmailBatchPlan:
    """Sort a campaign's letters for the e-mail batch; writes nothing.

    A letter that cannot be rendered or has no address is held back with a reason naming the
    recipient (by role and institution); a letter already e-mailed is not sent twice.
    """
    letters = list(letters)
    plan = EmailBatchPlan()
    emailed = set(
        LetterDelivery.objects.filter(
            letter__in=[letter.pk for letter in letters], channel=LetterDelivery.Channel.EMAIL
        ).values_list("letter_id", flat=True)
    )
    for letter in letters:
        if letter.pk in emailed:
            plan.already_emailed.append(letter)
        elif letter.status == Letter.Status.ERROR:
            plan.held.append((letter, letter.error))
        elif not letter.recipient_email:
            plan.held.append(
                (letter, _("There is no e-mail address for %(r)s.") % {"r": letter.recipient_label})
            )
        else:
            plan.to_send.append(letter)
    return plan


@transaction.atomic
def letters_email_all(*, letters, by: User | None) -> EmailBatchPlan:
    """Queue every letter of the batch that can go by e-mail; hold back the others, with reasons.

    A batch with problems still sends its valid letters: one recipient without an address or
    with a template error must not hold up the other nineteen. Held letters are reported (and
    nothing is sent to them); letters already e-mailed are skipped, so running it again after
    fixing the held ones sends only those. Mail leaves after commit, through the retrying queue.
    """
    letters = list(letters)
    plan = letters_email_plan(letters=letters)
    sent = []
    for letter in plan.to_send:
        try:
            letter_email(letter=letter, by=by)
        except ApplicationError as exc:  # e.g. no PDF library: report it, keep going
            plan.held.append((letter, exc.message))
        else:
            sent.append(letter)
    plan.to_send = sent
    audit_record(
        actor=by,
        action=AuditEvent.Action.CREATE,
        object_type="outreach.letter_email_batch",
        object_id=letters[0].campaign_id if letters else "",
        detail={"queued": len(sent), "held": len(plan.held), "already": len(plan.already_emailed)},
    )
    return plan


def letters_contact_forget(*, contact: Contact) -> int:
    """Remove a contact's name and address from the letters written to them (erasure).

    The letters stay as a record of what the organisation sent, with the person's name replaced
    in the text. Relationships with the contact are deleted with it (on_delete=CASCADE).
    """
    changed = 0
    for letter in Letter.objects.filter(contact=contact):
        if contact.name:
            letter.subject = letter.subject.replace(contact.name, "[…]")
            letter.body = letter.body.replace(contact.name, "[…]")
        letter.recipient_name, letter.recipient_email = "", ""
        letter.save(update_fields=["subject", "body", "recipient_name", "recipient_email", "updated_at"])
        changed += 1
    return changed
