"""Editorial timelines of approved takes: OpenTimelineIO, CMX 3600 EDL and FCP 7 XML.

Plain data in, strings out: no Django model is imported here, so the rules can be tested and
run on their own. The EDL and the XML are written by OTIO's own adapters, never by hand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import opentimelineio as otio

UNSAFE = re.compile(r"[^A-Za-z0-9-]+")
# CMX 3600 reels are at most 8 characters, letters and digits only.
REEL_LENGTH = 8


def safe_part(text: str) -> str:
    """One part of an editorial file name: letters, digits and hyphens only."""
    return UNSAFE.sub("-", str(text)).strip("-") or "x"


def editorial_name(*, project: str, scene: str, shot: str, number: int) -> str:
    """`<project>_<scene>_<shot>_v<NNN>`, the name editors see in their bins."""
    return f"{safe_part(project)}_{safe_part(scene)}_{safe_part(shot)}_v{number:03d}"


def reel_name(take_uuid: str) -> str:
    """An 8-character reel from the take's uuid, so a reel leads back to exactly one take."""
    return re.sub(r"[^A-Z0-9]", "", str(take_uuid).upper())[:REEL_LENGTH]


@dataclass(frozen=True)
class ClipInfo:
    """One approved take as a clip: its name, media path inside the export and length."""

    name: str
    media_path: str
    frames: int
    fps: int
    reel: str
    metadata: dict = field(default_factory=dict)


def timeline_build(*, name: str, fps: int, clips: list[ClipInfo]) -> otio.schema.Timeline:
    """One video track at the project's fps with the clips in the order given.

    A take made at another rate is conformed frame for frame, as editors treat generated
    material: every frame is used once, so the cut length in frames is the take's own. The
    take's native rate stays on its media reference.
    """
    timeline = otio.schema.Timeline(name=name)
    timeline.global_start_time = otio.opentime.RationalTime(0, fps)
    track = otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video)
    timeline.tracks.append(track)
    for info in clips:
        native = otio.opentime.TimeRange(
            start_time=otio.opentime.RationalTime(0, info.fps),
            duration=otio.opentime.RationalTime(info.frames, info.fps),
        )
        cut = otio.opentime.TimeRange(
            start_time=otio.opentime.RationalTime(0, fps),
            duration=otio.opentime.RationalTime(info.frames, fps),
        )
        reference = otio.schema.ExternalReference(target_url=info.media_path,
                                                  available_range=native)
        clip = otio.schema.Clip(name=info.name, media_reference=reference, source_range=cut)
        clip.metadata["lotix"] = info.metadata
        clip.metadata["cmx_3600"] = {"reel": info.reel}
        track.append(clip)
    return timeline


def timeline_otio(timeline: otio.schema.Timeline) -> str:
    return otio.adapters.write_to_string(timeline, "otio_json")


def timecode_rate_supported(fps: int) -> bool:
    """CMX 3600 and FCP 7 XML count SMPTE timecode, which exists only at the broadcast and film
    rates (24, 25, 30, 48, 50, 60 …); a 12 or 15 fps timeline has no EDL or XML form."""
    try:
        otio.opentime.to_timecode(otio.opentime.RationalTime(1, fps), fps)
    except ValueError:
        return False
    return True


def timeline_edl(timeline: otio.schema.Timeline, *, fps: int) -> str:
    """CMX 3600 through the OTIO adapter, at the project's fps."""
    return otio.adapters.write_to_string(timeline, "cmx_3600", rate=fps)


def timeline_fcp_xml(timeline: otio.schema.Timeline) -> str:
    """FCP 7 XML (xmeml) through the OTIO adapter."""
    # The adapter writes only its own "fcp_xml" metadata: the recipe stays in the OTIO file.
    return otio.adapters.write_to_string(timeline, "fcp_xml")


def clips_summary(timeline: otio.schema.Timeline, *, fps: int) -> list[tuple[str, int]]:
    """(name, duration in frames at the timeline's `fps`) of every clip, for round trips."""
    return [
        (clip.name, round(clip.source_range.duration.rescaled_to(fps).value))
        for clip in timeline.find_clips()
    ]


def edl_read(text: str, *, fps: int) -> otio.schema.Timeline:
    return otio.adapters.read_from_string(text, "cmx_3600", rate=fps)


def fcp_xml_read(text: str) -> otio.schema.Timeline:
    return otio.adapters.read_from_string(text, "fcp_xml")
