"""Demo petition for the demo campaign: campus versions, signatures confirmed and not, a story.

Signers are obviously fake (@example.org). Confirmation e-mails go through the real queue, so the
outgoing-mail page shows what the system would send.
"""

from django.db import transaction
from django.utils.text import slugify

from campusvoice.campaigns.models import Campaign
from campusvoice.campuses.models import SupportResource
from campusvoice.petitions.models import Petition, PetitionVersion, Signature
from campusvoice.petitions.services import signatures as signing
from campusvoice.petitions.services import stories

SLUG = "safer-campuses-now"
CAMPAIGN_SLUG = "consent-on-campus-2026"
FIRST_NAMES = [
    "Alex",
    "Sam",
    "Giulia",
    "Marco",
    "Jordan",
    "Chiara",
    "Taylor",
    "Luca",
    "Robin",
    "Sara",
    "Noor",
    "Elena",
]


def load(*, stdout) -> None:
    """Add the demo petition; running it again changes nothing."""
    if Petition.objects.filter(slug=SLUG).exists():
        stdout.write("petitions: demo petition already loaded\n")
        return
    campaign = Campaign.objects.filter(slug=CAMPAIGN_SLUG).first() or Campaign.objects.order_by("pk").first()
    if campaign is None:
        stdout.write(
            "petitions: no campaign yet, so no demo petition was created (load the campaigns first)\n"
        )
        return
    with transaction.atomic():
        petition = Petition.objects.create(
            campaign=campaign,
            slug=SLUG,
            title_en="Safer campuses now: a real plan against sexual violence",
            title_it="Campus più sicuri, subito: un piano vero contro la violenza sessuale",
            text_en=(
                "We, students and staff, ask our university to publish a plan against sexual violence within "
                "six months: a confidential reporting office, trained staff, consent education for every "
                "first-year student, and a yearly public report."
            ),
            text_it=(
                "Noi, studenti e personale, chiediamo al nostro ateneo di pubblicare entro sei mesi un piano "
                "contro la violenza sessuale: uno sportello riservato per le segnalazioni, personale formato, "
                "educazione al consenso per ogni matricola e un rapporto pubblico annuale."
            ),
            target_description="The presidents and rectors of our campuses",
            goal=1000,
            consent_text_en="Count my name and deliver it with the petition to my university's leadership.",
            consent_text_it="Contate il mio nome e consegnatelo con la petizione ai vertici del mio ateneo.",
            contact_text_en="Send me news about this campaign by e-mail (at most twice a month).",
            contact_text_it="Inviatemi notizie su questa campagna via e-mail (al massimo due volte al mese).",
        )
        universities = list(campaign.universities.order_by("name")[:6])
        versions = []
        for university in universities:
            title = university.chief_admin_title or ("Rettore" if university.country == "IT" else "President")
            target = f"{university.chief_admin_name}, {title}" if university.chief_admin_name else title
            versions.append(
                PetitionVersion.objects.create(
                    petition=petition,
                    university=university,
                    code=slugify(university.short_name or university.name)[:40] or f"campus-{university.pk}",
                    target=f"{target}, {university.name}"[:300],
                )
            )
        confirmed = unconfirmed = 0
        for number in range(36):
            version = versions[number % len(versions)] if versions else None
            name = f"{FIRST_NAMES[number % len(FIRST_NAMES)]} Demo{number + 1}"
            signing.signature_submit(
                petition=petition,
                version=version,
                name=name,
                email=f"signer{number + 1}@example.org",
                contact_ok=number % 3 == 0,
                language="it" if version and version.university.country == "IT" else "en",
                attribution={
                    "utm_source": "facebook",
                    "utm_medium": "ad",
                    "ref": version.code if version else "",
                },
            )
            if number % 4 != 3:
                # The demo plays the signer: a known token replaces the one in the (fake) e-mail.
                token = f"demo-token-{number}"
                Signature.objects.filter(
                    petition=petition, email_canonical=f"signer{number + 1}@example.org"
                ).update(token_hash=signing.token_hash(token))
                signing.signature_confirm(token=token)
                confirmed += 1
            else:
                unconfirmed += 1
        if versions or SupportResource.objects.exists():
            stories.story_submit(
                campaign=campaign,
                university=versions[0].university if versions else None,
                kind="opinion",
                text="(Demo) Our campus needs a confidential place to report, open in the evening too.",
                language="en",
                consent_text="demo",
                consent_quote_anonymously=True,
            )
    stdout.write(
        f"petitions: demo petition “{petition.slug}” with {len(versions)} campus versions, {confirmed} confirmed "
        f"and {unconfirmed} unconfirmed signatures (fake @example.org addresses), one story to review\n"
    )
