from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from assets.views import storage_response
from exports import selectors, services
from exports.models import ExportStatus
from lotix.errors import DomainError
from projects.roles import EXPORT, VIEW
from projects.selectors import membership_for, require


@require_GET
@login_required
def approved(request, slug):
    membership = require(membership_for(request.user, slug), VIEW)
    scenes = selectors.approved_board(membership)
    approved_count = sum(scene.approved_count for scene in scenes)
    return render(request, "exports/approved.html", {
        "project": membership.project, "membership": membership, "scenes": scenes,
        "approved_count": approved_count,
        "missing_count": sum(scene.missing_count for scene in scenes),
        "can_export": membership.can(EXPORT), "exports": selectors.exports_recent(membership),
    })


@require_GET
@login_required
def take_download(request, slug, take_uuid):
    membership = require(membership_for(request.user, slug), EXPORT)
    take = selectors.approved_take_get(membership, take_uuid)
    return storage_response(take.video.name, request=request,
                            download_name=f"{selectors.take_editorial_name(take)}.mp4")


@require_POST
@login_required
def export_create(request, slug):
    membership = require(membership_for(request.user, slug), EXPORT)
    scene = None
    if request.POST.get("scene"):
        try:
            scene = selectors.scene_get(membership, int(request.POST["scene"]))
        except ValueError:
            raise Http404("No such scene.") from None
    try:
        export = services.export_request(membership=membership, scene=scene)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Export of {export.scope_label} queued "
                                  f"({export.take_count} approved take"
                                  f"{'' if export.take_count == 1 else 's'}).")
    return redirect("exports:approved", slug=slug)


@require_GET
@login_required
def export_status(request, slug, export_uuid):
    membership = require(membership_for(request.user, slug), EXPORT)
    export = selectors.export_get(membership, export_uuid)
    return render(request, "exports/_export.html", {"project": membership.project,
                                                    "export": export})


@require_GET
@login_required
def export_download(request, slug, export_uuid):
    membership = require(membership_for(request.user, slug), EXPORT)
    export = selectors.export_get(membership, export_uuid)
    if export.status != ExportStatus.SUCCEEDED or not export.file.name:
        raise Http404("This export has no ZIP to download.")
    return storage_response(export.file.name, request=request,
                            download_name=export.download_name())
