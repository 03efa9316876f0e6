"""The inbox: queue, disclosures, thread, actions, live arrivals and metrics.

Views parse and authorise, then call one selector or service. A comment's text never goes in
a title, a URL, a message or a notification: those name comments by number only.
"""

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from campusvoice.accounts.access import requires
from campusvoice.campuses.models import University
from campusvoice.conversations import selectors
from campusvoice.conversations.forms import (
    LABEL_NAMES,
    AssignForm,
    BulkForm,
    InboxFilterForm,
    LabelForm,
    ReplyForm,
)
from campusvoice.conversations.models import LABELS, Comment, ReplyTemplate
from campusvoice.conversations.services import actions, replies
from campusvoice.errors import ApplicationError


def _comment_or_404(request, pk: int) -> Comment:
    try:
        return selectors.comment_for_row(user=request.user, pk=pk)
    except Comment.DoesNotExist:
        raise Http404 from None


def _next_url(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=False):
        return target
    return default


def _done(request, comment: Comment, message: str = "") -> HttpResponse:
    """After a row action: the fresh row for htmx, else back where the moderator was."""
    if request.htmx:
        row = selectors.comment_for_row(user=request.user, pk=comment.pk)
        response = render(
            request, "conversations/_comment_row.html", {"comment": row, "next": _next_url(request, "")}
        )
        if message:
            response["HX-Trigger"] = json.dumps({"cv:announce": message})
        return response
    if message:
        messages.success(request, message)
    return redirect(_next_url(request, reverse("conversations:comment-detail", args=[comment.pk])))


def _queue(request, *, tab: str, template: str = "conversations/inbox.html"):
    form = InboxFilterForm(request.GET, user=request.user)
    filters = form.to_filters(tab=tab)
    page = selectors.inbox_page(user=request.user, filters=filters, cursor=request.GET.get("cursor", ""))
    context = {
        "form": form,
        "page": page,
        "tab": tab,
        "filters": filters,
        "counts": selectors.inbox_tab_counts(user=request.user),
        "bulk_form": BulkForm(),
        "label_names": LABEL_NAMES,
        "labels": LABELS,
    }
    if request.htmx and request.htmx.target == "inbox-results":
        template = "conversations/_inbox_results.html"
    return render(request, template, context)


@requires("inbox.view")
@require_GET
def inbox(request):
    tab = request.GET.get("tab", "todo")
    if tab not in ("todo", "mine"):
        tab = "todo"
    return _queue(request, tab=tab)


@requires("inbox.disclosures")
@require_GET
def disclosures(request):
    return _queue(request, tab="disclosures")


@requires("inbox.view")
@require_GET
def inbox_poll(request):
    """How many new comments match the moderator's filters: a count, never any text."""
    form = InboxFilterForm(request.GET, user=request.user)
    filters = form.to_filters(tab=request.GET.get("tab", "todo"))
    after = int(request.GET["after"]) if request.GET.get("after", "").isdigit() else 0
    count = selectors.inbox_new_count(user=request.user, filters=filters, after_id=after)
    return render(request, "conversations/_poll.html", {"count": count, "after": after})


@requires("inbox.view")
@require_GET
def inbox_new(request):
    """The rows the poll announced, to put at the top of the list, and a poll that starts after them."""
    form = InboxFilterForm(request.GET, user=request.user)
    filters = form.to_filters(tab=request.GET.get("tab", "todo"))
    after = int(request.GET["after"]) if request.GET.get("after", "").isdigit() else 0
    comments = selectors.inbox_new_comments(user=request.user, filters=filters, after_id=after)
    newest = max([c.pk for c in comments], default=after)
    return render(
        request,
        "conversations/_new_rows.html",
        {
            "comments": comments,
            "after": newest,
            "next": request.GET.get("next", reverse("conversations:inbox")),
        },
    )


@requires("inbox.view")
@require_GET
def comment_detail(request, pk: int):
    comment = _comment_or_404(request, pk)
    actions.comment_view_record(comment=comment, by=request.user)
    context = selectors.comment_thread(user=request.user, comment=comment)
    suggested = selectors.reply_template_suggested(comment=comment)
    rendered = _rendered_reply(comment=comment, template=suggested, campus=None)
    context.update(
        {
            "comment": comment,
            "assign_form": AssignForm(initial={"assignee": comment.assignee_id}),
            "reply_form": ReplyForm(
                comment=comment, initial={"template": suggested, "text": rendered["rendered"]}
            ),
            "suggested": suggested,
            "label_names": LABEL_NAMES,
            **rendered,
        }
    )
    return render(request, "conversations/comment_detail.html", context)


def _rendered_reply(*, comment: Comment, template: ReplyTemplate | None, campus: University | None) -> dict:
    """The template filled in for this comment, or the reasons it cannot be."""
    if template is None:
        return {"rendered": "", "render_problems": []}
    context = replies.reply_context_for(comment=comment, campus=campus)
    try:
        return {
            "rendered": replies.reply_template_render(template=template, context=context),
            "render_problems": [],
        }
    except replies.ReplyRenderError as exc:
        return {"rendered": "", "render_problems": exc.problems}


