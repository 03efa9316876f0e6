"""The OSDI API, in Action Network's flavour: people, petitions, signatures, tags and taggings.

One APIView per URL, each method thin: validate with the nested InputSerializer, call one
service or selector, answer with the OutputSerializer. Who may call what is declared with
`capability`/`capabilities` and checked by permissions.HasCapability (see authentication.py).
Reads of personal data are audited: one event per request, with the count for a list.
"""

import re
from urllib.parse import urlsplit

from django.conf import settings
from django.shortcuts import get_object_or_404
from django.urls import Resolver404, resolve, reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    extend_schema,
    extend_schema_field,
    extend_schema_serializer,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from campusvoice.accounts import access
from campusvoice.accounts.models import AuditEvent
from campusvoice.accounts.services import audit_record
from campusvoice.api import hal, services
from campusvoice.petitions import selectors as petition_selectors
from campusvoice.petitions.models import Petition, Signature
from campusvoice.petitions.services.signatures import Outcome
from campusvoice.supporters import selectors as supporter_selectors
from campusvoice.supporters import services as supporter_services
from campusvoice.supporters.emails import email_canonical
from campusvoice.supporters.models import Person, Tag

Tagging = Person.tags.through

SUPPORTERS_READ = {"GET": "supporters.view", "HEAD": "supporters.view"}


class ApiView(APIView):
    # Public for AccessPolicyMiddleware only: the token and the capability are checked by DRF.
    campusvoice_access = access.PUBLIC
    capability: str | None = None
    capabilities: dict[str, str] = {}


def _audit_read(request: Request, *, object_type: str, object_id="", count: int | None = None) -> None:
    audit_record(
        actor=request.user,
        action=AuditEvent.Action.VIEW if count is None else AuditEvent.Action.EXPORT,
        object_type=object_type,
        object_id=object_id,
        summary="api",
        detail={} if count is None else {"count": count, "path": request.path},
    )


# Output ----------------------------------------------------------------------------------------


class HalSerializer(serializers.Serializer):
    identifiers = serializers.SerializerMethodField()
    created_date = serializers.DateTimeField(source="created_at")
    modified_date = serializers.DateTimeField(source="updated_at")

    def get_identifiers(self, obj) -> list[str]:
        return hal.identifiers(obj)

    def _href(self, name: str, **kwargs) -> dict:
        return hal.href(self.context["request"], name, **kwargs)


class PersonSerializer(HalSerializer):
    given_name = serializers.CharField()
    family_name = serializers.CharField()
    languages_spoken = serializers.SerializerMethodField()
    email_addresses = serializers.SerializerMethodField()
    postal_addresses = serializers.SerializerMethodField()
    _links = serializers.SerializerMethodField()

    def get_languages_spoken(self, person) -> list[str]:
        return [person.language] if person.language else []

    @extend_schema_field(
        inline_serializer(
            "EmailAddress",
            fields={"address": serializers.EmailField(), "primary": serializers.BooleanField()},
            many=True,
        )
    )
    def get_email_addresses(self, person):
        emails = sorted(person.emails.all(), key=lambda e: e.pk)
        return [{"address": e.address, "primary": i == 0} for i, e in enumerate(emails)]

    @extend_schema_field({"type": "array", "items": {"type": "object"}})
    def get_postal_addresses(self, person):
        return []  # not stored: campusvoice keeps a campus, not a postal address

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get__links(self, person):
        return {"self": self._href("person-detail", pk=person.pk)}


class PetitionSerializer(HalSerializer):
    title = serializers.CharField(source="title_en")
    description = serializers.CharField(source="text_en")
    petition_text = serializers.CharField(source="text_en")
    target = serializers.SerializerMethodField()
    total_signatures = serializers.IntegerField(source="confirmed")
    is_open = serializers.BooleanField()
    browser_url = serializers.SerializerMethodField()
    origin_system = serializers.SerializerMethodField()
    _links = serializers.SerializerMethodField()

    @extend_schema_field(
        {"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string"}}}}
    )
    def get_target(self, petition):
        return [{"name": petition.target_description}]

    def get_browser_url(self, petition) -> str:
        path = reverse("petitions_public:petition-redirect", kwargs={"slug": petition.slug})
        return settings.SITE_URL.rstrip("/") + path

    def get_origin_system(self, petition) -> str:
        return "campusvoice"

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get__links(self, petition):
        return {
            "self": self._href("petition-detail", pk=petition.pk),
            "osdi:signatures": self._href("signature-list", petition_pk=petition.pk),
            "osdi:record_signature_helper": self._href("signature-list", petition_pk=petition.pk),
        }


