"""Review decisions: who may decide, one approved take per shot, stale decisions, history."""

import pytest

from lotix.errors import PermissionDeniedError
from projects.models import Activity, Membership
from shots.models import ShotStatus
from takes.models import Take, TakeDecision, TakeStatus
from takes.services import DecisionInvalid, DecisionStale, take_decide
from tests import factories

pytestmark = pytest.mark.django_db

DECIDERS = {"owner", "director", "producer"}


@pytest.fixture
def shot(project):
    return factories.shot(scene=factories.scene(project=project))


def take(shot, number, status=TakeStatus.SUCCEEDED):
    return Take.objects.create(shot=shot, number=number, profile_id="previz",
                               request={"spec": {}}, status=status, progress=1)


def member(project, role):
    user = factories.user(username=f"{role}-decider")
    return factories.membership(project=project, user=user, role=role)


@pytest.mark.parametrize("role", ["owner", "director", "producer", "editor", "viewer"])
@pytest.mark.parametrize("state", ["rejected", "maybe", "selected", "approved"])
def test_it_lets_only_owner_director_and_producer_decide(project, shot, role, state):
    membership = member(project, role)
    target = take(shot, 1)
    if role in DECIDERS:
        assert take_decide(take=target, membership=membership, state=state).review_state == state
    else:
        with pytest.raises(PermissionDeniedError):
            take_decide(take=target, membership=membership, state=state)
        assert not TakeDecision.objects.exists()


def test_it_keeps_one_approved_take_per_shot_and_records_both_moves(project, shot):
    producer = member(project, "producer")
    first, second = take(shot, 1), take(shot, 2)
    take_decide(take=first, membership=producer, state="approved", reason="jacket holds")
    shot.refresh_from_db()
    assert shot.status == ShotStatus.APPROVED
    take_decide(take=second, membership=producer, state="approved", reason="better ending")
    first.refresh_from_db()
    assert (first.review_state, first.review_version) == ("selected", 2)
    assert list(shot.takes.filter(review_state="approved")) == [Take.objects.get(pk=second.pk)]
    history = list(TakeDecision.objects.filter(take=first).values_list("from_state", "to_state"))
    assert history == [("unreviewed", "approved"), ("approved", "selected")]
    assert Activity.objects.filter(verb="marked take approved").count() == 2


def test_it_refuses_a_stale_decision_and_names_the_current_state(project, shot):
    director = member(project, "director")
    producer = member(project, "producer")
    target = take(shot, 1)
    seen_version = target.review_version
    take_decide(take=target, membership=director, state="rejected", expected_version=seen_version)
    with pytest.raises(DecisionStale, match="it is now rejected"):
        take_decide(take=target, membership=producer, state="approved",
                    expected_version=seen_version)
    target.refresh_from_db()
    assert (target.review_state, target.review_version) == ("rejected", 1)
    assert TakeDecision.objects.count() == 1


def test_it_puts_the_shot_back_in_review_when_its_approved_take_is_unapproved(project, shot):
    owner = member(project, "owner")
    target = take(shot, 1)
    take_decide(take=target, membership=owner, state="approved")
    take_decide(take=target, membership=owner, state="maybe", reason="client wants options")
    shot.refresh_from_db()
    assert shot.status == ShotStatus.IN_REVIEW


def test_it_refuses_unfinished_takes_unknown_states_and_no_change(project, shot):
    owner = member(project, "owner")
    running = take(shot, 1, status=TakeStatus.RUNNING)
    with pytest.raises(DecisionInvalid, match="has not finished"):
        take_decide(take=running, membership=owner, state="maybe")
    done = take(shot, 2)
    with pytest.raises(DecisionInvalid, match="is one of"):
        take_decide(take=done, membership=owner, state="love it")
    take_decide(take=done, membership=owner, state="maybe")
    with pytest.raises(DecisionInvalid, match="already maybe"):
        take_decide(take=done, membership=owner, state="maybe")


def test_it_refuses_a_take_of_another_project(project, shot):
    other = factories.project(name="Elsewhere")
    owner_elsewhere = member(other, "owner")
    with pytest.raises(DecisionInvalid, match="another project"):
        take_decide(take=take(shot, 1), membership=owner_elsewhere, state="maybe")
    assert Membership.objects.filter(project=project).count() == 0
