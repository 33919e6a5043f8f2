"""Permission-checked reads of assets and their files."""

from django.db.models import Prefetch
from django.http import Http404

from assets.models import Asset, AssetFile
from projects.models import Membership


def asset_file_get(membership: Membership, file_uuid) -> AssetFile:
    """An asset file of the member's project; 404 when it belongs to another project."""
    try:
        return AssetFile.objects.select_related("asset").get(
            uuid=file_uuid, asset__project=membership.project
        )
    except AssetFile.DoesNotExist:
        raise Http404("No such file.") from None


def asset_files_by_uuid(uuids: list[str]) -> dict[str, AssetFile]:
    """Asset files by uuid for the worker, which acts for a take already authorized."""
    return {str(f.uuid): f for f in AssetFile.objects.filter(uuid__in=uuids)}


def assets_for_library(membership: Membership) -> list[Asset]:
    """The project's assets with their files and the shots using each, in five queries."""
    # A lookup by name: shots import assets, so assets never import shots.
    files = AssetFile.objects.order_by("created_at", "pk").prefetch_related(
        "shot_references__shot__scene"
    )
    return list(
        Asset.objects.filter(project=membership.project)
        .order_by("kind", "name")
        .prefetch_related(Prefetch("files", queryset=files))
    )


def assets_of_project(membership: Membership):
    """The project's assets as a queryset, for choosing one to upload into."""
    return Asset.objects.filter(project=membership.project).order_by("kind", "name")
