"""Account pages: log-in with attempt limits (Django does not throttle log-ins), API tokens."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from lotix.errors import DomainError

WINDOW_S = 15 * 60


def _keys(request, username: str) -> tuple[str, str]:
    address = request.META.get("REMOTE_ADDR", "unknown")
    return f"login-fail:user:{username.strip().lower()}", f"login-fail:ip:{address}"


def _count(key: str) -> int:
    return cache.get(key, 0)


def _bump(key: str) -> None:
    # add() then incr() keeps the count right when two requests fail at once (atomic in Redis).
    cache.add(key, 0, WINDOW_S)
    try:
        cache.incr(key)
    except ValueError:  # expired between the two calls
        cache.set(key, 1, WINDOW_S)


class LoginView(auth_views.LoginView):
    """Django's log-in page, refusing further tries once an account or address failed too often."""

    redirect_authenticated_user = True
    http_method_names = ["get", "post"]

    def dispatch(self, request, *args, **kwargs):
        # Django redirects a logged-in visitor before it looks at the method; refuse first.
        if request.method.lower() not in self.http_method_names:
            return self.http_method_not_allowed(request, *args, **kwargs)
        return super().dispatch(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        username = request.POST.get("username", "")
        user_key, ip_key = _keys(request, username)
        if (_count(user_key) >= settings.LOTIX_LOGIN_FAILURES_PER_ACCOUNT
                or _count(ip_key) >= settings.LOTIX_LOGIN_FAILURES_PER_ADDRESS):
            form = self.get_form()
            form.errors.clear()
            form.add_error(None, "Too many failed log-ins. Wait 15 minutes and try again, or ask "
                                 "an administrator to reset your password.")
            response = self.render_to_response(self.get_context_data(form=form))
            response.status_code = 429
            return response
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        user_key, ip_key = _keys(self.request, self.request.POST.get("username", ""))
        _bump(user_key)
        _bump(ip_key)
        return super().form_invalid(form)

    def form_valid(self, form):
        cache.delete(_keys(self.request, form.get_user().get_username())[0])
        return super().form_valid(form)


@require_http_methods(["GET", "POST"])
@login_required
def api_tokens(request):
    """The user's API tokens: create one (shown once), see when each was last used, revoke."""
    from projects.models import ApiToken
    from projects.services import api_token_create, api_token_revoke

    new_token = None
    error = ""
    if request.method == "POST":
        try:
            if "revoke" in request.POST:
                token = get_object_or_404(ApiToken, pk=request.POST["revoke"], user=request.user)
                api_token_revoke(token=token)
                messages.success(request, f"Token “{token.name}” revoked; it no longer works.")
                return redirect("api-tokens")
            _, new_token = api_token_create(user=request.user, name=request.POST.get("name", ""))
        except DomainError as refused:
            error = refused.message
    tokens = ApiToken.objects.filter(user=request.user)
    return render(request, "accounts/api_tokens.html",
                  {"tokens": tokens, "new_token": new_token, "error": error},
                  status=400 if error else 200)
