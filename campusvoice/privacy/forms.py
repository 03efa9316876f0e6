from django import forms
from django.utils.translation import gettext_lazy as _


class ErasureForm(forms.Form):
    """Typed confirmation: the person's id, and why (kept in the audit log, so no names)."""

    confirm = forms.CharField(
        label=_("Type the person's id to confirm"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    reason = forms.CharField(
        label=_("Why"),
        max_length=200,
        help_text=_("e.g. “request by e-mail, ticket 12”. Kept in the audit log: no names or addresses."),
    )

    def __init__(self, *args, person_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.person_id = person_id

    def clean_confirm(self) -> str:
        value = self.cleaned_data["confirm"].strip()
        if value != str(self.person_id):
            raise forms.ValidationError(_("Type %(id)s to confirm.") % {"id": self.person_id})
        return value
