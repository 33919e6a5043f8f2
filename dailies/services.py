"""Writes for dailies: sessions built from finished takes, closing, client share links."""

import hashlib
import secrets
import uuid
from datetime import datetime, timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from dailies.models import DailiesEntry, DailiesSession, DailiesStatus, ShareLink
from hooks.services import webhook_emit
from lotix.errors import DomainError, PermissionDeniedError
from projects import roles
from projects.models import Membership
from projects.selectors import require
from projects.services import activity_record
from takes.models import Take, TakeStatus

MAX_LINK_DAYS = 90
MAX_GUEST_NAME = 80
TAKE_ORDER = ("shot__scene__order", "shot__scene__code", "shot__order", "shot__code", "number")


class DailiesInvalid(DomainError):
    """A dailies session cannot be built or changed that way."""


class DailiesClosed(DomainError):
    """The session is closed; its list of takes is final."""

    status_code = 409


class ShareLinkInvalid(DomainError):
    """A share link cannot be made with these settings."""


def token_hash(token: str) -> str:
    """The SHA-256 of a share link token: the only form of it that is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def _parse_uuids(values) -> list[uuid.UUID]:
    parsed = []
    for value in values:
        try:
            parsed.append(uuid.UUID(str(value).strip()))
        except ValueError:
            raise DailiesInvalid(f"{value!r} is not a take id.") from None
    return parsed


def _chosen_takes(project, take_uuids) -> list[Take]:
    """The chosen takes, each checked to be a finished take of this project."""
    wanted = _parse_uuids(take_uuids)
    found = {t.uuid: t for t in Take.objects.filter(uuid__in=wanted, shot__scene__project=project)
             .select_related("shot__scene")}
    for value in wanted:
        take = found.get(value)
        if take is None:
            raise DailiesInvalid(f"Take {value} is not a take of this project.")
        if take.status != TakeStatus.SUCCEEDED:
            raise DailiesInvalid(f"Take {take.shot.scene.code} {take.shot.code} {take.label} has "
                                 f"not finished ({take.get_status_display().lower()}); only "
                                 "finished takes can be shown in dailies.")
    return list(found.values())


def _sorted(takes) -> list[Take]:
    return sorted(takes, key=lambda t: (t.shot.scene.order, t.shot.scene.code, t.shot.order,
                                        t.shot.code, t.number))


def _write_entries(session: DailiesSession, takes: list[Take]) -> None:
    # Positions are rewritten as a whole: the list always plays in scene/shot/take order.
    session.entries.all().delete()
    DailiesEntry.objects.bulk_create(
        DailiesEntry(session=session, take=take, position=n)
        for n, take in enumerate(_sorted(takes), start=1)
    )


@transaction.atomic
def dailies_create(*, membership: Membership, title: str, take_uuids=None,
                   since_last: bool = False) -> DailiesSession:
    """A dailies session from the chosen finished takes, or from every take finished since the
    project's last session was created (the first session takes every finished take)."""
    require(membership, roles.DAILIES)
    project = membership.project
    title = (title or "").strip()
    if not title:
        raise DailiesInvalid("Give the session a title, for example “Tuesday dailies”.")
    if len(title) > 200:
        raise DailiesInvalid("A session title is at most 200 characters.")
    if since_last:
        if take_uuids:
            raise DailiesInvalid("Choose takes or “every take finished since the last session”, "
                                 "not both.")
        takes = Take.objects.filter(shot__scene__project=project, status=TakeStatus.SUCCEEDED)
        last = DailiesSession.objects.filter(project=project).order_by("-created_at").first()
        if last is not None:
            takes = takes.filter(finished_at__gt=last.created_at)
        takes = list(takes.select_related("shot__scene"))
        if not takes:
            since = (f"since “{last.title}” was created" if last is not None else "yet")
            raise DailiesInvalid(f"No take has finished {since}; there is nothing to review.")
    else:
        if not take_uuids:
            raise DailiesInvalid("Choose at least one finished take for the session.")
        takes = _chosen_takes(project, take_uuids)
    session = DailiesSession.objects.create(project=project, title=title,
                                            created_by=membership.user)
    _write_entries(session, takes)
    activity_record(project=project, actor=membership.user, verb="created dailies",
                    target=session, data={"takes": len(takes)})
    return session


def _require_open(session: DailiesSession) -> None:
    if session.status != DailiesStatus.OPEN:
        raise DailiesClosed(f"“{session.title}” is closed; its list of takes is final.")


def _locked(membership: Membership, session: DailiesSession) -> DailiesSession:
    require(membership, roles.DAILIES)
    if session.project_id != membership.project_id:
        raise DailiesInvalid("That session belongs to another project.")
    return DailiesSession.objects.select_for_update().get(pk=session.pk)


@transaction.atomic
def dailies_entry_add(*, membership: Membership, session: DailiesSession,
                      take_uuid) -> DailiesSession:
    """Add one finished take of the project to an open session, in scene/shot order."""
    session = _locked(membership, session)
    _require_open(session)
    (take,) = _chosen_takes(session.project, [take_uuid])
    current = [e.take for e in session.entries.select_related("take__shot__scene")]
    if any(t.pk == take.pk for t in current):
        raise DailiesInvalid(f"{take.shot.code} {take.label} is already in this session.")
    _write_entries(session, [*current, take])
    activity_record(project=session.project, actor=membership.user,
                    verb="added a take to dailies", target=session, data={"take": str(take.uuid)})
    return session


