from django.contrib import admin

from hooks.models import Webhook, WebhookDelivery


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    list_display = ["url", "project", "active", "created_by", "created_at"]
    list_filter = ["active"]
    search_fields = ["url", "project__name", "project__slug"]
    # The secret signs deliveries; the admin never shows it. Webhooks are added on the project's
    # settings page, where the URL is checked; here only `active` can change.
    exclude = ["secret"]
    readonly_fields = ["uuid", "project", "url", "events", "created_by", "created_at",
                       "secret_rotated_at"]

    def has_add_permission(self, request):
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["uuid", "webhook", "event", "status", "attempts", "response_code",
                    "created_at", "delivered_at"]
    list_filter = ["status", "event"]
    search_fields = ["uuid", "webhook__url"]
    readonly_fields = [field.name for field in WebhookDelivery._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
