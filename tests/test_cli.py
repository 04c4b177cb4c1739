"""The certsvc command end to end: keys, issue, import, publish, verify and its exit codes."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from click.testing import CliRunner
from freezegun import freeze_time

from certsvc.cli import main
from tests.conftest import REFERENCE, init_keys, run


def test_keys_init_creates_encrypted_0600_keys_and_never_overwrites(
    env: dict[str, str], tmp_path: Path
) -> None:
    first = run(env, "keys", "init")
    assert first.exit_code == 0, first.output
    assert "bureau signing keys: 32 created" in first.output
    keys = sorted((tmp_path / "keys").rglob("*.key"))
    assert len(keys) == 34  # the root, 32 bureaus, the transparency log
    before = {p: p.read_bytes() for p in keys}
    for path in keys:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert b"BEGIN ENCRYPTED PRIVATE KEY" in path.read_bytes()
    second = run(env, "keys", "init")
    assert "kept the existing root key" in second.output
    assert "0 created, 32 kept" in second.output
    assert "kept the transparency log key" in second.output
    assert {p: p.read_bytes() for p in keys} == before


def test_development_passphrase_warns_loudly(env: dict[str, str]) -> None:
    del env["CERTSVC_KEY_PASSPHRASE"]
    result = CliRunner().invoke(main, ["keys", "init"], env=env | {"CERTSVC_KEY_PASSPHRASE": ""})
    assert "WARNING" in result.output and "DEVELOPMENT passphrase" in result.output


def test_issue_then_verify_exit_codes(env: dict[str, str], tmp_path: Path) -> None:
    init_keys(env)
    png = tmp_path / "licence.png"
    with freeze_time("2026-03-15 02:00:00"):
        issued = run(env, "licence", "issue", "--file", str(REFERENCE), "--json",
                     "--qr-png", str(png), "--qr-svg", str(tmp_path / "licence.svg"))
    assert issued.exit_code == 0, issued.output
    body = json.loads(issued.output[issued.output.index("{"):])
    assert body["number"] == "浙XK06-001-00012"
    assert body["qr_text"].startswith("https://CERTSVC.EXAMPLE/V/")
    assert (tmp_path / "licence.svg").read_text().lstrip().startswith("<?xml")

    with freeze_time("2026-06-01"):
        unknown = run(env, "verify", "--qr-image", str(png))
        assert unknown.exit_code == 3, unknown.output
        assert "未核对最新状态" in unknown.output and "not checked" in unknown.output
        run(env, "publish")
        status_list = str(tmp_path / "published" / "status-list.cose")
        valid = run(env, "verify", "--qr-text", body["qr_text"], "--status-list", status_list,
                    "--json")
        assert valid.exit_code == 0, valid.output
        verdict = json.loads(valid.output)
        assert verdict["verdict"] == "valid"
        assert verdict["licence"]["scope"] == json.loads(REFERENCE.read_text("utf-8"))["scope"]
        other = run(env, "verify", "--qr-text", body["qr_text"], "--status-list", status_list,
                    "--product", "安全帽")
        assert other.exit_code == 1
        assert "不在许可范围" in other.output
        garbage = run(env, "verify", "--qr-text", "hello")
        assert garbage.exit_code == 2
        both = run(env, "verify")
        assert both.exit_code == 2
    with freeze_time("2031-03-15"):
        assert run(env, "verify", "--qr-image", str(png)).exit_code == 1


def test_rotate_and_revoke(env: dict[str, str]) -> None:
    init_keys(env)
    with freeze_time("2026-03-15 02:00:00"):
        issued = json.loads(
            run(env, "licence", "issue", "--file", str(REFERENCE), "--json").output)
        rotated = run(env, "keys", "rotate", "浙")
        assert rotated.exit_code == 0 and "new signing key" in rotated.output
    listing = run(env, "keys", "list").output
    old = next(line.split()[0] for line in listing.splitlines() if "retired" in line)
    with freeze_time("2026-06-01"):
        assert run(env, "verify", "--qr-text", issued["qr_text"]).exit_code == 3
        run(env, "keys", "revoke", old, "--reason", "HSM stolen")
        revoked = run(env, "verify", "--qr-text", issued["qr_text"], "--json")
    assert revoked.exit_code == 1
    assert json.loads(revoked.output)["detail"] == "HSM stolen"


def test_import_reports_bad_rows_with_line_numbers(env: dict[str, str], tmp_path: Path) -> None:
    init_keys(env)
    path = tmp_path / "paper.jsonl"
    good = json.loads(REFERENCE.read_text("utf-8"))
    path.write_text("\n".join([
        json.dumps(good, ensure_ascii=False),
        "{not json",
        json.dumps(good | {"issuer": "火星市场监督管理局"}, ensure_ascii=False),
    ]), "utf-8")
    result = run(env, "licence", "import", str(path))
    assert result.exit_code == 2
    assert f"{path}:2: not JSON" in result.output
    assert f"{path}:3: issuer" in result.output
    assert "nothing was imported" in result.output
    path.write_text(json.dumps(good, ensure_ascii=False), "utf-8")
    ok = run(env, "licence", "import", str(path))
    assert ok.exit_code == 0 and "imported 1 licences" in ok.output


def test_bad_licence_file_is_a_clear_error(env: dict[str, str], tmp_path: Path) -> None:
    init_keys(env)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"enterprise": {"name": "x", "uscc": "123"}}), "utf-8")
    result = run(env, "licence", "issue", "--file", str(bad))
    assert result.exit_code == 2
    assert "error: enterprise.uscc" in result.output
    assert "Traceback" not in result.output
