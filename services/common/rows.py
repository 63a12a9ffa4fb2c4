"""Reading one row of an import into clean values, collecting every cell's problem."""
from collections.abc import Callable

from services.common.cells import CellError
from services.common.rowerrors import RowErrors


class RowReader:
    """Cells of one row by header; each parse failure is recorded, not raised."""

    def __init__(self, errors: RowErrors, columns: dict[str, int] | None = None):
        self.errors = errors
        self.columns = columns or {}

    def start(self, number: int, cells: list | dict) -> None:
        self.number = number
        self.cells = cells
        self.ok = True

    def raw(self, header: str) -> object:
        if isinstance(self.cells, dict):
            return self.cells.get(header)
        index = self.columns.get(header)
        return self.cells[index] if index is not None and index < len(self.cells) else None

    def get(self, header: str, parser: Callable, *args) -> object:
        try:
            return parser(self.raw(header), *args)
        except CellError as err:
            self.fail(header, str(err))
            return None

    def fail(self, header: str | None, message: str) -> None:
        self.ok = False
        self.errors.add(self.number, header, message)
