import mimetypes

from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.views.decorators.http import require_GET

from assets import selectors
from projects.roles import VIEW
from projects.selectors import membership_for, require


def storage_response(name: str, *, download_name: str | None = None):
    """Stream a stored file, or redirect to a short-lived signed URL when storage is remote."""
    if not name:
        raise Http404("No such file.")
    if not hasattr(default_storage, "path"):
        return HttpResponseRedirect(default_storage.url(name))
    try:
        handle = default_storage.open(name, "rb")
    except FileNotFoundError:
        raise Http404("The file is missing from storage.") from None
    response = FileResponse(
        handle, content_type=mimetypes.guess_type(name)[0] or "application/octet-stream",
        as_attachment=download_name is not None, filename=download_name,
    )
    response["Cache-Control"] = "private, max-age=3600"
    return response


@require_GET
@login_required
def asset_file_media(request, slug, file_uuid, variant):
    membership = require(membership_for(request.user, slug), VIEW)
    asset_file = selectors.asset_file_get(membership, file_uuid)
    name = asset_file.thumbnail.name if variant == "thumb" else asset_file.file.name
    return storage_response(name)
