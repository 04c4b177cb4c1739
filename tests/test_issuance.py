"""Issuance and bulk import against the real database."""

from __future__ import annotations

import contextlib
import gc
import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, update

from certsvc.credential.status_list import SIZE
from certsvc.credential.verifier import verify
from certsvc.domain.licence import Licence
from certsvc.errors import Conflict, ValidationError
from certsvc.store.models import LicenceRow
from certsvc.store.reader import LicenceReader
from certsvc.workflow.issuance import Issuer, _random_indices
from certsvc.workflow.licence_file import read_licence_file
from tests.conftest import ISSUE_TIME, REFERENCE, VERIFY_TIME, load_trust_list


def reference_data() -> dict[str, object]:
    data: dict[str, object] = json.loads(REFERENCE.read_text("utf-8"))
    return data


def count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(LicenceRow)).scalar_one())


def test_series_assigns_consecutive_numbers(issuer: Issuer) -> None:
    data = reference_data() | {"number": None}
    first = issuer.issue(Licence.from_dict(data), ISSUE_TIME)
    second = issuer.issue(Licence.from_dict(data), ISSUE_TIME)
    assert (str(first.number), str(second.number)) == ("浙XK06-001-00001", "浙XK06-001-00002")
    assert first.status_index != second.status_index


def test_series_continues_after_an_explicit_number(issuer: Issuer) -> None:
    issuer.issue(Licence.from_dict(reference_data()), ISSUE_TIME)  # serial 12
    nxt = issuer.issue(Licence.from_dict(reference_data() | {"number": None}), ISSUE_TIME)
    assert str(nxt.number) == "浙XK06-001-00013"


def test_a_number_is_issued_once(issuer: Issuer, engine: Engine) -> None:
    issuer.issue(Licence.from_dict(reference_data()), ISSUE_TIME)
    with pytest.raises(Conflict):
        issuer.issue(Licence.from_dict(reference_data()), ISSUE_TIME)
    assert count(engine) == 1


def test_stored_before_signed_and_pending_is_completed(issuer: Issuer, engine: Engine) -> None:
    issued = issuer.issue(Licence.from_dict(reference_data()), ISSUE_TIME)
    with engine.begin() as conn:  # as if the process died between store and sign
        conn.execute(update(LicenceRow).values(token=None))
    assert issuer.sign_pending() == 1
    record = LicenceReader(engine).by_number(issued.number)
    assert record.token == issued.token  # Ed25519 is deterministic


def write_csv(path: Path, rows: list[str]) -> Path:
    header = ("number,enterprise_name,uscc,residence,production_address,scope,issued,"
              "valid_until,issuer,status")
    path.write_text("\n".join([header, *rows]) + "\n", "utf-8")
    return path


GOOD_ROW = ("浙XK06-001-{serial:05d},杭州华光电缆有限公司,91330106MA2H7K3LXA,杭州,杭州,"
            "聚氯乙烯绝缘电缆；架空绝缘电缆,2022-01-10,,浙江省市场监督管理局,valid")


def test_import_with_bad_rows_reports_lines_and_writes_nothing(
    tmp_path: Path, issuer: Issuer, engine: Engine
) -> None:
    path = write_csv(tmp_path / "paper.csv", [
        GOOD_ROW.format(serial=1),
        GOOD_ROW.format(serial=2).replace("91330106MA2H7K3LXA", "91330106MA2H7K3LXB"),
        GOOD_ROW.format(serial=3).replace("2022-01-10", "2022-13-10"),
        GOOD_ROW.format(serial=1),
        GOOD_ROW.format(serial=5).replace("架空绝缘电缆", "安全帽"),
    ])
    parsed = read_licence_file(path)
    assert [(b.line, b.reason.split(":")[0]) for b in parsed.bad] == [
        (3, "enterprise.uscc"), (4, "issued"), (5, "number"), (6, "scope"),
    ]
    assert count(engine) == 0


def test_import_jsonl_signs_every_row(tmp_path: Path, issuer: Issuer, engine: Engine) -> None:
    lines = []
    for serial in range(1, 51):
        lines.append(json.dumps(reference_data() | {"number": f"浙XK06-001-{serial:05d}"},
                                ensure_ascii=False))
    path = tmp_path / "paper.jsonl"
    path.write_text("\n".join(lines), "utf-8")
    parsed = read_licence_file(path)
    assert not parsed.bad
    assert issuer.import_licences(parsed.licences, ISSUE_TIME) == 50
    trust = load_trust_list(issuer.signer)
    records = LicenceReader(engine).recent(100)
    assert len(records) == 50
    assert all(r.token and verify(r.token, trust, now=VERIFY_TIME).authentic for r in records)
    nxt = issuer.issue(Licence.from_dict(reference_data() | {"number": None}), ISSUE_TIME)
    assert str(nxt.number) == "浙XK06-001-00051"


