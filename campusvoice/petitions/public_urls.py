"""Public pages under /p/: the language comes first (/p/it/…), so every link says what it shows."""

from django.conf import settings
from django.urls import path, register_converter

from campusvoice.petitions import public_views as views


class LanguageConverter:
    regex = "|".join(code for code, _name in settings.LANGUAGES)

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(LanguageConverter, "lang")

app_name = "petitions_public"

urlpatterns = [
    path("<lang:lang>/confirm/<str:token>/", views.signature_confirm, name="signature-confirm"),
    path("<lang:lang>/stories/withdraw/<str:token>/", views.story_withdraw, name="story-withdraw"),
    path("<lang:lang>/stories/<slug:campaign_slug>/", views.story_create, name="story-create"),
    path("<lang:lang>/<slug:slug>/", views.petition_page, name="petition"),
    path("<lang:lang>/<slug:slug>/thanks/", views.thanks, name="thanks"),
    path("<lang:lang>/<slug:slug>/confirmed/", views.confirmed, name="confirmed"),
    path("<lang:lang>/<slug:slug>/<slug:code>/", views.petition_page, name="version"),
    path("<slug:slug>/embed/", views.embed, name="embed"),
    path("<slug:slug>/", views.petition_redirect, name="petition-redirect"),
]
