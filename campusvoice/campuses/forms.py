"""Input for the campus directory's pages. Forms validate; services write."""

from pathlib import Path

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from campusvoice.campuses.models import (
    CampusGroup,
    Contact,
    StudentNewspaper,
    SupportResource,
    University,
)
from campusvoice.campuses.selectors import SIZE_BANDS


def _valid_fields(form: forms.Form) -> dict:
    """The fields that validated (a bad value in one filter must not drop the others)."""
    if not form.is_bound:
        return {}
    form.is_valid()
    return form.cleaned_data


class CampusFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        help_text=_("Name or city"),
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    country = forms.ChoiceField(label=_("Country"), required=False)
    region = forms.ChoiceField(label=_("State or region"), required=False)
    size_band = forms.ChoiceField(
        label=_("Students enrolled"),
        required=False,
        choices=[("", _("Any size"))] + [(band.key, band.label) for band in SIZE_BANDS],
    )
    has_incidents = forms.ChoiceField(
        label=_("Reported incidents"),
        required=False,
        choices=[
            ("", _("Any")),
            ("yes", _("At least one reported")),
            ("no", _("None reported or no figures")),
        ],
    )
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("name", _("Name (A–Z)")),
            ("-enrollment", _("Enrollment (largest first)")),
            ("enrollment", _("Enrollment (smallest first)")),
            ("-incidents_per_10k", _("Incidents per 10,000 students (highest first)")),
            ("incidents_per_10k", _("Incidents per 10,000 students (lowest first)")),
        ],
    )

    def __init__(self, *args, countries: list[str], regions: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [("", _("All countries"))] + [(c, c) for c in countries]
        self.fields["region"].choices = [("", _("All states and regions"))] + [(r, r) for r in regions]

    def filters(self) -> dict:
        """The selector's keyword arguments; a field with invalid input is left out, the rest apply."""
        data = _valid_fields(self)
        return {
            "search": data.get("q", ""),
            "country": data.get("country", ""),
            "region": data.get("region", ""),
            "size_band": data.get("size_band", ""),
            "has_incidents": data.get("has_incidents", ""),
            "sort": data.get("sort") or "name",
        }


class CoordinatesForm(forms.Form):
    latitude = forms.DecimalField(
        label=_("Latitude"), required=False, max_digits=9, decimal_places=6, min_value=-90, max_value=90
    )
    longitude = forms.DecimalField(
        label=_("Longitude"), required=False, max_digits=9, decimal_places=6, min_value=-180, max_value=180
    )

    def clean(self):
        cleaned = super().clean()
        if (cleaned.get("latitude") is None) != (cleaned.get("longitude") is None) and not self.errors:
            raise forms.ValidationError(
                _("Give both latitude and longitude, or leave both empty to clear them.")
            )
        return cleaned


class CampusGroupForm(forms.ModelForm):
    class Meta:
        model = CampusGroup
        fields = ["name", "kind", "email", "website", "facebook", "instagram", "other_social", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}


class StudentNewspaperForm(forms.ModelForm):
    class Meta:
        model = StudentNewspaper
        fields = ["name", "website", "feed_url", "language", "editor_name", "editor_email"]


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = [
            "name",
            "role",
            "title",
            "group",
            "newspaper",
            "email",
            "phone",
            "basis",
            "consent_at",
            "consent_text",
            "source",
            "notes",
        ]
        widgets = {
            "consent_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
            "consent_text": forms.Textarea(attrs={"rows": 3}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "basis": _("Why we may hold this person's details. Consent needs the date it was given."),
        }

    def __init__(self, *args, university: University, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = university.groups.all()
        self.fields["newspaper"].queryset = university.newspapers.all()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("basis") == Contact.Basis.CONSENT and not cleaned.get("consent_at"):
            self.add_error("consent_at", _("Record when consent was given: consent is the lawful basis."))
        return cleaned


class SupportResourceForm(forms.ModelForm):
    class Meta:
        model = SupportResource
        fields = ["country", "kind", "name", "phone", "website", "hours", "languages", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, for_campus: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if for_campus:
            # A campus's resource takes the campus's country.
            del self.fields["country"]

    def clean_country(self):
        return self.cleaned_data["country"].strip().upper()


class PriorityForm(forms.Form):
    country = forms.ChoiceField(label=_("Country"), required=False)
    min_enrollment = forms.IntegerField(label=_("At least this many students"), required=False, min_value=0)
    w_enrollment = forms.IntegerField(
        label=_("Weight: enrollment"), min_value=0, max_value=10, initial=1, required=False
    )
    w_incidents = forms.IntegerField(
        label=_("Weight: reported incidents per 10,000 students"),
        min_value=0,
        max_value=10,
        initial=2,
        required=False,
    )
    w_relationships = forms.IntegerField(
        label=_("Weight: existing relationships"), min_value=0, max_value=10, initial=1, required=False
    )

    def __init__(self, *args, countries: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [("", _("All countries"))] + [(c, c) for c in countries]

    def parameters(self) -> dict:
        """Filters and weights, with the defaults for anything missing or invalid."""
        data = _valid_fields(self)

        def value(name):
            v = data.get(name)
            return self.fields[name].initial if v is None else v

        return {
            "country": data.get("country", ""),
            "min_enrollment": data.get("min_enrollment"),
            "w_enrollment": value("w_enrollment"),
            "w_incidents": value("w_incidents"),
            "w_relationships": value("w_relationships"),
        }


class ShortlistCreateForm(forms.Form):
    name = forms.CharField(label=_("Shortlist name"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    universities = forms.TypedMultipleChoiceField(
        label=_("Campuses"),
        coerce=int,
        error_messages={"required": _("Choose at least one campus for the shortlist.")},
    )

    def __init__(self, *args, university_ids: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["universities"].choices = [(pk, pk) for pk in university_ids]


class ShortlistForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"))
    file = forms.FileField(
        label=_("File"),
        help_text=_("CSV or Excel (.xlsx)."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,.txt"}),
    )
    dry_run = forms.BooleanField(
        label=_("Dry run: check the file and report what would change, without saving"), required=False
    )

    ALLOWED_SUFFIXES = (".csv", ".xlsx", ".txt")

    def __init__(self, *args, kinds: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = list(kinds.items())
        limit = settings.CAMPUSVOICE_IMPORT_MAX_UPLOAD_MB
        self.fields["file"].help_text = _("CSV or Excel (.xlsx), at most %(mb)d MB.") % {"mb": limit}

    def clean_file(self):
        # The size limit is the importer's rule (imports.directory_upload_check), applied by the service.
        upload = self.cleaned_data["file"]
        if Path(upload.name).suffix.lower() not in self.ALLOWED_SUFFIXES:
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."))
        return upload
