"""Photos through the real HTTP API: verdict per file, accepted ones stored and linked."""
import io
import zipfile

import sqlalchemy as sa

from tests.support.gateway import login
from tests.support.people import student_row
from tests.support.photos import photo
from tests.support.uploads import upload
from tests.support.workbooks import xlsx


def test_photos_zip_gets_a_verdict_per_file(client, province, stack, engine):
    manager = login(client, "s1_manager")
    students = [student_row(n) for n in (501, 502)]
    assert upload(client, "/api/v1/schools/S1/students", manager, xlsx(students), "学籍.xlsx").status_code == 200
    known = students[0]["身份证号"]
    unknown = student_row(599)["身份证号"]
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr(f"{known}.jpg", photo(1))
        z.writestr(f"{unknown}.jpg", photo(2))
        z.writestr("说明.txt", "not a photo")
    r = upload(client, "/api/v1/schools/S1/photos", manager, archive.getvalue(), "照片.zip")
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["accepted"] == 1
    rejected = {x["file"]: x["message"] for x in body["rejected"]}
    assert "请先导入学籍" in rejected[f"{unknown}.jpg"]
    assert "说明.txt" in rejected
    with engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT id_number FROM roster.photos WHERE school_code='S1'")).scalars().all()
    assert stored == [known]

    single = upload(client, "/api/v1/schools/S1/photos", manager, photo(3), f"{students[1]['身份证号']}.jpg")
    assert single.get_json() == {"accepted": 1, "rejected": []}
    assert upload(client, "/api/v1/schools/S1/photos", manager, b"x", "照片.rar").status_code == 400
