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


class LoginPageForm(forms.Form):
    """Which of the Pages shared in the Facebook log-in to connect."""

    page = forms.ChoiceField(label=_("Page"), widget=forms.RadioSelect)
    with_instagram = forms.BooleanField(
        label=_("Also connect the Page's Instagram account"), required=False, initial=True
    )

    def __init__(self, *args, pages, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["page"].choices = [
            (
                page.id,
                f"{page.name} ({page.id})"
                + (f" · Instagram @{page.instagram_username}" if page.instagram_account_id else ""),
            )
            for page in pages
        ]
        if len(pages) == 1:
            self.fields["page"].initial = pages[0].id
