"""RowReader remembers parsed cells per column, but every row still gets its own errors."""
from services.common import cells, rows
from services.common.rowerrors import RowErrors


def read(raw_rows: list[list], parser, *args, columns=None, defaults=None):
    errors = RowErrors("成绩.xlsx")
    reader = rows.RowReader(errors, columns or {"成绩": 0}, defaults)
    values = []
    for number, cells_ in enumerate(raw_rows, start=2):
        reader.start(number, cells_)
        values.append((reader.get("成绩", parser, *args), reader.ok))
    return values, errors.items


def test_a_repeated_bad_cell_is_reported_on_every_row():
    values, errors = read([["abc"], ["5"], ["abc"]], cells.integer, 1, 6, "学期")
    assert values == [(None, False), (5, True), (None, False)]
    assert [(e["row"], e["column"]) for e in errors] == [(2, "成绩"), (4, "成绩")]
    assert errors[0]["message"] == errors[1]["message"]


def test_a_parser_runs_once_per_distinct_cell():
    calls = []

    def parse(raw):
        calls.append(raw)
        return cells.text(raw)

    values, _ = read([["甲"], ["乙"], ["甲"], ["甲"]], parse)
    assert [v for v, _ in values] == ["甲", "乙", "甲", "甲"]
    assert calls == ["甲", "乙"]


def test_cells_equal_in_python_but_of_different_types_are_parsed_apart():
    values, _ = read([[True], [1], [1.0]], cells.text)
    assert [v for v, _ in values] == ["True", "1", "1"]


def test_unhashable_cells_are_parsed_without_the_memo():
    values, errors = read([[["88"]], [["88"]]], cells.required)
    assert [v for v, _ in values] == ["['88']", "['88']"] and not errors


def test_defaults_fill_empty_cells_only():
    values, _ = read([[None], [""], ["2"]], cells.integer, 1, 6, "学期", defaults={"成绩": 3})
    assert [v for v, _ in values] == [3, 3, 2]


def test_the_memo_stops_growing_at_its_limit(monkeypatch):
    monkeypatch.setattr(rows, "MEMO_LIMIT", 2)
    reader = rows.RowReader(RowErrors("x"), {"a": 0})
    for number, value in enumerate(["1", "2", "3", "4"]):
        reader.start(number, [value])
        assert reader.get("a", cells.integer, 0, 9, "a") == int(value)
    assert [len(memo) for memo in reader._memos.values()] == [2]


def test_unhashable_parser_arguments_are_parsed_without_the_memo():
    values, errors = read([["M"], ["男"], ["x"]], cells.choice, ("男", "女"), {"M": "男"})
    assert [v for v, _ in values] == ["男", "男", None] and len(errors) == 1


def test_reading_a_batch_by_column_gives_what_reading_row_by_row_gives():
    import random

    from services.grading.grade_import import COLUMNS
    rng = random.Random(7)
    pool = {  # (good cells, bad cells) per column
        0: (["11010519491231002X", "110105194912310021", 110105194912310021], ["1101051949123100", None,
                                                                               110105194912310021.0]),
        1: (["张三", " 李 四 "], ["", None]),
        2: (["语文", "数学"], ["", "  "]),
        3: ([1, "2", 3.0], [7, "x", None]),
        4: ([88, "59.5", "优秀", "良"], [101, "", None]),
        5: (["", None, 70], ["差"]),
    }

    def cell(column):
        good, bad = pool[column]
        return rng.choice(bad if rng.random() < 0.04 else good)
    header = {h: i for i, (h, _, _) in enumerate(COLUMNS)}
    sheet = [(n, [cell(i) for i in range(6)][:rng.choice([4, 5, 6, 6, 6])]) for n in range(2, 400)]

    by_row_errors = RowErrors("x")
    reader = rows.RowReader(by_row_errors, header)
    by_row = []
    for number, cells_ in sheet:
        reader.start(number, cells_)
        values = tuple(reader.get(h, parser, *args) for h, parser, args in COLUMNS)
        if reader.ok:
            by_row.append((number, values))

    by_batch_errors = RowErrors("x")
    batch_reader = rows.RowReader(by_batch_errors, header)
    by_batch = batch_reader.read_batch(sheet[:150], COLUMNS) + batch_reader.read_batch(sheet[150:], COLUMNS)

    assert by_batch == by_row and len(by_row) > 10
    assert by_batch_errors.items == by_row_errors.items and by_row_errors.total > 50


def test_a_batch_of_dicts_takes_defaults_for_empty_cells():
    reader = rows.RowReader(RowErrors("x"), defaults={"学期": 2})
    batch = [(1, {"学期": ""}), (2, {"学期": "5"}), (3, {})]
    good = reader.read_batch(batch, [("学期", cells.integer, (1, 6, "学期"))])
    assert good == [(1, (2,)), (2, (5,)), (3, (2,))]
