"""Import limits through the real gateway and the real roster process (`nameko run`): a file over the
upload limit is answered 413 saying 60MB, and a registry sheet of 2,000,000 rows is refused with the
row limit while the roster process's peak memory grows by little."""
from collections.abc import Callable, Iterator

import pytest

from services.common import sheet_limits
from tests.support.gateway import login
from tests.support.people import student_row
from tests.support.rawsheets import cells_row, column, write_xlsx, xlsx
from tests.support.uploads import upload

URL = "/api/v1/schools/S1/students"
ROWS = 2_000_000
HEADERS = list(student_row(1))  # the registry's 15 columns: without the limits, the import would read on
# Refusing holds the zip's directory and, while the sheet is scanned, one 1 MB piece of its XML (with
# the copy cut at a tag and a few matches): measured 4-5 MB. Reading the sheet instead costs far more:
# calamine builds a grid of 2,000,001 × 15 cells of 32 bytes (~1 GB); streamed, the registry keeps a
# record (and its errors) for each of 300,000 rows before the row count stops it. 80 MB is well clear
# of both, and of noise.
PEAK_GROWTH_BOUND_KB = 80 * 1024


@pytest.fixture
def manager(client, province, stack):
    return login(client, "s1_manager")


def sheet_rows() -> Iterator[bytes]:
    """The header, then ROWS rows of a number and a text."""
    yield cells_row(1, HEADERS)
    for row in range(2, ROWS + 2):
        yield b'<row r="%d"><c r="A%d"><v>%d</v></c><c r="B%d" t="inlineStr"><is><t>x</t></is></c></row>' % (
            row, row, row, row)


@pytest.fixture(scope="module", params=["declared range", "no declared range"])
def two_million_rows(request, tmp_path_factory) -> bytes:
    """A registry file of 2,000,000 rows (~190 MB of XML, ~21 MB to upload), written as raw XML."""
    path = tmp_path_factory.mktemp("limits") / "学籍.xlsx"
    declared = f"A1:{column(len(HEADERS))}{ROWS + 1}" if request.param == "declared range" else None
    write_xlsx(path, sheet_rows(), dimension=declared, compresslevel=1)
    data = path.read_bytes()
    assert len(data) < sheet_limits.MAX_UPLOAD_BYTES
    return data


def kib(pid: int, field: str) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    raise KeyError(field)


def peak_growth_kib(pid: int, action: Callable[[], None]) -> int:
    """How far the process's peak resident memory (VmHWM) rose above its resident memory before `action`."""
    with open(f"/proc/{pid}/clear_refs", "w") as clear:
        clear.write("5")  # the peak starts again from the current resident size
    before = kib(pid, "VmRSS")
    action()
    return kib(pid, "VmHWM") - before


def test_a_file_over_the_upload_limit_is_answered_413_with_the_limit(client, manager):
    r = upload(client, URL, manager, b"\0" * (sheet_limits.MAX_UPLOAD_BYTES + 1), "学籍.xlsx")
    assert r.status_code == 413
    assert r.get_json()["error"]["message"].startswith("文件超过60MB，无法上传")


def test_two_million_rows_are_refused_in_bounded_memory(client, manager, stack, two_million_rows):
    pid = stack["roster"].proc.pid
    warm_up = xlsx([cells_row(1, HEADERS)], dimension="A1:B400000")  # the same way, tiny: first-use costs
    upload(client, URL, manager, warm_up, "学籍.xlsx")
    answers = []
    growth = peak_growth_kib(pid, lambda: answers.append(upload(client, URL, manager, two_million_rows, "学籍.xlsx")))
    assert growth < PEAK_GROWTH_BOUND_KB, f"roster's peak grew by {growth // 1024} MB refusing the file"
    r = answers[0]
    assert r.status_code == 413, r.get_json()
    message = r.get_json()["error"]["message"]
    assert message.startswith("文件“学籍.xlsx”无法导入：工作表“Sheet1”") and "超过300000行的上限" in message
