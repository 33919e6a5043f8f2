import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.template.defaultfilters import floatformat, truncatechars
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from generation.prompting import assemble_negative, assemble_prompt, lint_prompt
from lotix.errors import DomainError
from projects.roles import PLAN, VIEW
from projects.selectors import membership_for, require
from shots import selectors, services
from shots.forms import SceneForm, ShotAddForm, ShotListForm, ShotPlanForm, ShotRenameForm
from shots.models import CameraMovement, ReferenceRole, ShotStatus

BOARD_FILTERS = [("", "All"), *ShotStatus.choices, ("unapproved", "Without approved take")]
STATUS_LABELS = dict(ShotStatus.choices)
CAMERA_LABELS = dict(CameraMovement.choices)


def _board_url(slug: str, anchor: str = "") -> str:
    return reverse("shots:project-home", args=[slug]) + (f"#{anchor}" if anchor else "")


_MARKER = 987654321

# A planner's buttons on one shot card of the board (templates/shots/project_home.html), built
# here with format_html: as template code they were a third of the board's render at 50 cards.
# Every button posts the board's one form (form="board-form") to its own URL (formaction).
SHOT_TOOLS = (
    '<a class="button small-button" href="{url}plan" hx-boost="false">Plan</a>\n'
    '        <button class="button small-button ghost" id="shot-{key}-up" type="submit" '
    'form="board-form" formaction="{url}move" name="direction" value="up"{up} '
    'aria-label="Move {code} up">↑</button>\n'
    '        <button class="button small-button ghost" id="shot-{key}-down" type="submit" '
    'form="board-form" formaction="{url}move" name="direction" value="down"{down} '
    'aria-label="Move {code} down">↓</button>\n'
    '        <button class="button small-button ghost" id="shot-{key}-duplicate" type="submit" '
    'form="board-form" formaction="{url}duplicate" aria-label="Duplicate {code}">Duplicate'
    '</button>\n'
    '        <button class="button small-button ghost" id="shot-{key}-{action}" type="submit" '
    'form="board-form" formaction="{url}{action}" aria-label="{verb} {code}">{verb}</button>'
)
DISABLED = mark_safe(" disabled")


def _shot_tools(shot) -> str:
    """The card's Plan link and its move, duplicate and omit (or restore) buttons."""
    restore = shot.status == ShotStatus.OMITTED
    return format_html(
        SHOT_TOOLS, url=shot.url, key=shot.key, code=shot.code,
        up=DISABLED if shot.is_first else "", down=DISABLED if shot.is_last else "",
        action="restore" if restore else "omit", verb="Restore" if restore else "Omit",
    )


def _url_prefix(name: str, slug: str, marker=_MARKER) -> str:
    """The URL of `name` for this project up to where the object's id goes: the board builds
    each card's links as prefix + id instead of reversing every URL for each of 50 cards."""
    url = reverse(name, args=[slug, marker])
    return url[:url.index(str(marker))]