class SignatureSerializer(serializers.Serializer):
    """A signature without the signer's name or address: those are the person's, linked once
    the signer confirmed (double opt-in)."""

    identifiers = serializers.SerializerMethodField()
    created_date = serializers.DateTimeField(source="created_at")
    modified_date = serializers.SerializerMethodField()
    status = serializers.CharField()
    confirmed_date = serializers.DateTimeField(source="confirmed_at")
    _links = serializers.SerializerMethodField()

    def get_identifiers(self, signature) -> list[str]:
        return hal.identifiers(signature)

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_modified_date(self, signature):
        moments = [
            signature.created_at,
            signature.last_attempt_at,
            signature.confirmed_at,
            signature.voided_at,
        ]
        return serializers.DateTimeField().to_representation(max(m for m in moments if m))

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get__links(self, signature):
        request = self.context["request"]
        links = {
            "self": hal.href(request, "signature-detail", petition_pk=signature.petition_id, pk=signature.pk),
            "osdi:petition": hal.href(request, "petition-detail", pk=signature.petition_id),
        }
        if signature.person_id:
            links["osdi:person"] = hal.href(request, "person-detail", pk=signature.person_id)
        return links


class TagSerializer(HalSerializer):
    name = serializers.CharField()
    _links = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get__links(self, tag):
        return {
            "self": self._href("tag-detail", pk=tag.pk),
            "osdi:taggings": self._href("tagging-list", tag_pk=tag.pk),
        }


class TaggingSerializer(serializers.Serializer):
    """A person's tag. The link row keeps no dates, so created_date and modified_date are null."""

    identifiers = serializers.SerializerMethodField()
    created_date = serializers.SerializerMethodField()
    modified_date = serializers.SerializerMethodField()
    item_type = serializers.SerializerMethodField()
    _links = serializers.SerializerMethodField()

    def get_identifiers(self, tagging) -> list[str]:
        return hal.identifiers(tagging)

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_created_date(self, tagging):
        return None

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_modified_date(self, tagging):
        return None

    def get_item_type(self, tagging) -> str:
        return "osdi:person"

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get__links(self, tagging):
        request = self.context["request"]
        return {
            "self": hal.href(request, "tagging-detail", tag_pk=tagging.tag_id, pk=tagging.pk),
            "osdi:tag": hal.href(request, "tag-detail", pk=tagging.tag_id),
            "osdi:person": hal.href(request, "person-detail", pk=tagging.person_id),
        }


# Input -----------------------------------------------------------------------------------------


class EmailAddressInput(serializers.Serializer):
    address = serializers.EmailField(max_length=254)


class PostalAddressInput(serializers.Serializer):
    # Accepted for compatibility; campusvoice does not store postal addresses.
    postal_code = serializers.CharField(max_length=20, required=False, allow_blank=True, allow_null=True)


class PersonInput(serializers.Serializer):
    """Unknown fields (custom_fields, phone_numbers…) are ignored, as clients send them freely."""

    given_name = serializers.CharField(max_length=100, required=False, allow_blank=True, allow_null=True)
    family_name = serializers.CharField(max_length=100, required=False, allow_blank=True, allow_null=True)
    email_addresses = EmailAddressInput(many=True, required=False, max_length=5)
    postal_addresses = PostalAddressInput(many=True, required=False, max_length=5)
    languages_spoken = serializers.ListField(
        child=serializers.CharField(min_length=1, max_length=8), required=False, max_length=5
    )


class SignupPersonInput(PersonInput):
    """The signup helper finds or creates the person by e-mail, so one address is required."""

    email_addresses = serializers.ListField(child=EmailAddressInput(), min_length=1, max_length=5)


def _required_email(person: dict) -> str:
    addresses = person.get("email_addresses") or []
    if not addresses:
        raise ValidationError({"person": {"email_addresses": [_("Give at least one e-mail address.")]}})
    return addresses[0]["address"]


