"""Checks on uploaded graduate photos (DOMAIN.md "Photos"): a zip of photos or a single JPEG.

Pure: reads the upload, never writes files and never touches the database; which ID numbers
belong to the school's students is asked once through `known_ids`.
"""
import os
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from io import BytesIO

from PIL import Image

from services.common import idnumber
from services.common.errors import BadInput, TooLarge

MIN_BYTES = 5 * 1024
MAX_BYTES = 20 * 1024
WIDTH, HEIGHT = 150, 200
MAX_MEMBERS = 20_000
MAX_TOTAL_BYTES = 200 * 1024 * 1024
MAX_RATIO = 100
_UTF8_FLAG = 0x800
_JUNK_NAMES = {".ds_store", "thumbs.db"}
NESTED = "文件不能放在子文件夹中，请把照片直接放在压缩包根目录"
ACCEPTED = "已接收"


@dataclass
class PhotoVerdict:
    file: str
    id_number: str | None
    ok: bool
    message: str


@dataclass
class _Photo:
    name: str  # as shown to the clerk
    base: str | None  # the file name without folder; None when the name has a path
    data: bytes
    size: int  # the real (or declared) size, which may exceed len(data)
    unreadable: bool = False


def check_upload(path: str, filename: str,
                 known_ids: Callable[[set[str]], set[str]]) -> list[tuple[PhotoVerdict, bytes | None]]:
    """A verdict per photo in upload order, with the bytes of each accepted one."""
    if zipfile.is_zipfile(path):
        photos = list(_zip_photos(path))
        if not photos:
            raise BadInput("压缩包中没有找到照片")
    elif filename.lower().endswith((".jpg", ".jpeg")):
        base = filename.replace("\\", "/").rsplit("/", 1)[-1]
        with open(path, "rb") as fh:
            data = fh.read(MAX_BYTES + 1)
        photos = [_Photo(base, base, data, os.path.getsize(path))]
    else:
        raise BadInput("请上传照片的zip压缩包或单张JPEG照片")
    return _judge(photos, known_ids)


def _judge(photos: list[_Photo], known_ids: Callable[[set[str]], set[str]]) -> list[tuple[PhotoVerdict, bytes | None]]:
    verdicts: list[PhotoVerdict] = []
    seen: set[str] = set()
    for photo in photos:
        if photo.base is None:
            verdicts.append(PhotoVerdict(photo.name, None, False, NESTED))
            continue
        if photo.unreadable:
            verdicts.append(PhotoVerdict(photo.name, None, False, "文件已损坏或加密，无法读取"))
            continue
        number, reasons = _check_name(photo.base)
        reasons += _check_content(photo)
        if number is not None:
            if number in seen:
                reasons.append("与压缩包中的另一张照片重复")
            seen.add(number)
        verdicts.append(PhotoVerdict(photo.name, number, not reasons, "；".join(reasons) or ACCEPTED))
    candidates = {v.id_number for v in verdicts if v.ok and v.id_number}
    students = known_ids(candidates) if candidates else set()
    for verdict in verdicts:
        if verdict.ok and verdict.id_number not in students:
            verdict.ok = False
            verdict.message = f"没有身份证号为{verdict.id_number}的学生，请先导入学籍"
    return [(v, p.data if v.ok else None) for v, p in zip(verdicts, photos, strict=True)]


def _check_name(base: str) -> tuple[str | None, list[str]]:
    stem, dot, ext = base.rpartition(".")
    if not dot or ext.lower() not in ("jpg", "jpeg"):
        return None, ["文件名应为“身份证号.jpg”"]
    reasons = []
    if "x" in stem:
        reasons.append("文件名中的x须为大写X")
    try:
        number = idnumber.validate(stem)
    except idnumber.IdNumberError as err:
        return None, reasons + [f"文件名不是有效的身份证号：{err}"]
    if number != stem.upper():
        reasons.append("文件名只能是18位身份证号，不能有空格或全角字符")
    return number, reasons


def _check_content(photo: _Photo) -> list[str]:
    reasons = []
    if not MIN_BYTES <= photo.size <= MAX_BYTES:
        reasons.append(f"照片大小应为5KB～20KB，实际为{photo.size / 1024:.1f}KB")
    try:
        with Image.open(BytesIO(photo.data)) as img:
            if img.format != "JPEG":
                return reasons + ["不是有效的JPEG图片"]
            if img.size != (WIDTH, HEIGHT):
                return reasons + [f"照片尺寸应为宽{WIDTH}像素×高{HEIGHT}像素，实际为宽{img.width}×高{img.height}"]
            if len(photo.data) == photo.size:  # decode only a complete photo of the right size
                img.load()
    except Exception:
        reasons.append("不是有效的JPEG图片")
    return reasons


def _zip_photos(path: str) -> Iterator[_Photo]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise BadInput("压缩包已损坏，无法打开") from None
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_MEMBERS:
            raise TooLarge(f"压缩包中的文件超过{MAX_MEMBERS}个，请分批上传")
        members = [(info, _decoded_name(info)) for info in infos]
        members = [(info, name) for info, name in members if not info.is_dir() and not _is_junk(name)]
        if sum(info.file_size for info, _ in members) > MAX_TOTAL_BYTES:
            raise TooLarge("压缩包解压后超过200MB，请分批上传")
        for info, _ in members:
            if info.file_size > MAX_RATIO * max(info.compress_size, 1):
                raise BadInput("压缩包异常（压缩比过高），请把照片重新打包后上传")
        folder = _common_folder([name for _, name in members])
        for info, name in members:
            data = _read(archive, info)
            yield _Photo(name, _base_name(name, folder), data or b"", info.file_size, data is None)


def _decoded_name(info: zipfile.ZipInfo) -> str:
    """Zip tools on Chinese Windows write GBK names without the UTF-8 flag; zipfile reads them as CP437."""
    name = info.filename
    if info.flag_bits & _UTF8_FLAG:
        return name
    try:
        raw = name.encode("cp437")
    except UnicodeEncodeError:
        return name
    for encoding in ("utf-8", "gbk"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            pass
    return name


def _parts(name: str) -> list[str]:
    return name.replace("\\", "/").split("/")


def _is_junk(name: str) -> bool:
    parts = _parts(name)
    return "__MACOSX" in parts or parts[-1].startswith("._") or parts[-1].lower() in _JUNK_NAMES


def _common_folder(names: list[str]) -> str | None:
    """The one top-level folder every photo sits in, if there is one (a clerk zipped a folder)."""
    tops = {_parts(name)[0] for name in names}
    if len(tops) != 1 or any(len(_parts(name)) < 2 for name in names):
        return None
    top = tops.pop()
    return top if top not in ("", ".", "..") and ":" not in top else None


def _base_name(name: str, folder: str | None) -> str | None:
    parts = _parts(name)
    if folder is not None:
        parts = parts[1:]
    if len(parts) != 1 or parts[0] in ("", ".", "..") or ":" in parts[0]:
        return None
    return parts[0]


def _read(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes | None:
    """At most MAX_BYTES + 1 bytes: enough to tell a photo is too big without inflating the rest."""
    try:
        with archive.open(info) as member:
            return member.read(MAX_BYTES + 1)
    except Exception:  # encrypted, corrupt or an unsupported compression method
        return None
