import mimetypes
import re

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from assets import selectors, services
from assets.forms import UploadForm, UsageForm
from assets.models import AssetKind, UsageApproval
from assets.uploads import BODY_REFUSALS, upload_body_refused, upload_limiter_install
from assets.validation import megabytes
from projects.roles import PLAN, VIEW
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


def _is_local(storage) -> bool:
    try:
        storage.path("probe")
    except NotImplementedError:  # remote backends (S3) have no filesystem path
        return False
    return True


def storage_response(name: str, *, request=None, download_name: str | None = None):
    """Stream a stored file (with byte ranges, so video seeks), or redirect to a short-lived
    signed URL when storage is remote; never rendered as a page either way."""
    if not name:
        raise Http404("No such file.")
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    filename = download_name or name.rsplit("/", 1)[-1]
    disposition = f'{"attachment" if download_name else "inline"}; filename="{filename}"'
    if not _is_local(default_storage):
        # S3: a URL signed for LOTIX_S3_URL_TTL seconds that makes S3 send our headers too.
        return HttpResponseRedirect(default_storage.url(name, parameters={
            "ResponseContentDisposition": disposition, "ResponseContentType": content_type,
        }))
    try:
        handle = default_storage.open(name, "rb")
    except FileNotFoundError:
        raise Http404("The file is missing from storage.") from None
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
    response["Content-Disposition"] = disposition
    response["X-Content-Type-Options"] = "nosniff"
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


def _library_context(membership, *, form=None, outcome=None) -> dict:
    assets = selectors.assets_for_library(membership)
    form = form or UploadForm(assets=selectors.assets_of_project(membership))
    groups = [
        {"kind": kind, "label": label, "assets": [a for a in assets if a.kind == kind]}
        for kind, label in AssetKind.choices
    ]
    for asset in assets:
        for asset_file in asset.files.all():
            asset_file.used_in = sorted(
                (reference.shot for reference in asset_file.shot_references.all()),
                key=lambda shot: (shot.scene.order, shot.scene.code, shot.order, shot.code),
            )
    return {
        "membership": membership,
        "project": membership.project,
        "groups": [group for group in groups if group["assets"]],
        "asset_count": len(assets),
        "file_count": sum(len(asset.files.all()) for asset in assets),
        "can_plan": membership.can(PLAN),
        "form": form,
        "form_errors": form.errors if form.is_bound else {},
        "selected_asset": str(
            outcome.asset.pk if outcome and outcome.asset else form["asset"].value() or ""
        ),
        "outcome": outcome,
        "max_files": settings.DATA_UPLOAD_MAX_NUMBER_FILES,
        "image_limit": megabytes(settings.LOTIX_MAX_IMAGE_BYTES),
        "video_limit": megabytes(settings.LOTIX_MAX_VIDEO_BYTES),
        "kinds": AssetKind.choices,
        "approvals": UsageApproval.choices,
    }


@require_GET
@login_required
def asset_list(request, slug):
    """The project's asset library, grouped by kind, with the upload form for planners."""
    membership = require(membership_for(request.user, slug), VIEW)
    return render(request, "assets/asset_list.html", _library_context(membership))


@csrf_exempt
@require_POST
@login_required
def asset_upload(request, slug):
    """Validate and store up to nine uploaded images or reference videos into one asset."""
    # CSRF is checked inside _asset_upload, after the size-limiting handler is installed: the
    # CSRF middleware would otherwise parse the body first with Django's unlimited handlers.
    membership = require(membership_for(request.user, slug), PLAN)
    limiter = upload_limiter_install(request)
    try:
        return _asset_upload(request, membership, limiter)
    except BODY_REFUSALS as error:
        raise upload_body_refused(request, error) from None


@csrf_protect
def _asset_upload(request, membership, limiter):
    uploads = request.FILES.getlist("files")
    try:
        if limiter.refused is not None:
            raise limiter.refused
        form = UploadForm(request.POST, assets=selectors.assets_of_project(membership))
        valid = form.is_valid()
        if not uploads:
            form.add_error(None, "Choose at least one file to upload.")
            valid = False
        if not valid:
            return _upload_response(request, membership, form=form, status=400)
        data = form.cleaned_data
        outcome = services.asset_files_upload(
            project=membership.project, actor=request.user, uploads=uploads,
            asset=data["asset"], kind=data["kind"], name=data["name"], source=data["source"],
            rights_owner=data["rights_owner"], approval=data["approval"],
        )
    finally:
        for upload in uploads:
            upload.close()
    if not outcome.refused and not request.headers.get("HX-Request"):
        count = len(outcome.accepted)
        messages.success(request, f"Added {count} file{'s' if count != 1 else ''} to "
                                  f"{outcome.asset.name}.")
        return redirect("assets:asset-list", slug=membership.project.slug)
    return _upload_response(request, membership, form=form, outcome=outcome,
                            status=outcome.status_code)


def _upload_response(request, membership, *, form, status, outcome=None):
    if request.headers.get("HX-Request"):
        context = _library_context(membership, form=form, outcome=outcome)
        # The library and the asset menu change when a file was added; htmx swaps them in place.
        context["oob_library"] = bool(outcome and outcome.accepted)
        return render(request, "assets/_upload_result.html", context, status=status)
    context = _library_context(membership, form=form, outcome=outcome)
    return render(request, "assets/asset_list.html", context, status=status)


@require_POST
@login_required
def asset_file_usage(request, slug, file_uuid):
    """Save one file's usage record; htmx gets the record back, a plain form a redirect."""
    membership = require(membership_for(request.user, slug), PLAN)
    asset_file = selectors.asset_file_get(membership, file_uuid)
    form = UsageForm(request.POST)
    saved = form.is_valid()
    if saved:
        services.asset_file_usage_update(asset_file=asset_file, actor=request.user,
                                         **form.cleaned_data)
        if not request.headers.get("HX-Request"):
            messages.success(request, f"Saved the usage record of {asset_file}.")
            return redirect("assets:asset-list", slug=membership.project.slug)
    context = {"project": membership.project, "file": asset_file, "can_plan": True,
               "approvals": UsageApproval.choices, "usage_errors": form.errors, "saved": saved}
    return render(request, "assets/_file_usage.html", context, status=200 if saved else 400)
