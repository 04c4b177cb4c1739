"""Name search through indexes on both databases: ranked, capped, literal, and the plans use
the indexes (no scan of the licences table on an anonymous endpoint)."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from sqlalchemy import Engine, event

from certsvc.domain.licence import Licence
from certsvc.store import name_search
from certsvc.store.reader import LicenceReader
from certsvc.workflow.issuance import Issuer
from tests.conftest import ISSUE_TIME, REFERENCE

NAMES = [
    "华光电线电缆有限公司",             # starts with the fragment: ranked first
    "浙江杭州市西湖区华光电线电缆制造有限公司",  # contains it
    "杭州华光科技有限公司",
    "宁波明光电器有限公司",              # 光电 but not 华光
    "50%_折扣\"引号\\有限公司",          # LIKE and FTS5 syntax, to be taken literally
]


def licence(name: str) -> Licence:
    data = json.loads(REFERENCE.read_text("utf-8"))
    data["number"] = None
    base = Licence.from_dict(data)
    return replace(base, enterprise=replace(base.enterprise, name=name))


@pytest.fixture
def named(issuer: Issuer, engine: Engine) -> LicenceReader:
    for name in NAMES:
        issuer.issue(licence(name), ISSUE_TIME)
    return LicenceReader(engine)


def names(reader: LicenceReader, query: str) -> list[str]:
    records, total, capped = reader.search_by_name(query, 0, 50)
    assert total == len(records) and not capped
    return [r.enterprise.name for r in records]


def test_prefix_first_then_fragments_by_name(named: LicenceReader) -> None:
    assert names(named, "华光") == [NAMES[0], NAMES[2], NAMES[1]]
    assert names(named, "华光电线") == [NAMES[0], NAMES[1]]
    assert names(named, "光电") == [NAMES[0], NAMES[3], NAMES[1]]
    assert names(named, "西湖区华光") == [NAMES[1]]


def test_one_character_is_a_prefix_only(named: LicenceReader) -> None:
    assert names(named, "华") == [NAMES[0]]
    assert names(named, "光") == []


def test_wildcards_and_quotes_are_literal(named: LicenceReader) -> None:
    for query in ("50%_", "%_", '"引号', "号\\有", "_折扣"):
        assert names(named, query) == [NAMES[4]], query
    for query in ("%", "_", '"', "*", "OR", "华光 OR 明光", "NEAR(华光)"):
        assert NAMES[0] not in names(named, query) or query.startswith("华"), query


def test_more_than_the_cap_says_so(issuer: Issuer, engine: Engine,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(name_search, "CAP", 3)
    for i in range(5):
        issuer.issue(licence(f"华光第{i}分厂有限公司"), ISSUE_TIME)
    records, total, capped = LicenceReader(engine).search_by_name("华", 0, 20)
    assert (len(records), total, capped) == (3, 3, True)
    records, total, capped = LicenceReader(engine).search_by_name("华光第", 0, 20)
    assert (total, capped) == (3, True)


def _plan(engine: Engine, sql: str, params: dict[str, object]) -> str:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            return str(conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, tuple(
                params.values())).all())
        conn.exec_driver_sql("SET enable_seqscan = off")
        return str(conn.exec_driver_sql("EXPLAIN " + sql, params).all())


def test_the_plans_use_the_indexes(named: LicenceReader, engine: Engine) -> None:
    """Every query of a name search, on this database, as the database plans it."""
    statements: list[tuple[str, dict[str, object]]] = []

    def capture(conn: object, cursor: object, statement: str, parameters: object,
                context: object, executemany: bool) -> None:
        statements.append((statement, parameters))  # type: ignore[arg-type]

    event.listen(engine, "before_cursor_execute", capture)
    try:
        for query in ("华光", "华光电线", "华"):
            named.search_by_name(query, 0, 20)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    searches = [(s, p) for s, p in statements if "enterprise_name" in s
                and "WHERE licences.id IN" not in s and " IN (" not in s]
    assert searches
    for statement, parameters in searches:
        if engine.dialect.name == "sqlite":
            plan = _plan(engine, statement, dict(enumerate(parameters)))  # type: ignore[arg-type]
            assert "SCAN licences" not in plan, (statement, plan)
            assert ("VIRTUAL TABLE" in plan or "ix_licences_enterprise_name" in plan), plan
        else:
            plan = _plan(engine, statement, parameters)  # type: ignore[arg-type]
            assert "Seq Scan on licences" not in plan, (statement, plan)
            assert any(index in plan for index in (
                "ix_licences_name_trigram", "ix_licences_name_bigram",
                "ix_licences_enterprise_name")), plan
