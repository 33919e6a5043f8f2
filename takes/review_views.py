"""HTML views for reviewing a take: the review fragment, decisions, notes, replies, resolve.

Each answers htmx with the panel it changed; a refused request answers the same panel with the
reason in it (400, 403, or 409 for a stale decision) and changes nothing.
"""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from lotix.errors import DomainError, PermissionDeniedError
from projects.roles import VIEW
from projects.selectors import membership_for, require
from takes import review, selectors
from takes.notes import NoteInvalid, note_add, note_resolve
from takes.services import DecisionInvalid, DecisionStale, take_decide


def _session_id(value) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise DecisionInvalid(f"Unknown dailies session {value!r}.") from None
    if number <= 0:
        raise DecisionInvalid(f"Unknown dailies session {value!r}.")
    return number


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _back_to_shot(take):
    """Without htmx (no JavaScript) every answer goes back to the shot page with a message."""
    url = reverse("takes:shot-page", args=[take.shot.scene.project.slug, take.shot_id])
    return redirect(f"{url}?take={take.number}#review-{take.uuid}")


@require_GET
@login_required
def take_review(request, slug, take_uuid):
    membership = require(membership_for(request.user, slug), VIEW)
    take = selectors.take_get(membership, take_uuid)
    try:
        session = _session_id(request.GET.get("session"))
    except DomainError:
        session = None
    context = review.review_context(membership=membership, take=take, dailies_session=session)
    return render(request, "takes/_review.html", context)


def _checklist_from_post(post) -> list[dict] | None:
    """The checklist from the `checklist` JSON field, or from the form's `line` and `checked`
    fields (checkbox values are the line numbers) when no JSON came."""
    raw = post.get("checklist", "")
    if raw:
        try:
            return json.loads(raw)
        except ValueError:
            raise DecisionInvalid("The checklist could not be read; reload the take and tick "
                                  "it again.") from None
    lines = post.getlist("line")
    if not lines:
        return None
    ticked = set(post.getlist("checked"))
    return [{"line": line, "checked": str(index) in ticked} for index, line in enumerate(lines)]


@require_POST
@login_required
def decide(request, slug, take_uuid):
    membership = require(membership_for(request.user, slug), VIEW)
    take = selectors.take_get(membership, take_uuid)
    post = request.POST
    session = None
    status, message = 200, ""
    try:
        session = _session_id(post.get("session"))
        version = post.get("version", "")
        try:
            expected = int(version) if version != "" else None
        except ValueError:
            raise DecisionInvalid("The take's review version is not a number; reload the "
                                  "take.") from None
        decided = take_decide(take=take, membership=membership, state=post.get("state", ""),
                              reason=post.get("reason", ""), dailies_session_id=session,
                              expected_version=expected, checklist=_checklist_from_post(post))
    except DecisionStale as error:
        status, message = error.status_code, error.message
    except PermissionDeniedError:
        raise
    except DomainError as error:
        status, message = error.status_code, error.message
    else:
        message = f"{decided.label} is now {decided.get_review_state_display().lower()}."
        for label in decided.moved_to_selected:
            message += f" {label} moved to selected."
    if not _is_htmx(request):
        (messages.success if status == 200 else messages.error)(request, message)
        return _back_to_shot(take)
    take = selectors.take_get(membership, take_uuid)
    context = review.decision_context(membership=membership, take=take,
                                      dailies_session_id=session, message=message,
                                      error=status != 200)
    response = render(request, "takes/_decision.html", context, status=status)
    if status == 200:
        response["HX-Trigger"] = json.dumps({"lotix:decided": {
            "take": str(take.uuid), "state": take.review_state,
            "moved": decided.moved_to_selected,
        }})
    return response


def _note_fields(post) -> dict:
    raw = post.get("annotation", "")
    try:
        annotation = json.loads(raw) if raw.strip() else None
    except ValueError:
        raise NoteInvalid("The drawing could not be read; draw it again.") from None
    return {"body": post.get("body", ""), "frame_in": post.get("frame_in") or None,
            "frame_out": post.get("frame_out") or None, "annotation": annotation,
            "for_client": post.get("for_client") in ("on", "1", "true")}


def _notes_answer(request, membership, take, *, status=200, error="", data=None, reply_to=None,
                  message=""):
    if not _is_htmx(request):
        if error:
            messages.error(request, error)
        elif message:
            messages.success(request, message)
        return _back_to_shot(take)
    context = review.notes_context(membership=membership, take=take, note_error=error,
                                   note_data=data, reply_to=reply_to)
    return render(request, "takes/_notes.html", context, status=status)


@require_POST
@login_required
def note_create(request, slug, take_uuid):
    membership = require(membership_for(request.user, slug), VIEW)
    take = selectors.take_get(membership, take_uuid)
    try:
        note_add(take=take, membership=membership, base_url=request.build_absolute_uri("/"),
                 **_note_fields(request.POST))
    except PermissionDeniedError:
        raise
    except DomainError as error:
        return _notes_answer(request, membership, take, status=error.status_code,
                             error=error.message, data=request.POST.dict())
    return _notes_answer(request, membership, take, message="Note added.")


@require_POST
@login_required
def note_reply(request, slug, note_id):
    membership = require(membership_for(request.user, slug), VIEW)
    parent = review.note_get(membership, note_id)
    take = parent.take
    root = parent.parent_id or parent.pk
    try:
        fields = _note_fields(request.POST)
        fields["for_client"] = fields["for_client"] or parent.for_client
        note_add(take=take, membership=membership, parent=parent,
                 base_url=request.build_absolute_uri("/"), **fields)
    except PermissionDeniedError:
        raise
    except DomainError as error:
        return _notes_answer(request, membership, take, status=error.status_code,
                             error=error.message, data=request.POST.dict(), reply_to=root)
    return _notes_answer(request, membership, take, message="Reply added.")


@require_POST
@login_required
def note_resolve_view(request, slug, note_id):
    membership = require(membership_for(request.user, slug), VIEW)
    note = review.note_get(membership, note_id)
    resolved = request.POST.get("resolved", "1") not in ("0", "false", "")
    try:
        note_resolve(note=note, membership=membership, resolved=resolved)
    except PermissionDeniedError:
        raise
    except DomainError as error:
        return _notes_answer(request, membership, note.take, status=error.status_code,
                             error=error.message)
    return _notes_answer(request, membership, note.take,
                         message="Note resolved." if resolved else "Note reopened.")