def test_import_conflicting_with_stored_licence_writes_nothing(
    tmp_path: Path, issuer: Issuer, engine: Engine
) -> None:
    issuer.issue(Licence.from_dict(reference_data() | {"number": "浙XK06-001-00002"}), ISSUE_TIME)
    parsed = read_licence_file(write_csv(tmp_path / "p.csv", [
        GOOD_ROW.format(serial=1), GOOD_ROW.format(serial=2)]))
    with pytest.raises(Conflict):
        issuer.import_licences(parsed.licences, ISSUE_TIME)
    assert count(engine) == 1


@pytest.mark.parametrize(("changes", "field"), [
    ({"issued": "1969-12-31", "valid_until": "1974-12-30"}, "issued"),
    ({"issued": "2026-03-15", "valid_until": "2026-03-14"}, "valid_until"),
])
def test_dates_the_credential_cannot_carry_are_refused(changes: dict[str, str], field: str
                                                       ) -> None:
    with pytest.raises(ValidationError) as refused:
        Licence.from_dict(reference_data() | changes)
    assert refused.value.field == field


def test_import_draws_uniform_status_indices_by_masking() -> None:
    assert SIZE & (SIZE - 1) == 0  # masking is unbiased only for a power of two
    draws = _random_indices(chunk=1000)
    values = [next(draws) for _ in range(64_000)]  # several chunks
    assert all(0 <= v < SIZE for v in values)
    # Birthday bound: n draws among SIZE values repeat about n²/2·SIZE times (977 here, with a
    # standard deviation near its square root, 31). Eight sigma either way cannot fail by chance,
    # yet catches draws that repeat too often (a short range) or never (a counter).
    expected_repeats = len(values) ** 2 / (2 * SIZE)
    repeats = len(values) - len(set(values))
    assert abs(repeats - expected_repeats) < 8 * expected_repeats ** 0.5
    buckets = [0] * 16
    for v in values:
        buckets[v * 16 // SIZE] += 1
    assert all(3_600 < b < 4_400 for b in buckets)  # 4,000 each; 6 sigma is about 370


@pytest.mark.parametrize("enabled_before", [True, False])
@pytest.mark.parametrize("conflict", [False, True])
def test_import_pauses_the_cycle_collector_and_restores_it(
    tmp_path: Path, issuer: Issuer, enabled_before: bool, conflict: bool
) -> None:
    if conflict:
        issuer.issue(Licence.from_dict(reference_data() | {"number": "浙XK06-001-00002"}),
                     ISSUE_TIME)
    parsed = read_licence_file(write_csv(tmp_path / "p.csv", [
        GOOD_ROW.format(serial=1), GOOD_ROW.format(serial=2)]))
    seen: list[bool] = []
    outcome = pytest.raises(Conflict) if conflict else contextlib.nullcontext()
    (gc.enable if enabled_before else gc.disable)()
    try:
        with outcome:
            issuer.import_licences(parsed.licences, ISSUE_TIME,
                                   lambda n: seen.append(gc.isenabled()))
        assert gc.isenabled() is enabled_before
    finally:
        gc.enable()
    assert seen == ([] if conflict else [False])


def test_a_full_status_list_refuses_issuance_at_once(
        issuer: Issuer, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 27: with the list's index space full, issuance drew random indices for ever and
    an import never returned. A list of 64: an import that would overfill it is refused whole;
    one that fits takes 63; the 64th licence is issued at the one index left (found by search
    once random draws keep hitting taken ones); the 65th is refused with a clear problem."""
    import dataclasses

    from certsvc.errors import StatusListFull
    from certsvc.workflow import issuance

    monkeypatch.setattr(issuance, "SIZE", 64)
    base = Licence.from_dict(reference_data())
    assert base.number is not None
    many = [base.with_number(dataclasses.replace(base.number, serial=n))
            for n in range(2000, 2065)]
    with pytest.raises(StatusListFull, match="needs 65 status-list indices and 64 of 64"):
        issuer.import_licences(many, ISSUE_TIME)
    assert count(engine) == 0  # nothing of the refused import
    assert issuer.import_licences(many[:63], ISSUE_TIME) == 63
    last = issuer.issue(many[63], ISSUE_TIME)
    with engine.connect() as conn:
        indices = set(conn.execute(select(LicenceRow.status_index)).scalars())
    assert indices == set(range(64)) and last.status_index in indices
    with pytest.raises(StatusListFull, match="all 64 indices"):
        issuer.issue(many[64], ISSUE_TIME)
    assert count(engine) == 64
    assert StatusListFull("x").status == 503
