"""Every read of a declared payload's field in the services' and the gateway's code, found statically
for tests/unit/test_contracts.py.

A read is `x["field"]`, `x.get("field")` or, in SQL text, `student->>'field'` or a column of
`jsonb_to_recordset(:param) AS v(field type, …)` whose parameter is given a list of `x`, where `x` holds a
declaration (services/common/contracts.py). What holds one is found from seeds and followed:
- an event handler's `payload` (events.SUBSCRIPTIONS) holds its event's declaration;
- a key or column named in HOLDERS holds its declaration wherever it is read: the snapshot and the
  scores are stored in review.graduates (`r["student"]`, `graduates.c.student`, `student->>'…'`);
- STORED names the parameters that receive a payload that went through a table;
and a name holding a declaration passes it on: to the parameter of a function of this code it is
given to, to the loop variable over its list (or a `sorted` key's lambda), to a name assigned from it.
"""
import ast
import re
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from services.common import contracts, events

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("services", "gateway")
HOLDERS: dict[str, type] = {"student": contracts.RegistrySnapshot, "scores": contracts.Scores}
STORED: dict[tuple[str, str], dict[str, Any]] = {
    # GRADUATE_LIST_IMPORTED's rows, kept in grading.chunks.students until a worker takes the chunk
    ("services.grading.sql_verify", "verify_students"): {"students": list[contracts.ListedRow]},
}
SQL_READ = re.compile(r"\b(" + "|".join(HOLDERS) + r")\s*->>?\s*'(\w+)'")
RECORDSET = re.compile(r"jsonb_to_recordset\(:(\w+)\)\s+AS\s+\w+\(([^)]*)\)", re.IGNORECASE)


@dataclass(frozen=True)
class Read:
    where: str  # path:line
    shape: type
    field: str
    how: str  # "[]", ".get" or "sql"

    def __str__(self) -> str:
        return f"{self.where}: {self.shape.__name__}.{self.field} ({self.how})"


def _const(node: ast.AST) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _strip_none(hint: Any) -> Any:
    """`X | None` → X."""
    if typing.get_origin(hint) not in (typing.Union, types.UnionType):
        return hint
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    return args[0] if len(args) == 1 else hint


def _shape(hint: Any) -> type | None:
    hint = _strip_none(hint)
    return hint if typing.is_typeddict(hint) else None


def _item(hint: Any) -> Any:
    hint = _strip_none(hint)
    return typing.get_args(hint)[0] if typing.get_origin(hint) is list else None


class Module:
    def __init__(self, name: str):
        self.name = name
        self.path = ROOT / (name.replace(".", "/") + ".py")
        self.source = self.path.read_text()
        self.tree = ast.parse(self.source, str(self.path))
        self.functions: dict[str, ast.FunctionDef] = {}
        for node in self.tree.body:
            members = node.body if isinstance(node, ast.ClassDef) else [node]
            for member in members:
                if isinstance(member, ast.FunctionDef):
                    self.functions.setdefault(member.name, member)
        self.imports: dict[str, str] = {}  # local name → module name or "module:function"
        for node in self.tree.body:
            if isinstance(node, ast.ImportFrom) and node.module:
                for alias in node.names:
                    full = f"{node.module}.{alias.name}"
                    target = full if _exists(full) else f"{node.module}:{alias.name}"
                    self.imports[alias.asname or alias.name] = target
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    self.imports[alias.asname or alias.name] = alias.name


def _exists(module: str) -> bool:
    return (ROOT / (module.replace(".", "/") + ".py")).is_file()


