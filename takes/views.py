import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html_join
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assets.selectors import asset_file_get
from assets.views import storage_response
from generation import profiles
from lotix.errors import DomainError
from projects.roles import GENERATE, PLAN, VIEW
from projects.selectors import membership_for, require
from shots.models import ReferenceJob, ReferenceRole
from shots.selectors import shot_choices
from shots.services import (
    shot_reference_add,
    shot_reference_remove,
    shot_reference_update,
    shot_references_reorder,
)
from takes import selectors, services
from takes.forms import AgainForm, GenerateForm, ReferenceForm
from takes.models import Take, TakeStatus
from takes.player import player_context
from takes.review import shot_review_context

TAKE_STATUS_LABELS = dict(TakeStatus.choices)
TAKE_MEDIA = {"video": "video", "poster": "poster", "filmstrip": "filmstrip",
              "last": "last_frame"}


_MARKER = uuid.UUID(int=987654321)


def _url_prefix(name, slug):
    """The URL of `name` (a route taking the project slug and a uuid) up to the uuid: pages
    with many rows build each row's URL as prefix + uuid + the route's ending instead of one
    reverse() per row. /p/<slug>/takes/ serves every per-take URL (poster, again, continue,
    cancel), /p/<slug>/files/ the library's thumbnails."""
    url = reverse(name, args=[slug, _MARKER])
    return url[:url.index(str(_MARKER))]


def _shown(value):
    """A value as the template showed it: nothing when missing, else its text."""
    return "" if value is None else str(value)


def _decorate_takes(takes, project_profiles, slug):
    """Display fields for the strip and the player: the profile label, filmstrip size, status
    label, the strip's spec line and the take's URL prefix (…/takes/<uuid>/), worked out here
    once per take: 40 takes through nested template lookups and {% url %} tags were most of
    the shot page's render."""
    prefix = _url_prefix("takes:take-poster", slug)
    for take in takes:
        profile = project_profiles.get(take.profile_id)
        take.profile_label = profile.label if profile else take.profile_id
        strip = (take.qc or {}).get("filmstrip") or {}
        spec = (take.request or {}).get("spec") or {}
        take.url = f"{prefix}{take.uuid}/"
        take.status_label = TAKE_STATUS_LABELS.get(take.status, take.status)
        aspect = (take.request or {}).get("aspect_ratio")
        take.specs_line = (
            f"{take.profile_label} · seed {_shown(spec.get('seed'))} · "
            f"{_shown(spec.get('num_frames'))} f · {_shown(spec.get('width'))}×"
            f"{_shown(spec.get('height'))}{f' · {aspect}' if aspect else ''}"
            f"{' · animatic, not AI output' if take.profile_id == 'previz' else ''}"
        )
        take.strip_tiles = int(strip.get("tiles") or 0)
        take.strip_tile_width = int(strip.get("tile_width") or 0)
        width, height = spec.get("width") or 0, spec.get("height") or 0
        take.strip_tile_height = (round(take.strip_tile_width * height / width)
                                  if width and height else 0)
    return takes


def _selected_take(request, takes):
    wanted = request.GET.get("take", "")
    chosen = next((t for t in takes if str(t.number) == wanted), None)
    return chosen or next((t for t in takes if t.status == "succeeded"), None)


def _continue_context(membership, shot):
    """The "continue into" picker: the <option>s rendered once (every take's form repeats
    them; rendering them per take through the template was half of the shot page's time) and
    whether there is another shot to continue into."""
    choices = shot_choices(membership)
    return {
        "has_other_shots": len(choices) > 1,
        "continue_options": format_html_join(
            "", '<option value="{}">{}</option>',
            ((pk, label) for pk, label in choices if pk != shot.pk)),
    }


def _player(membership, shot, takes, selected):
    """The review player's context for the selected take, from the rows already loaded."""
    if selected is None:
        return None
    return player_context(take=selected, project=membership.project, shot=shot, takes=takes,
                          recipe=True)


