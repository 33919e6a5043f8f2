"""Errors that carry a message written for the person who will read it."""


class DomainError(Exception):
    """A rule of the domain was broken; `message` is shown to the user as it is."""

    status_code = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class PermissionDeniedError(DomainError):
    """The member's role does not carry the capability the action needs."""

    status_code = 403


class DomainErrorMiddleware:
    """Turns a DomainError escaping a view into a 4xx page (or fragment) carrying its message."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DomainError):
            return None
        from django.shortcuts import render

        template = "_error.html" if request.headers.get("HX-Request") else "error.html"
        return render(
            request, template, {"message": exception.message}, status=exception.status_code
        )


def _snake(name: str) -> str:
    import re

    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def error_code(exc) -> str:
    """A DomainError's own `code`, else its class name in snake_case without `_error`."""
    if isinstance(getattr(exc, "code", None), str) and exc.code:
        return exc.code
    if type(exc) is DomainError:
        return "invalid"
    if isinstance(exc, PermissionDeniedError):
        return "permission_denied"
    return _snake(type(exc).__name__).removesuffix("_error")


def _first_message(detail) -> str:
    if isinstance(detail, dict):
        for value in detail.values():
            return _first_message(value)
    if isinstance(detail, list | tuple):
        for value in detail:
            return _first_message(value)
    return str(detail) if detail else ""


def _fields(detail, prefix: str = "") -> dict[str, list[str]]:
    """DRF validation detail flattened to field → messages (`a.b`, `a.0` for nesting)."""
    if isinstance(detail, dict):
        out: dict[str, list[str]] = {}
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if key == "non_field_errors" and not prefix:
                name = "non_field_errors"
            out.update(_fields(value, name))
        return out
    if isinstance(detail, list | tuple):
        if all(not isinstance(item, dict | list | tuple) for item in detail):
            return {prefix or "non_field_errors": [str(item) for item in detail]}
        out = {}
        for index, item in enumerate(detail):
            out.update(_fields(item, f"{prefix}.{index}" if prefix else str(index)))
        return out
    return {prefix or "non_field_errors": [str(detail)]}


def api_error(status: int, code: str, message: str, *, fields=None, headers=None, **extra):
    """The one error body of the API: `{"error": {"code", "message", "fields"?}}`."""
    from rest_framework.response import Response

    body = {"code": code, "message": message}
    if fields is not None:
        body["fields"] = fields
    body.update(extra)
    return Response({"error": body}, status=status, headers=headers)


def api_exception_handler(exc, context):
    """Every API error in one shape; anything unexpected is left to become a 500."""
    from django.core.exceptions import PermissionDenied, SuspiciousOperation
    from django.http import Http404
    from rest_framework import exceptions
    from rest_framework.views import set_rollback

    set_rollback()  # an error answer never commits half a request (ATOMIC_REQUESTS)
    if isinstance(exc, DomainError):
        extra = getattr(exc, "api_extra", None) or {}
        return api_error(exc.status_code, error_code(exc), exc.message, **extra)
    if isinstance(exc, Http404):
        return api_error(404, "not_found", str(exc) or "Not found.")
    if isinstance(exc, PermissionDenied):
        return api_error(403, "permission_denied", str(exc) or "You may not do this.")
    if isinstance(exc, SuspiciousOperation):
        # Oversized or malformed bodies Django refuses while parsing (too many fields, …).
        return api_error(400, "bad_request", "The request body was refused: "
                         "too large, too many fields or malformed.")
    if not isinstance(exc, exceptions.APIException):
        return None
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    if isinstance(exc, exceptions.ValidationError):
        fields = _fields(exc.detail)
        return api_error(exc.status_code, "validation_error",
                         _first_message(exc.detail) or "The request is not valid.",
                         fields=fields, headers=headers)
    code = exc.get_codes() if isinstance(exc.detail, str) else exc.default_code
    if not isinstance(code, str):
        code = exc.default_code
    return api_error(exc.status_code, code, _first_message(exc.detail) or str(exc),
                     headers=headers)
