"""办件进度查询 on the public site: the application's number and its enterprise's USCC show
its steps and dates, nothing else; any other pair gets the same answer."""

from __future__ import annotations

from pathlib import Path

from freezegun import freeze_time

from certsvc.domain.time import utcnow
from certsvc.publish.artefacts import publish_trust_list
from certsvc.signer.signer import Signer
from tests.conftest import REVIEWERS, Api, application_body, onsite
from tests.test_public_site import make_client


@freeze_time("2026-06-01 02:00:00")
def test_progress_by_number_and_uscc(api: Api, database_url: str, tmp_path: Path,
                                     signer: Signer) -> None:
    created = api.post("/api/v1/applications", "enterprise", application_body())
    assert created.json is not None
    number = created.json["id"]
    api.post(f"/api/v1/applications/{number}/accept", "zhejiang")
    assert onsite(api, f"/api/v1/applications/{number}", notes="内部备注").status_code == 200
    publish_trust_list(signer, tmp_path / "trust-list.cose", utcnow())
    client = make_client(database_url, tmp_path, signer)
    page = client.get("/progress", query_string={"application": number,
                                                 "uscc": "91330106MA2H7K3LXA"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for shown in ("提交申请", "受理", "实地核查", "under_review", "2026-06-01"):
        assert shown in html, shown
    for hidden in (REVIEWERS[0], "审查员", "审查中心", "内部备注", "营业执照.pdf"):
        assert hidden not in html, hidden
    answers = set()
    for query in ({"application": number, "uscc": "91320400MA1MXXXX0X"},
                  {"application": 987654, "uscc": "91330106MA2H7K3LXA"},
                  {"application": "1 OR 1=1", "uscc": "x"},
                  {"application": "9" * 40, "uscc": "91330106MA2H7K3LXA"}):
        refused = client.get("/progress", query_string=query)
        assert refused.status_code == 404
        answers.add(refused.get_data(as_text=True).split("<main>")[1].split("<form")[0])
    assert len(answers) == 1
    assert client.get("/progress").status_code == 200