# Entry point and schema ------------------------------------------------------------------------


class EntryPointApi(ApiView):
    capability = access.SIGNED_IN

    @extend_schema(responses={200: OpenApiTypes.OBJECT}, summary="API entry point")
    def get(self, request: Request) -> Response:
        link = lambda name: hal.href(request, name)  # noqa: E731
        return Response(
            {
                "motd": "campusvoice OSDI API, Action Network flavour. See _links.docs for the OpenAPI description.",
                "vendor_name": "campusvoice",
                "product_name": "campusvoice",
                "osdi_version": hal.OSDI_VERSION,
                # OSDI spells it max_pagesize, Action Network max_page_size: both, for both.
                "max_pagesize": hal.MAX_PER_PAGE,
                "max_page_size": hal.MAX_PER_PAGE,
                "_links": {
                    "self": link("entry-point"),
                    "curies": hal.CURIES,
                    "osdi:people": link("person-list"),
                    "osdi:person_signup_helper": link("person-list"),
                    "osdi:petitions": link("petition-list"),
                    "osdi:tags": link("tag-list"),
                    "docs": link("schema"),
                },
            }
        )


# People ----------------------------------------------------------------------------------------

EMAIL_FILTER = re.compile(r"^\s*email_address\s+eq\s+'([^']{1,254})'\s*$")


