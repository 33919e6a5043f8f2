from django.contrib import admin

from dailies.models import DailiesEntry, DailiesSession, ShareLink


class DailiesEntryInline(admin.TabularInline):
    model = DailiesEntry
    extra = 0
    raw_id_fields = ["take"]


@admin.register(DailiesSession)
class DailiesSessionAdmin(admin.ModelAdmin):
    list_display = ["title", "project", "date", "status"]
    inlines = [DailiesEntryInline]


@admin.register(ShareLink)
class ShareLinkAdmin(admin.ModelAdmin):
    list_display = ["session", "expires_at", "can_comment", "active"]
    readonly_fields = ["token_hash", "passphrase_hash"]
