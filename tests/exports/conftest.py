"""An editorial project: two scenes of two shots, each shot with an approved finished take."""

import pytest

from projects.models import Membership
from takes.services import take_decide
from tests import factories


def approve(take, membership, reason="Cut it in."):
    return take_decide(take=take, membership=membership, state="approved", reason=reason)


@pytest.fixture
def cut(project, owner, producer):
    """Scenes are created out of code order, and shots out of shot order, so the export must
    follow `order`, not creation. Returns the takes in the order an editor expects them."""
    producer_membership = Membership.objects.get(user=producer, project=project)
    second = factories.scene(project=project, code="SC020", title="The corridor", order=1)
    first = factories.scene(project=project, code="SC010", title="Night kitchen", order=0)
    shots = {
        ("SC010", "SH020"): factories.shot(scene=first, code="SH020", order=1,
                                           job="Prop insert", framing="Insert, 50 mm"),
        ("SC010", "SH010"): factories.shot(scene=first, code="SH010", order=0,
                                           review_standard="Keep the jacket\nNo text"),
        ("SC020", "SH010"): factories.shot(scene=second, code="SH010", order=0),
        ("SC020", "SH020"): factories.shot(scene=second, code="SH020", order=1),
    }
    takes = {}
    for (scene_code, shot_code), shot in shots.items():
        # v001 stays unreviewed; v002 is the approved one, with its own length.
        factories.take(shot=shot)
        frames = 24 if shot_code == "SH010" else 36
        take = factories.finished_take(shot=shot, frames=frames, fps=24)
        approve(take, producer_membership, reason=f"{scene_code}/{shot_code} holds.")
        take.refresh_from_db()
        takes[(scene_code, shot_code)] = take
    ordered = [takes[key] for key in (("SC010", "SH010"), ("SC010", "SH020"),
                                      ("SC020", "SH010"), ("SC020", "SH020"))]
    return {"project": project, "scenes": {"SC010": first, "SC020": second}, "shots": shots,
            "takes": ordered, "producer": producer_membership,
            "owner": Membership.objects.get(user=owner, project=project)}
