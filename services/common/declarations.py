"""How a payload's declaration is read and checked (the declarations and the rules: contracts.py).

A declaration is a TypedDict: `fields` lists it, `problems` tells how a payload differs from it, and a
Contract pairs it with the version producers stamp (`stamped`) and the versions consumers read
(`check_version`).
"""
import functools
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from services.common.errors import ServiceError

VERSION = "v"
# Beside the declared fields: the version every payload carries, the id Messaging.add_event gives an event.
ENVELOPE = (VERSION, "event_id")


@dataclass(frozen=True)
class Field:
    name: str
    type: Any
    required: bool

    @property
    def items(self) -> type | None:
        """The declaration of the field's nested items or value (a list of TypedDicts, a TypedDict)."""
        return nested(self.type)


@functools.cache
def fields(shape: type) -> tuple[Field, ...]:
    """A declaration's fields, in order."""
    hints = typing.get_type_hints(shape)
    return tuple(Field(name, hint, name in shape.__required_keys__) for name, hint in hints.items())


def nested(hint: Any) -> type | None:
    """The TypedDict a field holds, alone, in a list or optional; None for plain values."""
    if typing.is_typeddict(hint):
        return hint
    for arg in typing.get_args(hint):
        found = nested(arg)
        if found is not None:
            return found
    return None


class ContractError(ValueError):
    """A producer's payload does not match its declaration: a bug in the producer or the declaration."""


class UnknownVersion(ServiceError):
    """A payload of a version this consumer does not read (a newer producer): refused, not guessed at."""


def problems(shape: type, payload: Any, extra: bool = False) -> list[str]:
    """How `payload` differs from `shape`: missing required fields, wrong types, and with `extra`
    False, fields not declared (the envelope's aside). Empty when it matches."""
    if _matcher(shape, extra, top=True)(payload):  # the usual case, quickly; then only a mismatch is described
        return []
    return _problems(shape, payload, extra, "")


def _problems(shape: type, payload: Any, extra: bool, where: str) -> list[str]:
    if not isinstance(payload, Mapping):
        return [f"{where or 'payload'}: expected an object, got {type(payload).__name__}"]
    found: list[str] = []
    declared = fields(shape)
    for f in declared:
        if f.name in payload:
            found += _type_problems(f.type, payload[f.name], f"{where}{f.name}", extra)
        elif f.required:
            found.append(f"{where}{f.name}: missing")
    if not extra:
        names = {f.name for f in declared} | (set() if where else set(ENVELOPE))
        found += [f"{where}{k}: not declared" for k in payload if k not in names]
    return found


def _type_problems(hint: Any, value: Any, where: str, extra: bool) -> list[str]:
    if _matcher(hint, extra)(value):
        return []
    origin = typing.get_origin(hint)
    if typing.is_typeddict(hint):
        return _problems(hint, value, extra, f"{where}.")
    if origin in (typing.Union, types.UnionType):
        return min((_type_problems(arg, value, where, extra) for arg in typing.get_args(hint)), key=len)
    if origin is list:
        if not isinstance(value, list):
            return [f"{where}: expected a list, got {type(value).__name__}"]
        (item,) = typing.get_args(hint)
        return [p for i, v in enumerate(value) for p in _type_problems(item, v, f"{where}[{i}]", extra)]
    if origin is dict:
        if not isinstance(value, dict):
            return [f"{where}: expected an object, got {type(value).__name__}"]
        key, item = typing.get_args(hint)
        return [p for k, v in value.items()
                for p in _type_problems(key, k, f"{where} key", extra) + _type_problems(item, v, f"{where}.{k}", extra)]
    return [f"{where}: expected {getattr(hint, '__name__', hint)}, got {type(value).__name__}"]


@functools.cache
def _matcher(hint: Any, extra: bool, top: bool = False) -> Callable[[Any], bool]:
    """Whether a value matches `hint`, yes or no, as a function made once per declaration."""
    origin = typing.get_origin(hint)
    if hint is Any:
        return lambda value: True
    if typing.is_typeddict(hint):
        checks = tuple((f.name, f.required, _matcher(f.type, extra)) for f in fields(hint))
        names = frozenset(f.name for f in fields(hint)) | frozenset(ENVELOPE if top else ())

        def typed(value: Any) -> bool:
            if not isinstance(value, Mapping):
                return False
            for name, required, check in checks:
                if name in value:
                    if not check(value[name]):
                        return False
                elif required:
                    return False
            return extra or all(k in names for k in value)
        return typed
    if origin in (typing.Union, types.UnionType):
        options = tuple(_matcher(arg, extra) for arg in typing.get_args(hint))
        return lambda value: any(option(value) for option in options)
    if origin is list:
        item = _matcher(typing.get_args(hint)[0], extra)
        return lambda value: isinstance(value, list) and all(item(v) for v in value)
    if origin is dict:
        key, item = (_matcher(arg, extra) for arg in typing.get_args(hint))
        return lambda value: isinstance(value, dict) and all(key(k) and item(v) for k, v in value.items())
    if hint is type(None):
        return lambda value: value is None
    wanted = (int, float) if hint is float else hint
    if hint is bool:
        return lambda value: isinstance(value, bool)
    return lambda value: isinstance(value, wanted) and not isinstance(value, bool)


@dataclass(frozen=True)
class Contract:
    """A payload's declaration, the version producers stamp and the versions consumers read."""
    shape: type
    version: int = 1
    accepts: frozenset[int] = field(default=frozenset({1}))

    def stamped(self, payload: Mapping, what: str = "") -> dict:
        """The payload as a producer sends it: checked against the declaration (every field declared,
        the required ones there, of their types), with its version."""
        found = problems(self.shape, payload)
        if found:
            raise ContractError(f"{what or self.shape.__name__} does not match its declaration: " + "; ".join(found))
        return {**payload, VERSION: self.version}

    def check_version(self, payload: Mapping, what: str = "") -> None:
        """Raise UnknownVersion unless consumers read the payload's version (none is version 1)."""
        version = payload.get(VERSION, 1)
        if version not in self.accepts:
            raise UnknownVersion(f"{what or self.shape.__name__}的消息版本v={version}本服务不认识"
                                 f"（只认识{sorted(self.accepts)}），请先升级本服务")
