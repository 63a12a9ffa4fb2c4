import random
import zipfile
from io import BytesIO

import pytest
from PIL import Image

from services.common.errors import BadInput, TooLarge
from services.common.idnumber import check_char
from services.roster.photos import check_upload


def _id(base: str) -> str:
    return base + check_char(base)


GOOD_ID = _id("61050220070101123")  # check char X
OTHER_ID = _id("61050220070202124")
STRANGER = _id("61050220070303125")
STUDENTS = {GOOD_ID, OTHER_ID}
assert GOOD_ID.endswith("X")


def _noise(width: int, height: int, seed: int = 1) -> Image.Image:
    rng = random.Random(seed)
    return Image.frombytes("L", (width, height), bytes(rng.randrange(256) for _ in range(width * height)))


def _jpeg(image: Image.Image, low: int = 5 * 1024, high: int = 20 * 1024) -> bytes:
    """The image as a JPEG whose size falls in [low, high], tuning the quality."""
    for quality in range(95, 4, -5):
        out = BytesIO()
        image.save(out, "JPEG", quality=quality)
        if low <= len(out.getvalue()) <= high:
            return out.getvalue()
    raise AssertionError("no quality gives the wanted size")


GOOD = _jpeg(_noise(150, 200))
GOOD_2 = _jpeg(_noise(150, 200, seed=2))
WRONG_DIMS = _jpeg(_noise(200, 150))
FLAT = _jpeg(Image.new("L", (150, 200), 128), low=0, high=5 * 1024 - 1)
BIG = _jpeg(_noise(150, 200), low=20 * 1024 + 1, high=10**6)


def _png() -> bytes:
    out = BytesIO()
    _noise(150, 200).save(out, "PNG")
    return out.getvalue()


def _known(calls: list):
    def known_ids(ids: set[str]) -> set[str]:
        calls.append(set(ids))
        return ids & STUDENTS
    return known_ids


def _zip(tmp_path, members: list[tuple[str, bytes]], compression=zipfile.ZIP_DEFLATED) -> str:
    path = tmp_path / "photos.zip"
    with zipfile.ZipFile(path, "w", compression) as zf:
        for name, data in members:
            zf.writestr(name, data)
    return str(path)


def _check(tmp_path, members: list[tuple[str, bytes]]):
    calls: list = []
    result = check_upload(_zip(tmp_path, members), "照片.zip", _known(calls))
    assert len(calls) <= 1
    return result


def test_helpers_make_the_sizes_we_want():
    assert 5 * 1024 <= len(GOOD) <= 20 * 1024
    assert len(FLAT) < 5 * 1024
    assert len(BIG) > 20 * 1024


@pytest.mark.parametrize("name, data, ok, fragment", [
    (f"{GOOD_ID}.jpg", GOOD, True, "已接收"),
    (f"{GOOD_ID}.JPEG", GOOD, True, "已接收"),
    (f"{GOOD_ID}.jpg", WRONG_DIMS, False, "照片尺寸应为宽150像素×高200像素，实际为宽200×高150"),
    (f"{GOOD_ID}.jpg", FLAT, False, f"实际为{len(FLAT) / 1024:.1f}KB"),
    (f"{GOOD_ID}.jpg", BIG, False, "照片大小应为5KB～20KB，实际为"),
    (f"{GOOD_ID}.jpg", _png(), False, "不是有效的JPEG图片"),
    (f"{GOOD_ID}.jpg", random.Random(3).randbytes(8000), False, "不是有效的JPEG图片"),
    (f"{GOOD_ID.lower()}.jpg", GOOD, False, "文件名中的x须为大写X"),
    (f"{GOOD_ID[:-1]}1.jpg", GOOD, False, "校验位"),
    ("张三.jpg", GOOD, False, "文件名不是有效的身份证号"),
    (f"{GOOD_ID}.png", GOOD, False, "文件名应为“身份证号.jpg”"),
    (f"{STRANGER}.jpg", GOOD, False, f"没有身份证号为{STRANGER}的学生，请先导入学籍"),
    (f"sub/dir/{GOOD_ID}.jpg", GOOD, False, "文件不能放在子文件夹中"),
])
def test_single_member_verdicts(tmp_path, name, data, ok, fragment):
    ((verdict, content),) = _check(tmp_path, [(name, data)])
    assert verdict.file == name
    assert verdict.ok is ok
    assert fragment in verdict.message
    assert content == (data if ok else None)


def test_all_reasons_in_one_message(tmp_path):
    ((verdict, _),) = _check(tmp_path, [(f"{GOOD_ID.lower()}.jpg", _jpeg(_noise(300, 400), 20 * 1024 + 1, 10**6))])
    assert "文件名中的x须为大写X" in verdict.message
    assert "照片大小应为" in verdict.message
    assert "实际为宽300×高400" in verdict.message
    assert verdict.message.count("；") == 2


def test_a_good_zip_and_known_ids_asked_once(tmp_path):
    calls: list = []
    path = _zip(tmp_path, [(f"{GOOD_ID}.jpg", GOOD), (f"{OTHER_ID}.jpg", GOOD_2), (f"{STRANGER}.jpg", GOOD),
                           ("readme.txt", b"x")])
    result = check_upload(path, "photos.zip", _known(calls))
    assert calls == [{GOOD_ID, OTHER_ID, STRANGER}]
    assert [(v.id_number, v.ok) for v, _ in result] == [(GOOD_ID, True), (OTHER_ID, True), (STRANGER, False),
                                                         (None, False)]
    assert [c for _, c in result] == [GOOD, GOOD_2, None, None]


