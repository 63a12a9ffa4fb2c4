"""Cutting a graduate list into chunks: at most the configured size, as even as they can be, every
student once and in list order; the size comes from the grading service's config."""
from unittest.mock import MagicMock

import pytest
from nameko.testing.services import worker_factory

from services.grading import verification
from services.grading.service import GradingService
from tests.unit.service_fakes import FakeDb


def stored(session: MagicMock) -> list[list[int]]:
    """The rows of each chunk the session was given to insert, in order."""
    return [[s["row"] for s in call.args[0].compile().params["students"]] for call in session.execute.call_args_list]


@pytest.mark.parametrize(("students", "size", "sizes"), [
    (667, 1000, [667]),
    (1000, 1000, [1000]),
    (1001, 1000, [500, 501]),
    (2500, 1000, [833, 833, 834]),
    (260, 250, [130, 130]),
    (1, 250, [1]),
    (0, 1000, []),
])
def test_a_list_is_cut_into_even_chunks_of_at_most_the_size(students, size, sizes):
    session = MagicMock()
    rows = [{"row": n} for n in range(2, students + 2)]
    numbers = verification.cut(session, "r1", 1, "S1", rows, size)
    chunks = stored(session)
    assert numbers == list(range(len(sizes)))
    assert [len(c) for c in chunks] == sizes
    assert [row for chunk in chunks for row in chunk] == [r["row"] for r in rows]


@pytest.mark.parametrize(("config", "chunks"), [({"CHUNK_SIZE": "100"}, 5), ({}, 1)])
def test_the_service_cuts_by_its_configured_size(config, chunks):
    grading = worker_factory(GradingService, db=FakeDb(), config=config)
    rows = [{"row": n, "id_number": f"X{n}", "name": "学生", "mode": "正常毕业", "major_code": "710204",
             "cohort": 2023} for n in range(2, 502)]
    grading.on_graduate_list_imported({"review_id": "r1", "generation": 1, "school_code": "S1", "rows": rows,
                                       "event_id": "e1"})
    [session] = grading.db.committed
    assert len(session.execute.call_args_list) == chunks
    assert grading.db.add_event.call_count == chunks
