"""Response schemas dumped by code generated once per schema instead of marshmallow's generic walk.

`Schema.dump` looks every field up, calls its accessor, its `serialize` and `_serialize` per
value: a 50-goal page spent most of its time there. `compile_dump(schema)` reads the schema's
fields once and generates a function with the same result: straight-line code, one block per
field, reading each value the way marshmallow reads it (a mapping key, else the attribute;
`attribute=` and `data_key` honoured; absent values left out unless the field has a dump
default) and converting it the way its field type does, inline when the value already has the
output type. Nested schemas and lists are compiled in turn. A field type it does not know is
converted by its own `_serialize`; a schema with dump hooks or its own `get_attribute` is
dumped by marshmallow itself, so the result never differs. The schemas stay the single
description of each response (and of the OpenAPI document).
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import count
from typing import Any

from marshmallow import Schema, fields, missing
from marshmallow.decorators import POST_DUMP, PRE_DUMP
from marshmallow.utils import get_value

Convert = Callable[[Any], Any]


def compile_dump(schema: Schema) -> Callable[..., Any]:
    """A drop-in for `schema.dump(obj, many=None)`."""
    one = _dump_one(schema)
    if one is None:
        return schema.dump

    def dump(obj: Any, *, many: bool | None = None) -> Any:
        many = schema.many if many is None else bool(many)
        if many and obj is not None:
            return [one(item) for item in obj]
        return one(obj)

    return dump


def _dump_one(schema: Schema) -> Callable[[Any], dict] | None:
    if (schema._hooks[PRE_DUMP] or schema._hooks[POST_DUMP] or schema.dict_class is not dict
            or type(schema).get_attribute is not Schema.get_attribute):
        return None
    code = _Code()
    # How a value is read: from a dict (key, else attribute), from another mapping-like object
    # (marshmallow's get_value), or from a plain object (attribute only).
    reads = {"plain": "v = get({s}, missing)\n        if v is missing:\n"
                      "            v = getattr(obj, {s}, missing)",
             "keyed": "v = get_value(obj, {s}, missing)",
             "attribute": "v = getattr(obj, {s}, missing)"}
    blocks = {way: [] for way in reads}
    for name, field in schema.dump_fields.items():
        key = code.const(field.data_key if field.data_key is not None else name)
        if not field._CHECK_ATTRIBUTE:  # Method, Function, Constant: marshmallow's own way
            whole = code.const(_whole_field(field, name, schema))
            for lines in blocks.values():
                lines.append(f"v = {whole}(obj)\n        if v is not missing:\n"
                             f"            out[{key}] = v")
            continue
        source = field.attribute if field.attribute is not None else name
        put = f"out[{key}] = {_expression(field, 'v', code)}"
        absent = _when_absent(field, put, code)
        for way, lines in blocks.items():
            read = (f"v = get_value(obj, {code.const(source)}, missing)" if "." in source
                    else reads[way].format(s=code.const(source)))
            lines.append(f"{read}\n        if v is missing:\n            {absent}\n"
                         f"        else:\n            {put}")
    body = "\n        ".join
    source_text = (
        "def dump_one(obj):\n"
        "    out = {}\n"
        "    kind = type(obj)\n"
        "    if kind is dict:\n"
        "        get = obj.get\n"
        f"        {body(blocks['plain']) or 'pass'}\n"
        "    elif hasattr(kind, '__getitem__'):\n"  # else marshmallow reads attributes only
        f"        {body(blocks['keyed']) or 'pass'}\n"
        "    else:\n"
        f"        {body(blocks['attribute']) or 'pass'}\n"
        "    return out\n")
    namespace = {"missing": missing, "get_value": get_value, **code.values}
    exec(compile(source_text, f"<dump {type(schema).__name__}>", "exec"), namespace)
    return namespace["dump_one"]


class _Code:
    """The values generated code refers to, each under a name of its own."""

    def __init__(self):
        self.values: dict[str, Any] = {}
        self._names = count()

    def const(self, value: Any) -> str:
        name = f"c{next(self._names)}"
        self.values[name] = value
        return name

    def variable(self) -> str:
        return f"i{next(self._names)}"


def _when_absent(field: fields.Field, put: str, code: _Code) -> str:
    default = field.dump_default
    if default is missing:
        return "pass"
    value = f"{code.const(default)}()" if callable(default) else code.const(default)
    return f"v = {value}\n            if v is not missing:\n                {put}"


def _whole_field(field: fields.Field, name: str, schema: Schema) -> Convert:
    return lambda obj: field.serialize(name, obj, accessor=schema.get_attribute)


def _same(cls: type, base: type) -> bool:
    """`cls` serializes as `base` does (a subclass that only adds validation, say)."""
    return cls._serialize is base._serialize


def _expression(field: fields.Field, v: str, code: _Code) -> str:
    """Python source converting the value named `v` as `field` dumps it."""
    cls = type(field)
    own = f"{code.const(field._serialize)}({v}, None, None)"
    if _same(cls, fields.Nested):
        nested = field.schema
        many = nested.many or field.many
        one = _dump_one(nested)
        if one is None:
            return f"None if {v} is None else {code.const(nested.dump)}({v}, many={many})"
        one_name = code.const(one)
        if many:
            item = code.variable()
            return f"None if {v} is None else [{one_name}({item}) for {item} in {v}]"
        return f"None if {v} is None else {one_name}({v})"
    if _same(cls, fields.List):
        item = code.variable()
        return (f"None if {v} is None else "
                f"[{_expression(field.inner, item, code)} for {item} in {v}]")
    if _same(cls, fields.String):
        return f"{v} if type({v}) is str or {v} is None else {own}"
    if (issubclass(cls, (fields.Integer, fields.Float)) and _same(cls, fields.Number)
            and cls._format_num is fields.Number._format_num and not field.as_string):
        kind = code.const(field.num_type)
        return f"{v} if type({v}) is {kind} or {v} is None else {own}"
    if _same(cls, fields.Boolean):
        return f"{v} if type({v}) is bool or {v} is None else {own}"
    if _same(cls, fields.DateTime):  # and Date, Time: one _serialize, a function per format
        to_text = field.SERIALIZATION_FUNCS.get(field.format or field.DEFAULT_FORMAT)
        if to_text is not None:
            return f"None if {v} is None else {code.const(to_text)}({v})"
    if _same(cls, fields.Dict) and field.key_field is None and field.value_field is None:
        return f"None if {v} is None else {code.const(field.mapping_type)}({v})"
    if _same(cls, fields.Raw) or _same(cls, fields.Field):
        return v
    return own  # emails, decimals, custom types: as they do
