"""The record's hand-written encodings stay byte-for-byte what kiosks in the field produce."""

from __future__ import annotations

from dataclasses import asdict

import pytest

from sync.schema import GENESIS_HASH, RatingRecord, RecordError


def _record(**changes: object) -> RatingRecord:
    base: dict[str, object] = dict(
        id="5b0c1c1e-8d3f-4c3a-9a53-0d1f6f1d2a11",
        seq=7,
        terminal="kiosk-1",
        window="A01",
        unit="市场监管局",
        staff="007",
        level=2,
        reasons=("tui", "lan"),
        phone=None,
        device_time="2026-07-01T01:20:00+00:00",
        tz="Asia/Shanghai",
        flags=("burst",),
    )
    base.update(changes)
    return RatingRecord(**base).with_chain(GENESIS_HASH)  # type: ignore[arg-type]


def test_hash_of_a_known_record_is_unchanged() -> None:
    # Computed by the original dataclasses.asdict-based encoding: a kiosk's stored chain must
    # keep verifying on a server running the faster one.
    assert _record().hash == "88bb216848144dedf96fd21f0737ab9adf7bb5d6b2ab773e5e76a6a82ea64fc9"


@pytest.mark.parametrize("staff,phone", [(None, None), ("007", "13800000000")])
def test_to_dict_is_what_asdict_gave_and_round_trips(staff: str | None, phone: str | None) -> None:
    rec = _record(staff=staff, phone=phone)
    expected = asdict(rec) | {"reasons": list(rec.reasons), "flags": list(rec.flags)}
    del expected["section"]  # a record without a section is encoded as before sections existed
    d = rec.to_dict()
    assert d == expected
    assert list(d) == list(expected)  # same key order: same JSON bytes on the wire
    assert RatingRecord.from_dict(d) == rec
    assert RatingRecord.from_dict(d).chain_ok()


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("seq", True, "seq must be an integer"),
        ("reasons", ["lan", 3], "reasons must be a list of strings"),
        ("staff", 7, "staff must be a string or null"),
        ("level", 6, "level must be 1..5"),
        ("device_time", "2026-07-01T01:20:00", "must carry a UTC offset"),
    ],
)
def test_from_dict_names_the_bad_field(field: str, value: object, message: str) -> None:
    d = _record().to_dict() | {field: value}
    with pytest.raises(RecordError, match=message):
        RatingRecord.from_dict(d)


def test_from_dict_names_a_missing_field() -> None:
    d = _record().to_dict()
    del d["tz"]
    with pytest.raises(RecordError, match="missing field 'tz'"):
        RatingRecord.from_dict(d)


def test_a_record_from_a_kiosk_before_sections_still_parses_and_verifies() -> None:
    old = _record().to_dict()
    assert "section" not in old
    rec = RatingRecord.from_dict(old)
    assert rec.section is None and rec.chain_ok()
    assert rec.hash == "88bb216848144dedf96fd21f0737ab9adf7bb5d6b2ab773e5e76a6a82ea64fc9"


def test_the_section_is_carried_and_covered_by_the_hash() -> None:
    rec = _record(section="SJJ01")
    d = rec.to_dict()
    assert d["section"] == "SJJ01" and list(d)[-1] == "section"
    assert RatingRecord.from_dict(d) == rec and rec.chain_ok()
    assert rec.hash != _record().hash
    moved = RatingRecord.from_dict(d | {"section": "SJJ02"})
    assert not moved.chain_ok()  # another section is other content
    with pytest.raises(RecordError, match="section must be a string or null"):
        RatingRecord.from_dict(d | {"section": 5})
