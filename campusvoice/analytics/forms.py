from django import forms
from django.utils.translation import gettext_lazy as _

from campusvoice.campaigns.models import Campaign

SORTABLE = (
    "name",
    "enrollment",
    "reach_share",
    "posts",
    "comments",
    "comments_per_post",
    "on_topic_share",
    "questions_answered",
    "median_reply",
    "signatures_confirmed",
    "active_supporters",
)


class FilterForm(forms.Form):
    """The dashboard's filters, from the query string: campaign, period, sort order."""

    campaign = forms.ModelChoiceField(
        label=_("Campaign"),
        queryset=Campaign.objects.order_by("-starts_on", "name"),
        to_field_name="slug",
        required=False,
        empty_label=_("All campaigns"),
    )
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    sort = forms.ChoiceField(choices=[(s, s) for s in SORTABLE], required=False, widget=forms.HiddenInput)
    desc = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            self.add_error("date_to", _("The end comes before the start."))
        return data
