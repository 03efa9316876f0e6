from django import forms
from django.utils.translation import gettext_lazy as _

from campusvoice.accounts.access import CAPABILITIES
from campusvoice.accounts.models import User
from campusvoice.campaigns.models import Campaign
from campusvoice.campuses.models import CampusGroup, Contact, StudentNewspaper
from campusvoice.outreach.models import Article, LetterKind, LetterTemplate, RelationshipEvent, Stage


class LetterTemplateForm(forms.ModelForm):
    class Meta:
        model = LetterTemplate
        fields = ["name", "kind", "language", "subject", "body", "is_active"]
        widgets = {"body": forms.Textarea(attrs={"rows": 18})}


class PrepareForm(forms.Form):
    """One English and one Italian template per kind of recipient (each optional)."""

    def __init__(self, *args, campaign: Campaign | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        templates = LetterTemplate.objects.filter(is_active=True)
        # Preselected, so preparing the batch again is one click: the templates this campaign's
        # letters already use, or else the only active template of a kind and language.
        used = {}
        if campaign is not None:
            for template in templates.filter(letters__campaign=campaign).distinct():
                used[(template.kind, template.language)] = template.pk
        for kind, label in LetterKind.choices:
            for language, language_label in (("en", _("English")), ("it", _("Italian"))):
                choices = templates.filter(kind=kind, language=language)
                initial = used.get((kind, language))
                if initial is None and not used:
                    only = list(choices.values_list("pk", flat=True)[:2])
                    initial = only[0] if len(only) == 1 else None
                self.fields[f"{kind}_{language}"] = forms.ModelChoiceField(
                    queryset=choices, required=False, label=f"{label} ({language_label})", initial=initial
                )

    def template_by_kind(self) -> dict:
        return {
            kind: {lang: self.cleaned_data.get(f"{kind}_{lang}") for lang in ("en", "it")}
            for kind in LetterKind.values
            if self.cleaned_data.get(f"{kind}_en") or self.cleaned_data.get(f"{kind}_it")
        }


class QuotesForm(forms.Form):
    comments = forms.ModelMultipleChoiceField(
        queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, quotable, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["comments"].queryset = quotable


class RelationshipForm(forms.Form):
    campaign = forms.ModelChoiceField(queryset=Campaign.objects.all(), required=False, label=_("Campaign"))
    group = forms.ModelChoiceField(
        queryset=CampusGroup.objects.select_related("university"), required=False, label=_("Campus group")
    )
    contact = forms.ModelChoiceField(
        queryset=Contact.objects.select_related("university"), required=False, label=_("Contact")
    )
    next_step = forms.CharField(max_length=300, required=False, label=_("Next step"))
    due_on = forms.DateField(required=False, label=_("Due"), widget=forms.DateInput(attrs={"type": "date"}))
    owner = forms.ModelChoiceField(
        queryset=User.objects.filter(is_active=True), required=False, label=_("Owner")
    )
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, label=_("Notes"))


class RelationshipUpdateForm(forms.Form):
    next_step = forms.CharField(max_length=300, required=False, label=_("Next step"))
    due_on = forms.DateField(required=False, label=_("Due"), widget=forms.DateInput(attrs={"type": "date"}))
    owner = forms.ModelChoiceField(
        # Only members who can open the board can own a step on it.
        queryset=User.objects.filter(is_active=True, role__in=CAPABILITIES["outreach.manage"]).order_by(
            "email"
        ),
        required=False,
        label=_("Owner"),
    )
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, label=_("Notes"))


class MoveForm(forms.Form):
    stage = forms.ChoiceField(choices=Stage.choices)


class EventForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[c for c in RelationshipEvent.Kind.choices if c[0] not in ("stage_change", "letter")],
        label=_("What"),
    )
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label=_("Text"))


class PreviewForm(forms.Form):
    """Which template to try, on which of the campaign's campuses, for which kind of recipient."""

    template = forms.ModelChoiceField(
        queryset=LetterTemplate.objects.filter(is_active=True), label=_("Template")
    )
    campus = forms.ModelChoiceField(queryset=None, label=_("Campus"))
    kind = forms.ChoiceField(
        choices=[("", _("As the template says"))] + LetterKind.choices,
        required=False,
        label=_("Addressed to"),
    )

    def __init__(self, *args, campaign: Campaign, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campus"].queryset = campaign.universities.order_by("name")


class ArticleAddForm(forms.Form):
    url = forms.URLField(max_length=1000, label=_("Address"))
    title = forms.CharField(
        max_length=500, required=False, label=_("Title"), help_text=_("Leave empty to take it from the page.")
    )
    newspaper = forms.ModelChoiceField(
        queryset=StudentNewspaper.objects.all(), required=False, label=_("Newspaper")
    )
    campaign = forms.ModelChoiceField(queryset=Campaign.objects.all(), required=False, label=_("Campaign"))
    published_at = forms.DateTimeField(
        required=False, label=_("Published"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )


class ReviewForm(forms.Form):
    status = forms.ChoiceField(choices=Article.Status.choices)
    campaign = forms.ModelChoiceField(queryset=Campaign.objects.all(), required=False)


class SourceForm(forms.Form):
    url = forms.URLField(max_length=500, label=_("Page address"))
    newspaper = forms.ModelChoiceField(
        queryset=StudentNewspaper.objects.all(), required=False, label=_("Newspaper")
    )
