from django.contrib import admin

from exports.models import Export


@admin.register(Export)
class ExportAdmin(admin.ModelAdmin):
    list_display = ["project", "scene", "status", "progress", "take_count", "created_by",
                    "created_at"]
    list_filter = ["status"]
    readonly_fields = [field.name for field in Export._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
