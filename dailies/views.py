"""Dailies pages: the session list, the room (with presenter mode), the summary and its CSV,
share links, and the guest room behind a link's token."""

import csv
import json
from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from assets.views import storage_response
from dailies import presence, selectors, services
from lotix.errors import DomainError
from projects.roles import DAILIES, VIEW
from projects.selectors import membership_for, require
from takes.models import ReviewState
from takes.review import notes_context, review_context

GUEST_MEDIA = {"video": "video", "poster": "poster", "filmstrip": "filmstrip",
               "last": "last_frame"}
PASSPHRASE_TRIES = 5
PASSPHRASE_WINDOW_S = 10 * 60
SHORTCUTS = [
    ("↑ / PageUp", "previous take"), ("↓ / PageDown", "next take"),
    ("Space / K", "play / pause"), ("← / →", "one frame (Shift: ten)"),
    ("1", "reject"), ("2", "maybe"), ("3", "select"), ("4", "approve"),
    ("N", "write a note at the current frame"),
]


def _position(request, entries) -> int:
    try:
        wanted = int(request.GET.get("entry") or 1)
    except ValueError:
        wanted = 1
    return min(max(wanted, 1), len(entries)) if entries else 0


UUID_SLOT = "00000000-0000-0000-0000-000000000000"


def _take_url(name: str, *args) -> tuple[str, str]:
    """(head, tail) of URL `name` whose last argument is a take's uuid, reversed once per
    page: a take's URL is then head + uuid + tail, with no reverse() per row."""
    head, tail = reverse(name, args=[*args, UUID_SLOT]).split(UUID_SLOT)
    return head, tail


def _decorate_entries(entries, *, review_url, poster_url, room):
    """Adds each entry's URLs (review fragment, poster, its place in the room) to the plain
    rows of selectors.dailies_entry_rows: the room's list costs one query for any length."""
    (review_head, review_tail), (poster_head, poster_tail) = review_url, poster_url
    for entry in entries:
        uuid = entry["take_uuid"]
        entry["review_url"] = f"{review_head}{uuid}{review_tail}"
        entry["poster_url"] = f"{poster_head}{uuid}{poster_tail}" if entry["has_poster"] else ""
        entry["room_url"] = f"{room}?entry={entry['position']}"
    return entries


def _review_html(request, context: dict) -> str:
    return render_to_string("takes/_review.html", context, request=request)


def _member_review(request, membership, session, take) -> str:
    # Decisions taken in the room of a closed session are not part of that session.
    return _review_html(request, review_context(
        membership=membership, take=take, dailies_session=session if session.is_open else None))


@require_GET
@login_required
def dailies_list(request, slug):
    membership = require(membership_for(request.user, slug), VIEW)
    return _list_page(request, membership)


def _list_page(request, membership, *, error="", data=None, status=200):
    can_manage = membership.can(DAILIES)
    sessions = selectors.dailies_for_project(membership)
    return render(request, "dailies/dailies_list.html", {
        "project": membership.project, "membership": membership, "section": "dailies",
        "open_sessions": [s for s in sessions if s.is_open],
        "closed_sessions": [s for s in sessions if not s.is_open],
        "can_manage": can_manage,
        "groups": selectors.finished_takes_by_shot(membership) if can_manage else [],
        "error": error, "data": data or {"mode": "since_last"},
    }, status=status)


@require_POST
@login_required
def dailies_create(request, slug):
    membership = require(membership_for(request.user, slug), DAILIES)
    mode = request.POST.get("mode", "since_last")
    chosen = request.POST.getlist("takes")
    try:
        session = services.dailies_create(
            membership=membership, title=request.POST.get("title", ""),
            take_uuids=chosen if mode == "chosen" else None, since_last=mode == "since_last")
    except DomainError as error:
        return _list_page(request, membership, error=error.message, status=400, data={
            "mode": mode, "title": request.POST.get("title", ""), "takes": set(chosen)})
    messages.success(request, f"“{session.title}” is ready: {session.entries.count()} takes.")
    return redirect("dailies:dailies-room", slug=slug, session_id=session.pk)