@requires("inbox.act")
@require_http_methods(["GET", "POST"])
def comment_reply(request, pk: int):
    """GET: fill in the chosen template for editing. POST: queue the edited text to be sent."""
    comment = _comment_or_404(request, pk)
    if request.method == "GET":
        form = ReplyForm(request.GET or None, comment=comment)
        form.is_valid()
        data = getattr(form, "cleaned_data", {})
        rendered = _rendered_reply(comment=comment, template=data.get("template"), campus=data.get("campus"))
        form = ReplyForm(
            comment=comment,
            initial={
                "template": data.get("template"),
                "campus": data.get("campus"),
                "text": rendered["rendered"],
            },
        )
        template = "conversations/_reply_form.html" if request.htmx else "conversations/reply.html"
        return render(request, template, {"comment": comment, "reply_form": form, **rendered})

    form = ReplyForm(request.POST, comment=comment)
    if form.is_valid():
        try:
            replies.comment_reply(
                comment=comment,
                text=form.cleaned_data["text"],
                template=form.cleaned_data["template"],
                by=request.user,
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request, _("Reply queued. It is sent to the platform shortly; its status shows below.")
            )
            return redirect("conversations:comment-detail", pk=comment.pk)
    template = "conversations/_reply_form.html" if request.htmx else "conversations/reply.html"
    return render(
        request,
        template,
        {"comment": comment, "reply_form": form, "rendered": "", "render_problems": []},
        status=422,
    )


@requires("inbox.act")
@require_POST
def comment_assign(request, pk: int):
    comment = _comment_or_404(request, pk)
    if request.POST.get("assignee") == "me":
        assignee = request.user
    else:
        form = AssignForm(request.POST)
        if not form.is_valid():
            return _refuse(request, comment, _("Choose a moderator."))
        assignee = form.cleaned_data["assignee"]
    try:
        actions.comment_assign(comment=comment, assignee=assignee, by=request.user)
    except ValidationError as exc:
        return _refuse(request, comment, " ".join(exc.messages))
    if assignee is None:
        return _done(request, comment, _("Comment %(id)s unassigned.") % {"id": comment.pk})
    return _done(
        request, comment, _("Comment %(id)s assigned to %(who)s.") % {"id": comment.pk, "who": assignee}
    )


def _refuse(request, comment: Comment, message: str) -> HttpResponse:
    if request.htmx:
        return HttpResponse(message, status=422, content_type="text/plain; charset=utf-8")
    messages.error(request, message)
    return redirect(_next_url(request, reverse("conversations:comment-detail", args=[comment.pk])))


@requires("inbox.act")
@require_POST
def comment_done(request, pk: int):
    comment = _comment_or_404(request, pk)
    actions.comment_mark_done(comment=comment, by=request.user)
    return _done(request, comment, _("Comment %(id)s marked done.") % {"id": comment.pk})


@requires("inbox.act")
@require_POST
def comment_reopen(request, pk: int):
    comment = _comment_or_404(request, pk)
    actions.comment_reopen(comment=comment, by=request.user)
    return _done(request, comment, _("Comment %(id)s reopened.") % {"id": comment.pk})


@requires("inbox.act")
@require_POST
def comment_hide(request, pk: int):
    comment = _comment_or_404(request, pk)
    actions.comment_hide(comment=comment, by=request.user)
    return _done(request, comment, _("Comment %(id)s will be hidden on the platform.") % {"id": comment.pk})


@requires("inbox.act")
@require_POST
def comment_unhide(request, pk: int):
    comment = _comment_or_404(request, pk)
    actions.comment_unhide(comment=comment, by=request.user)
    return _done(
        request, comment, _("Comment %(id)s will be shown again on the platform.") % {"id": comment.pk}
    )


@requires("inbox.act")
@require_POST
def comment_label(request, pk: int):
    comment = _comment_or_404(request, pk)
    form = LabelForm(request.POST)
    if not form.is_valid():
        return _refuse(request, comment, _("Choose a label and yes or no."))
    actions.comment_label(
        comment=comment, label=form.cleaned_data["label"], value=form.cleaned_data["value"], by=request.user
    )
    return _done(request, comment, _("Label saved on comment %(id)s.") % {"id": comment.pk})


@requires("inbox.act")
@require_POST
def comment_bulk(request):
    form = BulkForm(request.POST)
    back = _next_url(request, reverse("conversations:inbox"))
    if not form.is_valid():
        if "ids" in form.errors:
            messages.error(request, _("Select at least one comment."))
        for field in ("action", "assignee", "label"):
            for error in form.errors.get(field, []):
                messages.error(request, error)
        return redirect(back)
    data = form.cleaned_data
    comments = selectors.comments_by_ids(user=request.user, ids=data["ids"])
    try:
        count = actions.comments_bulk(
            comments=comments,
            action=data["action"],
            by=request.user,
            assignee=data.get("assignee"),
            label=data.get("label", ""),
            value=data.get("value"),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, ngettext("%(n)d comment updated.", "%(n)d comments updated.", count) % {"n": count}
        )
    return redirect(back)


@requires("inbox.view")
@require_GET
def metrics(request):
    # The last 30 days unless the moderator asks otherwise (an empty "from" means all time).
    query = request.GET.copy()
    query.setdefault("since", selectors.metrics_default_since().isoformat())
    form = InboxFilterForm(query, user=request.user)
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    metrics, as_of = selectors.inbox_metrics_as_of(since=data.get("since"), until=data.get("until"))
    context = {"metrics": metrics, "as_of": as_of, "form": form}
    return render(request, "conversations/metrics.html", context)
