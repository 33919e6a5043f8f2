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


MAX_PROMPT_WORDS = 30

# Verbs that say something moves or changes; a prompt with none of them reads as a still.
_MOTION_VERBS = (
    "turn", "walk", "run", "jump", "lift", "raise", "lower", "open", "close", "look", "glance",
    "reach", "step", "move", "fall", "drop", "rise", "spin", "pour", "drift", "flicker",
    "blow", "wave", "nod", "smile", "laugh", "blink", "breathe", "sway", "roll", "slide",
    "push", "pull", "grab", "throw", "catch", "climb", "dance", "fly", "swim", "ripple",
    "flow", "shake", "tremble", "lean", "sit down", "stand up", "kneel", "enter", "exit",
    "leave", "approach", "cross", "follow", "chase", "float", "burst", "explode", "melt",
    "grow", "shrink", "fade", "glow", "flutter", "swing", "twist", "bend", "stretch",
    "wipe", "write", "type", "drink", "eat", "pick up", "put down", "hand", "hug", "kiss",
    "point", "shout", "speak", "whisper", "cry", "gesture", "unfold", "crash", "splash",
    "ride", "drive", "zoom", "pan", "tilt", "orbit", "track", "dolly",
)
_CAMERA_ONLY = {"zoom", "pan", "tilt", "orbit", "track", "dolly"}


def _verb_forms(verb: str) -> str:
    head, _, tail = verb.partition(" ")
    stem = head[:-1] if head.endswith("e") and len(head) > 3 else head
    forms = {head, head + "s", head + "es", head + "ed", head + "d", stem + "ing",
             head + head[-1] + "ing", head + head[-1] + "ed"}
    if head.endswith("y"):
        forms |= {head[:-1] + "ies", head[:-1] + "ied"}
    alternatives = "|".join(sorted(forms, key=len, reverse=True))
    return rf"\b(?:{alternatives})\b" + (rf"\s+{tail}\b" if tail else "")


_MOTION_PATTERNS = {verb: re.compile(_verb_forms(verb), re.IGNORECASE) for verb in _MOTION_VERBS}
_SEQUENCE = re.compile(r"\b(?:and then|then|after that|afterwards|before|finally|next)\b|;",
                       re.IGNORECASE)
_STILL = re.compile(
    r"\b(?:a (?:photo|photograph|picture|image|portrait|still) of|there is|there are|"
    r"is standing|is sitting|stands still|sits still|is wearing|beautiful|stunning|"
    r"highly detailed|8k|4k|masterpiece)\b",
    re.IGNORECASE,
)
_RAPID = re.compile(
    r"\b(?:whip[- ]?pans?|crash[- ]?zooms?|rapid(?:ly)?|fast|quick(?:ly)?|extreme(?:ly)?|"
    r"frantic(?:ally)?|violent(?:ly)?|dizzying|spinning|360(?:°| degrees?)?|swoop(?:s|ing)?)\b",
    re.IGNORECASE,
)
_CAMERA_WORDS = re.compile(
    r"\b(?:camera|pan|pans|panning|zoom|zooms|zooming|tilt|tilts|orbit|orbits|dolly|push|"
    r"pull|track|tracking|move|moves|movement|whip|crash)\b",
    re.IGNORECASE,
)
# Phrases in a prompt that name a camera movement, and the movement they name.
_CAMERA_MENTIONS = (
    (re.compile(r"\b(?:push(?:es|ing)?[- ]in|dolly(?:ing)?[- ]in|zoom(?:s|ing)?[- ]in)\b", re.I),
     "push_in"),
    (re.compile(r"\b(?:pull(?:s|ing)?[- ](?:out|back)|dolly(?:ing)?[- ]out|"
                r"zoom(?:s|ing)?[- ]out)\b", re.I), "pull_out"),
    (re.compile(r"\bpan(?:s|ning)?\s+(?:to\s+the\s+)?left\b", re.I), "pan_left"),
    (re.compile(r"\bpan(?:s|ning)?\s+(?:to\s+the\s+)?right\b", re.I), "pan_right"),
    (re.compile(r"\btilt(?:s|ing)?\s+up\b", re.I), "tilt_up"),
    (re.compile(r"\btilt(?:s|ing)?\s+down\b", re.I), "tilt_down"),
    (re.compile(r"\b(?:tracking shot|camera (?:tracks|follows)|"
                r"track(?:s|ing)? (?:with|alongside))\b", re.I), "track"),
    (re.compile(r"\b(?:orbit(?:s|ing)?|circles? around|arc(?:s|ing)? around)\b", re.I), "orbit"),
    (re.compile(r"\bhand-?held\b", re.I), "handheld"),
    (re.compile(r"\b(?:static|locked[- ]off|still) (?:camera|shot|frame)\b", re.I), "static"),
)


def lint_prompt(
    *, motion_prompt: str, subject_action: str = "", camera_movement: str = "", framing: str = ""
) -> list[dict[str, str]]:
    """Warnings ({code, message}) about the motion prompt, or the subject & action without one."""
    text = _clean(motion_prompt) or _clean(subject_action)
    warnings: list[dict[str, str]] = []
    if not text:
        return [{"code": "empty", "message": "Write what moves: the motion prompt is empty."}]

    words = len(text.split())
    if words > MAX_PROMPT_WORDS:
        warnings.append({"code": "too_long", "message": (
            f"The prompt has {words} words; keep it to {MAX_PROMPT_WORDS} or fewer so the model "
            "follows all of it.")})

    actions = [verb for verb, pattern in _MOTION_PATTERNS.items()
               if verb not in _CAMERA_ONLY and pattern.search(text)]
    if len(actions) > 1 and _SEQUENCE.search(text) or len(actions) > 2:
        warnings.append({"code": "several_actions", "message": (
            f"The prompt asks for several actions ({', '.join(actions[:4])}); one primary "
            "action per shot gives a cleaner take.")})

    if not actions or _STILL.search(text):
        warnings.append({"code": "still_scene", "message": (
            "The prompt describes the still picture; the source image already shows it. "
            "Say what moves or changes instead.")})

    if _RAPID.search(text) and _CAMERA_WORDS.search(text):
        warnings.append({"code": "rapid_camera", "message": (
            "Rapid or extreme camera moves tend to smear and warp; ask for a slow, simple "
            "move.")})

    field = _SPACES.sub("_", (camera_movement or "").strip().lower().replace("-", " "))
    mentioned = []
    for pattern, movement in _CAMERA_MENTIONS:
        if pattern.search(text) or pattern.search(_clean(framing)):
            mentioned.append(movement)
    conflicting = [m for m in mentioned if field and m != field]
    if conflicting:
        named = CAMERA_PHRASES.get(conflicting[0], conflicting[0])
        chosen = CAMERA_PHRASES.get(field, field)
        warnings.append({"code": "camera_conflict", "message": (
            f"The prompt asks for \u201c{named}\u201d but the camera field says "
            f"\u201c{chosen}\u201d; make them agree.")})
    return warnings
