"""What an import changes, or would change (the answer's `changes`): one shape for the registry,
course plans and grades, so a clerk sees it before the data changes (a dry run) and after.

    {"new": n, "changed": n, "unchanged": n, "missing": n, "missing_action": "kept" | "removed",
     "items": {"new": [{"key", "label", "row"}],
               "changed": [{"key", "label", "row", "fields": [{"column", "old", "new"}]}],
               "missing": [{"key", "label"}]}}

`key` names the record by its template headers, `label` in words; `row` is the file's row. Each list
holds at most CAP items, the counts say the whole. The answer goes to the API as it is, so ID numbers
are masked here, in keys and labels alike. Values are JSON text and numbers (dates as YYYY-MM-DD).

Also the refusal of a change that reaches past the school: a graduate of a review the school has
submitted to its chain (`locked_message`).
"""
import datetime as dt
from decimal import Decimal

from services.common.idnumber import mask

CAP = 200
KEPT = "kept"  # rows of the file's scope that the file lacks stay as they are
REMOVED = "removed"  # ... or the import deletes them (course plans replace a major × cohort)
KINDS = ("new", "changed", "missing")


class Changes:
    """Counts and the first CAP items of each kind, gathered record by record."""

    def __init__(self, missing_action: str):
        self.missing_action = missing_action
        self.counts = {"new": 0, "changed": 0, "unchanged": 0, "missing": 0}
        self.items: dict[str, list[dict]] = {kind: [] for kind in KINDS}

    def _add(self, kind: str, item: dict) -> None:
        self.counts[kind] += 1
        if len(self.items[kind]) < CAP:
            self.items[kind].append(item)

    def new(self, key: dict, label: str, row: int | None) -> None:
        self._add("new", {"key": key, "label": label, "row": row})

    def changed(self, key: dict, label: str, row: int | None, fields: list[dict]) -> None:
        self._add("changed", {"key": key, "label": label, "row": row, "fields": fields})

    def unchanged(self, count: int = 1) -> None:
        self.counts["unchanged"] += count

    def missing(self, key: dict, label: str) -> None:
        self._add("missing", {"key": key, "label": label})

    def as_dict(self) -> dict:
        return summary(self.counts, self.items, self.missing_action)


def summary(counts: dict[str, int], items: dict[str, list[dict]], missing_action: str) -> dict:
    return {**{k: int(counts.get(k, 0)) for k in ("new", "changed", "unchanged", "missing")},
            "missing_action": missing_action, "items": {kind: items.get(kind, [])[:CAP] for kind in KINDS}}


def json_value(value: object) -> object:
    """A stored or parsed value as the answer shows it: 85 rather than 85.0, dates as YYYY-MM-DD."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def field(column: str, old: object, new: object) -> dict:
    return {"column": column, "old": json_value(old), "new": json_value(new)}


def differing(columns: dict[str, str], old: dict, new: dict) -> list[dict]:
    """The fields (by template header) whose values differ; `columns` maps record key → header."""
    return [field(header, old[key], new[key]) for key, header in columns.items()
            if json_value(old[key]) != json_value(new[key])]


def student_label(name: str, id_number: str) -> str:
    """张三（610502********123X）"""
    return f"{name}（{mask(id_number)}）"


def counts_only(changes: dict) -> dict:
    """The summary without its items, for the import log."""
    return {k: v for k, v in changes.items() if k != "items"}


def dry_run_answer(changes: dict, ignored: list[str]) -> dict:
    """What a dry run answers: nothing imported, what the import would change."""
    return {"dry_run": True, "imported": 0, "ignored_columns": ignored, "changes": changes}


def locked_message(lock: dict, subject: str, what: str) -> str:
    """A change refused because `subject` is in a review the school has submitted; `lock` as the
    review service's locked_graduates gives it ({review_id, title, status, status_name})."""
    return (f"{subject}在“{lock['title']}”毕业审核中，审核已提交（当前：{lock['status_name']}），不能修改{what}；"
            "如需修改，请联系审核单位退回后再导入")
