"""The "Create paused ad campaign" form; the rules themselves live in ads.py."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .ads import LOCALE_IDS
from .models import AdCampaign, MetaConnection

LANGUAGE_NAMES = {"en": "English", "it": "Italiano", "es": "Español", "fr": "Français", "de": "Deutsch"}


class AdCampaignForm(forms.Form):
    connection = forms.ModelChoiceField(
        label=_("Facebook Page"), queryset=MetaConnection.objects.filter(status=MetaConnection.Status.ACTIVE)
    )
    ad_account_id = forms.CharField(
        label=_("Ad account"), max_length=40, help_text=_("From Ads Manager, e.g. act_1234567890.")
    )
    radius_km = forms.DecimalField(
        label=_("Radius around each campus (km)"), min_value=1, max_value=80, decimal_places=1
    )
    age_min = forms.IntegerField(label=_("Minimum age"), min_value=18, max_value=65)
    age_max = forms.IntegerField(label=_("Maximum age"), min_value=18, max_value=65)
    languages = forms.MultipleChoiceField(
        label=_("Languages"),
        choices=[(code, LANGUAGE_NAMES.get(code, code)) for code in LOCALE_IDS],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    budget_total = forms.DecimalField(label=_("Total budget"), min_value=1, decimal_places=2, max_digits=12)
    budget_kind = forms.ChoiceField(label=_("The budget is"), choices=AdCampaign.BudgetKind.choices)
    split = forms.ChoiceField(label=_("Split between campuses"), choices=AdCampaign.Split.choices)
    dsa_beneficiary = forms.CharField(
        label=_("Who benefits from the ads"),
        max_length=200,
        help_text=_("Shown with each ad, as EU law asks."),
    )
    dsa_payor = forms.CharField(label=_("Who pays for the ads"), max_length=200)

    def __init__(self, *args, campaign, **kwargs):
        super().__init__(*args, **kwargs)
        connections = self.fields["connection"].queryset
        if len(connections) == 1:
            self.fields["connection"].initial = connections[0].pk
        self.fields["ad_account_id"].initial = settings.CAMPUSVOICE_META_AD_ACCOUNT_ID
        self.fields["radius_km"].initial = campaign.radius_km
        self.fields["age_min"].initial = campaign.age_min
        self.fields["age_max"].initial = campaign.age_max
        self.fields["languages"].initial = [c for c in campaign.language_list if c in LOCALE_IDS]
        self.fields["budget_total"].initial = campaign.budget
        self.fields["budget_kind"].initial = AdCampaign.BudgetKind.LIFETIME
        self.fields["split"].initial = AdCampaign.Split.ENROLMENT

    def clean(self):
        data = super().clean()
        if data.get("age_min") and data.get("age_max") and data["age_min"] > data["age_max"]:
            self.add_error("age_max", _("The maximum age must not be below the minimum."))
        return data
