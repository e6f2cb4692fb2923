"""Response schemas dumped by a plan made once per schema instead of marshmallow's generic walk.

`Schema.dump` looks every field up, calls its accessor, its `serialize` and `_serialize` per
value: a 50-goal page spent most of its time there. `compile_dump(schema)` reads the schema's
fields once and returns a function with the same result: each field's value taken the way
marshmallow takes it (a mapping key, else the attribute; `attribute=` and `data_key` honoured;
absent values left out unless the field has a dump default), and converted the way its field
type does, with a shortcut when the value already has the output type. Nested schemas and
lists are compiled in turn. A field type it does not know, and a schema with dump hooks or its
own `get_attribute`, are dumped by marshmallow itself, so the result never differs; the
schemas stay the single description of each response (and of the OpenAPI document).
"""

from __future__ import annotations

from collections.abc import Callable
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
    plan = []
    for name, field in schema.dump_fields.items():
        key = field.data_key if field.data_key is not None else name
        if not field._CHECK_ATTRIBUTE:  # Method, Function, Constant: marshmallow's own way
            plan.append((key, None, _whole_field(field, name, schema), missing))
            continue
        source = field.attribute if field.attribute is not None else name
        plan.append((key, source, _converter(field), field.dump_default))

    def dump_one(obj: Any) -> dict:
        out = {}
        kind = type(obj)
        plain = kind is dict
        keyed = plain or hasattr(kind, "__getitem__")  # else marshmallow reads attributes only
        for key, source, convert, default in plan:
            if source is None:
                value = convert(obj)
                if value is not missing:
                    out[key] = value
                continue
            if "." in source:
                value = get_value(obj, source, missing)
            elif plain:
                value = obj.get(source, missing)
                if value is missing:
                    value = getattr(obj, source, missing)
            elif not keyed:
                value = getattr(obj, source, missing)
            else:
                value = get_value(obj, source, missing)
            if value is missing:
                if default is missing:
                    continue
                value = default() if callable(default) else default
                if value is missing:
                    continue
            out[key] = convert(value)
        return out

    return dump_one


def _whole_field(field: fields.Field, name: str, schema: Schema) -> Convert:
    return lambda obj: field.serialize(name, obj, accessor=schema.get_attribute)


def _same(cls: type, base: type) -> bool:
    """`cls` serializes as `base` does (a subclass that only adds validation, say)."""
    return cls._serialize is base._serialize


def _converter(field: fields.Field) -> Convert:
    cls = type(field)
    if _same(cls, fields.Nested):
        nested = field.schema
        many = nested.many or field.many
        one = _dump_one(nested)
        if one is None:
            return lambda v: None if v is None else nested.dump(v, many=many)
        if many:
            return lambda v: None if v is None else [one(item) for item in v]
        return lambda v: None if v is None else one(v)
    if _same(cls, fields.List):
        inner = _converter(field.inner)
        return lambda v: None if v is None else [inner(item) for item in v]
    if _same(cls, fields.String):
        return lambda v: v if type(v) is str or v is None else field._serialize(v, None, None)
    if (issubclass(cls, (fields.Integer, fields.Float)) and _same(cls, fields.Number)
            and cls._format_num is fields.Number._format_num and not field.as_string):
        kind = field.num_type
        return lambda v: v if type(v) is kind or v is None else field._serialize(v, None, None)
    if _same(cls, fields.Boolean):
        return lambda v: v if type(v) is bool or v is None else field._serialize(v, None, None)
    if _same(cls, fields.Dict) and field.key_field is None and field.value_field is None:
        mapping = field.mapping_type
        return lambda v: None if v is None else mapping(v)
    if _same(cls, fields.Raw) or _same(cls, fields.Field):
        return lambda v: v
    return lambda v: field._serialize(v, None, None)  # dates, emails, custom types: as they do