@require_GET
@login_required
def project_home(request, slug):
    membership = require(membership_for(request.user, slug), VIEW)
    status = request.GET.get("status", "")
    if status not in dict(BOARD_FILTERS):
        status = ""
    scenes = list(selectors.scenes_for_board(membership))
    all_shots = [shot for scene in scenes for shot in scene.board_shots]
    counts = {value: 0 for value, _ in BOARD_FILTERS}
    can_plan = membership.can(PLAN)
    # Every per-shot URL is /p/<slug>/shots/<id>/… (page, plan, move, omit, …): one prefix.
    shot_prefix = _url_prefix("shots:shot-edit", slug)
    durations: dict = {}
    for shot in all_shots:
        # What each card shows, worked out once here rather than through template filters
        # (50 cards × floatformat/truncatechars/get_*_display was a fifth of the render).
        shot.key = str(shot.pk)
        shot.url = f"{shot_prefix}{shot.key}/"
        shot.status_label = STATUS_LABELS.get(shot.status, shot.status)
        shot.camera_label = CAMERA_LABELS.get(shot.camera_movement, shot.camera_movement)
        if shot.duration_s not in durations:
            durations[shot.duration_s] = floatformat(shot.duration_s, "-1")
        shot.duration_label = durations[shot.duration_s]
        shot.summary = truncatechars(shot.job or shot.subject_action, 140)
        shot.approved_take = shot.approved_takes[0] if shot.approved_takes else None
        shot.first_reference = next(
            (ref for ref in shot.board_references if ref.role == ReferenceRole.FIRST), None)
        shot.unapproved = shot.approved_take is None and shot.status != ShotStatus.OMITTED
        counts[shot.status] += 1
        counts["unapproved"] += shot.unapproved
    counts[""] = len(all_shots)
    for scene in scenes:
        shots = scene.board_shots
        scene.unapproved_count = sum(shot.unapproved for shot in shots)
        scene.next_shot_code = services.next_code("SH", [shot.code for shot in shots])
        for index, shot in enumerate(shots):
            shot.is_first, shot.is_last = index == 0, index == len(shots) - 1
            if can_plan:
                shot.tools = _shot_tools(shot)
        scene.visible_shots = [
            shot for shot in shots
            if not status or shot.status == status or (status == "unapproved" and shot.unapproved)
        ]
    scene_prefix = _url_prefix("shots:scene-move", slug)
    for index, scene in enumerate(scenes):
        scene.is_first, scene.is_last = index == 0, index == len(scenes) - 1
        scene.url = f"{scene_prefix}{scene.pk}/"
    return render(
        request, "shots/project_home.html",
        {
            "membership": membership,
            "project": membership.project,
            "scenes": scenes,
            "shot_count": len(all_shots),
            "unapproved_count": counts["unapproved"],
            "filters": [(value, label, counts[value]) for value, label in BOARD_FILTERS],
            "status": status,
            "take_prefix": _url_prefix("takes:take-poster", slug, uuid.UUID(int=_MARKER)),
            "file_prefix": _url_prefix("assets:file-thumb", slug, uuid.UUID(int=_MARKER)),
            "can_plan": can_plan,
            # The board already holds every scene of the project: no query for their codes.
            "next_scene_code": services.next_code("SC", [scene.code for scene in scenes])
            if can_plan else "",
        },
    )


def _refused(request, slug, error: DomainError, anchor: str = "") -> HttpResponseRedirect:
    messages.error(request, error.message)
    return redirect(_board_url(slug, anchor))


@require_POST
@login_required
def scene_create(request, slug):
    membership = require(membership_for(request.user, slug), PLAN)
    form = SceneForm(request.POST)
    form.is_valid()
    try:
        scene = services.scene_add(
            project=membership.project, actor=request.user,
            code=form.cleaned_data.get("code", ""), title=form.cleaned_data.get("title", ""),
        )
    except DomainError as error:
        return _refused(request, slug, error, "add-scene")
    messages.success(request, f"Scene {scene.code} added.")
    return redirect(_board_url(slug, f"scene-{scene.pk}"))


@require_POST
@login_required
def scene_rename(request, slug, scene_id):
    membership = require(membership_for(request.user, slug), PLAN)
    scene = selectors.scene_get(membership, scene_id)
    form = SceneForm(request.POST)
    form.is_valid()
    try:
        services.scene_rename(scene=scene, actor=request.user,
                              code=form.cleaned_data.get("code", ""),
                              title=form.cleaned_data.get("title", ""))
    except DomainError as error:
        return _refused(request, slug, error, f"scene-{scene.pk}")
    messages.success(request, f"Scene renamed to {scene.code}.")
    return redirect(_board_url(slug, f"scene-{scene.pk}"))


@require_POST
@login_required
def scene_move(request, slug, scene_id):
    membership = require(membership_for(request.user, slug), PLAN)
    scene = selectors.scene_get(membership, scene_id)
    try:
        services.scene_move(scene=scene, actor=request.user,
                            direction=request.POST.get("direction", ""))
    except DomainError as error:
        return _refused(request, slug, error)
    return redirect(_board_url(slug, f"scene-{scene.pk}"))


