"""What documents are made of, asked of the services that hold it (no service reads another's schema).

review: the review, its summary (验印审核表 data), each major's qualification table (which carries
what a certificate prints of each graduate); numbering: the certificates;
roster: photos. Calls go out concurrently in bounded batches: one round trip costs ~4 ms.
"""
import base64
from collections.abc import Iterable

from services.common.errors import Conflict
from services.printing.layout import GRADUATION_MONTH

IN_FLIGHT = 50
PHOTO_BATCH = 200  # ~20 KB a photo: messages stay around 5 MB


def _gather(method, calls: Iterable[tuple]) -> list:
    """Results of `method(*args)` for every args tuple, in order, at most IN_FLIGHT at a time."""
    calls = list(calls)
    results = []
    for start in range(0, len(calls), IN_FLIGHT):
        replies = [method.call_async(*args) for args in calls[start:start + IN_FLIGHT]]
        results.extend(reply.result() for reply in replies)
    return results


class Sources:
    def __init__(self, review, numbering, roster):
        self.review = review
        self.numbering = numbering
        self.roster = roster

    def get_review(self, review_id: str) -> dict:
        return self.review.get_review(review_id)

    def summary(self, review_id: str) -> dict:
        return self.review.summary(review_id)

    def certificates(self, review_id: str, only_seq: list[int] | None = None, required: bool = True) -> list[dict]:
        """The review's valid certificates in list order (voided numbers left out); `only_seq` keeps
        those seqs. Required: 409 while numbers are not issued."""
        result = self.numbering.certificates(review_id)
        if result["failure"] and required:
            raise Conflict(f"证书编号发放失败：{result['failure']}")
        certs = [c for c in result["certificates"] if c["status"] == "valid"]
        if required and not certs:
            raise Conflict("该毕业审核尚未发放毕业证书编号：省级审核通过、编号发放后才能打印毕业证书和验印名单")
        if only_seq:
            wanted = set(only_seq)
            certs = [c for c in certs if c["seq"] in wanted]
            missing = sorted(wanted - {c["seq"] for c in certs})
            if missing:
                raise Conflict(f"名单中没有序号为{'、'.join(map(str, missing))}的有效证书")
        return certs

    def major_tables(self, review: dict) -> dict[str, dict]:
        codes = [m["major_code"] for m in review["majors"]]
        tables = _gather(self.review.major_table, [(review["id"], code) for code in codes])
        return dict(zip(codes, tables, strict=True))

    def certificate_students(self, review: dict, tables: dict[str, dict], certs: list[dict]) -> dict[str, dict]:
        """{id_number: what the certificate prints about the graduate} for these certificates."""
        listed = {s["id_number"]: (table, s) for table in tables.values() for s in table["students"]}
        month = GRADUATION_MONTH.get(review["season"], 7)
        students = {}
        for cert in certs:
            if cert["id_number"] not in listed:
                continue
            table, row = listed[cert["id_number"]]
            students[cert["id_number"]] = {
                "gender": row["gender"], "birth_date": row["birth_date"], "major_name": table["major_name"],
                "schooling_years": row["schooling_years"], "enrolled_month": row["enrolled_month"],
                "graduated_month": f"{review['year']}-{month:02d}", "school_name": review["school_name"],
            }
        return students

    def photos(self, school_code: str, id_numbers: list[str]) -> dict[str, bytes]:
        batches = [(school_code, id_numbers[i:i + PHOTO_BATCH]) for i in range(0, len(id_numbers), PHOTO_BATCH)]
        found: dict[str, bytes] = {}
        for answer in _gather(self.roster.photos, batches):
            found.update({k: base64.b64decode(v) for k, v in answer.items()})
        return found

