import mimetypes
import re

from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.views.decorators.http import require_GET

from assets import selectors
from projects.roles import VIEW
from projects.selectors import membership_for, require

RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
CHUNK = 64 * 1024


def _file_slice(handle, start: int, length: int):
    try:
        handle.seek(start)
        while length > 0:
            block = handle.read(min(CHUNK, length))
            if not block:
                break
            length -= len(block)
            yield block
    finally:
        handle.close()


def storage_response(name: str, *, request=None, download_name: str | None = None):
    """Stream a stored file (with byte ranges, so video seeks), or redirect to a short-lived
    signed URL when storage is remote."""
    if not name:
        raise Http404("No such file.")
    if not hasattr(default_storage, "path"):
        return HttpResponseRedirect(default_storage.url(name))
    try:
        handle = default_storage.open(name, "rb")
    except FileNotFoundError:
        raise Http404("The file is missing from storage.") from None
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    size = default_storage.size(name)
    match = RANGE.match(request.headers.get("Range", "")) if request is not None else None
    if match and (match.group(1) or match.group(2)):
        if match.group(1):
            start = int(match.group(1))
            end = min(int(match.group(2)), size - 1) if match.group(2) else size - 1
        else:  # a suffix range: the last N bytes
            start, end = max(size - int(match.group(2)), 0), size - 1
        if start > end or start >= size:
            handle.close()
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
            return response
        response = StreamingHttpResponse(
            _file_slice(handle, start, end - start + 1), status=206, content_type=content_type
        )
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
        response["Content-Length"] = str(end - start + 1)
    else:
        response = FileResponse(
            handle, content_type=content_type, as_attachment=download_name is not None,
            filename=download_name,
        )
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = "private, max-age=3600"
    return response


@require_GET
@login_required
def asset_file_media(request, slug, file_uuid, variant):
    membership = require(membership_for(request.user, slug), VIEW)
    asset_file = selectors.asset_file_get(membership, file_uuid)
    name = asset_file.thumbnail.name if variant == "thumb" else asset_file.file.name
    return storage_response(name, request=request)
