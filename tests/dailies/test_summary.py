import csv
import io

import pytest
from django.test import Client
from django.urls import reverse

from dailies import services
from dailies.views import csv_cell
from takes.notes import note_add
from takes.services import take_decide
from tests.dailies.conftest import member

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed(producer, director, board):
    m = member(producer)
    session = services.dailies_create(membership=m, title="Monday", take_uuids=[
        board["sh010_v1"].uuid, board["roof_v1"].uuid])
    take_decide(take=board["sh010_v1"], membership=m, state="approved",
                reason="=HYPERLINK(\"http://evil\") holds the jacket",
                dailies_session_id=session.pk)
    # A decision outside the session is not part of its summary.
    take_decide(take=board["roof_v1"], membership=member(director), state="maybe", reason="later")
    note_add(take=board["sh010_v1"], membership=member(director), body="Hand warps here",
             frame_in=12)
    note_add(take=board["sh010_v1"], membership=m, body="+ tighten the end", frame_in=30,
             frame_out=40)
    services.dailies_close(membership=m, session=session)
    return session


def test_the_summary_lists_decisions_and_notes_per_take(producer, closed, board):
    client = Client()
    client.force_login(producer)
    page = client.get(reverse("dailies:dailies-summary",
                              args=[closed.project.slug, closed.pk])).content.decode()
    assert page.index("SH010</span> v001") < page.index("SC020")
    assert "Unreviewed → <strong>Approved</strong> by producer" in page
    assert "holds the jacket" in page and "later" not in page
    assert "00:00:00:12 f12" in page and "Hand warps here" in page
    assert "00:00:01:06 f30–00:00:01:16 f40" in page
    assert "@media print" not in page  # print rules live in the stylesheet
    assert "Download CSV" in page


def test_the_csv_has_one_row_per_take_with_injection_safe_cells(producer, closed):
    client = Client()
    client.force_login(producer)
    response = client.get(reverse("dailies:dailies-summary-csv",
                                  args=[closed.project.slug, closed.pk]))
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["scene", "shot", "take", "state", "decided_by", "reason", "notes"]
    assert rows[1][:5] == ["SC010", "SH010", "v001", "approved", "producer"]
    assert rows[1][5].startswith("'=HYPERLINK")
    assert "[00:00:00:12 f12] director: Hand warps here" in rows[1][6]
    assert "[00:00:01:06 f30–00:00:01:16 f40] producer: + tighten the end" in rows[1][6]
    assert rows[2][:6] == ["SC020", "SH010", "v001", "maybe", "", ""]
    assert len(rows) == 3


@pytest.mark.parametrize("value, safe", [
    ("=1+1", "'=1+1"), ("+33", "'+33"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"),
    ("plain", "plain"), ("", ""), (None, ""),
])
def test_csv_cells_that_look_like_formulas_are_quoted(value, safe):
    assert csv_cell(value) == safe
