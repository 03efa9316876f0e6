"""Reply templates rendered in a sandbox, and replies queued for a person to have sent.

A template may use four variables and nothing else: `{{ campus.name }}`, `{{ campus.city }}`,
`{{ support_resources }}` and `{{ organisation.name }}`. No tags, filters or attribute
lookups reach Python, because this is a substitution over a fixed table rather than a
template language. A variable that has no value here (a post without a campus, a campus with
no city, no support resources on record) is an error the moderator sees: a reply to a survivor
must never go out with a blank where the helpline should be.
"""

import re
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from campusvoice.accounts.access import can
from campusvoice.accounts.models import Organisation, User
from campusvoice.accounts.services import organisation_get
from campusvoice.campuses.models import SupportResource, University
from campusvoice.conversations.models import Comment, OutboxAction, ReplyTemplate
from campusvoice.conversations.services.outbox import outbox_action_queue
from campusvoice.errors import ApplicationError

VARIABLES = ("campus.name", "campus.city", "support_resources", "organisation.name")
_PLACEHOLDER = re.compile(r"\{\{\s*(.*?)\s*\}\}", re.DOTALL)
_TAG = re.compile(r"\{%.*?%\}|\{#.*?#\}", re.DOTALL)
MAX_REPLY_LENGTH = 8000  # Facebook's comment limit


class ReplyRenderError(ApplicationError):
    """The template cannot be filled in; `problems` lists each reason for the moderator."""

    def __init__(self, problems: list[str]):
        super().__init__(" ".join(problems), extra={"problems": problems})
        self.problems = problems


@dataclass(frozen=True)
class ReplyContext:
    campus: University | None
    country: str
    organisation: Organisation


def support_resources_format(resources: list[SupportResource]) -> str:
    """One line per resource: name, phone, website and hours, whichever are known."""
    lines = []
    for resource in resources:
        details = [part for part in (resource.phone, resource.website, resource.hours) if part]
        lines.append(f"- {resource.name}" + (f": {', '.join(details)}" if details else ""))
    return "\n".join(lines)


def reply_context_for(*, comment: Comment, campus: University | None = None) -> ReplyContext:
    """The campus to speak about (the given one, else the post's first) and its country."""
    organisation = organisation_get()
    campuses = comment.post.universities.order_by("name")
    if campus is None or not campuses.filter(pk=campus.pk).exists():
        campus = campuses.first()
    country = campus.country if campus else organisation.country
    return ReplyContext(campus=campus, country=country, organisation=organisation)


def reply_template_render(*, template: ReplyTemplate, context: ReplyContext) -> str:
    """The template's text with its variables filled in.

    Raises ReplyRenderError naming every unknown variable, template tag and missing value.
    """
    from campusvoice.conversations.selectors import support_resources_for

    body = template.body
    problems: list[str] = []
    for tag in _TAG.findall(body):
        problems.append(_("Templates cannot contain tags or comments: %(tag)s") % {"tag": tag[:40]})

    campus = context.campus
    resources: list[SupportResource] | None = None

    def value_of(name: str) -> str | None:
        nonlocal resources
        if name == "campus.name":
            return campus.name if campus else None
        if name == "campus.city":
            return campus.city if campus else None
        if name == "organisation.name":
            return context.organisation.name
        if name == "support_resources":
            if resources is None:
                resources = list(support_resources_for(campus=campus, country=context.country))
            return support_resources_format(resources)
        raise KeyError(name)

    def substitute(match: re.Match) -> str:
        name = match.group(1)
        if name not in VARIABLES:
            problems.append(_("Unknown variable {{ %(name)s }}.") % {"name": name[:40]})
            return ""
        value = value_of(name)
        if not value:
            problems.append(_missing_message(name, context))
            return ""
        return value

    text = _PLACEHOLDER.sub(substitute, body)
    if problems:
        raise ReplyRenderError(list(dict.fromkeys(problems)))
    return text


def _missing_message(name: str, context: ReplyContext) -> str:
    if name.startswith("campus.") and context.campus is None:
        return _("The post has no campus, so {{ %(name)s }} has no value.") % {"name": name}
    if name == "campus.city":
        return _("No city is recorded for %(campus)s.") % {"campus": context.campus.name}
    if name == "support_resources":
        return _("No support resources are recorded for this campus or country (%(country)s).") % {
            "country": context.country or "?"
        }
    return _("{{ %(name)s }} has no value.") % {"name": name}


@transaction.atomic
def comment_reply(
    *, comment: Comment, text: str, by: User, template: ReplyTemplate | None = None
) -> OutboxAction:
    """Queue a reply a moderator wrote (or edited from a template) for the platform to send.

    Only a person can reply: there is no automatic path here. A disclosure can be answered
    only by a member allowed to read disclosures. Raises ApplicationError otherwise, and
    ValidationError for an empty or over-long text.
    """
    from django.core.exceptions import ValidationError

    from campusvoice.conversations.services.actions import comment_change_audit

    if by is None or not by.pk or not can(by, "inbox.act"):
        raise ApplicationError(_("Only a moderator can send a reply."))
    if comment.disclosure and not can(by, "inbox.disclosures"):
        raise ApplicationError(_("Only a member who handles disclosures can answer this comment."))
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("Write the reply before sending it.")})
    if len(text) > MAX_REPLY_LENGTH:
        raise ValidationError(
            {"text": _("A reply can be at most %(n)d characters.") % {"n": MAX_REPLY_LENGTH}}
        )
    if _PLACEHOLDER.search(text) or _TAG.search(text):
        raise ValidationError({"text": _("The reply still contains a template variable or tag.")})
    action = outbox_action_queue(
        comment=comment, kind=OutboxAction.Kind.REPLY, by=by, text=text, template=template
    )
    fields = []
    if comment.status == Comment.Status.NEW:
        comment.status = Comment.Status.OPEN
        fields.append("status")
    if comment.assignee_id is None:
        comment.assignee = by
        fields.append("assignee")
    if fields:
        # The queued reply is audited by outbox_action_queue; this records what it changed here.
        comment.save(update_fields=fields)
        comment_change_audit(
            comment=comment,
            by=by,
            detail={"fields": fields, "assignee_id": comment.assignee_id, "status": comment.status},
        )
    return action