@require_GET
@login_required
def dailies_room(request, slug, session_id):
    membership = require(membership_for(request.user, slug), VIEW)
    session = selectors.dailies_get(membership, session_id)
    room = reverse("dailies:dailies-room", args=[slug, session.pk])
    review_head, review_tail = _take_url("takes:take-review", slug)
    entries = _decorate_entries(
        selectors.dailies_entry_rows(session),
        review_url=(review_head, f"{review_tail}?session={session.pk}"),
        poster_url=_take_url("takes:take-poster", slug), room=room,
    )
    position = _position(request, entries)
    context = {"project": membership.project, "membership": membership, "session": session,
               "entries": entries, "position": position, "section": "dailies", "guest": None}
    if request.GET.get("part") == "entries":
        return render(request, "dailies/_entries.html", context)
    current = entries[position - 1] if entries else None
    can_manage = membership.can(DAILIES)
    return render(request, "dailies/room.html", {
        **context, "current": current,
        "review_html": _member_review(
            request, membership, session,
            selectors.dailies_entry_take(session, current["take_uuid"])) if current else "",
        "can_manage": can_manage, "shortcuts": SHORTCUTS,
        "room_data": {
            "session": session.pk, "me": request.user.pk, "can_present": membership.can(DAILIES),
            "presence_url": reverse("dailies:dailies-presence", args=[slug, session.pk]),
            "entries_url": f"{room}?part=entries",
        },
    })


@require_GET
@login_required
def dailies_chooser(request, slug, session_id):
    """The room's "add or remove takes" panel, loaded when the panel is opened: every finished
    take of the project may be offered, so the room itself does not carry the list."""
    membership = require(membership_for(request.user, slug), DAILIES)
    session = selectors.dailies_get(membership, session_id)
    if not session.is_open:
        raise services.DailiesClosed(f"“{session.title}” is closed; its takes stay as they are.")
    entries = selectors.dailies_entries(session)
    return render(request, "dailies/_chooser.html", {
        "project": membership.project, "session": session, "entries": entries,
        "addable": selectors.addable_takes_by_shot(membership, session),
    })


@require_POST
@login_required
def dailies_entry_add(request, slug, session_id):
    membership = require(membership_for(request.user, slug), DAILIES)
    session = selectors.dailies_get(membership, session_id)
    try:
        services.dailies_entry_add(membership=membership, session=session,
                                   take_uuid=request.POST.get("take", ""))
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("dailies:dailies-room", slug=slug, session_id=session.pk)


@require_POST
@login_required
def dailies_entry_remove(request, slug, session_id, take_uuid):
    membership = require(membership_for(request.user, slug), DAILIES)
    session = selectors.dailies_get(membership, session_id)
    try:
        services.dailies_entry_remove(membership=membership, session=session,
                                      take_uuid=take_uuid)
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("dailies:dailies-room", slug=slug, session_id=session.pk)


@require_POST
@login_required
def dailies_close(request, slug, session_id):
    membership = require(membership_for(request.user, slug), DAILIES)
    session = selectors.dailies_get(membership, session_id)
    services.dailies_close(membership=membership, session=session)
    presence.presence_stop(session_id=session.pk, user=request.user, force=True)
    messages.success(request, f"“{session.title}” is closed.")
    return redirect("dailies:dailies-summary", slug=slug, session_id=session.pk)


@require_GET
@login_required
def dailies_summary(request, slug, session_id):
    membership = require(membership_for(request.user, slug), VIEW)
    session = selectors.dailies_get(membership, session_id)
    rows = selectors.dailies_summary(session)
    counts = {state: 0 for state in ReviewState.values}
    for row in rows:
        counts[row["take"].review_state] += 1
    return render(request, "dailies/summary.html", {
        "project": membership.project, "session": session, "rows": rows, "section": "dailies",
        "counts": [(ReviewState(s).label, n) for s, n in counts.items() if n],
    })


