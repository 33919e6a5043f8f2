from django.contrib import admin

from takes.models import Note, Take, TakeDecision


@admin.register(Take)
class TakeAdmin(admin.ModelAdmin):
    list_display = ["__str__", "profile_id", "status", "progress", "review_state", "gpu_seconds"]
    list_filter = ["status", "review_state", "profile_id"]
    readonly_fields = [field.name for field in Take._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(TakeDecision)
class TakeDecisionAdmin(admin.ModelAdmin):
    list_display = ["take", "from_state", "to_state", "actor", "at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Note)
class NoteAdmin(admin.ModelAdmin):
    list_display = ["take", "author", "frame_in", "frame_out", "resolved", "created_at"]
