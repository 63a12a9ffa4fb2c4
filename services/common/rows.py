"""Reading one row of an import into clean values, collecting every cell's problem."""
from collections.abc import Callable

from services.common.cells import CellError
from services.common.rowerrors import RowErrors

# Parsed values are remembered per column and raw cell: a grade sheet repeats each ID number,
# name, course, term and score many times. A column stops remembering once it holds this many.
MEMO_LIMIT = 100_000
_FAILED = object()


class RowReader:
    """Cells of one row by header; each parse failure is recorded, not raised.

    Rows are dicts (header → cell) or lists indexed through `columns`. `defaults` fill empty
    cells: a sheet per class and course takes its course and term from the upload."""

    def __init__(self, errors: RowErrors, columns: dict[str, int] | None = None,
                 defaults: dict[str, object] | None = None):
        self.errors = errors
        self.columns = columns or {}
        self.defaults = defaults or {}
        self._memos: dict[tuple, dict] = {}

    def start(self, number: int, cells: list | dict) -> None:
        self.number = number
        self.cells = cells
        self.ok = True

    def raw(self, header: str) -> object:
        if isinstance(self.cells, dict):
            value = self.cells.get(header)
        else:
            index = self.columns.get(header)
            value = self.cells[index] if index is not None and index < len(self.cells) else None
        if (value is None or value == "") and header in self.defaults:
            return self.defaults[header]
        return value

    def get(self, header: str, parser: Callable, *args) -> object:
        raw = self.raw(header)
        try:
            memo = self._memos.get((header, parser, args))
            if memo is None:
                memo = self._memos[(header, parser, args)] = {}
            key = (raw.__class__, raw)  # the class keeps True apart from 1, 1.5 from "1.5"
            value, message = memo[key]
        except TypeError:  # unhashable arguments or cell (a list sent through the API): parse every time
            value, message = self._parse(parser, raw, args)
        except KeyError:
            value, message = self._parse(parser, raw, args)
            if len(memo) < MEMO_LIMIT:
                memo[key] = (value, message)
        if value is _FAILED:
            self.fail(header, message)
            return None
        return value

    @staticmethod
    def _parse(parser: Callable, raw: object, args: tuple) -> tuple[object, str | None]:
        try:
            return parser(raw, *args), None
        except CellError as err:
            return _FAILED, str(err)

    def fail(self, header: str | None, message: str) -> None:
        self.ok = False
        self.errors.add(self.number, header, message)