def _shot_takes(membership, shot):
    """The shot's takes for the strip, decorated; the strip never shows who requested a take,
    so the requester is not joined in."""
    return _decorate_takes(list(selectors.takes_for_shot(shot).select_related(None)),
                           {p.id: p for p in profiles.profiles_all()}, membership.project.slug)


def _shot_context(membership, shot, request, form=None, reference_error=None):
    takes = _shot_takes(membership, shot)
    options = selectors.generate_options(shot)
    pinned = membership.project.model_profile
    warnings = selectors.reference_warnings(shot)
    reference_error = reference_error or {}
    for ref in shot.references.all():
        ref.warnings = warnings.get(ref.pk, [])
        data = reference_error.get("data") if reference_error.get("target") == ref.pk else None
        ref.error = reference_error.get("message") if data is not None else ""
        ref.form_role = data.get("role", ref.role) if data is not None else ref.role
        ref.form_job = data.get("job", ref.job) if data is not None else ref.job
        ref.form_instruction = (data.get("instruction", ref.instruction) if data is not None
                                else ref.instruction)
    add_data = reference_error.get("data") if reference_error.get("target") == "add" else {}
    selected = _selected_take(request, takes)
    return {
        "membership": membership, "project": membership.project, "shot": shot,
        "takes": takes, "any_active": any(t.is_active for t in takes),
        "selected": selected,
        **shot_review_context(membership, shot, selected,
                              _player(membership, shot, takes, selected)),
        "options": options,
        "selected_profile": next(
            (o["profile"].id for o in options if o["profile"].id == pinned and o["plan"]),
            next((o["profile"].id for o in options if o["plan"]), ""),
        ),
        "can_generate": membership.can(GENERATE),
        "can_plan": membership.can(PLAN),
        **_continue_context(membership, shot),
        "usage": selectors.gpu_usage(membership),
        "form": form or GenerateForm(),
        "library": selectors.library_files(membership) if membership.can(PLAN) else [],
        # The library picker's thumbnails: prefix + file uuid, not a reverse() per file.
        "file_prefix": _url_prefix("assets:file-thumb", membership.project.slug),
        "roles": ReferenceRole.choices, "jobs": ReferenceJob.choices,
        "add_error": reference_error.get("message", "") if add_data else "",
        "add_data": add_data or {},
        "format_variants": services.FORMAT_VARIANTS,
    }


@require_GET
@login_required
def shot_page(request, slug, shot_id):
    membership = require(membership_for(request.user, slug), VIEW)
    shot = selectors.shot_get(membership, shot_id)
    return render(request, "takes/shot_page.html", _shot_context(membership, shot, request))


@require_GET
@login_required
def shot_takes(request, slug, shot_id):
    membership = require(membership_for(request.user, slug), VIEW)
    shot = selectors.shot_get(membership, shot_id)
    takes = _shot_takes(membership, shot)
    selected = _selected_take(request, takes)
    return render(request, "takes/_takes.html", {
        "project": membership.project, "shot": shot, "takes": takes,
        "selected": selected,
        **shot_review_context(membership, shot, selected,
                              _player(membership, shot, takes, selected)),
        "any_active": any(t.is_active for t in takes), "can_generate": membership.can(GENERATE),
        "can_plan": membership.can(PLAN), **_continue_context(membership, shot),
        "partial": True,
    })


