"""Input for the inbox: the filter bar, row and bulk actions, labels and replies."""

from django import forms
from django.utils.translation import gettext_lazy as _

from campusvoice.conversations import selectors
from campusvoice.conversations.models import LABELS, Comment
from campusvoice.conversations.services.actions import BULK_ACTIONS

LABEL_NAMES = {
    "on_topic": _("On topic"),
    "question": _("Question"),
    "disclosure": _("Disclosure"),
    "hostile": _("Hostile"),
    "supportive": _("Supportive"),
    "spam": _("Spam"),
}
LANGUAGES = [("", _("Any language")), ("en", _("English")), ("it", _("Italian"))]


class InboxFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("To do (new or in progress)")), *Comment.Status.choices, ("any", _("Any status"))],
    )
    campaign = forms.TypedChoiceField(label=_("Campaign"), required=False, coerce=int, empty_value=None)
    post = forms.TypedChoiceField(label=_("Post"), required=False, coerce=int, empty_value=None)
    campus = forms.TypedChoiceField(label=_("Campus"), required=False, coerce=int, empty_value=None)
    label = forms.ChoiceField(
        label=_("Label"),
        required=False,
        choices=[("", _("Any label")), *LABEL_NAMES.items(), ("hidden", _("Hidden"))],
    )
    language = forms.ChoiceField(label=_("Language"), required=False, choices=LANGUAGES)
    assignee = forms.ChoiceField(label=_("Assigned to"), required=False)
    since = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    sort = forms.ChoiceField(
        label=_("Order"),
        required=False,
        choices=[("priority", _("Priority first")), ("time", _("Newest first"))],
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        facets = selectors.inbox_facets()
        self.fields["campaign"].choices = [("", _("Any campaign")), *facets["campaigns"]]
        self.fields["post"].choices = [("", _("Any post")), *facets["posts"]]
        self.fields["campus"].choices = [("", _("Any campus")), *facets["campuses"]]
        self.fields["assignee"].choices = [
            ("", _("Anyone")),
            ("me", _("Me")),
            ("none", _("Nobody")),
            *[(str(u.pk), str(u)) for u in selectors.moderators()],
        ]

    def to_filters(self, *, tab: str) -> selectors.InboxFilters:
        """The filters to apply; an invalid field is ignored rather than emptying the inbox."""
        self.is_valid()
        data = {name: value for name, value in self.cleaned_data.items() if value not in (None, "")}
        return selectors.InboxFilters(tab=tab, **data)


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        label=_("Assign to"), queryset=None, required=False, empty_label=_("Nobody")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = selectors.moderators()


class BulkForm(forms.Form):
    ids = forms.TypedMultipleChoiceField(coerce=int)
    action = forms.ChoiceField(
        label=_("With the selected"),
        choices=[
            ("assign_me", _("Assign to me")),
            ("assign", _("Assign to…")),
            ("unassign", _("Unassign")),
            ("done", _("Mark done")),
            ("reopen", _("Reopen")),
            ("hide", _("Hide on the platform")),
            ("label", _("Label…")),
        ],
    )
    assignee = forms.ModelChoiceField(label=_("Moderator"), queryset=None, required=False)
    label = forms.ChoiceField(label=_("Label"), choices=[("", "—"), *LABEL_NAMES.items()], required=False)
    value = forms.TypedChoiceField(
        label=_("Value"),
        choices=[("", "—"), ("yes", _("yes")), ("no", _("no"))],
        coerce=lambda v: v == "yes",
        empty_value=None,
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = selectors.moderators()
        # Any id is acceptable here; the selector decides which of them this member may touch.
        self.fields["ids"].valid_value = lambda value: str(value).isdigit()

    def clean(self):
        data = super().clean()
        if data.get("action") not in BULK_ACTIONS:
            return data
        if data.get("action") == "assign" and not data.get("assignee"):
            self.add_error("assignee", _("Choose a moderator."))
        if data.get("action") == "label" and (not data.get("label") or data.get("value") is None):
            self.add_error("label", _("Choose a label and yes or no."))
        return data


class LabelForm(forms.Form):
    label = forms.ChoiceField(choices=[(name, name) for name in LABELS])
    value = forms.TypedChoiceField(choices=[("yes", "yes"), ("no", "no")], coerce=lambda v: v == "yes")


class ReplyForm(forms.Form):
    template = forms.ModelChoiceField(
        label=_("Start from"), queryset=None, required=False, empty_label=_("No template: write my own")
    )
    campus = forms.ModelChoiceField(label=_("Campus"), queryset=None, required=False)
    text = forms.CharField(
        label=_("Reply"),
        widget=forms.Textarea(attrs={"rows": 8}),
        required=False,
        max_length=8000,
        help_text=_("Read and edit before sending. Nothing is sent until you press Send."),
    )

    def __init__(self, *args, comment: Comment, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = selectors.reply_templates_for(comment=comment)
        self.fields["template"].label_from_instance = lambda t: f"{t.name} ({t.language})"
        self.fields["campus"].queryset = comment.post.universities.order_by("name")
        self.fields["campus"].empty_label = None
