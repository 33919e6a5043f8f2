"""Writes for notes on takes: add (with replies, drawings and @mentions) and resolve.

A separate file from takes/services.py so the notes rules read in one place.
"""

import logging
import re
import smtplib
from urllib.parse import urljoin

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse

from lotix.errors import DomainError, PermissionDeniedError
from projects import roles
from projects.models import Membership
from projects.selectors import require
from projects.services import activity_record
from takes.models import Note, Take

log = logging.getLogger(__name__)

BODY_MAX = 5000
GUEST_NAME_MAX = 100
MAX_STROKES_PER_FRAME = 200
MIN_POINTS, MAX_POINTS = 2, 2000
MAX_WIDTH = 0.05
TOOLS = ("pen", "arrow", "rect")
TWO_POINT_TOOLS = ("arrow", "rect")
COLOR = re.compile(r"#[0-9a-fA-F]{6}")
# Django usernames: letters, digits and @ . + - _; a trailing dot is the sentence's, not the name's.
MENTION = re.compile(r"(?<![\w@])@([\w.+-]+)")


class NoteInvalid(DomainError):
    pass


def take_frame_count(take: Take) -> int:
    """How many frames the take has: the measured count when QC ran, else the requested one."""
    qc_frames = (take.qc or {}).get("frame_count")
    if isinstance(qc_frames, int) and qc_frames > 0:
        return qc_frames
    spec = (take.request or {}).get("spec") or {}
    requested = spec.get("num_frames")
    return requested if isinstance(requested, int) and requested > 0 else 0


def take_fps(take: Take) -> float:
    spec = (take.request or {}).get("spec") or {}
    fps = spec.get("fps")
    return fps if isinstance(fps, (int, float)) and fps > 0 else take.shot.effective_fps()


def timecode(frame: int, fps: float) -> str:
    """SMPTE HH:MM:SS:FF of a 0-based frame at a whole-number frame rate (non-drop)."""
    rate = max(round(fps), 1)
    seconds, frames = divmod(frame, rate)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}:{frames:02d}"


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _frame(value, name: str, frames: int) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise NoteInvalid(f"The {name} must be a frame number, not {value!r}.")
    try:
        frame = int(value)
    except (TypeError, ValueError):
        raise NoteInvalid(f"The {name} must be a frame number, not {value!r}.") from None
    if isinstance(value, float) and value != frame:
        raise NoteInvalid(f"The {name} must be a whole frame number, not {value!r}.")
    if not 0 <= frame < frames:
        raise NoteInvalid(f"The {name} must be a frame from 0 to {frames - 1}; this take has "
                          f"{frames} frames, not frame {frame}.")
    return frame


def _frames_clean(frame_in, frame_out, frames: int) -> tuple[int | None, int | None]:
    if frames <= 0 and (frame_in not in (None, "") or frame_out not in (None, "")):
        raise NoteInvalid("This take has no frames yet, so the note cannot point at one.")
    first = _frame(frame_in, "first frame", frames)
    last = _frame(frame_out, "last frame", frames)
    if last is not None and first is None:
        raise NoteInvalid("A frame range needs its first frame as well as its last.")
    if last is not None and last < first:
        raise NoteInvalid(f"The frame range runs backwards: {first} to {last}.")
    return first, last


