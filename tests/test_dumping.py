"""The compiled dump (shared.dumping) gives exactly what marshmallow's Schema.dump gives."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal

import pytest
from marshmallow import Schema, fields, post_dump

from shared.dumping import compile_dump


class Upper(fields.String):
    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else str(value).upper()


class Verdict(Schema):
    ok = fields.Boolean()
    hint = fields.String()


class Item(Schema):
    id = fields.String()
    count = fields.Integer()
    ratio = fields.Float(allow_none=True)
    at = fields.DateTime(allow_none=True)
    day = fields.Date(allow_none=True)
    clock = fields.Time(allow_none=True)
    rfc = fields.DateTime(format="rfc", allow_none=True)
    written = fields.Date(format="%d/%m/%Y", allow_none=True)
    tags = fields.List(fields.String(), attribute="tag_list")
    name = fields.String(data_key="display_name")
    verdicts = fields.Dict()
    smart = fields.Nested(Verdict, allow_none=True)
    history = fields.List(fields.Nested(Verdict))
    many = fields.Nested(Verdict, many=True)
    shout = Upper()
    raw = fields.Raw()
    price = fields.Decimal(places=2)
    label = fields.Method("make_label")
    version = fields.Integer(dump_default=1)
    email = fields.Email()
    stamp = fields.String(dump_default=lambda: "made")
    owner_name = fields.String(attribute="owner.name")

    def make_label(self, obj):
        return f"#{obj['id'] if isinstance(obj, dict) else obj.id}"


@dataclass
class Hint:
    ok: object
    hint: object


@dataclass
class Thing:
    id: object
    count: object = 3
    ratio: object = None
    at: object = None
    day: object = None
    tag_list: list = field(default_factory=list)
    name: str = "n"
    verdicts: dict | None = None
    smart: object = None
    history: list = field(default_factory=list)
    many: list = field(default_factory=list)
    shout: str = "hey"
    raw: object = None
    price: object = Decimal("1.005")
    email: str = "a@example.com"
    owner: object = None


CASES = [
    {"id": "a"},  # everything else absent: left out, except dump defaults and methods
    {"id": 7, "count": 2.9, "ratio": 1, "at": datetime(2026, 12, 2, 10, 0, tzinfo=UTC),
     "day": date(2026, 12, 2), "clock": time(9, 30), "rfc": datetime(2026, 12, 2, tzinfo=UTC),
     "written": date(2026, 12, 3), "tag_list": ["x", 2], "name": b"bytes", "verdicts": {"a": 1},
     "smart": {"ok": 1, "hint": None}, "history": [Hint(0, "h"), {"ok": "yes", "hint": 3}],
     "many": [Hint(True, "z")], "shout": "quiet", "raw": {"deep": [1]}, "price": Decimal("2.5"),
     "version": 4, "email": "b@example.com", "stamp": "given", "owner": {"name": "Ada"}},
    {"id": None, "count": None, "ratio": None, "at": None, "day": None, "tag_list": None,
     "name": None, "verdicts": None, "smart": None, "history": None, "many": None,
     "shout": None, "raw": None, "version": None},
    {"id": "b", "count": True, "ratio": 2.5, "smart": Hint(False, "")},
    Thing("t", smart=Hint(1, "x"), history=[Hint(0, 0)], verdicts={"k": [1]},
          owner=Hint(True, "x")),
    Thing(5, count=4.0, ratio=3, tag_list=("a",), at=datetime(2026, 1, 1, tzinfo=UTC),
          owner={"name": "Bo"}),
]


@pytest.mark.parametrize("obj", CASES)
def test_one_object_dumps_as_marshmallow_does(obj):
    schema = Item()
    assert compile_dump(schema)(obj) == schema.dump(obj)


def test_many_and_the_schema_default_many():
    schema = Item(many=True)
    assert compile_dump(schema)(CASES) == schema.dump(CASES)
    assert compile_dump(Item())(CASES, many=True) == Item().dump(CASES, many=True)


def test_types_are_kept_not_only_equal():
    dumped = compile_dump(Item())({"id": "x", "count": True, "ratio": 1})
    assert type(dumped["count"]) is int and type(dumped["ratio"]) is float


def test_a_schema_with_dump_hooks_is_dumped_by_marshmallow():
    class Hooked(Schema):
        id = fields.String()

        @post_dump
        def mark(self, data, **_):
            return {**data, "hooked": True}

    schema = Hooked()
    assert compile_dump(schema)({"id": "a"}) == {"id": "a", "hooked": True}
