"""Permission-checked reads of assets and their files."""

from django.http import Http404

from assets.models import AssetFile
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
