"""Prompt text from a shot plan: deterministic, readable, plain strings."""

from __future__ import annotations

import re
from collections.abc import Iterable

CAMERA_PHRASES = {
    "static": "static camera",
    "push_in": "slow push-in",
    "pull_out": "slow pull-out",
    "pan_left": "camera pans left",
    "pan_right": "camera pans right",
    "tilt_up": "camera tilts up",
    "tilt_down": "camera tilts down",
    "track": "tracking shot following the subject",
    "orbit": "camera orbits the subject",
    "handheld": "handheld camera with a slight natural shake",
}

_SPACES = re.compile(r"\s+")
_BULLET = re.compile(r"^(?:[-*•·]+|\d+[.)])\s+")


def camera_phrase(camera_movement: str) -> str:
    """Return the prompt phrase for a camera movement ("push in", "push_in" and "Push-In" agree)."""
    key = _SPACES.sub("_", camera_movement.strip().lower().replace("-", " "))
    if not key:
        return ""
    try:
        return CAMERA_PHRASES[key]
    except KeyError:
        raise ValueError(
            f"Unknown camera movement {camera_movement!r}; use one of {', '.join(CAMERA_PHRASES)}."
        ) from None


def assemble_prompt(
    *, motion_prompt: str, subject_action: str, camera_movement: str, framing: str, lighting: str
) -> str:
    """Return the prompt: motion, subject & action, camera and framing, lighting & environment."""
    camera = camera_phrase(camera_movement)
    framing = _clean(framing).rstrip(".,;:!? ")
    camera_part = ", ".join(part for part in (camera, framing) if part)
    sentences: list[str] = []
    seen: set[str] = set()
    for part in (motion_prompt, subject_action, camera_part, lighting):
        sentence = _sentence(part)
        key = sentence.rstrip(".!?").lower()
        if sentence and key not in seen:
            seen.add(key)
            sentences.append(sentence)
    return " ".join(sentences)


def assemble_negative(negative_constraints: str | Iterable[str]) -> str:
    """Return the negative prompt: one term per line or comma, deduplicated, joined with ", "."""
    lines = (
        negative_constraints.splitlines()
        if isinstance(negative_constraints, str)
        else list(negative_constraints)
    )
    terms: list[str] = []
    seen: set[str] = set()
    for line in lines:
        for piece in line.split(","):
            term = _BULLET.sub("", _clean(piece)).strip(" .;:")
            if term and term.lower() not in seen:
                seen.add(term.lower())
                terms.append(term)
    return ", ".join(terms)


def _clean(text: str) -> str:
    return _SPACES.sub(" ", text or "").strip()


def _sentence(text: str) -> str:
    text = _clean(text).rstrip(",;: ")
    if not text:
        return ""
    if text[-1] not in ".!?":
        text += "."
    return text[0].upper() + text[1:]