class Scan:
    def __init__(self) -> None:
        self.modules: dict[str, Module] = {}
        self.reads: set[Read] = set()
        self.seen: set[tuple] = set()

    def module(self, name: str) -> Module | None:
        if name not in self.modules:
            if not _exists(name):
                return None
            self.modules[name] = Module(name)
        return self.modules[name]

    def function(self, module: str, name: str, env: dict[str, Any]) -> None:
        mod = self.module(module)
        node = mod.functions.get(name) if mod else None
        if node is None:
            raise LookupError(f"{module}.{name} not found")
        self._scan(mod, node, env)

    def _scan(self, mod: Module, fn: ast.FunctionDef, seeded: dict[str, Any]) -> None:
        key = (mod.name, fn.name, fn.lineno, tuple(sorted((k, repr(v)) for k, v in seeded.items())))
        if key in self.seen:
            return
        self.seen.add(key)
        env = dict(seeded)
        for _ in range(3):  # names bound from names bound before
            self._bind(fn, env)
        for node in ast.walk(fn):
            if isinstance(node, ast.Subscript | ast.Call):
                self._resolve(mod, node, env, record=True)
            elif isinstance(node, ast.Dict):
                self._recordset_reads(mod, node, env)
        for node in ast.walk(fn):
            if isinstance(node, ast.Call):
                self._follow(mod, node, env)

    def _bind(self, fn: ast.FunctionDef, env: dict[str, Any]) -> None:
        for node in ast.walk(fn):
            if isinstance(node, ast.For | ast.comprehension) and isinstance(node.target, ast.Name):
                item = _item(self._resolve(None, node.iter, env))
                if item is not None:
                    env[node.target.id] = item
            elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                held = self._resolve(None, node.value, env)
                if held is not None:
                    env[node.targets[0].id] = held
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "sorted":
                item = _item(self._resolve(None, node.args[0], env)) if node.args else None
                for kw in node.keywords:
                    if item is not None and kw.arg == "key" and isinstance(kw.value, ast.Lambda):
                        env[kw.value.args.args[0].arg] = item

    def _resolve(self, mod: Module | None, node: ast.AST, env: dict[str, Any], record: bool = False) -> Any:
        """What `node` holds, if a declaration or a part of one; records the field reads on the way."""
        if isinstance(node, ast.Name):
            return env.get(node.id)
        if isinstance(node, ast.Attribute):
            return HOLDERS.get(node.attr)  # a table's column: graduates.c.student
        if isinstance(node, ast.Subscript):
            held = self._resolve(mod, node.value, env, record)
            key = _const(node.slice)
            if key is None:
                return held if isinstance(node.slice, ast.Slice) else _item(held)
            shape = _shape(held)
            if shape is None:
                return HOLDERS.get(key)
            return self._field(mod, node, shape, key, "[]", record and isinstance(node.ctx, ast.Load))
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr == "get" and node.args:
                key = _const(node.args[0])
                shape = _shape(self._resolve(mod, func.value, env, record))
                if key is None:
                    return None
                return self._field(mod, node, shape, key, ".get", record) if shape else HOLDERS.get(key)
            if isinstance(func, ast.Name) and func.id in ("sorted", "list") and node.args:
                return self._resolve(mod, node.args[0], env, record)
        return None

    def _recordset_reads(self, mod: Module, params: ast.Dict, env: dict[str, Any]) -> None:
        """`{"param": <a list of a declaration>}` given to SQL that unpacks :param with jsonb_to_recordset:
        each of its columns reads that field."""
        for key, value in zip(params.keys, params.values, strict=True):
            shape = _shape(_item(self._resolve(mod, value, env))) if key is not None else None
            if shape is None:
                continue
            for param, columns in RECORDSET.findall(mod.source):
                if param == _const(key):
                    for column in columns.split(","):
                        self._field(mod, params, shape, column.split()[0], "sql", True)

    def _field(self, mod: Module | None, node: ast.AST, shape: type, key: str, how: str, record: bool) -> Any:
        if record and mod is not None:
            self.reads.add(Read(f"{mod.path.relative_to(ROOT)}:{node.lineno}", shape, key, how))
        return {f.name: f.type for f in contracts.fields(shape)}.get(key)

    def _follow(self, mod: Module, call: ast.Call, env: dict[str, Any]) -> None:
        """A declaration given to a function of this code: scan that function with its parameter bound."""
        target = self._callee(mod, call.func)
        if target is None:
            return
        callee_mod, fn = target
        params = [a.arg for a in fn.args.args]
        if params and params[0] in ("self", "cls"):
            params = params[1:]
        bound = {}
        for i, arg in enumerate(call.args):
            held = self._resolve(mod, arg, env)
            if held is not None and i < len(params):
                bound[params[i]] = held
        for kw in call.keywords:
            held = self._resolve(mod, kw.value, env)
            if held is not None and kw.arg in params:
                bound[kw.arg] = held
        if bound:
            self._scan(callee_mod, fn, bound)

    def _callee(self, mod: Module, func: ast.AST) -> tuple[Module, ast.FunctionDef] | None:
        name, owner = None, mod
        if isinstance(func, ast.Name):
            name = func.id
            target = mod.imports.get(name, "")
            if ":" in target:
                owner_name, name = target.split(":")
                owner = self.module(owner_name)
        elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            name = func.attr
            if func.value.id != "self":
                owner = self.module(mod.imports.get(func.value.id, ""))
        if owner is None or name is None or name not in owner.functions:
            return None
        return owner, owner.functions[name]


def _python_files() -> list[Path]:
    return sorted(p for top in SCANNED for p in (ROOT / top).rglob("*.py") if "migrations" not in p.parts)


def find_reads() -> set[Read]:
    """Every read of a declared field (or of an undeclared one, from a value that holds a declaration)."""
    scan = Scan()
    for sub in events.SUBSCRIPTIONS:
        scan.function(f"services.{sub.service}.service", sub.method,
                      {"payload": events.CONTRACTS[sub.event_type].shape})
    for (module, function), env in STORED.items():
        scan.function(module, function, env)
    for path in _python_files():
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        mod = scan.module(name)
        for node in ast.walk(mod.tree):
            if isinstance(node, ast.FunctionDef):
                scan._scan(mod, node, {})
        for number, line in enumerate(mod.source.splitlines(), start=1):
            for holder, field in SQL_READ.findall(line):
                scan.reads.add(Read(f"{path.relative_to(ROOT)}:{number}", HOLDERS[holder], field, "sql"))
    return scan.reads


def top_level() -> set[type]:
    """The declarations a whole payload is made of, which carry the envelope's fields too."""
    return {c.shape for c in events.CONTRACTS.values()} | {contracts.SNAPSHOT.shape}


def declared_fields() -> dict[type, set[str]]:
    """Every declaration's field names (the nested ones' too)."""
    found: dict[type, set[str]] = {}
    todo = list(top_level())
    while todo:
        shape = todo.pop()
        if shape in found:
            continue
        found[shape] = {f.name for f in contracts.fields(shape)}
        todo += [f.items for f in contracts.fields(shape) if f.items is not None]
    return found


def wrong_reads(reads: set[Read], declared: dict[type, set[str]]) -> list[str]:
    """The reads of a field the declaration does not have, and the `[]` reads of an optional one."""
    wrong = []
    for read in sorted(reads, key=str):
        names = declared.get(read.shape, set()) | (set(contracts.ENVELOPE) if read.shape in top_level() else set())
        if read.field not in names:
            wrong.append(f"{read}: not declared")
        elif read.how == "[]" and read.field in declared[read.shape] and not _required(read.shape, read.field):
            wrong.append(f"{read}: optional, read without a default")
    return wrong


def _required(shape: type, field: str) -> bool:
    return field in shape.__required_keys__