def _stroke_clean(stroke, where: str) -> dict:
    if not isinstance(stroke, dict):
        raise NoteInvalid(f"{where} is not a drawing stroke.")
    tool, color, width, points = (stroke.get("tool"), stroke.get("color"), stroke.get("width"),
                                  stroke.get("points"))
    if tool not in TOOLS:
        raise NoteInvalid(f"{where} uses the tool {tool!r}; the tools are pen, arrow and rect.")
    if not isinstance(color, str) or not COLOR.fullmatch(color):
        raise NoteInvalid(f"{where} has the colour {color!r}; write a colour as #rrggbb.")
    if not _is_number(width) or not 0 < width <= MAX_WIDTH:
        raise NoteInvalid(f"{where} has the width {width!r}; a width is more than 0 and at most "
                          f"{MAX_WIDTH} of the frame.")
    if not isinstance(points, list) or not MIN_POINTS <= len(points) <= MAX_POINTS:
        count = len(points) if isinstance(points, list) else "no"
        raise NoteInvalid(f"{where} has {count} points; a stroke has {MIN_POINTS} to "
                          f"{MAX_POINTS}.")
    if tool in TWO_POINT_TOOLS and len(points) != 2:
        raise NoteInvalid(f"{where} is {'an arrow' if tool == 'arrow' else 'a rectangle'} with "
                          f"{len(points)} points; it needs exactly 2.")
    for point in points:
        if (not isinstance(point, list) or len(point) != 2
                or not all(_is_number(v) and 0 <= v <= 1 for v in point)):
            raise NoteInvalid(f"{where} has the point {point!r}; points are [x, y] with x and y "
                              "from 0 to 1.")
    return {"tool": tool, "color": color.lower(), "width": float(width),
            "points": [[float(x), float(y)] for x, y in points]}


def annotation_clean(annotation, frames: int) -> dict:
    """Drawings keyed by frame, checked stroke by stroke; NoteInvalid names the first problem."""
    if annotation in (None, "", {}):
        return {}
    if not isinstance(annotation, dict):
        raise NoteInvalid("A drawing must map frame numbers to lists of strokes.")
    cleaned = {}
    for key, strokes in annotation.items():
        try:
            frame = int(key)
        except (TypeError, ValueError):
            raise NoteInvalid(f"The drawing is keyed by {key!r}, which is not a frame "
                              "number.") from None
        if str(frame) != str(key).strip() or not 0 <= frame < frames:
            raise NoteInvalid(f"The drawing is on frame {key}, outside this take's frames 0 to "
                              f"{frames - 1}.")
        if not isinstance(strokes, list):
            raise NoteInvalid(f"The drawing on frame {frame} must be a list of strokes.")
        if len(strokes) > MAX_STROKES_PER_FRAME:
            raise NoteInvalid(f"The drawing on frame {frame} has {len(strokes)} strokes; the "
                              f"most is {MAX_STROKES_PER_FRAME}.")
        if strokes:
            cleaned[str(frame)] = [
                _stroke_clean(s, f"Stroke {n} on frame {frame}") for n, s in enumerate(strokes, 1)
            ]
    return cleaned


def _mentioned_members(*, project, body: str, author) -> list[Membership]:
    """Members of the project named as @username in the body; others are ignored."""
    names = {name.rstrip(".-") for name in MENTION.findall(body)}
    names.discard("")
    if not names:
        return []
    members = Membership.objects.filter(project=project, user__username__in=names,
                                        user__is_active=True).select_related("user")
    return sorted((m for m in members if author is None or m.user_id != author.pk),
                  key=lambda m: m.user.username)


def _mention_mail(*, note: Note, members: list[Membership], base_url: str) -> None:
    """Queue one e-mail per mentioned member for after commit; a rolled-back note sends none."""
    take = note.take
    shot = take.shot
    project = shot.scene.project
    link = urljoin(base_url, reverse("takes:shot-page", args=[project.slug, shot.pk])
                   + f"?take={take.number}#review-{take.uuid}")
    fps = take_fps(take)
    if note.frame_in is None:
        where = "the whole take"
    elif note.frame_out is None or note.frame_out == note.frame_in:
        where = f"frame {note.frame_in} ({timecode(note.frame_in, fps)})"
    else:
        where = (f"frames {note.frame_in}–{note.frame_out} ({timecode(note.frame_in, fps)} – "
                 f"{timecode(note.frame_out, fps)})")
    subject = (f"{note.author_name} mentioned you on {project.name} "
               f"{shot.scene.code}/{shot.code} {take.label}")
    body = render_to_string("takes/note_mention_email.txt", {
        "author": note.author_name, "project": project.name, "shot": f"{shot.scene.code}/"
        f"{shot.code}", "take": take.label, "where": where, "body": note.body, "link": link,
    })
    recipients = [m.user.email for m in members if m.user.email]

    def send():
        for recipient in recipients:
            try:
                send_mail(subject, body, None, [recipient])
            except (OSError, smtplib.SMTPException):
                # The note is saved and shown on the take; a lost e-mail loses no work.
                log.exception("Mention e-mail to %s could not be sent.", recipient)

    transaction.on_commit(send)


