"""The presenter's state of a dailies room, kept in the cache (Redis in production).

The state is small and short-lived, read by every follower three times a second: it never
touches the database. A room nobody updates for PRESENCE_TTL_S forgets its presenter.
"""

import time

from django.core.cache import cache

from lotix.errors import DomainError

PRESENCE_TTL_S = 4 * 3600
GATE_TTL_S = 60
RATES = (0.25, 0.5, 1.0, 1.5, 2.0)


class PresenceInvalid(DomainError):
    """A presenter update that cannot be applied."""


class PresenceTaken(DomainError):
    """Someone else is presenting; updates from anyone else are refused."""

    status_code = 409


def _key(session_id: int) -> str:
    return f"dailies:presence:{session_id}"


def gate_key(user_id: int, slug: str, session_id: int) -> str:
    """Cache key remembering that a user may watch a session (followers poll 3×/s)."""
    return f"dailies:gate:{user_id}:{slug}:{session_id}"


def presence_get(session_id: int) -> dict | None:
    """The current presenter state of a session, or None when nobody presents."""
    return cache.get(_key(session_id))


def _clean(fields: dict, *, take_uuids: set[str]) -> dict:
    take = str(fields.get("take") or "")
    if take not in take_uuids:
        raise PresenceInvalid("That take is not in this session.")
    try:
        frame = int(fields.get("frame") or 0)
        rate = float(fields.get("rate") or 1)
        position = int(fields.get("position") or 0)
    except (TypeError, ValueError):
        raise PresenceInvalid("Frame, position and rate are numbers.") from None
    if frame < 0 or frame > 1_000_000:
        raise PresenceInvalid("The frame is out of range.")
    if rate not in RATES:
        raise PresenceInvalid(f"The rate is one of {', '.join(str(r) for r in RATES)}.")
    playing = str(fields.get("playing", "")).lower() in ("1", "true", "on", "yes")
    return {"take": take, "position": position, "frame": frame, "playing": playing,
            "rate": rate}


def presence_start(*, session_id: int, user, fields: dict, take_uuids: set[str]) -> dict:
    """Make the user the presenter of the room (taking over from anyone presenting)."""
    state = {"presenter": user.pk,
             "name": user.get_full_name() or user.get_username(),
             **_clean(fields, take_uuids=take_uuids), "updated_at": time.time()}
    cache.set(_key(session_id), state, PRESENCE_TTL_S)
    return state


def presence_update(*, session_id: int, user, fields: dict, take_uuids: set[str]) -> dict:
    """Move the presenter's playhead; only the presenter may."""
    current = presence_get(session_id)
    if current is None or current.get("presenter") != user.pk:
        who = current.get("name") if current else None
        raise PresenceTaken(f"{who} is presenting now." if who else
                            "Nobody is presenting; press Present first.")
    state = {**current, **_clean(fields, take_uuids=take_uuids), "updated_at": time.time()}
    cache.set(_key(session_id), state, PRESENCE_TTL_S)
    return state


def presence_stop(*, session_id: int, user, force: bool = False) -> None:
    """Stop presenting; only the presenter, or someone who runs dailies (force), may."""
    current = presence_get(session_id)
    if current is None:
        return
    if current.get("presenter") != user.pk and not force:
        raise PresenceTaken(f"{current.get('name')} is presenting; only they can stop.")
    cache.delete(_key(session_id))
