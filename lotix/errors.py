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


def api_exception_handler(exc, context):
    """DRF exception handler that answers a DomainError with its message and status."""
    from rest_framework.response import Response
    from rest_framework.views import exception_handler

    if isinstance(exc, DomainError):
        return Response({"detail": exc.message}, status=exc.status_code)
    return exception_handler(exc, context)
