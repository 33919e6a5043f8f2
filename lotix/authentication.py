"""API token authentication (kept apart from the URL tree: DRF imports it while loading)."""

import hashlib

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

TOKEN_PREFIX = "ltx_"
# last_used_at is written at most this often, so reads stay reads.
LAST_USED_RESOLUTION_S = 60


def token_digest(token: str) -> str:
    """The SHA-256 stored for a token; tokens are long random strings, so no salt is needed."""
    return hashlib.sha256(token.encode()).hexdigest()


class TokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer ltx_…` with a personal token from the account page."""

    keyword = "Bearer"

    def authenticate(self, request):
        from projects.models import ApiToken

        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0] not in (self.keyword, "Token"):
            return None
        if len(header) != 2 or not header[1].startswith(TOKEN_PREFIX):
            raise exceptions.AuthenticationFailed("Malformed API token.")
        try:
            token = ApiToken.objects.active().select_related("user").get(
                token_hash=token_digest(header[1])
            )
        except ApiToken.DoesNotExist:
            raise exceptions.AuthenticationFailed("Unknown or revoked API token.") from None
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("This account is disabled.")
        now = timezone.now()
        if (token.last_used_at is None
                or (now - token.last_used_at).total_seconds() > LAST_USED_RESOLUTION_S):
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request):
        return self.keyword


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    """Describes the bearer token in the OpenAPI schema."""

    target_class = "lotix.authentication.TokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "ltx_…",
                "description": "A personal API token from Account → API tokens."}
