"""What the review player (templates/takes/_player.html + static/js/player.js) needs for one
take: its fps and frame count, the other finished takes of the shot to compare with, and the
shot's first-frame and last-frame reference images next to the take's own last frame."""

from django.urls import reverse

from generation import profiles
from shots.models import ReferenceRole, ShotReference
from takes.models import Take, TakeStatus


def _prefetched(shot, name):
    """The shot's prefetched relation, or None when it was not prefetched (then we query)."""
    return getattr(shot, "_prefetched_objects_cache", {}).get(name)


def _reference_images(*, shot, project) -> dict[str, dict | None]:
    wanted = (ReferenceRole.FIRST, ReferenceRole.LAST)
    references = _prefetched(shot, "references")
    if references is None:
        references = ShotReference.objects.filter(shot=shot, role__in=wanted).select_related(
            "asset_file__asset")
    images: dict[str, dict | None] = {ReferenceRole.FIRST: None, ReferenceRole.LAST: None}
    for ref in references:
        if ref.role not in wanted or ref.asset_file.media_kind != "image":
            continue
        args = [project.slug, ref.asset_file.uuid]
        images[ref.role] = {
            "name": ref.asset_file.asset.name,
            "url": reverse("assets:file-original", args=args),
            "thumb_url": reverse("assets:file-thumb", args=args),
            "width": ref.asset_file.width, "height": ref.asset_file.height,
        }
    return images


def _compare_candidates(*, take, shot, project, takes) -> list[dict]:
    if takes is None:
        takes = Take.objects.filter(shot=shot, status=TakeStatus.SUCCEEDED).order_by("-number")
    candidates = []
    for other in takes:
        if other.pk == take.pk or other.status != TakeStatus.SUCCEEDED or not other.video:
            continue
        spec = (other.request or {}).get("spec") or {}
        candidates.append({
            "uuid": str(other.uuid), "label": other.label,
            "fps": spec.get("fps") or 24, "frames": spec.get("num_frames") or 0,
            "video_url": reverse("takes:take-video", args=[project.slug, other.uuid]),
        })
    return candidates


def player_context(*, take, project, shot=None, takes=None, recipe=False,
                   primary=True) -> dict:
    """Everything `_player.html` renders for one finished take.

    `shot` and `takes` (the shot's takes) may be passed when the caller already loaded them,
    so a page with the player keeps its query count; otherwise they are read here. `recipe`
    adds the take's recipe under the player (the shot page); `primary` gives the video the
    page-wide id `player-video` (one per page)."""
    shot = shot or take.shot
    spec = (take.request or {}).get("spec") or {}
    fps = spec.get("fps") or shot.effective_fps()
    frames = spec.get("num_frames") or max(round(((take.qc or {}).get("duration_s") or 0) * fps),
                                           1)
    strip = (take.qc or {}).get("filmstrip") or {}
    width, height = spec.get("width") or 0, spec.get("height") or 0
    tiles, tile_width = int(strip.get("tiles") or 0), int(strip.get("tile_width") or 0)
    profile = profiles.PROFILES.get(take.profile_id)
    # A retired profile's takes still play, under the profile's id.
    profile_label = profile.label if profile else take.profile_id
    images = _reference_images(shot=shot, project=project)
    slug, uuid = project.slug, take.uuid
    return {
        "take": take, "project": project, "spec": spec, "fps": fps, "frames": frames,
        "width": width, "height": height, "profile_label": profile_label,
        "recipe": recipe, "primary": primary,
        "video_url": reverse("takes:take-video", args=[slug, uuid]),
        "poster_url": reverse("takes:take-poster", args=[slug, uuid]) if take.poster else "",
        "last_url": reverse("takes:take-last", args=[slug, uuid]) if take.last_frame else "",
        "filmstrip": ({"url": reverse("takes:take-filmstrip", args=[slug, uuid]),
                       "tiles": tiles, "tile_width": tile_width,
                       "tile_height": round(tile_width * height / width) if width else 0}
                      if tiles and tile_width and take.filmstrip else None),
        "first_reference": images[ReferenceRole.FIRST],
        "last_reference": images[ReferenceRole.LAST],
        "candidates": _compare_candidates(take=take, shot=shot, project=project, takes=takes),
    }