def csv_cell(value) -> str:
    """A CSV cell a spreadsheet shows as text: values that start like a formula get a quote."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def note_line(note) -> str:
    """One note as a line of the summary CSV: where, who, what."""
    where = f"[{note.where}] " if note.where else ""
    who = note.author_name + (" (guest)" if note.is_guest else "")
    return f"{where}{who}: {note.body}"


@require_GET
@login_required
def dailies_summary_csv(request, slug, session_id):
    membership = require(membership_for(request.user, slug), VIEW)
    session = selectors.dailies_get(membership, session_id)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (f'attachment; filename="dailies-{session.pk}-'
                                       f'{session.date:%Y%m%d}-summary.csv"')
    writer = csv.writer(response)
    writer.writerow(["scene", "shot", "take", "state", "decided_by", "reason", "notes"])
    for row in selectors.dailies_summary(session):
        take = row["take"]
        last = row["decisions"][-1] if row["decisions"] else None
        decided_by = ""
        if last is not None:
            decided_by = (last.actor.get_full_name() or last.actor.get_username()
                          if last.actor else "someone removed")
        writer.writerow([csv_cell(v) for v in (
            take.shot.scene.code, take.shot.code, take.label, take.review_state, decided_by,
            last.reason if last else "", " | ".join(note_line(n) for n in row["notes"]),
        )])
    return response


# Presenter mode ---------------------------------------------------------------------------


def _presence_gate(request, slug, session_id) -> bool:
    """Whether the user may watch the room, remembered for a minute: followers poll three
    times a second and the answer rarely changes."""
    if not request.user.is_authenticated:
        return False
    key = presence.gate_key(request.user.pk, slug, session_id)
    if cache.get(key):
        return True
    membership = require(membership_for(request.user, slug), VIEW)
    selectors.dailies_get(membership, session_id)
    cache.set(key, True, presence.GATE_TTL_S)
    return True


@require_http_methods(["GET", "POST"])
@login_required
def dailies_presence(request, slug, session_id):
    if request.method == "GET":
        _presence_gate(request, slug, session_id)
        state = presence.presence_get(session_id)
        response = JsonResponse({"presenter": None} if state is None else state)
        response["Cache-Control"] = "no-store"
        return response
    membership = require(membership_for(request.user, slug), DAILIES)
    session = selectors.dailies_get(membership, session_id)
    action = request.POST.get("action", "update")
    if action == "stop":
        presence.presence_stop(session_id=session.pk, user=request.user, force=True)
        return JsonResponse({"presenter": None})
    if not session.is_open:
        raise services.DailiesClosed(f"“{session.title}” is closed; nobody presents in it.")
    take_uuids = {str(u) for u in session.entries.values_list("take__uuid", flat=True)}
    if action == "start":
        state = presence.presence_start(session_id=session.pk, user=request.user,
                                        fields=request.POST, take_uuids=take_uuids)
    elif action == "update":
        state = presence.presence_update(session_id=session.pk, user=request.user,
                                         fields=request.POST, take_uuids=take_uuids)
    else:
        raise presence.PresenceInvalid("The action is start, update or stop.")
    return JsonResponse(state)


# Share links ------------------------------------------------------------------------------


def _links_page(request, membership, session, *, new_token="", error="", data=None,
                status=200):
    now = timezone.now()
    links = selectors.share_links_for_session(session)
    for link in links:
        link.usable = link.is_usable(now)
    return render(request, "dailies/links.html", {
        "project": membership.project, "session": session, "links": links,
        "section": "dailies", "new_token": new_token,
        "new_url": request.build_absolute_uri(reverse("dailies:guest-room", args=[new_token]))
        if new_token else "",
        "error": error, "data": data or {}, "max_days": services.MAX_LINK_DAYS,
    }, status=status)


@require_GET
@login_required
def share_links(request, slug, session_id):
    membership = require(membership_for(request.user, slug), DAILIES)
    session = selectors.dailies_get(membership, session_id)
    return _links_page(request, membership, session)


def _parse_expiry(value: str) -> datetime | None:
    value = (value or "").strip()
    parsed = parse_datetime(value) if value else None
    if parsed is None and value:
        raise services.ShareLinkInvalid("Write the expiry as a date and time, such as "
                                        "2026-12-01 18:00.")
    if parsed is not None and timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


@require_POST
@login_required
def share_link_create(request, slug, session_id):
    membership = require(membership_for(request.user, slug), DAILIES)
    session = selectors.dailies_get(membership, session_id)
    try:
        link, token = services.share_link_create(
            membership=membership, session=session,
            expires_at=_parse_expiry(request.POST.get("expires_at", "")),
            passphrase=request.POST.get("passphrase", ""),
            can_comment=request.POST.get("can_comment") == "on")
    except DomainError as error:
        return _links_page(request, membership, session, error=error.message, status=400,
                           data=request.POST)
    # The raw token is rendered in this one response and never again.
    response = _links_page(request, membership, session, new_token=token)
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@login_required
def share_link_revoke(request, slug, session_id, link_id):
    membership = require(membership_for(request.user, slug), DAILIES)
    session = selectors.dailies_get(membership, session_id)
    link = selectors.share_link_get(membership, session, link_id)
    try:
        services.share_link_revoke(membership=membership, link=link)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "The link is revoked; it answers “not found” from now on.")
    return redirect("dailies:share-links", slug=slug, session_id=session.pk)


# Guests -----------------------------------------------------------------------------------


def _guest_key(link) -> str:
    return f"dailies-guest-{link.pk}"


def _guest_link(request, token):
    """The live link behind the token, once its passphrase (if any) was given in this browser
    session; 404 for unknown, expired and revoked links."""
    link = selectors.share_link_for_token(token)
    if link.passphrase_hash and not request.session.get(_guest_key(link)):
        return link, False
    return link, True


def _guest_review(request, token, link, take) -> str:
    context = review_context(
        membership=None, take=take, dailies_session=link.session, guest=link,
        note_action_url=reverse("dailies:guest-note-add", args=[token, take.uuid]))
    return _review_html(request, guest_urls(context, token=token, take=take))


def guest_urls(context: dict, *, token: str, take) -> dict:
    """The review context with every media URL pointing under the guest token, and nothing a
    guest may not open (other takes to compare with, the shot's reference images)."""
    def url(kind):
        return reverse(f"dailies:guest-{kind}", args=[token, take.uuid])

    context = dict(context)
    context["note_action_url"] = reverse("dailies:guest-note-add", args=[token, take.uuid])
    context["guest_token"] = token
    targets = [context]
    if isinstance(context.get("player"), dict):
        context["player"] = dict(context["player"])
        targets.append(context["player"])
    for target in targets:
        if "video_url" in target:
            target["video_url"] = url("video")
        if target.get("poster_url"):
            target["poster_url"] = url("poster")
        if target.get("last_url"):
            target["last_url"] = url("last")
        if target.get("filmstrip"):
            target["filmstrip"] = {**target["filmstrip"], "url": url("filmstrip")}
        for key in ("candidates",):
            if key in target:
                target[key] = []
        for key in ("first_reference", "last_reference"):
            if key in target:
                target[key] = None
    return context


def _throttle_key(request, link) -> str:
    return f"dailies-pass:{link.pk}:{request.META.get('REMOTE_ADDR', 'unknown')}"


@require_http_methods(["GET", "POST"])
def guest_room(request, token):
    link, unlocked = _guest_link(request, token)
    error, status = "", 200
    if not unlocked and request.method == "POST":
        key = _throttle_key(request, link)
        if cache.get(key, 0) >= PASSPHRASE_TRIES:
            error, status = ("Too many wrong passphrases. Wait ten minutes and try again.", 429)
        elif selectors.share_link_passphrase_ok(link, request.POST.get("passphrase", "")):
            request.session.cycle_key()
            request.session[_guest_key(link)] = True
            cache.delete(key)
            return redirect("dailies:guest-room", token=token)
        else:
            cache.add(key, 0, PASSPHRASE_WINDOW_S)
            try:
                cache.incr(key)
            except ValueError:
                cache.set(key, 1, PASSPHRASE_WINDOW_S)
            error, status = "That passphrase is not right.", 400
    if not unlocked:
        return render(request, "dailies/guest_passphrase.html",
                      {"session": link.session, "error": error}, status=status)
    if request.method == "POST":
        return redirect("dailies:guest-room", token=token)
    session = link.session
    room = reverse("dailies:guest-room", args=[token])
    entries = _decorate_entries(
        selectors.dailies_entry_rows(session),
        review_url=_take_url("dailies:guest-review", token),
        poster_url=_take_url("dailies:guest-poster", token), room=room,
    )
    position = _position(request, entries)
    current = entries[position - 1] if entries else None
    response = render(request, "dailies/room.html", {
        "project": session.project, "session": session, "entries": entries,
        "position": position, "current": current, "guest": link,
        "review_html": _guest_review(
            request, token, link, selectors.dailies_entry_take(session, current["take_uuid"]))
        if current else "",
        "shortcuts": [s for s in SHORTCUTS if s[0] not in ("1", "2", "3", "4")
                      and (link.can_comment or s[0] != "N")],
        "room_data": {"session": session.pk, "me": None, "can_present": False,
                      "presence_url": "", "entries_url": ""},
    })
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response


@require_GET
def guest_review(request, token, take_uuid):
    link, unlocked = _guest_link(request, token)
    if not unlocked:
        raise Http404("No such link.")
    take = selectors.dailies_entry_take(link.session, take_uuid)
    return HttpResponse(_guest_review(request, token, link, take))


@require_POST
def guest_note_add(request, token, take_uuid):
    link, unlocked = _guest_link(request, token)
    if not unlocked:
        raise Http404("No such link.")
    take = selectors.dailies_entry_take(link.session, take_uuid)
    try:
        annotation = json.loads(request.POST.get("annotation") or "null")
    except ValueError:
        annotation = "invalid"
    error = ""
    try:
        services.share_link_note_add(
            link=link, take=take, guest_name=request.POST.get("guest_name", ""),
            body=request.POST.get("body", ""),
            frame_in=_int_or_none(request.POST.get("frame_in")),
            frame_out=_int_or_none(request.POST.get("frame_out")),
            annotation=annotation or None)
    except DomainError as failure:
        if failure.status_code == 403:
            raise
        error = failure.message
    if request.headers.get("HX-Request"):
        return _guest_notes_response(request, token, link, take, error)
    if error:
        messages.error(request, error)
    return redirect("dailies:guest-room", token=token)


def _guest_notes_response(request, token, link, take, error):
    context = notes_context(
        membership=None, take=take, guest=link, note_error=error,
        note_action_url=reverse("dailies:guest-note-add", args=[token, take.uuid]),
        note_data=request.POST.dict() if error else None)
    return render(request, "takes/_notes.html", context, status=400 if error else 200)


def _int_or_none(value):
    value = (value or "").strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise services.DailiesInvalid("A frame number is a whole number.") from None


@require_GET
def guest_media(request, token, take_uuid, kind):
    link, unlocked = _guest_link(request, token)
    if not unlocked:
        raise Http404("No such link.")
    take = selectors.dailies_entry_take(link.session, take_uuid)
    response = storage_response(getattr(take, GUEST_MEDIA[kind]).name, request=request)
    response["Cache-Control"] = "private, no-store"
    return response
