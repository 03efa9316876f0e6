from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from campusvoice.db import TimeStampedModel


class University(TimeStampedModel):
    """A campus the organisation may target, with its public figures and where they came from."""

    class Control(models.TextChoices):
        PUBLIC = "public", _("Public")
        PRIVATE_NONPROFIT = "private_nonprofit", _("Private non-profit")
        PRIVATE_FORPROFIT = "private_forprofit", _("Private for-profit")
        UNKNOWN = "", _("Unknown")

    class CoordinatesSource(models.TextChoices):
        IPEDS = "ipeds", _("IPEDS directory")
        HIFLD = "hifld", _("HIFLD colleges")
        GAZETTEER = "gazetteer", _("City gazetteer (approximate: city centre)")
        MANUAL = "manual", _("Set by an organiser")
        NONE = "", _("None")

    name = models.CharField(_("name"), max_length=255)
    short_name = models.CharField(_("short name"), max_length=80, blank=True)
    country = models.CharField(_("country"), max_length=2, db_index=True, help_text=_("ISO 3166 code"))
    region = models.CharField(_("state or region"), max_length=100, blank=True, db_index=True)
    city = models.CharField(_("city"), max_length=120, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    postcode = models.CharField(_("postcode"), max_length=20, blank=True)
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    coordinates_source = models.CharField(
        _("coordinates from"), max_length=20, choices=CoordinatesSource.choices, blank=True
    )
    website = models.URLField(_("website"), max_length=300, blank=True)
    control = models.CharField(_("control"), max_length=20, choices=Control.choices, blank=True)
    enrollment_total = models.PositiveIntegerField(_("students enrolled"), null=True, blank=True)
    enrollment_year = models.PositiveSmallIntegerField(_("enrollment year"), null=True, blank=True)
    enrollment_source = models.CharField(_("enrollment source"), max_length=200, blank=True)
    # MUR publishes a size band ("Mega", "Grandi", …) rather than a head count for some atenei.
    enrollment_band = models.CharField(_("size band"), max_length=60, blank=True)
    chief_admin_name = models.CharField(_("chief administrator"), max_length=200, blank=True)
    chief_admin_title = models.CharField(_("chief administrator's title"), max_length=200, blank=True)
    ipeds_unitid = models.CharField(_("IPEDS UNITID"), max_length=6, null=True, blank=True, unique=True)
    mur_code = models.CharField(_("MUR code"), max_length=20, null=True, blank=True, unique=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("university")
        verbose_name_plural = _("universities")
        ordering = ["name"]
        indexes = [models.Index(fields=["country", "region"]), models.Index(fields=["enrollment_total"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False),
                name="university_coordinates_both_or_neither",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def has_coordinates(self) -> bool:
        return self.latitude is not None and self.longitude is not None


class IncidentStatistic(models.Model):
    """A reported-incident count for one campus, year, offence and place, with its source."""

    class Category(models.TextChoices):
        RAPE = "rape", _("Rape")
        FONDLING = "fondling", _("Fondling")
        INCEST = "incest", _("Incest")
        STATUTORY_RAPE = "statutory_rape", _("Statutory rape")
        DOMESTIC_VIOLENCE = "domestic_violence", _("Domestic violence")
        DATING_VIOLENCE = "dating_violence", _("Dating violence")
        STALKING = "stalking", _("Stalking")

    class Location(models.TextChoices):
        ON_CAMPUS = "on_campus", _("On campus")
        RESIDENCE_HALL = "residence_hall", _("On-campus student housing")

    university = models.ForeignKey(University, on_delete=models.CASCADE, related_name="incident_statistics")
    year = models.PositiveSmallIntegerField(_("year"))
    category = models.CharField(_("offence"), max_length=30, choices=Category.choices)
    location = models.CharField(_("where"), max_length=20, choices=Location.choices)
    count = models.PositiveIntegerField(_("reported incidents"))
    source = models.CharField(_("source"), max_length=200)

    class Meta:
        verbose_name = _("reported-incident statistic")
        verbose_name_plural = _("reported-incident statistics")
        ordering = ["-year", "category"]
        constraints = [
            models.UniqueConstraint(
                fields=["university", "year", "category", "location"], name="incident_statistic_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.university} {self.year} {self.category} {self.location}: {self.count}"


class CampusGroup(TimeStampedModel):
    """A student organisation on a campus (an organisation, not a person)."""

    class Kind(models.TextChoices):
        SURVIVOR_SUPPORT = "survivor_support", _("Survivor support or peer education")
        FEMINIST = "feminist", _("Feminist or gender-equality collective")
        LGBTQ = "lgbtq", _("LGBTQ+ group")
        STUDENT_GOVERNMENT = "student_government", _("Student government or union")
        GREEK = "greek", _("Fraternity or sorority")
        ATHLETICS = "athletics", _("Athletics")
        CULTURAL = "cultural", _("Cultural or faith group")
        OTHER = "other", _("Other")

    university = models.ForeignKey(University, on_delete=models.CASCADE, related_name="groups")
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices, default=Kind.OTHER)
    email = models.EmailField(_("contact e-mail"), blank=True)
    website = models.URLField(_("website"), max_length=300, blank=True)
    facebook = models.CharField(_("Facebook page"), max_length=200, blank=True)
    instagram = models.CharField(_("Instagram handle"), max_length=100, blank=True)
    other_social = models.CharField(_("other social handles"), max_length=300, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("campus group")
        verbose_name_plural = _("campus groups")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class StudentNewspaper(TimeStampedModel):
    university = models.ForeignKey(University, on_delete=models.CASCADE, related_name="newspapers")
    name = models.CharField(_("name"), max_length=200)
    website = models.URLField(_("website"), max_length=300, blank=True)
    feed_url = models.URLField(_("RSS or Atom feed"), max_length=500, blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    editor_name = models.CharField(_("editor"), max_length=200, blank=True)
    editor_email = models.EmailField(_("editor's e-mail"), blank=True)

    class Meta:
        verbose_name = _("student newspaper")
        verbose_name_plural = _("student newspapers")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Contact(TimeStampedModel):
    """A person at an institution. Personal data: the lawful basis is recorded with it."""

    class Role(models.TextChoices):
        PRESIDENT = "president", _("President or rector")
        DEAN_OF_STUDENTS = "dean_of_students", _("Dean of students")
        TITLE_IX = "title_ix", _("Title IX coordinator or equality officer")
        COUNSELLING = "counselling", _("Counselling or support office")
        GROUP_LEADER = "group_leader", _("Student group leader")
        EDITOR = "editor", _("Student newspaper editor")
        OTHER = "other", _("Other")

    class Basis(models.TextChoices):
        PUBLIC_ROLE = "public_role", _("Published contact for a public role")
        LEGITIMATE_INTEREST = "legitimate_interest", _("Legitimate interest")
        CONSENT = "consent", _("Consent")

    university = models.ForeignKey(University, on_delete=models.CASCADE, related_name="contacts")
    group = models.ForeignKey(
        CampusGroup, null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts"
    )
    newspaper = models.ForeignKey(
        StudentNewspaper, null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts"
    )
    name = models.CharField(_("name"), max_length=200)
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)
    title = models.CharField(_("title"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    basis = models.CharField(_("lawful basis"), max_length=30, choices=Basis.choices)
    consent_at = models.DateTimeField(_("consent given"), null=True, blank=True)
    consent_text = models.TextField(_("what was agreed"), blank=True)
    source = models.CharField(_("where we found this"), max_length=300, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(basis="consent") | Q(consent_at__isnull=False),
                name="contact_consent_needs_a_date",
            )
        ]

    def __str__(self) -> str:
        return self.name


class SupportResource(TimeStampedModel):
    """Where a student can get help: national lines per country, and offices per campus."""

    class Kind(models.TextChoices):
        HOTLINE = "hotline", _("Hotline")
        CAMPUS_OFFICE = "campus_office", _("Campus office (Title IX, equality)")
        COUNSELLING = "counselling", _("Counselling")
        ANTI_VIOLENCE_CENTRE = "anti_violence_centre", _("Anti-violence centre")
        MEDICAL = "medical", _("Medical care")
        LEGAL = "legal", _("Legal help")
        OTHER = "other", _("Other")

    country = models.CharField(_("country"), max_length=2, db_index=True)
    university = models.ForeignKey(
        University, null=True, blank=True, on_delete=models.CASCADE, related_name="support_resources"
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    website = models.URLField(_("website"), max_length=300, blank=True)
    hours = models.CharField(_("hours"), max_length=120, blank=True)
    languages = models.CharField(_("languages"), max_length=60, blank=True, help_text=_("e.g. en, it"))
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("support resource")
        verbose_name_plural = _("support resources")
        ordering = ["country", "name"]

    def __str__(self) -> str:
        return self.name


class Shortlist(TimeStampedModel):
    """A saved list of target campuses for a campaign."""

    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    # Blank allowed: the author's account may be deleted later (SET_NULL) and the list kept.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    universities = models.ManyToManyField(University, through="ShortlistEntry", related_name="shortlists")

    class Meta:
        verbose_name = _("shortlist")
        verbose_name_plural = _("shortlists")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name


class ShortlistEntry(models.Model):
    shortlist = models.ForeignKey(Shortlist, on_delete=models.CASCADE, related_name="entries")
    university = models.ForeignKey(University, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveIntegerField(default=0)
    # The priority score and its explanation when the campus was added, for the record.
    score = models.FloatField(null=True, blank=True)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["shortlist", "university"], name="shortlist_entry_unique")
        ]

    def __str__(self) -> str:
        return f"{self.shortlist_id}#{self.position}: {self.university_id}"


class ImportRun(models.Model):
    """One import of a directory file: what it was, who ran it and what it changed."""

    kind = models.CharField(_("kind"), max_length=30)
    file_name = models.CharField(_("file"), max_length=255)
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    dry_run = models.BooleanField(default=False)
    succeeded = models.BooleanField(default=False)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.file_name}"
