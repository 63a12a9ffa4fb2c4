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
        return self._raw_column([(self.number, self.cells)], header)[0]

    def get(self, header: str, parser: Callable, *args) -> object:
        value, message = self._outcomes([self.raw(header)], parser, args, header)[0]
        if value is _FAILED:
            self.fail(header, message)
            return None
        return value

    def read_batch(self, batch: list[tuple[int, list | dict]],
                   specs: list[tuple[str, Callable, tuple]]) -> list[tuple[int, tuple]]:
        """Parse a batch of rows column by column, each spec (header, parser, args) a column: the
        same values and errors as `get` row by row, for a fraction of the calls. Returns (row
        number, values) of the rows without errors; every error is recorded, in row order."""
        parsed = [self._column(batch, *spec) for spec in specs]
        failed = sorted({i for column in parsed for i, (value, _) in enumerate(column) if value is _FAILED})
        for i in failed:
            self.start(batch[i][0], batch[i][1])
            for (header, _, _), column in zip(specs, parsed, strict=True):
                value, message = column[i]
                if value is _FAILED:
                    self.fail(header, message)
        values = zip(*([value for value, _ in column] for column in parsed), strict=True)
        if not failed:
            return [(number, row) for (number, _), row in zip(batch, values, strict=True)]
        skip = set(failed)
        return [(number, row) for i, ((number, _), row) in enumerate(zip(batch, values, strict=True))
                if i not in skip]

    def _column(self, batch: list[tuple[int, list | dict]], header: str, parser: Callable,
                args: tuple) -> list[tuple[object, str | None]]:
        return self._outcomes(self._raw_column(batch, header), parser, args, header)

    def _outcomes(self, raws: list, parser: Callable, args: tuple, header: str) -> list[tuple[object, str | None]]:
        """(value, None) or (_FAILED, message) per raw cell, each distinct cell parsed once per column."""
        try:
            memo = self._memos.setdefault((header, parser, args), {})
        except TypeError:  # unhashable parser arguments: parse every cell
            return [self._parse(parser, raw, args) for raw in raws]
        out = []
        for raw in raws:
            try:
                key = (raw.__class__, raw)  # the class keeps True (parsed as "True") apart from 1
                outcome = memo.get(key)
            except TypeError:  # an unhashable cell (a list sent through the API)
                out.append(self._parse(parser, raw, args))
                continue
            if outcome is None:
                outcome = self._parse(parser, raw, args)
                if len(memo) < MEMO_LIMIT:
                    memo[key] = outcome
            out.append(outcome)
        return out

    def _raw_column(self, batch: list[tuple[int, list | dict]], header: str) -> list:
        if batch and isinstance(batch[0][1], dict):
            raws = [cells.get(header) for _, cells in batch]
        else:
            index = self.columns.get(header)
            if index is None:
                raws = [None] * len(batch)
            else:
                raws = [cells[index] if index < len(cells) else None for _, cells in batch]
        if header in self.defaults:
            default = self.defaults[header]
            raws = [default if raw is None or raw == "" else raw for raw in raws]
        return raws

    @staticmethod
    def _parse(parser: Callable, raw: object, args: tuple) -> tuple[object, str | None]:
        try:
            return parser(raw, *args), None
        except CellError as err:
            return _FAILED, str(err)

    def fail(self, header: str | None, message: str) -> None:
        self.ok = False
        self.errors.add(self.number, header, message)
