import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from projects.models import Activity
from shots.models import Scene, Shot
from tests import factories

pytestmark = pytest.mark.django_db

GOOD = (
    "Scene code,Shot code,Job,Subject & action,Camera,Duration,Aspect ratio\n"
    "SC010,SH010,Establish,Rain on the window,static,4,16:9\n"
    "SC010,SH020,Reaction,Mara looks up,Push in,3.5s,\n"
    "SC020,SH010,Exit,She opens the door,pan left,6,9:16\n"
)
BAD = (
    "scene,shot,camera,duration,aspect ratio\n"
    "SC010,SH010,zoomy,4,16:9\n"
    "SC010,SH010,static,4,16:9\n"
    "SC010,SH030,static,ninety,16:9\n"
    "SC010,sh 40,static,4,5:4\n"
    "SC010,SH050,static,3,1:1\n"
)


def upload(text, name="shots.csv"):
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def test_it_previews_a_good_file_without_writing(client, director, project):
    client.force_login(director)
    url = reverse("shots:shot-import", args=[project.slug])
    response = client.post(url, {"file": upload(GOOD), "action": "check"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Dry run: 3 shots" in body and "New scenes: SC010, SC020." in body
    assert "Import 3 shots" in body
    assert not Shot.objects.exists()


def test_it_lists_each_rows_errors_in_the_dry_run(client, director, project):
    factories.shot(scene=factories.scene(project=project), code="SH050")
    client.force_login(director)
    body = client.post(reverse("shots:shot-import", args=[project.slug]),
                       {"file": upload(BAD), "action": "check"}).content.decode()
    assert "5 with errors" in body
    assert "Unknown camera movement “zoomy”" in body
    assert "Shot SC010/SH010 is also on line 2." in body
    assert "Duration “ninety” must be a number of seconds" in body
    assert "Shot code SH 40" in body and "Unknown aspect ratio “5:4”" in body
    assert "Shot SC010/SH050 already exists in the project." in body
    assert "Import " not in body.split("Dry run")[1].split("</h2>")[1]


def test_it_imports_all_rows_of_a_checked_file(client, director, project):
    client.force_login(director)
    response = client.post(reverse("shots:shot-import", args=[project.slug]),
                           {"text": GOOD, "action": "import"})
    assert response.status_code == 302
    assert list(Scene.objects.filter(project=project).values_list("code", flat=True)) == [
        "SC010", "SC020"]
    second = Shot.objects.get(scene__code="SC010", code="SH020")
    assert (second.camera_movement, str(second.duration_s), second.subject_action) == (
        "push_in", "3.50", "Mara looks up")
    assert Activity.objects.filter(verb="imported shot list").count() == 1


def test_it_imports_nothing_from_a_file_with_any_error(client, director, project):
    client.force_login(director)
    response = client.post(reverse("shots:shot-import", args=[project.slug]),
                           {"text": BAD, "action": "import"})
    assert response.status_code == 400
    assert "Nothing was imported." in response.content.decode()
    assert not Shot.objects.exists() and not Scene.objects.exists()


def test_it_refuses_a_file_without_the_code_columns(client, director, project):
    client.force_login(director)
    response = client.post(reverse("shots:shot-import", args=[project.slug]),
                           {"file": upload("name,notes\nx,y\n"), "action": "check"})
    assert response.status_code == 400
    assert "must name a “scene code” column" in response.content.decode()


def test_it_imports_through_the_management_command(project, tmp_path):
    path = tmp_path / "shots.csv"
    path.write_text(GOOD)
    out = io.StringIO()
    call_command("import_shots", str(path), "--project", project.slug, "--dry-run", stdout=out)
    assert "Dry run: 3 shots would be imported." in out.getvalue()
    assert not Shot.objects.exists()
    call_command("import_shots", str(path), "--project", project.slug, stdout=out)
    assert Shot.objects.filter(scene__project=project).count() == 3
    bad = tmp_path / "bad.csv"
    bad.write_text(BAD)
    with pytest.raises(CommandError, match="4 of 5 rows have errors"):
        call_command("import_shots", str(bad), "--project", project.slug, stdout=io.StringIO())