def note_add(
    *, take: Take, membership: Membership | None = None, guest_name: str = "",
    share_link_id: int | None = None, body: str, frame_in=None, frame_out=None,
    annotation=None, parent: Note | None = None, for_client: bool = False, base_url: str = "",
) -> Note:
    """Add a note (or a reply) by a member with the comment capability, or by a guest of a
    share link; mentioned members get an e-mail once the note is committed.

    `base_url` ("https://lotix.example/") makes the e-mailed link absolute."""
    project = take.shot.scene.project
    if membership is not None:
        require(membership, roles.COMMENT)
        if membership.project_id != project.pk:
            raise NoteInvalid("That take belongs to another project.")
        author, guest_name, share_link_id = membership.user, "", None
    else:
        author = None
        guest_name = (guest_name or "").strip()
        if not guest_name:
            raise NoteInvalid("Give your name so the team knows who wrote the note.")
        if len(guest_name) > GUEST_NAME_MAX:
            raise NoteInvalid(f"Keep your name under {GUEST_NAME_MAX} characters.")
    body = (body or "").strip()
    if not body:
        raise NoteInvalid("Write the note before sending it.")
    if len(body) > BODY_MAX:
        raise NoteInvalid(f"A note has at most {BODY_MAX} characters; this one has {len(body)}.")
    frames = take_frame_count(take)
    frame_in, frame_out = _frames_clean(frame_in, frame_out, frames)
    annotation = annotation_clean(annotation, frames)
    if parent is not None:
        if parent.take_id != take.pk:
            raise NoteInvalid("A reply must be on the same take as the note it answers.")
        # A reply to a reply joins the thread of the root note.
        if parent.parent_id is not None:
            parent = Note.objects.get(pk=parent.parent_id)
    mentioned = _mentioned_members(project=project, body=body, author=author)
    with transaction.atomic():
        note = Note.objects.create(
            take=take, parent=parent, author=author, guest_name=guest_name,
            share_link_id=share_link_id, body=body, frame_in=frame_in, frame_out=frame_out,
            annotation=annotation, for_client=bool(for_client),
            mentions=[m.user.username for m in mentioned],
        )
        activity_record(
            project=project, actor=author, verb="replied to a note" if parent else "added a note",
            target=take, data={"note": note.pk, "frame_in": frame_in, "frame_out": frame_out,
                               "guest": guest_name, "mentions": note.mentions},
        )
        if mentioned:
            _mention_mail(note=note, members=mentioned,
                          base_url=base_url or getattr(settings, "LOTIX_BASE_URL",
                                                       "http://localhost:8000/"))
    return note


def note_resolve(*, note: Note, membership: Membership, resolved: bool = True) -> Note:
    """Resolve or reopen a note: its author, or a member who may decide on takes."""
    require(membership, roles.COMMENT)
    project = note.take.shot.scene.project
    if membership.project_id != project.pk:
        raise NoteInvalid("That note belongs to another project.")
    mine = note.author_id is not None and note.author_id == membership.user_id
    if not mine and not membership.can(roles.DECIDE):
        raise PermissionDeniedError(
            "Only the note's author or an owner, director or producer can resolve or reopen it."
        )
    with transaction.atomic():
        changed = Note.objects.filter(pk=note.pk).exclude(resolved=resolved).update(
            resolved=resolved
        )
        if changed:
            activity_record(project=project, actor=membership.user,
                            verb="resolved a note" if resolved else "reopened a note",
                            target=note.take, data={"note": note.pk})
    note.resolved = resolved
    return note
