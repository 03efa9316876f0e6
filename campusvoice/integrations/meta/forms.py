from django import forms
from django.utils.translation import gettext_lazy as _


class ConnectForm(forms.Form):
    # A password input never renders its value back: the token is shown once, when pasted.
    token = forms.CharField(
        label=_("Page access token"),
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        max_length=1000,
        strip=True,
        help_text=_("From Graph API Explorer or /me/accounts, for testing. It is stored encrypted."),
    )
