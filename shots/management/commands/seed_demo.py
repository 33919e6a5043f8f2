"""Create the demo user and the demo project "Signal"; safe to run any number of times."""

import io

import numpy as np
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from PIL import Image

from assets.models import Asset, AssetFile, AssetKind, UsageApproval
from assets.services import asset_create, asset_file_ingest_image
from projects.models import Membership, Project, Role
from projects.services import activity_record
from shots.models import Scene, Shot, ShotReference
from shots.services import scene_create, shot_create, shot_reference_add

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "lotix-demo"
PROJECT_SLUG = "signal"

# (asset kind, asset name, skimage.data image, continuity note)
ASSETS = [
    (AssetKind.CHARACTER, "Mara", "astronaut",
     "Navy field jacket, tired expression; hair tied back."),
    (AssetKind.STORYBOARD, "Close-up framing", "camera", "Tight single, eye line camera left."),
    (AssetKind.LOCATION, "Kitchen table", "coffee", "Wet tabletop, warm practical light."),
    (AssetKind.PROP, "Signal case", "rocket", "Chipped metal, red paint flaking at the corners."),
    (AssetKind.LOCATION, "Service corridor", "stereo_motorcycle",
     "Narrow, low ceiling, red wall light at the far end."),
    (AssetKind.STYLE, "Night palette", "hubble_deep_field", "Deep blues, hard small highlights."),
]

SCENES = [
    ("SC010", "Mara hears the signal",
     "Night. Mara sits alone at the kitchen table when a signal sounds from the next room."),
    ("SC020", "The corridor", "Mara follows the signal down the service corridor."),
]

SHOTS = [
    {
        "scene": "SC010", "code": "SH010",
        "job": "Character close-up: the moment Mara hears the signal.",
        "subject_action": "Mara lifts her eyes toward an offscreen sound; her breathing stops.",
        "camera_movement": "push_in", "framing": "Close-up, 85 mm, eye level",
        "lighting": "Low-key practical light from the left, cool fill.",
        "duration_s": 5, "motion_prompt": "slow push-in as Mara hears an offscreen signal",
        "negative_constraints": "jacket colour change\nextra people\ntext or logos",
        "review_standard": "Reject if the jacket changes colour\n"
                           "Keep the navy field jacket and tired expression\n"
                           "Reject if her face changes identity",
        "references": [
            ("Mara", "first_frame", "identity", "Use this for face, hair and the navy jacket."),
            ("Close-up framing", "reference", "composition", "Match this tight framing."),
        ],
    },
    {
        "scene": "SC010", "code": "SH020",
        "job": "Prop insert: the signal case arrives on the table.",
        "subject_action": "A chipped metal signal case slides across the wet table and stops.",
        "camera_movement": "static", "framing": "Insert, 50 mm, table height",
        "lighting": "Warm practical overhead, reflections on the wet surface.",
        "duration_s": 3, "motion_prompt": "a chipped metal case slides across a wet table",
        "negative_constraints": "floating objects\nhands with extra fingers",
        "review_standard": "Reject if the case changes shape\nThe table must stay wet",
        "references": [
            ("Kitchen table", "first_frame", "location", "Start on this table surface."),
            ("Signal case", "reference", "prop", "The case: metal finish, chipped red paint."),
        ],
    },
    {
        "scene": "SC020", "code": "SH010",
        "job": "Location move: lead the audience toward the signal.",
        "subject_action": "The camera moves down the corridor toward a red wall light.",
        "camera_movement": "track", "framing": "Wide, 24 mm, low angle",
        "lighting": "Dark corridor, a single red wall light at the far end.",
        "duration_s": 5,
        "motion_prompt": "low slow track down a narrow corridor toward a red wall light",
        "negative_constraints": "people\nbright daylight",
        "review_standard": "Reject if the red light disappears\nNo sudden speed changes",
        "references": [
            ("Service corridor", "first_frame", "location", "The corridor entrance, low angle."),
            ("Signal case", "last_frame", "composition", "End framing: the red light centred."),
            ("Night palette", "reference", "style", "Colour palette only."),
        ],
    },
]


