from django import forms
from django.utils.translation import gettext_lazy as _

from campusvoice.campuses.models import University
from campusvoice.petitions.models import Petition, PetitionVersion, Signature, Story

# A field people never see; bots that fill every input fill it too.
HONEYPOT = "website"
ATTRIBUTION = ("utm_source", "utm_medium", "utm_campaign", "utm_content", "ref")


class _Honeypot(forms.Form):
    website = forms.CharField(
        label=_("Leave this empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )


class SignForm(_Honeypot):
    """The least we need: a name to count, an address to confirm, a campus, and the consents."""

    name = forms.CharField(
        label=_("Your name"), max_length=200, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    email = forms.EmailField(
        label=_("Your e-mail"),
        max_length=254,
        help_text=_("We send you a link to confirm your signature."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    version = forms.TypedChoiceField(label=_("Your campus"), required=False, coerce=int, empty_value=None)
    consent = forms.BooleanField(required=True)
    contact_ok = forms.BooleanField(required=False)
    pow_challenge = forms.CharField(required=False, widget=forms.HiddenInput)
    pow_solution = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args,
        petition: Petition,
        language: str,
        versions: list[PetitionVersion],
        version: PetitionVersion | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        # The petition's campus versions as the page lists them (kept per process by
        # selectors.public_petition): neither building the form nor checking the choice costs a query.
        self._versions = {v.pk: v for v in versions}
        self.fields["version"].choices = [
            ("", _("Another campus / none")),
            *((v.pk, v.university.name) for v in versions),
        ]
        if version is not None:
            self.fields["version"].initial = version.pk
        # The exact words, in the language shown: their hash is stored with the signature.
        self.fields["consent"].label = petition.consent_text(language)
        self.fields["contact_ok"].label = petition.contact_text(language)
        for name in ATTRIBUTION:
            self.fields[name] = forms.CharField(required=False, max_length=100, widget=forms.HiddenInput)

    def clean_version(self) -> PetitionVersion | None:
        pk = self.cleaned_data["version"]
        return None if pk is None else self._versions[pk]

    def attribution(self) -> dict:
        return {name: self.cleaned_data.get(name, "") for name in ATTRIBUTION}


class PetitionForm(forms.ModelForm):
    class Meta:
        model = Petition
        fields = [
            "campaign",
            "slug",
            "title_en",
            "title_it",
            "text_en",
            "text_it",
            "target_description",
            "goal",
            "is_open",
            "consent_text_en",
            "consent_text_it",
            "contact_text_en",
            "contact_text_it",
        ]


class PetitionVersionForm(forms.ModelForm):
    class Meta:
        model = PetitionVersion
        fields = ["university", "code", "target", "title_en", "title_it", "text_en", "text_it"]

    def __init__(self, *args, petition: Petition, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.petition = petition
        campuses = petition.campaign.universities.all()
        self.fields["university"].queryset = campuses if campuses.exists() else University.objects.all()


class SignatureSearchForm(forms.Form):
    q = forms.CharField(label=_("Name, e-mail or link code"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *Signature.Status.choices]
    )
    version = forms.ModelChoiceField(
        label=_("Campus"), queryset=PetitionVersion.objects.none(), required=False
    )

    def __init__(self, *args, petition: Petition, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].queryset = petition.versions.select_related("university")


class VoidForm(forms.Form):
    reason = forms.CharField(label=_("Why"), max_length=200)


class StoryForm(_Honeypot):
    kind = forms.ChoiceField(
        label=_("What would you like to share?"), choices=Story.Kind.choices, widget=forms.RadioSelect
    )
    text = forms.CharField(
        label=_("In your words"), max_length=10000, widget=forms.Textarea(attrs={"rows": 8})
    )
    university = forms.ModelChoiceField(
        label=_("Your campus (optional)"), queryset=University.objects.none(), required=False
    )
    consent_quote_anonymously = forms.BooleanField(
        label=_("You may quote parts of it without my name (we remove anything that could identify me)."),
        required=False,
    )
    consent_publish_named = forms.BooleanField(
        label=_("You may publish it with the name below."), required=False
    )
    display_name = forms.CharField(label=_("Name to publish (optional)"), max_length=100, required=False)
    consent_contact = forms.BooleanField(label=_("You may write to me about it."), required=False)
    contact_email = forms.EmailField(label=_("E-mail for a reply (optional)"), required=False)

    def __init__(self, *args, campaign, **kwargs):
        super().__init__(*args, **kwargs)
        campuses = campaign.universities.all()
        self.fields["university"].queryset = campuses if campuses.exists() else University.objects.none()

    def clean(self):
        data = super().clean()
        if data.get("consent_publish_named") and not (data.get("display_name") or "").strip():
            self.add_error("display_name", _("Give the name to publish, or untick publishing with a name."))
        if data.get("consent_contact") and not data.get("contact_email"):
            self.add_error("contact_email", _("Give an address for the reply, or untick it."))
        return data

    def consent_text(self) -> str:
        """The words of the consent choices as shown (their hash is stored with the story)."""
        return "\n".join(
            str(self.fields[name].label)
            for name in ("consent_quote_anonymously", "consent_publish_named", "consent_contact")
        )


class StoryReviewForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[(v, label) for v, label in Story.Status.choices if v != Story.Status.WITHDRAWN],
    )
    excerpt = forms.CharField(
        label=_("Redacted excerpt"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "Only this may ever be quoted, and only if the writer agreed. Remove names, places and dates."
        ),
    )
