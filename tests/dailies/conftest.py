import pytest

from projects.models import Membership
from tests import factories


@pytest.fixture
def board(project):
    """Two scenes out of code order, shots out of code order, finished and unfinished takes."""
    late = factories.scene(project=project, code="SC020", title="Roof", order=2)
    early = factories.scene(project=project, code="SC010", title="Kitchen", order=1)
    b = {"late": late, "early": early}
    b["sh020"] = factories.shot(scene=early, code="SH020", order=2)
    b["sh010"] = factories.shot(scene=early, code="SH010", order=1)
    b["roof"] = factories.shot(scene=late, code="SH010", order=1)
    b["roof_v1"] = factories.take(shot=b["roof"])
    b["sh020_v1"] = factories.take(shot=b["sh020"])
    b["sh010_v2"] = factories.take(shot=b["sh010"], number=2)
    b["sh010_v1"] = factories.take(shot=b["sh010"], number=1)
    b["running"] = factories.take(shot=b["sh010"], number=3, status="running")
    b["failed"] = factories.take(shot=b["sh010"], number=4, status="failed")
    return b


def member(user):
    return Membership.objects.select_related("project", "user").get(user=user)
