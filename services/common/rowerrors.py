"""Collecting every problem of an import file, by row and column, for one 422 answer."""
from services.common.errors import InvalidRows

MAX_LISTED = 1000


class RowErrors:
    def __init__(self, filename: str):
        self.filename = filename
        self.items: list[dict] = []
        self.total = 0

    def add(self, row: int | None, column: str | None, message: str) -> None:
        self.total += 1
        if len(self.items) < MAX_LISTED:
            self.items.append({"row": row, "column": column, "message": message})

    def __bool__(self) -> bool:
        return self.total > 0

    def raise_if_any(self) -> None:
        if not self.total:
            return
        more = f"（只列出前{MAX_LISTED}处）" if self.total > MAX_LISTED else ""
        raise InvalidRows(
            f"“{self.filename}”有{self.total}处错误{more}，整个文件未导入。请按提示逐行改正后重新导入。",
            self.items,
        )
