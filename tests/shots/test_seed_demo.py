import io

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from assets.models import Asset, AssetFile
from projects.models import Activity, Membership, Project
from shots.models import Scene, Shot, ShotReference

pytestmark = pytest.mark.django_db


def counts():
    return {model.__name__: model.objects.count()
            for model in (Project, Membership, Asset, AssetFile, Scene, Shot, ShotReference,
                          Activity)}


def test_it_creates_the_signal_project_with_its_brief(media_storage):
    call_command("seed_demo", stdout=io.StringIO())
    project = Project.objects.get(slug="signal")
    assert list(project.scenes.values_list("code", flat=True)) == ["SC010", "SC020"]
    shots = Shot.objects.filter(scene__project=project).order_by("scene__order", "order")
    assert [str(s) for s in shots] == ["SC010/SH010", "SC010/SH020", "SC020/SH010"]
    close_up = shots[0]
    assert "reject if the jacket changes colour" in close_up.review_standard.lower()
    assert close_up.first_frame().asset_file.asset.name == "Mara"
    corridor = shots[2]
    assert {r.role for r in corridor.references.all()} == {"first_frame", "last_frame",
                                                           "reference"}
    for asset_file in AssetFile.objects.all():
        assert (media_storage / asset_file.file.name).exists()
        assert (media_storage / asset_file.thumbnail.name).exists()
        assert asset_file.width > 0 and len(asset_file.sha256) == 64
    assert authenticate(username="demo", password="lotix-demo") is not None


def test_it_duplicates_nothing_when_run_twice(capsys):
    call_command("seed_demo")
    first = counts()
    call_command("seed_demo")
    assert counts() == first
    assert "password unchanged" in capsys.readouterr().out