@require_POST
@login_required
def shot_create(request, slug, scene_id):
    membership = require(membership_for(request.user, slug), PLAN)
    scene = selectors.scene_get(membership, scene_id)
    form = ShotAddForm(request.POST)
    form.is_valid()
    after = None
    if form.cleaned_data.get("after"):
        after = selectors.shot_get_for_plan(membership, form.cleaned_data["after"])
    try:
        shot = services.shot_add(
            scene=scene, actor=request.user, code=form.cleaned_data.get("code", ""),
            after=after, subject_action=form.cleaned_data.get("subject_action", ""),
        )
    except DomainError as error:
        return _refused(request, slug, error, f"scene-{scene.pk}")
    messages.success(request, f"Shot {scene.code}/{shot.code} added.")
    return redirect(_board_url(slug, f"shot-{shot.pk}"))


@require_POST
@login_required
def shot_reorder(request, slug, scene_id):
    membership = require(membership_for(request.user, slug), PLAN)
    scene = selectors.scene_get(membership, scene_id)
    try:
        ids = [int(value) for value in request.POST.getlist("shot")]
        services.shots_reorder(scene=scene, actor=request.user, shot_ids=ids)
    except ValueError:
        return _refused(request, slug, DomainError("The new order named an unknown shot."))
    except DomainError as error:
        return _refused(request, slug, error, f"scene-{scene.pk}")
    return redirect(_board_url(slug, f"scene-{scene.pk}"))


@require_POST
@login_required
def shot_move(request, slug, shot_id):
    membership = require(membership_for(request.user, slug), PLAN)
    shot = selectors.shot_get_for_plan(membership, shot_id)
    try:
        services.shot_move(shot=shot, actor=request.user,
                           direction=request.POST.get("direction", ""))
    except DomainError as error:
        return _refused(request, slug, error)
    return redirect(_board_url(slug, f"shot-{shot.pk}"))


@require_POST
@login_required
def shot_omit(request, slug, shot_id):
    membership = require(membership_for(request.user, slug), PLAN)
    shot = selectors.shot_get_for_plan(membership, shot_id)
    services.shot_omit(shot=shot, actor=request.user)
    messages.success(request, f"Shot {shot.scene.code}/{shot.code} omitted.")
    return redirect(_board_url(slug, f"shot-{shot.pk}"))


@require_POST
@login_required
def shot_restore(request, slug, shot_id):
    membership = require(membership_for(request.user, slug), PLAN)
    shot = selectors.shot_get_for_plan(membership, shot_id)
    services.shot_restore(shot=shot, actor=request.user)
    messages.success(request, f"Shot {shot.scene.code}/{shot.code} restored.")
    return redirect(_board_url(slug, f"shot-{shot.pk}"))


@require_POST
@login_required
def shot_duplicate(request, slug, shot_id):
    membership = require(membership_for(request.user, slug), PLAN)
    shot = selectors.shot_get_for_plan(membership, shot_id)
    try:
        copy = services.shot_duplicate(shot=shot, actor=request.user)
    except DomainError as error:
        return _refused(request, slug, error, f"shot-{shot.pk}")
    messages.success(request, f"Shot {shot.code} duplicated as {copy.code}.")
    return redirect(_board_url(slug, f"shot-{copy.pk}"))


@require_POST
@login_required
def shot_rename(request, slug, shot_id):
    membership = require(membership_for(request.user, slug), PLAN)
    shot = selectors.shot_get_for_plan(membership, shot_id)
    form = ShotRenameForm(request.POST)
    form.is_valid()
    try:
        services.shot_rename(shot=shot, actor=request.user,
                             code=form.cleaned_data.get("code", ""))
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Shot renamed to {shot.code}.")
    return redirect("shots:shot-edit", slug, shot.pk)