def _image_bytes(name: str) -> bytes:
    import skimage.data

    pixels = getattr(skimage.data, name)()
    if isinstance(pixels, tuple):  # stereo samples return (left, right, disparity)
        pixels = pixels[0]
    if pixels.ndim == 2:
        pixels = np.stack([pixels] * 3, axis=-1)
    buffer = io.BytesIO()
    Image.fromarray(pixels[..., :3]).save(buffer, "PNG")
    return buffer.getvalue()


class Command(BaseCommand):
    help = "Create the demo user and the demo project 'Signal' (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--password", default=DEMO_PASSWORD,
                            help="password for a newly created demo user")

    def handle(self, *args, password, **options):
        user, created_user = self._user(password)
        # Each step is its own transaction and skips what exists, so an interrupted run
        # is completed by the next one.
        project, created = self._project(user)
        files = self._assets(project, user)
        scenes = self._scenes(project, user)
        self._shots(scenes, files, user)
        state = "created" if created else "already present"
        self.stdout.write(f"Demo project 'Signal' {state}.")
        if created_user:
            self.stdout.write(f"Demo login: {DEMO_USERNAME} / {password}")
        else:
            self.stdout.write(f"Demo login: {DEMO_USERNAME} (password unchanged)")

    def _user(self, password):
        users = get_user_model()
        user = users.objects.filter(username=DEMO_USERNAME).first()
        if user:
            return user, False
        user = users.objects.create_user(
            DEMO_USERNAME, email="demo@lotix.invalid", password=password,
            first_name="Demo", last_name="Director",
        )
        return user, True

    def _project(self, user):
        project, created = Project.objects.get_or_create(
            slug=PROJECT_SLUG,
            defaults={"name": "Signal", "description":
                      "A short about a woman who hears a signal at night. Demo project.",
                      "default_fps": 24, "budget_gpu_seconds": 3600},
        )
        Membership.objects.get_or_create(project=project, user=user,
                                         defaults={"role": Role.OWNER})
        if created:
            activity_record(project=project, actor=user, verb="created", target=project)
        return project, created

    def _assets(self, project, user) -> dict[str, AssetFile]:
        files = {}
        for kind, name, image, note in ASSETS:
            asset = Asset.objects.filter(project=project, kind=kind, name=name).first()
            if asset is None:
                asset = asset_create(project=project, actor=user, kind=kind, name=name,
                                     continuity_notes=note)
            asset_file = asset.files.first()
            if asset_file is None:
                asset_file = asset_file_ingest_image(
                    asset=asset, actor=user, data=_image_bytes(image),
                    original_name=f"{image}.png", source=f"scikit-image sample '{image}'",
                    rights_owner="scikit-image contributors (public domain / CC0 samples)",
                    approval=UsageApproval.INTERNAL,
                )
            files[name] = asset_file
        return files

    def _scenes(self, project, user) -> dict[str, Scene]:
        scenes = {}
        for order, (code, title, synopsis) in enumerate(SCENES):
            scene = Scene.objects.filter(project=project, code=code).first()
            scenes[code] = scene or scene_create(
                project=project, actor=user, code=code, title=title, synopsis=synopsis,
                order=order,
            )
        return scenes

    def _shots(self, scenes, files, user):
        for order, spec in enumerate(SHOTS):
            spec = dict(spec)
            scene = scenes[spec.pop("scene")]
            references = spec.pop("references")
            shot = Shot.objects.filter(scene=scene, code=spec["code"]).first()
            if shot is None:
                shot = shot_create(scene=scene, actor=user, order=order, **spec)
            for asset_name, role, job, instruction in references:
                asset_file = files[asset_name]
                if ShotReference.objects.filter(shot=shot, asset_file=asset_file).exists():
                    continue
                shot_reference_add(shot=shot, actor=user, asset_file=asset_file, role=role,
                                   job=job, instruction=instruction)