def test_duplicate_in_zip(tmp_path):
    result = _check(tmp_path, [(f"{GOOD_ID}.jpg", GOOD), (f"{GOOD_ID}.jpeg", GOOD_2)])
    assert result[0][0].ok
    assert not result[1][0].ok
    assert result[1][0].message == "与压缩包中的另一张照片重复"


@pytest.mark.parametrize("name", [f"../{GOOD_ID}.jpg", f"/{GOOD_ID}.jpg", f"a\\b\\{GOOD_ID}.jpg"])
def test_paths_are_refused(tmp_path, name):
    result = _check(tmp_path, [(name, GOOD), (f"{OTHER_ID}.jpg", GOOD_2)])
    assert not result[0][0].ok and "子文件夹" in result[0][0].message
    assert result[1][0].ok


def test_nested_folder_among_others(tmp_path):
    result = _check(tmp_path, [(f"照片/{GOOD_ID}.jpg", GOOD), (f"照片/sub/{OTHER_ID}.jpg", GOOD_2)])
    assert result[0][0].ok
    assert not result[1][0].ok and "子文件夹" in result[1][0].message


def test_single_top_level_folder_is_accepted(tmp_path):
    result = _check(tmp_path, [("照片/", b""), (f"照片/{GOOD_ID}.jpg", GOOD), (f"照片/{OTHER_ID}.jpg", GOOD_2)])
    assert [(v.file, v.ok) for v, _ in result] == [(f"照片/{GOOD_ID}.jpg", True), (f"照片/{OTHER_ID}.jpg", True)]


def test_macos_junk_is_ignored(tmp_path):
    result = _check(tmp_path, [
        ("照片/", b""), (f"照片/{GOOD_ID}.jpg", GOOD), ("__MACOSX/照片/._" + GOOD_ID + ".jpg", b"\0" * 4096),
        ("照片/.DS_Store", b"\0" * 6148), ("照片/Thumbs.db", b"junk"), (f"照片/._{GOOD_ID}.jpg", b"\0" * 4096),
    ])
    assert [(v.file, v.ok) for v, _ in result] == [(f"照片/{GOOD_ID}.jpg", True)]


def test_gbk_names_are_decoded(tmp_path):
    path = tmp_path / "gbk.zip"
    with zipfile.ZipFile(path, "w") as zf:  # zipfile writes non-ASCII names as UTF-8: patch the bytes after
        zf.writestr(f"ABCD/{GOOD_ID}.jpg", GOOD)
    path.write_bytes(path.read_bytes().replace(b"ABCD/", "照片/".encode("gbk")))
    with zipfile.ZipFile(path) as zf:  # written without the UTF-8 flag, as Chinese Windows tools do
        assert not zf.infolist()[0].flag_bits & 0x800
    ((verdict, _),) = check_upload(str(path), "x.zip", _known([]))
    assert verdict.file == f"照片/{GOOD_ID}.jpg" and verdict.ok


def test_zip_bomb_is_refused(tmp_path):
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"{GOOD_ID}.jpg", GOOD)
        zf.writestr(f"{OTHER_ID}.jpg", bytes(50 * 1024 * 1024))
    with pytest.raises(BadInput) as err:
        check_upload(str(path), "bomb.zip", _known([]))
    assert "压缩比" in err.value.message


def test_too_many_members_are_refused(tmp_path):
    members = [(f"{i}.jpg", b"") for i in range(20_001)]
    with pytest.raises(TooLarge):
        check_upload(_zip(tmp_path, members, zipfile.ZIP_STORED), "many.zip", _known([]))


def test_empty_zip_is_refused(tmp_path):
    with pytest.raises(BadInput, match="没有找到照片"):
        check_upload(_zip(tmp_path, [("__MACOSX/._x", b"")]), "empty.zip", _known([]))


def test_single_jpeg_upload(tmp_path):
    path = tmp_path / "upload.tmp"
    path.write_bytes(GOOD)
    calls: list = []
    ((verdict, content),) = check_upload(str(path), f"C:\\照片\\{GOOD_ID}.jpg", _known(calls))
    assert (verdict.file, verdict.id_number, verdict.ok, verdict.message) == (f"{GOOD_ID}.jpg", GOOD_ID, True, "已接收")
    assert content == GOOD
    assert calls == [{GOOD_ID}]


def test_single_big_jpeg_reports_its_real_size(tmp_path):
    path = tmp_path / "upload.tmp"
    path.write_bytes(BIG)
    ((verdict, content),) = check_upload(str(path), f"{GOOD_ID}.jpg", _known([]))
    assert not verdict.ok and content is None
    assert f"实际为{len(BIG) / 1024:.1f}KB" in verdict.message


@pytest.mark.parametrize("filename", ["photos.rar", "照片.png", "名单.xlsx"])
def test_other_uploads_are_refused(tmp_path, filename):
    path = tmp_path / "upload.tmp"
    path.write_bytes(b"not a zip")
    with pytest.raises(BadInput) as err:
        check_upload(str(path), filename, _known([]))
    assert err.value.message == "请上传照片的zip压缩包或单张JPEG照片"
