"""Permission-checked reads for dailies; members start from a membership, guests from a token."""

from collections import defaultdict

from django.contrib.auth.hashers import check_password
from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone

from dailies.models import DailiesEntry, DailiesSession, ShareLink
from dailies.services import token_hash
from projects.models import Membership
from takes.models import Note, ReviewState, Take, TakeDecision, TakeStatus
from takes.notes import take_fps, timecode


def dailies_for_project(membership: Membership) -> list[DailiesSession]:
    """The project's sessions, newest first, with their take counts, in one query."""
    return list(
        DailiesSession.objects.filter(project=membership.project)
        .select_related("created_by")
        .annotate(take_count=Count("entries", distinct=True),
                  approved_count=Count("entries", filter=Q(
                      entries__take__review_state="approved"), distinct=True))
        .order_by("-created_at", "-id")
    )


def dailies_get(membership: Membership, session_id: int) -> DailiesSession:
    """A session of the member's project; 404 otherwise."""
    try:
        return DailiesSession.objects.select_related("project").get(
            pk=session_id, project=membership.project)
    except DailiesSession.DoesNotExist:
        raise Http404("No such dailies session.") from None


def dailies_entries(session: DailiesSession) -> list[DailiesEntry]:
    """The session's entries in playing order, each with its take, shot and scene: one query."""
    return list(
        DailiesEntry.objects.filter(session=session)
        .select_related("take__shot__scene__project").order_by("position")
    )


def dailies_entry_rows(session: DailiesSession) -> list[dict]:
    """The session's entries in playing order as plain rows for the room's list (position,
    take id and uuid, scene and shot codes, label, review state and its label, whether there is
    a poster): one query, no model instances."""
    states = dict(ReviewState.choices)
    rows = (DailiesEntry.objects.filter(session=session).order_by("position")
            .values_list("position", "take_id", "take__uuid", "take__number",
                         "take__shot__code", "take__shot__scene__code", "take__review_state",
                         "take__poster"))
    return [{"position": position, "take_id": take_id, "take_uuid": str(uuid),
             "label": f"v{number:03d}",  # Take.label
             "shot_code": shot_code, "scene_code": scene_code, "review_state": state,
             "review_state_label": states.get(state, state), "has_poster": bool(poster)}
            for position, take_id, uuid, number, shot_code, scene_code, state, poster in rows]


def dailies_entry_take(session: DailiesSession, take_uuid) -> Take:
    """A take that is on this session's list; 404 for any other take, even of the project."""
    try:
        return (DailiesEntry.objects.select_related("take__shot__scene__project")
                .get(session=session, take__uuid=take_uuid).take)
    except (DailiesEntry.DoesNotExist, ValueError):
        raise Http404("No such take in this session.") from None


def finished_takes_by_shot(membership: Membership) -> list[dict]:
    """Every finished take of the project grouped by shot, in board order, for the chooser."""
    takes = (Take.objects.filter(shot__scene__project=membership.project,
                                 status=TakeStatus.SUCCEEDED)
             .select_related("shot__scene")
             .order_by("shot__scene__order", "shot__scene__code", "shot__order", "shot__code",
                       "number"))
    groups: list[dict] = []
    for take in takes:
        if not groups or groups[-1]["shot"].pk != take.shot_id:
            groups.append({"shot": take.shot, "takes": []})
        groups[-1]["takes"].append(take)
    return groups


def addable_takes_by_shot(membership: Membership, session: DailiesSession) -> list[dict]:
    """The project's finished takes not yet in the session, grouped by shot in board order,
    as plain rows for the room's "add a take" menu: one query, no model instances (a project
    may hold thousands of takes)."""
    rows = (Take.objects.filter(shot__scene__project=membership.project,
                                status=TakeStatus.SUCCEEDED)
            .exclude(pk__in=DailiesEntry.objects.filter(session=session).values("take_id"))
            .order_by("shot__scene__order", "shot__scene__code", "shot__order", "shot__code",
                      "number")
            .values_list("uuid", "number", "shot_id", "shot__code", "shot__scene__code"))
    groups: list[dict] = []
    for uuid, number, shot_id, shot_code, scene_code in rows:
        if not groups or groups[-1]["shot_id"] != shot_id:
            groups.append({"shot_id": shot_id, "label": f"{scene_code} / {shot_code}",
                           "takes": []})
        # Take.label's format, without building a Take per row.
        groups[-1]["takes"].append((str(uuid), f"{shot_code} v{number:03d}"))
    return groups


def share_links_for_session(session: DailiesSession) -> list[ShareLink]:
    """The session's share links, newest first."""
    return list(session.share_links.select_related("created_by").order_by("-created_at"))


def share_link_get(membership: Membership, session: DailiesSession, link_id: int) -> ShareLink:
    """A share link of a session of the member's project; 404 otherwise."""
    try:
        return ShareLink.objects.select_related("session").get(
            pk=link_id, session=session, session__project=membership.project)
    except ShareLink.DoesNotExist:
        raise Http404("No such link.") from None


def share_link_for_token(token: str) -> ShareLink:
    """The live link behind a token; 404 alike for unknown, expired and revoked links."""
    link = (ShareLink.objects.select_related("session__project")
            .filter(token_hash=token_hash(token or ""), active=True, revoked_at__isnull=True,
                    expires_at__gt=timezone.now(), session__project__archived_at__isnull=True)
            .first())
    if link is None:
        raise Http404("No such link.")
    return link


def share_link_passphrase_ok(link: ShareLink, passphrase: str) -> bool:
    """True when the passphrase matches the link's stored hash."""
    return bool(link.passphrase_hash) and check_password(passphrase or "", link.passphrase_hash)


def _where(note: Note, fps: float) -> str:
    """A note's frame or range as timecode and frame numbers; empty for a note on the take."""
    if note.frame_in is None:
        return ""
    where = f"{timecode(note.frame_in, fps)} f{note.frame_in}"
    if note.frame_out is not None and note.frame_out != note.frame_in:
        where += f"–{timecode(note.frame_out, fps)} f{note.frame_out}"
    return where


def dailies_summary(session: DailiesSession) -> list[dict]:
    """Per take in playing order: the take, the decisions made in this session (who, why) and
    the notes written while the session was open; three queries whatever the size."""
    entries = dailies_entries(session)
    take_ids = [e.take_id for e in entries]
    decisions = defaultdict(list)
    for decision in (TakeDecision.objects.filter(take_id__in=take_ids,
                                                 dailies_session_id=session.pk)
                     .select_related("actor").order_by("at", "id")):
        decisions[decision.take_id].append(decision)
    notes = defaultdict(list)
    note_filter = Q(take_id__in=take_ids, created_at__gte=session.created_at)
    if session.closed_at:
        note_filter &= Q(created_at__lte=session.closed_at)
    fps = {e.take_id: take_fps(e.take) for e in entries}
    for note in Note.objects.filter(note_filter).select_related("author").order_by(
            "created_at", "id"):
        note.where = _where(note, fps[note.take_id])
        notes[note.take_id].append(note)
    return [{"entry": e, "take": e.take, "decisions": decisions[e.take_id],
             "notes": notes[e.take_id]} for e in entries]
