from django import forms
from django.utils.translation import gettext_lazy as _

from campusvoice.campuses.models import University
from campusvoice.supporters.models import LadderStep, Tag


class PersonFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    campus = forms.ModelChoiceField(
        label=_("Campus"), queryset=University.objects.none(), required=False, empty_label=_("All campuses")
    )
    step = forms.ChoiceField(
        label=_("Ladder step"), required=False, choices=[("", _("All steps")), *LadderStep.choices]
    )
    tag = forms.ModelChoiceField(
        label=_("Tag"), queryset=Tag.objects.all(), required=False, empty_label=_("All tags")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campus"].queryset = (
            University.objects.filter(people__isnull=False).distinct().order_by("name")
        )

    def filters(self) -> dict:
        """The selector's keyword arguments; empty when the form is invalid."""
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "q": data["q"],
            "campus": data["campus"].pk if data["campus"] else None,
            "step": data["step"],
            "tag": data["tag"].pk if data["tag"] else None,
        }


class TagForm(forms.Form):
    name = forms.CharField(label=_("Tag"), max_length=60)


class SavedListForm(forms.Form):
    name = forms.CharField(label=_("Name of the list"), max_length=120)
