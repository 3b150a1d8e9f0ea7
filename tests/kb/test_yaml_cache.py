"""The parsed-KB cache: never changes what is loaded, whatever state the cache is in."""

from __future__ import annotations

import datetime as dt

import pytest

from camaudit.kb import KB_DIR, load_kb_from, yaml_cache
from camaudit.kb.yaml_cache import cache_dir, load_cached


class Parser:
    def __init__(self, value: object) -> None:
        self.value = value
        self.calls = 0

    def __call__(self, data: bytes) -> object:
        self.calls += 1
        return self.value


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("CAMAUDIT_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_a_second_load_of_the_same_bytes_is_not_parsed(cache):
    parse = Parser({"rules": [{"id": "x", "weight": 0.5}]})
    first = load_cached(b"rules: ...", parse, "t")
    again = load_cached(b"rules: ...", parse, "t")
    assert first == again == parse.value
    assert parse.calls == 1
    assert len(list((cache / "kb").glob("*.json"))) == 1


def test_other_bytes_or_another_parser_are_parsed_afresh(cache):
    parse = Parser([1, 2])
    load_cached(b"a", parse, "t")
    load_cached(b"b", parse, "t")
    load_cached(b"a", parse, "other")
    assert parse.calls == 3


def test_a_damaged_entry_is_parsed_again(cache):
    parse = Parser({"k": "v"})
    load_cached(b"a", parse, "t")
    (entry,) = (cache / "kb").glob("*.json")
    entry.write_bytes(entry.read_bytes()[:3])
    assert load_cached(b"a", parse, "t") == {"k": "v"}
    assert parse.calls == 2


def test_data_marshal_cannot_hold_is_returned_and_not_kept(cache):
    for value in ({"date": dt.date(2026, 1, 1)}, {1: "number key"}, {"t": (1, 2)}):
        parse = Parser(value)
        assert load_cached(repr(value).encode(), parse, "t") == value
        assert load_cached(repr(value).encode(), parse, "t") == value
        assert parse.calls == 2
    assert not list((cache / "kb").glob("*.json"))


def test_an_unwritable_cache_only_costs_the_parse(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("CAMAUDIT_CACHE_DIR", str(blocker))
    parse = Parser([1])
    assert load_cached(b"a", parse, "t") == [1]
    assert load_cached(b"a", parse, "t") == [1]
    assert parse.calls == 2


@pytest.mark.parametrize("off", ["off", "0", ""])
def test_the_cache_can_be_turned_off(monkeypatch, off):
    monkeypatch.setenv("CAMAUDIT_CACHE_DIR", off)
    assert cache_dir() is None


def test_the_default_cache_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.delenv("CAMAUDIT_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_dir() == tmp_path / "camaudit"


def test_the_shipped_kb_loads_the_same_from_the_cache(cache, monkeypatch):
    parsed = load_kb_from(KB_DIR)  # fills the cache
    calls = []
    real = yaml_cache.json.loads

    def counted(blob: bytes | str) -> object:
        calls.append(1)
        return real(blob)

    monkeypatch.setattr(yaml_cache.json, "loads", counted)
    cached = load_kb_from(KB_DIR)
    assert calls, "the second load did not read the cache"
    assert cached.vendors == parsed.vendors and cached.brands == parsed.brands
    assert [p.spec for p in cached.patterns] == [p.spec for p in parsed.patterns]
    assert [r for _k, r in cached.rules()] == [r for _k, r in parsed.rules()]
