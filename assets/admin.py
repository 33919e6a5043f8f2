from django.contrib import admin

from assets.models import Asset, AssetFile


class AssetFileInline(admin.TabularInline):
    model = AssetFile
    extra = 0
    fields = ["original_name", "format", "width", "height", "approval"]
    readonly_fields = ["original_name", "format", "width", "height"]


@admin.register(Asset)
class AssetAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "project"]
    list_filter = ["kind"]
    search_fields = ["name", "project__name"]
    inlines = [AssetFileInline]


@admin.register(AssetFile)
class AssetFileAdmin(admin.ModelAdmin):
    list_display = ["__str__", "format", "width", "height", "bytes", "approval"]
    list_filter = ["media_kind", "approval"]
    readonly_fields = ["uuid", "sha256", "file", "thumbnail", "format", "width", "height",
                       "duration_s", "bytes", "preflight", "created_at"]
