from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from assets.views import storage_response
from lotix.errors import DomainError
from projects.roles import GENERATE, PLAN, VIEW
from projects.selectors import membership_for, require
from takes import selectors, services
from takes.forms import GenerateForm

TAKE_MEDIA = {"video": "video", "poster": "poster", "filmstrip": "filmstrip",
              "last": "last_frame"}


def _shot_context(membership, shot, form=None):
    takes = list(selectors.takes_for_shot(shot))
    options = selectors.generate_options(shot)
    pinned = membership.project.model_profile
    return {
        "membership": membership, "project": membership.project, "shot": shot,
        "takes": takes, "any_active": any(t.is_active for t in takes),
        "options": options,
        "selected_profile": next(
            (o["profile"].id for o in options if o["profile"].id == pinned and o["plan"]),
            next((o["profile"].id for o in options if o["plan"]), ""),
        ),
        "can_generate": membership.can(GENERATE),
        "can_plan": membership.can(PLAN),
        "project_shots": selectors.shots_of_project(membership),
        "usage": selectors.gpu_usage(membership),
        "form": form or GenerateForm(),
    }


@require_GET
@login_required
def shot_page(request, slug, shot_id):
    membership = require(membership_for(request.user, slug), VIEW)
    shot = selectors.shot_get(membership, shot_id)
    return render(request, "takes/shot_page.html", _shot_context(membership, shot))


@require_GET
@login_required
def shot_takes(request, slug, shot_id):
    membership = require(membership_for(request.user, slug), VIEW)
    shot = selectors.shot_get(membership, shot_id)
    takes = list(selectors.takes_for_shot(shot))
    return render(request, "takes/_takes.html", {
        "project": membership.project, "shot": shot, "takes": takes,
        "any_active": any(t.is_active for t in takes), "can_generate": membership.can(GENERATE),
        "can_plan": membership.can(PLAN), "project_shots": selectors.shots_of_project(membership),
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
    context = _shot_context(membership, shot, form)
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
