from django.contrib import admin

from dailies.models import DailiesEntry, DailiesSession, ShareLink


class DailiesEntryInline(admin.TabularInline):
    model = DailiesEntry
    extra = 0
    raw_id_fields = ["take"]


@admin.register(DailiesSession)
class DailiesSessionAdmin(admin.ModelAdmin):
    list_display = ["title", "project", "date", "status", "closed_at"]
    inlines = [DailiesEntryInline]


@admin.register(ShareLink)
class ShareLinkAdmin(admin.ModelAdmin):
    list_display = ["session", "expires_at", "can_comment", "active", "revoked_at"]
    # Revoking goes through the Share page (share_link_revoke), which records the activity.
    readonly_fields = ["token_hash", "passphrase_hash", "active", "revoked_at"]