class PersonListApi(ApiView):
    """GET: the people (merged ones left out), newest first. POST: the person signup helper."""

    capabilities = {**SUPPORTERS_READ, "POST": "supporters.edit"}

    @extend_schema_serializer(component_name="PersonSignupInput")
    class InputSerializer(serializers.Serializer):
        person = SignupPersonInput()
        add_tags = serializers.ListField(
            child=serializers.CharField(min_length=1, max_length=60), required=False, max_length=50
        )

    OutputSerializer = PersonSerializer

    @extend_schema(
        responses={200: hal.page_schema("People", "osdi:people", PersonSerializer)},
        summary="List people",
        operation_id="people_list",
        description="`filter=email_address eq 'x@example.org'` is the one OData filter understood.",
    )
    def get(self, request: Request) -> Response:
        people = supporter_selectors.people_list().order_by("-created_at", "-pk")
        query = request.query_params.get("filter")
        if query:
            match = EMAIL_FILTER.match(query)
            if not match:
                raise ValidationError({"filter": [_("Only “email_address eq '…'” is supported.")]})
            people = people.filter(emails__canonical=email_canonical(match.group(1)))
        body, count = hal.paginate(request, people, rel="osdi:people", serializer_class=self.OutputSerializer)
        _audit_read(request, object_type="person", count=count)
        return Response(body)

    @extend_schema(request=InputSerializer, responses={200: PersonSerializer, 201: PersonSerializer})
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        person_data = data.validated_data["person"]
        person, created = services.person_signup(
            email=_required_email(person_data),
            given_name=person_data.get("given_name"),
            family_name=person_data.get("family_name"),
            language=_language(person_data),
            tags=data.validated_data.get("add_tags", []),
            by=request.user,
        )
        person = supporter_selectors.person_get(pk=person.pk)
        output = self.OutputSerializer(person, context={"request": request}).data
        return Response(output, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


def _language(person_data: dict) -> str | None:
    spoken = person_data.get("languages_spoken")
    return spoken[0] if spoken else None


class PersonDetailApi(ApiView):
    capabilities = {**SUPPORTERS_READ, "PUT": "supporters.edit"}

    InputSerializer = PersonInput
    OutputSerializer = PersonSerializer

    def _person(self, pk: int) -> Person:
        return get_object_or_404(supporter_selectors.people_list(), pk=pk)

    @extend_schema(responses={200: PersonSerializer}, summary="Get a person")
    def get(self, request: Request, pk: int) -> Response:
        person = self._person(pk)
        _audit_read(request, object_type="person", object_id=person.pk)
        return Response(self.OutputSerializer(person, context={"request": request}).data)

    @extend_schema(request=PersonInput, responses={200: PersonSerializer}, summary="Update a person")
    def put(self, request: Request, pk: int) -> Response:
        person = self._person(pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.person_update(
            person=person,
            given_name=data.validated_data.get("given_name"),
            family_name=data.validated_data.get("family_name"),
            language=_language(data.validated_data),
            emails=[e["address"] for e in data.validated_data.get("email_addresses", [])],
            by=request.user,
        )
        person = supporter_selectors.person_get(pk=person.pk)
        return Response(self.OutputSerializer(person, context={"request": request}).data)


# Petitions and signatures ----------------------------------------------------------------------


def _petitions():
    return petition_selectors.petitions_list().order_by("-created_at", "-pk")


class PetitionListApi(ApiView):
    capability = "petitions.manage"
    OutputSerializer = PetitionSerializer

    @extend_schema(
        responses={200: hal.page_schema("Petitions", "osdi:petitions", PetitionSerializer)},
        operation_id="petitions_list",
    )
    def get(self, request: Request) -> Response:
        body, _count = hal.paginate(
            request, _petitions(), rel="osdi:petitions", serializer_class=self.OutputSerializer
        )
        return Response(body)


class PetitionDetailApi(ApiView):
    capability = "petitions.manage"
    OutputSerializer = PetitionSerializer

    @extend_schema(responses={200: PetitionSerializer})
    def get(self, request: Request, pk: int) -> Response:
        petition = get_object_or_404(_petitions(), pk=pk)
        return Response(self.OutputSerializer(petition, context={"request": request}).data)


class SignatureListApi(ApiView):
    """GET: a petition's signatures. POST: the record-signature helper, through the public
    signing service, so double opt-in applies: the signature is unconfirmed until the signer
    opens the e-mailed link."""

    capability = "petitions.manage"

    @extend_schema_serializer(component_name="RecordSignatureInput")
    class InputSerializer(serializers.Serializer):
        person = PersonInput()
        comments = serializers.CharField(required=False, allow_blank=True, max_length=2000)

    OutputSerializer = SignatureSerializer

    @extend_schema(
        responses={200: hal.page_schema("Signatures", "osdi:signatures", SignatureSerializer)},
        operation_id="petitions_signatures_list",
    )
    def get(self, request: Request, petition_pk: int) -> Response:
        petition = get_object_or_404(Petition, pk=petition_pk)
        signatures = petition_selectors.signatures_search(petition=petition)
        body, count = hal.paginate(
            request, signatures, rel="osdi:signatures", serializer_class=self.OutputSerializer
        )
        _audit_read(request, object_type="signature", count=count)
        return Response(body)

    @extend_schema(
        request=InputSerializer,
        responses={201: SignatureSerializer, 200: SignatureSerializer},
        description="`comments` is accepted and not stored.",
    )
    def post(self, request: Request, petition_pk: int) -> Response:
        petition = get_object_or_404(Petition, pk=petition_pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        person = data.validated_data["person"]
        name = " ".join(filter(None, [person.get("given_name"), person.get("family_name")]))
        signature, outcome = services.signature_record(
            petition=petition,
            name=name,
            email=_required_email(person),
            language=_language(person) or "",
            by=request.user,
        )
        if signature is None:  # two requests with one address at once: the other one recorded it
            return Response(status=status.HTTP_202_ACCEPTED)
        output = self.OutputSerializer(signature, context={"request": request}).data
        return Response(output, status=status.HTTP_201_CREATED if outcome == Outcome.CREATED else 200)


class SignatureDetailApi(ApiView):
    capability = "petitions.manage"
    OutputSerializer = SignatureSerializer

    @extend_schema(responses={200: SignatureSerializer})
    def get(self, request: Request, petition_pk: int, pk: int) -> Response:
        signature = get_object_or_404(Signature, petition_id=petition_pk, pk=pk)
        _audit_read(request, object_type="signature", object_id=signature.pk)
        return Response(self.OutputSerializer(signature, context={"request": request}).data)


# Tags and taggings -----------------------------------------------------------------------------


class TagListApi(ApiView):
    capabilities = {**SUPPORTERS_READ, "POST": "supporters.edit"}

    @extend_schema_serializer(component_name="TagInput")
    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(min_length=1, max_length=60)

    OutputSerializer = TagSerializer

    @extend_schema(
        responses={200: hal.page_schema("Tags", "osdi:tags", TagSerializer)}, operation_id="tags_list"
    )
    def get(self, request: Request) -> Response:
        tags = Tag.objects.order_by("pk")
        body, _count = hal.paginate(request, tags, rel="osdi:tags", serializer_class=self.OutputSerializer)
        return Response(body)

    @extend_schema(request=InputSerializer, responses={201: TagSerializer, 200: TagSerializer})
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        tag, created = services.tag_create(name=data.validated_data["name"])
        output = self.OutputSerializer(tag, context={"request": request}).data
        return Response(output, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class TagDetailApi(ApiView):
    capabilities = SUPPORTERS_READ
    OutputSerializer = TagSerializer

    @extend_schema(responses={200: TagSerializer})
    def get(self, request: Request, pk: int) -> Response:
        tag = get_object_or_404(Tag, pk=pk)
        return Response(self.OutputSerializer(tag, context={"request": request}).data)


def _person_from_href(value: str) -> Person:
    """The person an `osdi:person` link points to, if it is one of our person URLs."""
    try:
        match = resolve(urlsplit(value).path)
    except Resolver404:
        match = None
    if match is None or match.view_name != "api:person-detail":
        raise ValidationError({"_links": {"osdi:person": [_("Not a link to a person of this API.")]}})
    return get_object_or_404(supporter_selectors.people_list(), pk=match.kwargs["pk"])


class TaggingListApi(ApiView):
    capabilities = {**SUPPORTERS_READ, "POST": "supporters.edit"}

    @extend_schema_serializer(component_name="TaggingInput")
    class InputSerializer(serializers.Serializer):
        class LinksInput(serializers.Serializer):
            person = inline_serializer(
                "PersonLink", fields={"href": serializers.CharField(min_length=1, max_length=500)}
            )

            def to_internal_value(self, data):
                # The key has a colon, which a field name cannot have.
                if isinstance(data, dict) and "osdi:person" in data:
                    data = {**data, "person": data["osdi:person"]}
                return super().to_internal_value(data)

        _links = LinksInput()

    OutputSerializer = TaggingSerializer

    @extend_schema(
        responses={200: hal.page_schema("Taggings", "osdi:taggings", TaggingSerializer)},
        operation_id="tags_taggings_list",
    )
    def get(self, request: Request, tag_pk: int) -> Response:
        tag = get_object_or_404(Tag, pk=tag_pk)
        taggings = Tagging.objects.filter(tag=tag).order_by("pk")
        body, count = hal.paginate(
            request, taggings, rel="osdi:taggings", serializer_class=self.OutputSerializer
        )
        _audit_read(request, object_type="person", count=count)
        return Response(body)

    @extend_schema(request=InputSerializer, responses={201: TaggingSerializer, 200: TaggingSerializer})
    def post(self, request: Request, tag_pk: int) -> Response:
        tag = get_object_or_404(Tag, pk=tag_pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        person = _person_from_href(data.validated_data["_links"]["person"]["href"])
        existed = Tagging.objects.filter(tag=tag, person=person).exists()
        supporter_services.person_tag_add(person=person, name=tag.name, by=request.user)
        tagging = Tagging.objects.get(tag=tag, person=person)
        output = self.OutputSerializer(tagging, context={"request": request}).data
        return Response(output, status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED)


class TaggingDetailApi(ApiView):
    capabilities = {**SUPPORTERS_READ, "DELETE": "supporters.edit"}
    OutputSerializer = TaggingSerializer

    def _tagging(self, tag_pk: int, pk: int):
        return get_object_or_404(Tagging.objects.select_related("person", "tag"), tag_id=tag_pk, pk=pk)

    @extend_schema(responses={200: TaggingSerializer})
    def get(self, request: Request, tag_pk: int, pk: int) -> Response:
        tagging = self._tagging(tag_pk, pk)
        _audit_read(request, object_type="person", object_id=tagging.person_id)
        return Response(self.OutputSerializer(tagging, context={"request": request}).data)

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def delete(self, request: Request, tag_pk: int, pk: int) -> Response:
        tagging = self._tagging(tag_pk, pk)
        supporter_services.person_tag_remove(person=tagging.person, tag=tagging.tag, by=request.user)
        return Response({"notice": "This tagging was successfully deleted."})
