"""Hypothesis strategies for malformed and hostile Kafka messages, derived from one valid message of a topic.

Every message drawn is checked against the topic's contract: only bytes the contract refuses count as bad
(lax validation coerces some "wrong types", e.g. "5" for an int; those are dropped, not counted).
"""

import json
from itertools import zip_longest
from dataclasses import dataclass

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

HUGE_SIZES = (300_000, 1_100_000, 3_000_000)  # under, just over and well over the 1 MB default request size
BAD_UTF8 = (b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80", b"\x80abc", b"\xe2\x82")
HOSTILE_HEADERS = (
    (("content-type", b"application/json"),),  # faststream JSON-decodes such a body before the handler runs
    (("traceparent", b"\xff\xfe not utf-8"),),
    (("traceparent", b"00-zzzz-yyyy-01"), ("tracestate", b"\x00" * 64)),
    (("correlation_id", b"\xc3\x28"), ("reply_to", b"x" * 5000)),
    (("x-fuzz", None),),
)
WRONG_VALUES = st.one_of(
    st.integers(), st.floats(allow_nan=True), st.booleans(), st.none(), st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2), st.text(max_size=30),
)
BAD_VALUES = {
    "tenant": ("", "ACME", "../etc/passwd", "a" * 65, "t; DROP TABLE answers", "tenant\u202egnp", " acme"),
    "request_id": ("", "r" * 129),
    "deadline": ("tomorrow", "2026-13-45T99:00:00Z", ""),
    "occurred_at": ("yesterday",),
    "reply_to": ("bad topic!", "../rag.replies.v1", "", "t" * 201),
    "top_k": (0, 51, -1, 10**12),
    "question": ("",),
    "document_id": ("", "doc with spaces", "d" * 201),
    "status": ("maybe", ""),
}
Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Hostile:
    kind: str
    value: bytes | None
    headers: tuple[tuple[str, bytes | None], ...] = ()


def accepts(model: type[BaseModel], value: bytes | None) -> bool:
    try:
        model.model_validate_json(value or b"")
    except ValidationError:
        return False
    return True


def draw_many(strategy: st.SearchStrategy, count: int, seed_value: int) -> list:
    """`count` examples of a strategy (fewer if it has fewer distinct ones), reproducible by seed."""
    found: list = []

    @seed(seed_value)
    @settings(max_examples=count, database=None, phases=[Phase.generate], deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def collect(example) -> None:
        found.append(example)

    collect()
    return found


def bad_messages(model: type[BaseModel], template: dict, count: int, seed_value: int = 0) -> list[Hostile]:
    """About `count` messages the contract refuses, spread over every kind (a few huge ones only)."""
    kinds = strategies(template)
    huge = min(len(HUGE_SIZES), max(1, count // 150))
    per_kind = (count - huge) // (len(kinds) - 1) + 1
    by_kind = [draw_many(kinds.pop("huge"), huge, seed_value)[:huge]]
    for n, strategy in enumerate(kinds.values()):
        by_kind.append([m for m in draw_many(strategy, per_kind, seed_value + n + 1) if not accepts(model, m.value)][:per_kind])
    drawn = [m for row in zip_longest(*by_kind) for m in row if m is not None]  # round robin: a short run has every kind
    while len(drawn) < count:  # kinds with few distinct examples: top up with random bytes
        drawn += [m for m in draw_many(kinds["not_json"], count - len(drawn), seed_value + len(drawn)) if not accepts(model, m.value)]
    return drawn[:count]


def strategies(template: dict) -> dict[str, st.SearchStrategy[Hostile]]:
    raw = dumps(template)
    leaves = leaf_paths(template)
    strings = [path for path in leaves if isinstance(get(template, path), str)] or leaves
    return {
        "not_json": st.binary(min_size=1, max_size=400).map(lambda b: Hostile("not_json", b)),
        "truncated_json": st.integers(1, len(raw) - 1).map(lambda n: Hostile("truncated_json", raw[:n])),
        "invalid_utf8": st.tuples(st.sampled_from(strings), st.sampled_from(BAD_UTF8)).map(
            lambda p: Hostile("invalid_utf8", with_raw_bytes(template, p[0], p[1]))),
        "wrong_type": st.tuples(st.sampled_from(leaves), WRONG_VALUES).map(
            lambda p: Hostile("wrong_type", dumps(with_value(template, p[0], p[1])))),
        "missing_field": st.sets(st.sampled_from(sorted(template)), min_size=1).map(
            lambda keys: Hostile("missing_field", dumps({k: v for k, v in template.items() if k not in keys}))),
        "bad_value": bad_value_strategy(template),
        "unknown_version": st.one_of(st.integers(max_value=0), st.integers(min_value=2, max_value=2**62)).map(
            lambda v: Hostile("unknown_version", dumps({**template, "schema_version": v}))),
        "deep_nesting": st.tuples(st.integers(250, 20_000), st.booleans()).map(lambda p: deeply_nested(template, *p)),
        "not_an_object": st.one_of(st.integers(), st.text(max_size=50), st.lists(st.integers()), st.none(), st.booleans())
        .map(lambda v: Hostile("not_an_object", json.dumps(v).encode())),
        "empty": st.sampled_from((None, b"", b" ", b"\n")).map(lambda v: Hostile("empty", v)),
        "hostile_headers": st.tuples(st.binary(min_size=1, max_size=100), st.sampled_from(HOSTILE_HEADERS)).map(
            lambda p: Hostile("hostile_headers", b"{" + p[0], p[1])),
        "huge": st.sampled_from(HUGE_SIZES).map(huge),
    }


def bad_value_strategy(template: dict) -> st.SearchStrategy[Hostile]:
    choices = [(path, value) for path in leaf_paths(template) for value in BAD_VALUES.get(str(path[-1]), ())]
    return st.sampled_from(choices).map(lambda p: Hostile("bad_value", dumps(with_value(template, *p))))


def deeply_nested(template: dict, depth: int, as_field: bool) -> Hostile:
    nested = b"[" * depth + b"]" * depth
    if as_field:  # an unknown field would be ignored, but the parser must still read it
        return Hostile("deep_nesting", dumps(template)[:-1] + b', "x_nested": ' + nested + b"}")
    return Hostile("deep_nesting", b'{"a":' * depth + b"1" + b"}" * depth)


def huge(size: int) -> Hostile:
    return Hostile("huge", b'{"padding": "' + b"x" * size + b'"}')


def dumps(value) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode()


def leaf_paths(value, path: Path = ()) -> list[Path]:
    if isinstance(value, dict):
        return [p for key, item in value.items() for p in leaf_paths(item, (*path, key))]
    if isinstance(value, list):
        return [p for n, item in enumerate(value) for p in leaf_paths(item, (*path, n))] or [path]
    return [path]


def get(value, path: Path):
    for step in path:
        value = value[step]
    return value


def with_value(template: dict, path: Path, new) -> dict:
    copy = json.loads(json.dumps(template))
    get(copy, path[:-1])[path[-1]] = new
    return copy


def with_raw_bytes(template: dict, path: Path, bad: bytes) -> bytes:
    marker = "\u2063fuzz\u2063"
    return dumps(with_value(template, path, marker + str(get(template, path)))).replace(marker.encode(), bad)

