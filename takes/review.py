"""Reads for reviewing one take: QC flags in plain words, the review checklist, the decision
history and the notes, gathered for templates/takes/_review.html in a fixed number of queries."""

from django.db.models import Q
from django.http import Http404
from django.urls import reverse

from generation import qc as qc_rules
from projects import roles
from projects.models import Membership
from takes.models import Note, ReviewState, Take, TakeDecision, TakeStatus
from takes.notes import take_fps, take_frame_count, timecode
from takes.player import player_context
from takes.services import DECISION_STATES

STANDING_QUESTIONS = (
    "Did the references hold (identity, wardrobe, location)?",
    "Does the motion serve the shot?",
    "Any unwanted details (extra fingers, text, artefacts)?",
    "Does the ending cut to the next shot?",
)
DECISION_KEYS = {"rejected": "1", "maybe": "2", "selected": "3", "approved": "4"}
DECISION_VERBS = {"rejected": "Reject", "maybe": "Maybe", "selected": "Select",
                  "approved": "Approve"}


def _number(qc: dict, key: str) -> float | None:
    value = qc.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return value


def _frame_list(qc: dict, key: str) -> list[int]:
    value = qc.get(key)
    return [v for v in value if isinstance(v, int)] if isinstance(value, list) else []


def qc_flags(qc: dict) -> list[dict]:
    """Plain-language flags from a take's QC metrics: [{"check", "level", "text", "value"}],
    level warn or fail; checks that pass give no flag. Thresholds are generation.qc's."""
    qc = qc if isinstance(qc, dict) else {}
    flags = []

    def flag(check, level, text, value):
        flags.append({"check": check, "level": level, "text": text, "value": value})

    for position, reference in (("first", "the first-frame reference"),
                                ("last", "the last-frame reference")):
        name = position.capitalize() + " frame"
        ssim = _number(qc, f"{position}_frame_ssim")
        if ssim is not None and ssim < qc_rules.SSIM_FAIL:
            verb = "differs strongly from" if position == "first" else "misses"
            flag(f"{position}_frame", "fail",
                 f"{name} {verb} {reference} (SSIM {ssim:.2f}, fails under "
                 f"{qc_rules.SSIM_FAIL:.2f}).", ssim)
        elif ssim is not None and ssim < qc_rules.SSIM_PASS:
            flag(f"{position}_frame", "warn",
                 f"{name} only loosely matches {reference} (SSIM {ssim:.2f}, under "
                 f"{qc_rules.SSIM_PASS:.2f}).", ssim)
        delta = _number(qc, f"{position}_frame_color_delta")
        if delta is not None and delta > qc_rules.COLOR_DELTA_FAIL:
            flag(f"{position}_frame_color", "fail",
                 f"{name} colours differ strongly from {reference} (ΔE {delta:.1f}, over "
                 f"{qc_rules.COLOR_DELTA_FAIL:.0f}).", delta)
        elif delta is not None and delta > qc_rules.COLOR_DELTA_PASS:
            flag(f"{position}_frame_color", "warn",
                 f"{name} colours differ visibly from {reference} (ΔE {delta:.1f}, over "
                 f"{qc_rules.COLOR_DELTA_PASS:.0f}).", delta)

    count = _number(qc, "frame_count")
    run = _number(qc, "longest_frozen_run")
    if run is not None and count is not None and count >= 2 and run >= count:
        flag("frozen", "fail", f"Frozen for all {int(count)} frames: the picture never changes.",
             run)
    elif run is not None and run >= qc_rules.FROZEN_RUN_WARN:
        flag("frozen", "warn", f"Frozen for {int(run)} frames.", run)

    black = _frame_list(qc, "black_frames")
    if black and count is not None and len(black) >= qc_rules.BLACK_SHARE_FAIL * count:
        flag("black", "fail", f"{len(black)} of {int(count)} frames are black, from frame "
                              f"{black[0]}.", len(black))
    elif black:
        flag("black", "warn", f"{len(black)} black frame{'s' if len(black) != 1 else ''}, the "
                              f"first at frame {black[0]}.", len(black))

    flicker = _number(qc, "flicker")
    if flicker is not None and flicker > qc_rules.FLICKER_FAIL:
        flag("flicker", "fail", f"Heavy flicker ({flicker:.1f} luma levels, over "
                                f"{qc_rules.FLICKER_FAIL:.1f}).", flicker)
    elif flicker is not None and flicker > qc_rules.FLICKER_PASS:
        flag("flicker", "warn", f"Some flicker ({flicker:.1f} luma levels, over "
                                f"{qc_rules.FLICKER_PASS:.1f}).", flicker)

    motion, width = _number(qc, "mean_motion"), _number(qc, "width")
    if motion is not None and width and (count is None or count >= 2):
        still = qc_rules.STILL_MOTION_SHARE * width
        fast = qc_rules.FAST_MOTION_SHARE * width
        if motion < still:
            flag("motion", "warn", f"Almost no motion ({motion:.2f} px per frame, under "
                                   f"{still:.2f}).", motion)
        elif motion > fast:
            flag("motion", "warn", f"Very fast motion ({motion:.1f} px per frame, over "
                                   f"{fast:.1f}); look for smearing or warping.", motion)
    return flags


