from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from hooks import selectors, services, signing
from hooks.models import WebhookEvent
from lotix.errors import DomainError
from projects.roles import WEBHOOKS
from projects.selectors import membership_for, require


def _page(request, membership, *, url="", events=None, error="", new_secret=None, status=200):
    """The webhooks settings page; `new_secret` ({"webhook", "secret"}) is shown this once."""
    webhooks = selectors.webhooks_for_project(membership)
    chosen = set(events if events is not None else WebhookEvent.values)
    response = render(request, "hooks/webhooks.html", {
        "membership": membership,
        "project": membership.project,
        "section": "settings",
        "webhooks": webhooks,
        "event_choices": [(value, label, value in chosen) for value, label in
                          WebhookEvent.choices],
        "url": url,
        "error": error,
        "new_secret": new_secret,
        "log_length": selectors.LOG_LENGTH,
        "max_attempts": services.MAX_ATTEMPTS,
        "headers": {
            "event": signing.HEADER_EVENT, "delivery": signing.HEADER_DELIVERY,
            "timestamp": signing.HEADER_TIMESTAMP, "signature": signing.HEADER_SIGNATURE,
        },
    }, status=status)
    if new_secret:
        # The secret is in this page only; no cache or back button should keep a copy.
        response["Cache-Control"] = "no-store"
    return response


@require_GET
@login_required
def webhook_list(request, slug):
    membership = require(membership_for(request.user, slug), WEBHOOKS)
    return _page(request, membership)


@require_POST
@login_required
def webhook_create(request, slug):
    """Add a webhook; the answer is the page itself, carrying the secret this one time."""
    membership = require(membership_for(request.user, slug), WEBHOOKS)
    url = request.POST.get("url", "").strip()
    events = request.POST.getlist("events")
    try:
        webhook, secret = services.webhook_create(membership=membership, url=url, events=events)
    except DomainError as error:
        return _page(request, membership, url=url, events=events, error=error.message,
                     status=error.status_code)
    return _page(request, membership, new_secret={"webhook": webhook, "secret": secret})


@require_POST
@login_required
def webhook_toggle(request, slug, webhook_uuid):
    membership = require(membership_for(request.user, slug), WEBHOOKS)
    webhook = selectors.webhook_get(membership, webhook_uuid)
    active = request.POST.get("active") == "1"
    services.webhook_set_active(membership=membership, webhook=webhook, active=active)
    messages.success(request, f"Webhook to {webhook.url} {'enabled' if active else 'disabled'}.")
    return redirect("hooks:webhook-list", slug=slug)


@require_POST
@login_required
def webhook_ping(request, slug, webhook_uuid):
    membership = require(membership_for(request.user, slug), WEBHOOKS)
    webhook = selectors.webhook_get(membership, webhook_uuid)
    try:
        services.webhook_ping(membership=membership, webhook=webhook)
    except DomainError as error:
        return _page(request, membership, error=error.message, status=error.status_code)
    messages.success(request, f"Test ping queued for {webhook.url}; its delivery shows in the "
                              "log below (reload to see the answer).")
    return redirect("hooks:webhook-list", slug=slug)


@require_POST
@login_required
def webhook_rotate(request, slug, webhook_uuid):
    """Replace the secret; the answer is the page, carrying the new secret this one time."""
    membership = require(membership_for(request.user, slug), WEBHOOKS)
    webhook = selectors.webhook_get(membership, webhook_uuid)
    secret = services.webhook_rotate_secret(membership=membership, webhook=webhook)
    return _page(request, membership, new_secret={"webhook": webhook, "secret": secret,
                                                  "rotated": True})


@require_POST
@login_required
def webhook_delete(request, slug, webhook_uuid):
    membership = require(membership_for(request.user, slug), WEBHOOKS)
    webhook = selectors.webhook_get(membership, webhook_uuid)
    url = webhook.url
    services.webhook_delete(membership=membership, webhook=webhook)
    messages.success(request, f"Deleted the webhook to {url} and its delivery log.")
    return redirect("hooks:webhook-list", slug=slug)