@transaction.atomic
def dailies_entry_remove(*, membership: Membership, session: DailiesSession,
                         take_uuid) -> DailiesSession:
    """Take one take out of an open session; the last take cannot go (close it instead)."""
    session = _locked(membership, session)
    _require_open(session)
    (wanted,) = _parse_uuids([take_uuid])
    current = [e.take for e in session.entries.select_related("take__shot__scene")]
    remaining = [t for t in current if t.uuid != wanted]
    if len(remaining) == len(current):
        raise DailiesInvalid("That take is not in this session.")
    if not remaining:
        raise DailiesInvalid("A session keeps at least one take; close the session instead.")
    _write_entries(session, remaining)
    activity_record(project=session.project, actor=membership.user,
                    verb="removed a take from dailies", target=session,
                    data={"take": str(wanted)})
    return session


@transaction.atomic
def dailies_close(*, membership: Membership, session: DailiesSession) -> DailiesSession:
    """Close a session: its list and decisions become the summary; outside tools are told."""
    session = _locked(membership, session)
    _require_open(session)
    session.status = DailiesStatus.CLOSED
    session.closed_at = timezone.now()
    session.save(update_fields=["status", "closed_at"])
    entries = list(session.entries.select_related("take__shot__scene"))
    activity_record(project=session.project, actor=membership.user, verb="closed dailies",
                    target=session, data={"takes": len(entries)})
    webhook_emit(project=session.project, event="dailies.closed", payload={
        "session": {"id": session.pk, "title": session.title,
                    "date": session.date.isoformat(),
                    "closed_at": session.closed_at.isoformat()},
        "takes": [{"uuid": str(e.take.uuid), "scene": e.take.shot.scene.code,
                   "shot": e.take.shot.code, "take": e.take.label,
                   "review_state": e.take.review_state} for e in entries],
    })
    return session


@transaction.atomic
def share_link_create(*, membership: Membership, session: DailiesSession, expires_at: datetime,
                      passphrase: str = "", can_comment: bool = False) -> tuple[ShareLink, str]:
    """A client link to one session; returns the link and its raw token, which is never stored
    and so can be shown only this once."""
    require(membership, roles.DAILIES)
    if session.project_id != membership.project_id:
        raise ShareLinkInvalid("That session belongs to another project.")
    now = timezone.now()
    if expires_at is None:
        raise ShareLinkInvalid("Give the link an expiry date and time.")
    if timezone.is_naive(expires_at):
        expires_at = timezone.make_aware(expires_at)
    if expires_at <= now:
        raise ShareLinkInvalid("The expiry must be in the future.")
    if expires_at > now + timedelta(days=MAX_LINK_DAYS):
        raise ShareLinkInvalid(f"A share link lasts at most {MAX_LINK_DAYS} days.")
    passphrase = passphrase or ""
    if passphrase and len(passphrase) < 6:
        raise ShareLinkInvalid("A passphrase has at least 6 characters (or leave it empty).")
    if len(passphrase) > 200:
        raise ShareLinkInvalid("A passphrase has at most 200 characters.")
    token = secrets.token_urlsafe(32)
    link = ShareLink.objects.create(
        session=session, token_hash=token_hash(token), expires_at=expires_at,
        passphrase_hash=make_password(passphrase) if passphrase else "",
        can_comment=bool(can_comment), created_by=membership.user,
    )
    activity_record(project=session.project, actor=membership.user, verb="shared dailies",
                    target=session, data={"link": link.pk, "expires_at": expires_at.isoformat(),
                                          "can_comment": link.can_comment,
                                          "passphrase": bool(passphrase)})
    return link, token


@transaction.atomic
def share_link_revoke(*, membership: Membership, link: ShareLink) -> ShareLink:
    """Revoke a share link; it answers 404 from the next request on."""
    require(membership, roles.DAILIES)
    link = ShareLink.objects.select_for_update().select_related("session").get(pk=link.pk)
    if link.session.project_id != membership.project_id:
        raise ShareLinkInvalid("That link belongs to another project.")
    if not link.active:
        raise ShareLinkInvalid("That link is already revoked.")
    link.active = False
    link.revoked_at = timezone.now()
    link.save(update_fields=["active", "revoked_at"])
    activity_record(project=link.session.project, actor=membership.user,
                    verb="revoked a dailies link", target=link.session, data={"link": link.pk})
    return link


def share_link_note_add(*, link: ShareLink, take: Take, guest_name: str, body: str,
                        frame_in=None, frame_out=None, annotation=None):
    """A client's note through a share link, marked as a guest note of that link."""
    from takes.notes import note_add

    if not link.can_comment:
        raise PermissionDeniedError("This link lets you watch, not comment.")
    guest_name = (guest_name or "").strip()
    if not guest_name:
        raise DailiesInvalid("Write your name so the team knows who left the note.")
    if len(guest_name) > MAX_GUEST_NAME:
        raise DailiesInvalid(f"A name is at most {MAX_GUEST_NAME} characters.")
    return note_add(take=take, guest_name=guest_name, share_link_id=link.pk, body=body,
                    frame_in=frame_in, frame_out=frame_out, annotation=annotation)
