"""Permission-checked reads for webhooks; every one passes the project gate first."""

from django.db.models import Prefetch
from django.http import Http404

from hooks.models import Webhook, WebhookDelivery
from projects import roles
from projects.selectors import require

LOG_LENGTH = 50


def webhooks_for_project(membership) -> list[Webhook]:
    """The project's webhooks, each with its last 50 deliveries, in two queries."""
    require(membership, roles.WEBHOOKS)
    # A sliced prefetch runs as one query with a window function, whatever the number of
    # webhooks: the page's query count does not grow with them or with their deliveries.
    recent = WebhookDelivery.objects.order_by("-created_at", "-id").defer("payload")
    return list(
        Webhook.objects.filter(project=membership.project)
        .order_by("created_at", "id")
        .prefetch_related(Prefetch("deliveries", queryset=recent[:LOG_LENGTH],
                                   to_attr="recent_deliveries"))
    )


def webhook_get(membership, webhook_uuid) -> Webhook:
    """One webhook of the member's project; 404 for another project's."""
    require(membership, roles.WEBHOOKS)
    try:
        return Webhook.objects.get(project=membership.project, uuid=webhook_uuid)
    except Webhook.DoesNotExist:
        raise Http404("No such webhook.") from None
