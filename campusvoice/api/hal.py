"""HAL+JSON as Action Network writes it: absolute links, `osdi:` relations, paged collections.

A collection is `{"total_pages", "per_page", "page", "total_records", "_links", "_embedded":
{"osdi:people": [...]}}`. A page past the last one is empty, not a 404: Action Network's clients
(parsons among them) read pages until one comes back empty.
"""

import math
from urllib.parse import urlencode

from django.urls import reverse
from rest_framework import serializers

MAX_PER_PAGE = 25
OSDI_VERSION = "1.1.1"
CURIES = [{"name": "osdi", "href": "https://opensupporter.github.io/osdi-docs/{rel}", "templated": True}]


def href(request, name: str, **kwargs) -> dict:
    return {"href": request.build_absolute_uri(reverse(f"api:{name}", kwargs=kwargs))}


def identifiers(obj) -> list[str]:
    return [f"campusvoice:{obj.pk}"]


class PageInput(serializers.Serializer):
    page = serializers.IntegerField(min_value=1, default=1)
    # Action Network caps per_page at 25 rather than refusing more; so do we.
    per_page = serializers.IntegerField(min_value=1, default=MAX_PER_PAGE)


def paginate(
    request, queryset, *, rel: str, serializer_class, context: dict | None = None
) -> tuple[dict, int]:
    """The HAL body for one page of `queryset` and the number of items on it.

    Raises ValidationError (400) for a page or per_page that is not a positive integer.
    """
    params = PageInput(data=request.query_params)
    params.is_valid(raise_exception=True)
    page = params.validated_data["page"]
    per_page = min(params.validated_data["per_page"], MAX_PER_PAGE)
    total = queryset.count()
    total_pages = math.ceil(total / per_page)
    # Never ask the database for an offset past the end (or one too big for it).
    items = list(queryset[(page - 1) * per_page : page * per_page]) if page <= total_pages else []
    data = serializer_class(items, many=True, context={"request": request, **(context or {})}).data

    def page_link(number: int) -> dict:
        query = {k: v for k, v in request.query_params.items() if k not in ("page", "per_page")}
        query.update(page=number, per_page=per_page)
        return {"href": request.build_absolute_uri(f"{request.path}?{urlencode(query)}")}

    links = {"self": page_link(page)}
    if page < total_pages:
        links["next"] = page_link(page + 1)
    if 1 < page <= total_pages + 1:
        links["previous"] = page_link(page - 1)
    links[rel] = [item["_links"]["self"] for item in data]
    links["curies"] = CURIES
    body = {
        "total_pages": total_pages,
        "per_page": per_page,
        "page": page,
        "total_records": total,
        "_links": links,
        "_embedded": {rel: data},
    }
    return body, len(items)


def page_schema(name: str, rel: str, item_serializer):
    """An OpenAPI description of one collection page, for drf-spectacular."""
    from drf_spectacular.utils import inline_serializer

    return inline_serializer(
        name=f"{name}Page",
        fields={
            "total_pages": serializers.IntegerField(),
            "per_page": serializers.IntegerField(),
            "page": serializers.IntegerField(),
            "total_records": serializers.IntegerField(),
            "_links": serializers.DictField(),
            "_embedded": inline_serializer(name=f"{name}Embedded", fields={rel: item_serializer(many=True)}),
        },
    )
