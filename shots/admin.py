from django.contrib import admin

from shots.models import Scene, Shot, ShotReference


class ShotReferenceInline(admin.TabularInline):
    model = ShotReference
    extra = 0
    raw_id_fields = ["asset_file"]


@admin.register(Scene)
class SceneAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "project", "order"]
    search_fields = ["code", "title", "project__name"]


@admin.register(Shot)
class ShotAdmin(admin.ModelAdmin):
    list_display = ["__str__", "status", "camera_movement", "duration_s"]
    list_filter = ["status", "camera_movement"]
    search_fields = ["code", "scene__code", "scene__project__name"]
    inlines = [ShotReferenceInline]
