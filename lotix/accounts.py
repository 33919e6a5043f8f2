"""Log-in with attempt limits per account and per address; Django does not throttle log-ins."""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.core.cache import cache

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