@require_POST
@login_required
def take_generate(request, slug, shot_id):
    membership = require(membership_for(request.user, slug), GENERATE)
    shot = selectors.shot_get(membership, shot_id)
    form = GenerateForm(request.POST)
    if form.is_valid():
        try:
            takes = services.take_request(
                shot=shot, user=request.user, profile_id=form.cleaned_data["profile"],
                variations=form.cleaned_data["variations"], seed=form.cleaned_data["seed"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            labels = ", ".join(t.label for t in takes)
            messages.success(request, f"Queued {labels}.")
            return redirect("takes:shot-page", slug=slug, shot_id=shot.pk)
    context = _shot_context(membership, shot, request, form)
    return render(request, "takes/shot_page.html", context, status=400)


@require_POST
@login_required
def take_cancel(request, slug, take_uuid):
    membership = require(membership_for(request.user, slug), GENERATE)
    take = selectors.take_get(membership, take_uuid)
    services.take_cancel(take=take, user=request.user)
    if request.headers.get("HX-Request"):
        return shot_takes(request, slug, take.shot_id)
    return redirect("takes:shot-page", slug=slug, shot_id=take.shot_id)


@require_POST
@login_required
def take_continue(request, slug, take_uuid):
    membership = require(membership_for(request.user, slug), PLAN)
    take = selectors.take_get(membership, take_uuid)
    try:
        target = selectors.shot_get(membership, int(request.POST.get("shot", "0")))
    except ValueError:
        raise Http404("No such shot.") from None
    try:
        services.take_continue(take=take, user=request.user, target_shot=target)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("takes:shot-page", slug=slug, shot_id=take.shot_id)
    messages.success(request, f"{take.shot} {take.label}'s last frame is now the first frame of "
                              f"{target}.")
    return redirect("takes:shot-page", slug=slug, shot_id=target.pk)


@require_GET
@login_required
def take_media(request, slug, take_uuid, kind):
    membership = require(membership_for(request.user, slug), VIEW)
    take = selectors.take_get(membership, take_uuid)
    return storage_response(getattr(take, TAKE_MEDIA[kind]).name, request=request)


def _shot_redirect(slug, shot_id):
    return redirect("takes:shot-page", slug=slug, shot_id=shot_id)


def _refused(request, membership, shot, message, target):
    """The shot page again with the reason next to the form, keeping what the person typed."""
    context = _shot_context(membership, shot, request, reference_error={
        "target": target, "message": message, "data": request.POST.dict(),
    })
    return render(request, "takes/shot_page.html", context, status=400)


@require_POST
@login_required
def reference_add(request, slug, shot_id):
    membership = require(membership_for(request.user, slug), PLAN)
    shot = selectors.shot_get(membership, shot_id)
    form = ReferenceForm(request.POST)
    if not form.is_valid() or not form.cleaned_data["asset_file"]:
        message = "Pick a library file, a role and a job."
        return _refused(request, membership, shot, message, "add")
    asset_file = asset_file_get(membership, form.cleaned_data["asset_file"])
    try:
        shot_reference_add(shot=shot, actor=request.user, asset_file=asset_file,
                           role=form.cleaned_data["role"], job=form.cleaned_data["job"],
                           instruction=form.cleaned_data["instruction"])
    except DomainError as error:
        return _refused(request, membership, shot, error.message, "add")
    messages.success(request, f"Attached {asset_file.asset.name} to {shot}.")
    return _shot_redirect(slug, shot.pk)


@require_POST
@login_required
def reference_update(request, slug, reference_id):
    membership = require(membership_for(request.user, slug), PLAN)
    reference = selectors.reference_get(membership, reference_id)
    shot = selectors.shot_get(membership, reference.shot_id)
    form = ReferenceForm(request.POST)
    if not form.is_valid():
        return _refused(request, membership, shot, "Pick a role and a job.", reference.pk)
    try:
        shot_reference_update(reference=reference, actor=request.user,
                              role=form.cleaned_data["role"], job=form.cleaned_data["job"],
                              instruction=form.cleaned_data["instruction"])
    except DomainError as error:
        return _refused(request, membership, shot, error.message, reference.pk)
    messages.success(request, "Reference saved.")
    return _shot_redirect(slug, shot.pk)


@require_POST
@login_required
def reference_remove(request, slug, reference_id):
    membership = require(membership_for(request.user, slug), PLAN)
    reference = selectors.reference_get(membership, reference_id)
    shot_reference_remove(reference=reference, actor=request.user)
    messages.success(request, f"Removed {reference.asset_file.asset.name} from {reference.shot}.")
    return _shot_redirect(slug, reference.shot_id)


@require_POST
@login_required
def references_reorder(request, slug, shot_id):
    """Either the whole order (drag and drop) or one reference moved up or down (buttons)."""
    membership = require(membership_for(request.user, slug), PLAN)
    shot = selectors.shot_get(membership, shot_id)
    ids = [ref.pk for ref in shot.references.all()]
    try:
        if request.POST.get("order"):
            ids = [int(pk) for pk in request.POST["order"].split(",")]
        else:
            moved = int(request.POST.get("reference", ""))
            step = -1 if request.POST.get("direction") == "up" else 1
            index = ids.index(moved)
            other = min(max(index + step, 0), len(ids) - 1)
            ids[index], ids[other] = ids[other], ids[index]
    except ValueError:
        return _refused(request, membership, shot, "That reference is not on this shot.", "add")
    try:
        shot_references_reorder(shot=shot, actor=request.user, reference_ids=ids)
    except DomainError as error:
        return _refused(request, membership, shot, error.message, "add")
    if request.headers.get("X-Requested-With") == "fetch":
        return HttpResponse(status=204)
    return _shot_redirect(slug, shot.pk)


@require_POST
@login_required
def take_again(request, slug, take_uuid):
    membership = require(membership_for(request.user, slug), GENERATE)
    take = selectors.take_get(membership, take_uuid)
    form = AgainForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose the same seed or a new one.")
        return _shot_redirect(slug, take.shot_id)
    try:
        again = services.take_again(take=take, user=request.user,
                                    same_seed=form.cleaned_data["seed"] == "same")
    except DomainError as error:
        messages.error(request, error.message)
        return _shot_redirect(slug, take.shot_id)
    messages.success(request, f"Queued {again.label}, {take.label} again with seed "
                              f"{again.request['spec']['seed']}.")
    return _shot_redirect(slug, take.shot_id)


@require_POST
@login_required
def take_format_variants(request, slug, shot_id):
    membership = require(membership_for(request.user, slug), GENERATE)
    shot = selectors.shot_get(membership, shot_id)
    form = GenerateForm(request.POST)
    if form.is_valid():
        try:
            takes = services.takes_format_variants(
                shot=shot, user=request.user, profile_id=form.cleaned_data["profile"],
                seed=form.cleaned_data["seed"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            formats = ", ".join(f"{t.label} ({t.request['aspect_ratio']})" for t in takes)
            messages.success(request, f"Queued {formats}.")
            return _shot_redirect(slug, shot.pk)
    context = _shot_context(membership, shot, request, form)
    return render(request, "takes/shot_page.html", context, status=400)


# --- batch from images ---------------------------------------------------------------------

def _batch_context(membership, data=None, error=""):
    from assets.models import AssetFile
    from shots.models import CameraMovement, Scene
    from shots.services import scene_code_suggest

    data = data or {}
    files = list(
        AssetFile.objects.filter(asset__project=membership.project, media_kind="image")
        .select_related("asset").order_by("asset__name", "created_at", "pk")
    )
    chosen = set(data.getlist("files")) if hasattr(data, "getlist") else set()
    for f in files:
        f.checked = str(f.uuid) in chosen
    return {
        "membership": membership, "project": membership.project, "files": files,
        "scenes": list(Scene.objects.filter(project=membership.project)),
        "scene_code": scene_code_suggest(project=membership.project),
        "cameras": CameraMovement.choices, "options": services.batch_profile_options(),
        "usage": selectors.gpu_usage(membership), "data": data, "error": error,
        "max_images": services.MAX_BATCH_IMAGES, "max_variations": services.MAX_VARIATIONS,
    }


def _batch_submit(request, membership):
    from django.core.exceptions import ValidationError

    from assets.models import AssetFile
    from shots.models import Scene

    post = request.POST
    wanted = post.getlist("files")
    try:
        variations = int(post.get("variations") or "1")
    except ValueError:
        raise DomainError("Variations must be a whole number from 1 to 8.") from None
    files_by_uuid = {}
    if wanted:
        try:
            files_by_uuid = {str(f.uuid): f for f in AssetFile.objects.filter(
                asset__project=membership.project, uuid__in=wanted).select_related("asset")}
        except ValidationError:
            raise DomainError("One of the selected files is not in this project.") from None
    if len(files_by_uuid) != len(set(wanted)):
        raise DomainError("One of the selected files is not in this project.")
    scene = new_scene = None
    if post.get("scene", "new") == "new":
        new_scene = {"code": post.get("scene_code", ""), "title": post.get("scene_title", "")}
    else:
        try:
            scene = Scene.objects.get(project=membership.project, pk=int(post["scene"]))
        except (Scene.DoesNotExist, ValueError):
            raise DomainError("Pick a scene of this project.") from None
    template = {key: post.get(key, "") for key in (
        "job", "subject_action", "motion_prompt", "negative_constraints")}
    template["camera_movement"] = post.get("camera_movement", "static")
    template["duration_s"] = post.get("duration_s") or "5"
    batch, _ = services.takes_batch_create(
        membership=membership, asset_files=[files_by_uuid[u] for u in dict.fromkeys(wanted)],
        template=template, profile_id=post.get("profile", ""), variations=variations,
        scene=scene, new_scene=new_scene,
    )
    return batch


@require_http_methods(["GET", "POST"])
@login_required
def batch_new(request, slug):
    membership = require(require(membership_for(request.user, slug), GENERATE), PLAN)
    if request.method == "POST":
        try:
            batch = _batch_submit(request, membership)
        except DomainError as error:
            return render(request, "takes/batch_new.html",
                          _batch_context(membership, request.POST, error.message), status=400)
        return redirect("takes:batch-detail", slug=slug, batch=batch)
    return render(request, "takes/batch_new.html", _batch_context(membership))


def _batch_view(request, slug, batch, template_name):
    from django.db.models import Prefetch

    from shots.models import ShotReference

    membership = require(membership_for(request.user, slug), VIEW)
    firsts = ShotReference.objects.filter(role=ReferenceRole.FIRST).select_related("asset_file")
    takes = list(
        Take.objects.filter(shot__scene__project=membership.project, request__batch=str(batch))
        .select_related("shot__scene")
        .prefetch_related(Prefetch("shot__references", queryset=firsts, to_attr="firsts"))
        .order_by("shot__scene__order", "shot__order", "shot__code", "number")
    )
    if not takes:
        raise Http404("No such batch.")
    shots: dict[int, dict] = {}
    for take in takes:
        take.percent = round(take.progress * 100)
        group = shots.setdefault(take.shot_id, {"shot": take.shot, "takes": [],
                                                "first": next(iter(take.shot.firsts), None)})
        group["takes"].append(take)
    done = sum(1 for t in takes if t.status == "succeeded")
    failed = sum(1 for t in takes if t.status == "failed")
    active = sum(1 for t in takes if t.is_active)
    overall = sum(1.0 if not t.is_active else t.progress for t in takes) / len(takes)
    return render(request, template_name, {
        "membership": membership, "project": membership.project, "batch": batch,
        "groups": list(shots.values()), "total": len(takes), "done": done, "failed": failed,
        "active": active, "stopped": len(takes) - done - failed - active,
        "overall": round(overall * 100), "scene": takes[0].shot.scene,
    })


@require_GET
@login_required
def batch_detail(request, slug, batch):
    template_name = ("takes/batch_progress.html" if request.headers.get("HX-Request")
                     else "takes/batch_detail.html")
    return _batch_view(request, slug, batch, template_name)
