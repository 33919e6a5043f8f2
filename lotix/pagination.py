"""Shared plumbing of API v1: limit/offset pages, the error body and their OpenAPI shapes.

Every list answers `{"count", "next", "previous", "results"}` with `?limit=` (1–200, 50 by
default) and `?offset=`; every error answers `{"error": {"code", "message", "fields"?}}`.
"""

from django.db.models import Count, Window
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class Page(LimitOffsetPagination):
    """`?limit=&offset=`; a limit or offset that is not a whole number in range is refused."""

    default_limit = DEFAULT_LIMIT
    max_limit = MAX_LIMIT

    def get_limit(self, request):
        raw = request.query_params.get(self.limit_query_param)
        if raw is None or raw == "":
            return self.default_limit
        try:
            limit = int(raw)
        except ValueError:
            limit = 0
        if not 1 <= limit <= MAX_LIMIT:
            raise ValidationError({"limit": [f"Ask for 1 to {MAX_LIMIT} rows per page."]})
        return limit

    def get_offset(self, request):
        raw = request.query_params.get(self.offset_query_param)
        if raw is None or raw == "":
            return 0
        try:
            offset = int(raw)
        except ValueError:
            offset = -1
        if not 0 <= offset <= 2**31:
            raise ValidationError({"offset": ["The offset is a whole number from 0."]})
        return offset


class KeyPage(Page):
    """A Page for hot lists of wide rows: one narrow query gives the page's primary keys in
    order with the total (`COUNT(*) OVER ()`), so no separate COUNT runs and the database
    sorts keys, not whole rows; the caller then reads just those rows by key. A page past the
    end (no keys come back) costs one plain COUNT for the `count` field."""

    def paginate_keys(self, queryset, request, view=None) -> list:
        self.request = request
        self.limit = self.get_limit(request)
        self.offset = self.get_offset(request)
        rows = list(queryset.annotate(page_total=Window(Count("*")))
                    .values_list("pk", "page_total")[self.offset:self.offset + self.limit])
        self.count = rows[0][1] if rows else queryset.count()
        if self.count > self.limit and self.template is not None:
            self.display_page_controls = True
        return [pk for pk, _ in rows]


def in_key_order(keys: list, rows, key: str = "pk") -> list:
    """`rows` (dicts read by `key__in=keys`) in the order of `keys`."""
    by_key = {row[key]: row for row in rows}
    return [by_key[k] for k in keys if k in by_key]


def paginated(request, rows, serializer_class, *, view=None, context=None):
    """One page of `rows` (a queryset: one COUNT, one page query plus its prefetches)."""
    page = Page()
    items = page.paginate_queryset(rows, request, view=view)
    context = {"request": request, **(context or {})}
    return page.get_paginated_response(serializer_class(items, many=True, context=context).data)


def page_of(serializer_class, name: str):
    """The OpenAPI shape of a page of `serializer_class` rows."""
    return inline_serializer(
        name=name,
        fields={
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": serializer_class(many=True),
        },
    )


PAGE_PARAMETERS = [
    OpenApiParameter("limit", OpenApiTypes.INT, description=f"Rows per page, 1 to {MAX_LIMIT} "
                     f"(default {DEFAULT_LIMIT}).", required=False),
    OpenApiParameter("offset", OpenApiTypes.INT, description="Rows to skip.", required=False),
]


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="snake_case, stable: what went wrong.")
    message = serializers.CharField(help_text="A sentence for the person reading it.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), required=False,
        help_text="Validation errors only: field name → messages.",
    )
    current = serializers.DictField(
        required=False, help_text="Stale decisions only: the take's state now.",
    )


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


ERROR_DESCRIPTIONS = {
    400: "The request was refused: bad input or a broken rule (see `error.fields`).",
    401: "No credentials, or an unknown, revoked or malformed token.",
    403: "Your role does not allow this.",
    404: "No such project or object (strangers get this too).",
    405: "Method not allowed.",
    409: "Conflict with the current state (e.g. a stale decision).",
    413: "The upload is too large.",
    415: "Unsupported media type.",
    416: "The requested byte range is outside the file.",
    429: "Too many requests.",
}


def errors(*extra: int) -> dict:
    """The error responses of an operation: 400, 401, 403, 404 always, plus `extra`."""
    return {
        code: OpenApiResponse(ErrorSerializer, description=ERROR_DESCRIPTIONS[code])
        for code in sorted({400, 401, 403, 404, 415, *extra})
    }


def no_content(*extra: int) -> dict:
    return {204: OpenApiResponse(description="Done; nothing to return."), **errors(*extra)}


def absolute(request, url: str | None) -> str | None:
    return request.build_absolute_uri(url) if url else None


__all__ = ["Page", "KeyPage", "in_key_order", "paginated", "page_of", "PAGE_PARAMETERS",
           "ErrorSerializer", "errors", "no_content", "absolute", "Response"]
