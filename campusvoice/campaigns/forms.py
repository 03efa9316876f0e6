from django import forms
from django.utils.translation import gettext_lazy as _

from campusvoice.campaigns.models import Ally, Campaign, ContentItem, ContentTemplate
from campusvoice.campuses.models import Shortlist, University

LANGUAGE_CHOICES = [("en", _("English")), ("it", _("Italian"))]


class CampaignForm(forms.ModelForm):
    language_codes = forms.MultipleChoiceField(
        label=_("languages"), choices=LANGUAGE_CHOICES, widget=forms.CheckboxSelectMultiple
    )
    shortlist = forms.ModelChoiceField(
        label=_("target the campuses of a shortlist"),
        queryset=Shortlist.objects.order_by("-created_at"),
        required=False,
        help_text=_("Its campuses are added to those chosen below."),
    )
    universities = forms.ModelMultipleChoiceField(
        label=_("target campuses"),
        queryset=University.objects.order_by("country", "name"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 12}),
    )

    class Meta:
        model = Campaign
        fields = [
            "name",
            "slug",
            "description",
            "status",
            "starts_on",
            "ends_on",
            "budget",
            "currency",
            "petition_url",
            "radius_km",
            "age_min",
            "age_max",
            "goal_comments_per_post",
            "goal_reach_share",
            "goal_signatures",
            "goal_groups_engaged",
        ]
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}),
            "ends_on": forms.DateInput(attrs={"type": "date"}),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["language_codes"].initial = self.instance.language_list
            self.fields["universities"].initial = list(
                self.instance.universities.values_list("pk", flat=True)
            )
        else:
            self.fields["language_codes"].initial = ["en"]

    def service_kwargs(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        data["languages"] = ",".join(self.cleaned_data["language_codes"])
        data["shortlist"] = self.cleaned_data["shortlist"]
        data["universities"] = list(self.cleaned_data["universities"])
        return data

    def _post_clean(self):
        # The service validates the model (full_clean); the form checks its fields only.
        pass


class ContentTemplateForm(forms.ModelForm):
    class Meta:
        model = ContentTemplate
        fields = ["name", "kind", "language", "body", "call_to_action", "link_url", "image"]
        widgets = {"body": forms.Textarea(attrs={"rows": 8, "spellcheck": "true"})}

    def _post_clean(self):
        pass


class RenderForm(forms.Form):
    organic_for_eu = forms.BooleanField(
        label=_("For EU campuses, make the ads organic page posts instead"), required=False
    )


class ItemTextForm(forms.Form):
    text = forms.CharField(label=_("text"), widget=forms.Textarea(attrs={"rows": 8}))


class ScheduleForm(forms.Form):
    scheduled_at = forms.DateTimeField(
        label=_("publish at"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


class MarkPublishedForm(forms.Form):
    platform_id = forms.CharField(label=_("post id on Facebook (optional)"), max_length=100, required=False)


class ThemesForm(forms.Form):
    k = forms.IntegerField(label=_("themes per campus"), min_value=1, max_value=10, initial=4, required=False)


class AllyForm(forms.ModelForm):
    class Meta:
        model = Ally
        fields = ["name", "kind", "group", "newspaper", "website", "feed_url"]

    def _post_clean(self):
        pass


class AllyShareForm(forms.Form):
    campaign = forms.ModelChoiceField(
        label=_("campaign"), queryset=Campaign.objects.order_by("-starts_on", "name")
    )
    university = forms.ModelChoiceField(
        label=_("campus"), queryset=University.objects.order_by("country", "name")
    )
    language = forms.ChoiceField(label=_("language"), choices=LANGUAGE_CHOICES)
    text = forms.CharField(
        label=_("your comment"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Posted with the link to the ally's item."),
    )
    scheduled_at = forms.DateTimeField(
        label=_("publish at (optional)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


class ReachImportForm(forms.Form):
    file = forms.FileField(label=_("Ads Manager or Page insights export (CSV or XLSX)"), required=False)
    token = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean(self):
        data = super().clean()
        if not data.get("file") and not data.get("token"):
            raise forms.ValidationError(_("Choose a file."))
        if data.get("file") and not data["file"].name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."))
        return data


STATUS_CHOICES = [("", _("All"))] + list(ContentItem.Status.choices)


class BulkConfirmForm(forms.Form):
    """The items shown on the confirmation page: only those are changed."""

    item = forms.TypedMultipleChoiceField(coerce=int, choices=())

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [(i.pk, i.pk) for i in items]
        self.fields["item"].error_messages["invalid_choice"] = _(
            "Some items changed since this page was shown; look at the list again and confirm."
        )


class ScheduleAllForm(BulkConfirmForm):
    """One time per language (campuses of a language go out together, or `stagger_minutes` apart)."""

    stagger_minutes = forms.IntegerField(
        label=_("minutes between campuses"),
        min_value=0,
        max_value=24 * 60,
        initial=0,
        help_text=_("0 publishes every campus of a language at the same time."),
    )

    def __init__(self, *args, languages=(), **kwargs):
        super().__init__(*args, **kwargs)
        names = dict(LANGUAGE_CHOICES)
        for language in languages:
            self.fields[f"at_{language}"] = forms.DateTimeField(
                label=_("publish the items in %(language)s at") % {"language": names.get(language, language)},
                widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            )
        self.languages = list(languages)

    def at_by_language(self) -> dict:
        return {language: self.cleaned_data[f"at_{language}"] for language in self.languages}