QC_ROWS = (
    ("first_frame_ssim", "First frame SSIM", "{:.3f}"),
    ("first_frame_color_delta", "First frame ΔE", "{:.2f}"),
    ("last_frame_ssim", "Last frame SSIM", "{:.3f}"),
    ("last_frame_color_delta", "Last frame ΔE", "{:.2f}"),
    ("mean_motion", "Mean motion (px/frame)", "{:.2f}"),
    ("max_motion", "Max motion (px/frame)", "{:.2f}"),
    ("longest_frozen_run", "Longest frozen run (frames)", "{:.0f}"),
    ("mean_luma", "Mean luma", "{:.1f}"),
    ("flicker", "Flicker (luma levels)", "{:.2f}"),
    ("frame_count", "Frames", "{:.0f}"),
)


def qc_rows(qc: dict) -> list[dict]:
    """The raw QC numbers for the compact table, leaving out those that do not apply."""
    qc = qc if isinstance(qc, dict) else {}
    rows = []
    for key, label, fmt in QC_ROWS:
        value = _number(qc, key)
        if value is not None:
            rows.append({"key": key, "label": label, "value": fmt.format(value)})
    if isinstance(qc.get("black_frames"), list):
        rows.append({"key": "black_frames", "label": "Black frames",
                     "value": str(len(qc["black_frames"]))})
    return rows


def checklist_for(*, shot, last_ticks: list[dict] | None) -> list[dict]:
    """The shot's review standard lines and the standing questions, ticked as the last decision
    with a checklist left them."""
    ticked = {item.get("line"): bool(item.get("checked"))
              for item in (last_ticks or []) if isinstance(item, dict)}
    lines = list(dict.fromkeys([*shot.review_standard_lines(), *STANDING_QUESTIONS]))
    return [{"line": line, "checked": ticked.get(line, False),
             "standing": line in STANDING_QUESTIONS} for line in lines]


def note_get(membership: Membership, note_id: int) -> Note:
    """A note on a take of the member's project; 404 otherwise."""
    try:
        return Note.objects.select_related("take__shot__scene__project", "author").get(
            pk=note_id, take__shot__scene__project=membership.project
        )
    except Note.DoesNotExist:
        raise Http404("No such note.") from None


def _frames_label(note: Note, fps: float) -> str:
    if note.frame_in is None:
        return ""
    if note.frame_out is None or note.frame_out == note.frame_in:
        return f"{timecode(note.frame_in, fps)} · f{note.frame_in}"
    return (f"{timecode(note.frame_in, fps)}–{timecode(note.frame_out, fps)} · "
            f"f{note.frame_in}–{note.frame_out}")


def notes_for_take(*, take: Take, guest=None) -> list[Note]:
    """The take's root notes in order, each with `.thread` (its replies) and display fields;
    one query. A guest sees only the client notes and the notes written through its link."""
    notes = Note.objects.filter(take=take).select_related("author").order_by("created_at", "id")
    if guest is not None:
        notes = notes.filter(Q(for_client=True) | Q(share_link_id=guest.pk))
    fps = take_fps(take)
    roots, by_id = [], {}
    for note in notes:
        note.frames_label = _frames_label(note, fps)
        note.has_drawing = bool(note.annotation)
        note.thread = []
        by_id[note.pk] = note
    for note in by_id.values():
        if note.parent_id is None:
            roots.append(note)
        elif note.parent_id in by_id:
            by_id[note.parent_id].thread.append(note)
    return roots


def history_for_take(take: Take) -> list[TakeDecision]:
    """The take's decisions, oldest first, with who made them; one query."""
    return list(TakeDecision.objects.filter(take=take).select_related("actor")
                .order_by("at", "id"))


