import datetime as dt
import json

import pytest

from certsvc.domain.catalogue import catalogue
from tests.conftest import REFERENCE

pytestmark = pytest.mark.no_database


def test_contains_reference_units_under_one_product() -> None:
    scope = json.loads(REFERENCE.read_text("utf-8"))["scope"]
    units = [catalogue().unit_by_name(name) for name in scope]
    assert {u.product.code for u in units} == {"06-001"}
    assert units[0].product.name == "电线电缆"


def test_lists_every_product_still_under_licence() -> None:
    names = {p.name for p in catalogue().products if p.withdrawn is None}
    assert names == {
        "建筑用钢筋", "水泥", "电线电缆", "危险化学品", "危险化学品包装物及容器", "化肥",
        "直接接触食品的材料等相关产品", "人民币鉴别仪", "广播电视传输设备",
        "预应力混凝土铁路桥简支梁", "人造板", "安全帽", "钢丝绳", "瓶装液化石油气调压器",
    }


def test_withdrawn_unit_stays_resolvable_and_is_marked() -> None:
    unit = catalogue().unit_by_name("改性沥青防水卷材")
    assert catalogue().unit(unit.id) is unit
    assert unit.is_withdrawn(dt.date(2020, 1, 1))
    assert not unit.is_withdrawn(dt.date(2019, 1, 1))


def test_resolves_by_id_name_and_english_name() -> None:
    unit = catalogue().unit_by_name("架空绝缘电缆")
    assert catalogue().resolve(unit.id) is unit
    assert catalogue().resolve(str(unit.id)) is unit
    assert catalogue().resolve("aerial insulated cables") is unit