def _preview(plan: dict) -> dict:
    text = {name: str(plan.get(name) or "") for name in (
        "motion_prompt", "subject_action", "camera_movement", "framing", "lighting",
        "negative_constraints")}
    try:
        prompt = assemble_prompt(
            motion_prompt=text["motion_prompt"], subject_action=text["subject_action"],
            camera_movement=text["camera_movement"], framing=text["framing"],
            lighting=text["lighting"],
        )
    except ValueError as error:
        prompt, text["camera_movement"] = str(error), ""
    return {
        "warnings": lint_prompt(
            motion_prompt=text["motion_prompt"], subject_action=text["subject_action"],
            camera_movement=text["camera_movement"], framing=text["framing"],
        ),
        "prompt": prompt,
        "negative": assemble_negative(text["negative_constraints"]),
    }


@require_http_methods(["GET", "POST"])
@login_required
def shot_edit(request, slug, shot_id):
    membership = require(membership_for(request.user, slug), PLAN)
    shot = selectors.shot_get_for_plan(membership, shot_id)
    project = membership.project
    status = 200
    if request.method == "POST":
        form = ShotPlanForm(request.POST, instance=shot, project=project)
        if form.is_valid():
            plan = {name: form.cleaned_data[name] for name in services.SHOT_PLAN_FIELDS}
            try:
                services.shot_plan_update(shot=shot, actor=request.user, **plan)
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, f"Plan of {shot.scene.code}/{shot.code} saved.")
                return redirect("shots:shot-edit", slug, shot.pk)
        status = 400
        preview = _preview(request.POST)
    else:
        form = ShotPlanForm(instance=shot, project=project)
        preview = _preview({name: getattr(shot, name) for name in services.SHOT_PLAN_FIELDS})
    return render(request, "shots/shot_edit.html", {
        "membership": membership, "project": project, "shot": shot, "form": form,
        "rename_form": ShotRenameForm(initial={"code": shot.code}), **preview,
    }, status=status)


@require_POST
@login_required
def shot_preview(request, slug, shot_id):
    membership = require(membership_for(request.user, slug), PLAN)
    shot = selectors.shot_get_for_plan(membership, shot_id)
    return render(request, "shots/_plan_preview.html", {"shot": shot, **_preview(request.POST)})


@require_http_methods(["GET", "POST"])
@login_required
def shot_import(request, slug):
    membership = require(membership_for(request.user, slug), PLAN)
    project = membership.project
    context = {"membership": membership, "project": project, "rows": None, "text": ""}
    if request.method == "GET":
        context["form"] = ShotListForm()
        return render(request, "shots/shot_import.html", context)
    form = ShotListForm(request.POST, request.FILES)
    context["form"] = form
    status = 200
    try:
        if not form.is_valid():
            raise DomainError("Choose a CSV file to check.")
        text = form.csv_text()
        if not text.strip():
            raise DomainError("Choose a CSV file to check.")
        context["text"] = text
        if request.POST.get("action") == "import":
            shots = services.shot_list_import(project=project, actor=request.user, text=text)
            messages.success(request, f"Imported {len(shots)} shot{'s' * (len(shots) != 1)}.")
            return redirect("shots:project-home", slug)
        rows = services.shot_list_check(project=project, text=text)
        context.update(rows=rows, error_rows=sum(1 for row in rows if row["errors"]),
                       new_scenes=sorted({row["scene"] for row in rows if row["new_scene"]}))
    except DomainError as error:
        context["refusal"] = error.message
        status = 400
    except ValidationError as error:
        context["refusal"] = " ".join(error.messages)
        status = 400
    if context["rows"] is None and context["text"] and status == 400:
        try:
            rows = services.shot_list_check(project=project, text=context["text"])
            context.update(rows=rows, error_rows=sum(1 for row in rows if row["errors"]),
                           new_scenes=sorted({r["scene"] for r in rows if r["new_scene"]}))
        except DomainError:
            pass
    return render(request, "shots/shot_import.html", context, status=status)