def decision_context(
    *, membership: Membership, take: Take, dailies_session_id: int | None = None,
    message: str = "", error: bool = False,
) -> dict:
    """The decision panel: buttons allowed by role, the checklist ticked as last decided, the
    history; one query."""
    shot = take.shot
    project = shot.scene.project
    finished = take.status == TakeStatus.SUCCEEDED
    history = history_for_take(take)
    last_ticks = next((d.checklist for d in reversed(history) if d.checklist), None)
    can_decide = membership.can(roles.DECIDE) and finished
    can_approve = can_decide and membership.can(roles.APPROVE)
    if can_decide:
        readonly_reason = ""
    elif not finished:
        readonly_reason = "This take has not finished; only a finished take can be reviewed."
    else:
        readonly_reason = (f"Your role ({membership.get_role_display()}) can watch and note, "
                           "not decide.")
    return {
        "review_take": take, "project": project,
        "dailies_session_id": dailies_session_id,
        "can_decide": can_decide, "can_approve": can_approve,
        "approve_reason": "" if can_approve or not can_decide else (
            f"Your role ({membership.get_role_display()}) cannot approve; an owner, director or "
            "producer approves."),
        "readonly_reason": readonly_reason,
        "decision_buttons": [
            {"state": state, "verb": DECISION_VERBS[state], "key": DECISION_KEYS[state],
             "current": take.review_state == state,
             "allowed": can_decide and (state != ReviewState.APPROVED or can_approve)}
            for state in DECISION_STATES
        ],
        "decide_url": reverse("takes:take-decide", args=[project.slug, take.uuid]),
        "checklist": checklist_for(shot=shot, last_ticks=last_ticks),
        "last_decision": history[-1] if history else None,
        "history": history,
        "decision_message": message, "decision_error": error,
    }


def notes_context(
    *, membership: Membership | None, take: Take, guest=None, note_action_url: str | None = None,
    note_error: str = "", note_data: dict | None = None, reply_to: int | None = None,
) -> dict:
    """The notes list and the note form; one query. A guest's form posts to `note_action_url`
    (the guest page's own URL) and appears only when the link may comment."""
    project = take.shot.scene.project
    notes = notes_for_take(take=take, guest=guest)
    if guest is not None:
        can_comment = bool(getattr(guest, "can_comment", False))
    else:
        can_comment = membership is not None and membership.can(roles.COMMENT)
    if note_action_url is None and guest is None:
        note_action_url = reverse("takes:note-add", args=[project.slug, take.uuid])
    user_id = membership.user_id if membership is not None else None
    can_resolve_any = membership is not None and membership.can(roles.DECIDE)
    for root in notes:
        root.can_resolve = guest is None and can_comment and (
            can_resolve_any or (root.author_id is not None and root.author_id == user_id))
    return {
        "review_take": take, "project": project, "guest": guest, "is_guest": guest is not None,
        "can_comment": can_comment and bool(note_action_url),
        "notes": notes,
        "notes_json": [
            {"id": n.pk, "frame_in": n.frame_in, "frame_out": n.frame_out,
             "annotation": n.annotation}
            for root in notes for n in (root, *root.thread) if n.annotation
        ],
        "notes_script_id": f"notes-data-{take.uuid}",
        "note_count": sum(1 + len(n.thread) for n in notes),
        "open_note_count": sum(1 for n in notes if not n.resolved),
        "note_action_url": note_action_url,
        "note_error": note_error, "note_data": note_data or {}, "reply_to": reply_to,
        "frame_count": take_frame_count(take), "note_fps": take_fps(take),
    }


def review_context(
    *, membership: Membership | None, take: Take, dailies_session=None, guest=None,
    note_action_url: str | None = None, recipe: bool = False, player: dict | None = None,
) -> dict:
    """Everything `_review.html` needs for one take: player, decision panel with checklist and
    history, QC flags and metrics, and the notes, in a fixed number of queries.

    `guest` (a dailies share link) gets no decision panel and only the client notes and its
    own; its note form posts to `note_action_url`, which the guest page supplies.
    `dailies_session` may be a session or its id; decisions made from the panel record it.
    `player` is the take's player_context when the caller already built it (the shot page)."""
    shot = take.shot
    project = shot.scene.project
    session_id = getattr(dailies_session, "pk", dailies_session)
    finished = take.status == TakeStatus.SUCCEEDED
    context = {
        "player": player or (player_context(take=take, project=project, shot=shot,
                                            recipe=recipe) if finished and take.video else None),
        "membership": membership, "shot": shot,
        "qc_flags": qc_flags(take.qc), "qc_rows": qc_rows(take.qc),
        "review_url": reverse("takes:take-review", args=[project.slug, take.uuid]),
        "can_decide": False, "history": [],
    }
    if guest is None and membership is not None:
        context.update(decision_context(membership=membership, take=take,
                                        dailies_session_id=session_id))
    context.update(notes_context(membership=membership, take=take, guest=guest,
                                 note_action_url=note_action_url))
    return context


def shot_review_context(membership: Membership, shot, take: Take | None,
                        player: dict | None) -> dict:
    """The shot page's review of its selected take (the player the page built, plus the rest of
    review_context), or just the player when no take is selected."""
    if take is None:
        return {"player": player}
    take.shot = shot  # the page's shot comes with its scene and project; no query per relation
    return review_context(membership=membership, take=take, player=player, recipe=True)
