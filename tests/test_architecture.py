"""The house rules of docs/architecture.md, enforced."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).parent.parent
PRIVATE_KEY_CALLS = {"load_pem_private_key", "load_der_private_key", "private_bytes",
                     "load_private_key", "from_private_bytes"}


def python_files(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def calls(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Attribute):
            names.add(node.attr)
        elif isinstance(node, ast.Name):
            names.add(node.id)
    return names


def test_only_the_signer_touches_private_keys() -> None:
    for path in python_files("certsvc") + python_files("public_site"):
        if "signer" in path.parts:
            continue
        assert not calls(path) & PRIVATE_KEY_CALLS, path


def test_domain_imports_nothing_of_ours_but_domain_and_errors() -> None:
    for path in python_files("certsvc/domain"):
        ours = {m for m in imports(path) if m.startswith("certsvc")}
        assert all(m.startswith("certsvc.domain") or m == "certsvc.errors" for m in ours), path
        assert not {m for m in imports(path) if m.split(".")[0] in ("flask", "sqlalchemy")}


def test_credential_needs_only_domain() -> None:
    for path in python_files("certsvc/credential"):
        for module in imports(path):
            if module.startswith("certsvc"):
                assert module.split(".")[1] in ("domain", "credential", "errors"), (path, module)


def test_public_site_never_imports_signer_or_workflow() -> None:
    for path in python_files("public_site"):
        for module in imports(path):
            assert not module.startswith(("certsvc.signer", "certsvc.workflow",
                                          "certsvc.publish", "certsvc.store.writer",
                                          "certsvc.store.accounts", "certsvc.api.app",
                                          "certsvc.api.routes", "certsvc.cli")), path


def test_certsvc_never_imports_public_site() -> None:
    for path in python_files("certsvc"):
        assert not any(m.startswith("public_site") for m in imports(path)), path


def test_store_touches_only_domain() -> None:
    for path in python_files("certsvc/store"):
        for module in imports(path):
            if module.startswith("certsvc"):
                assert module.split(".")[1] in ("domain", "store", "errors", "transparency"), (
                    path, module)


def test_transparency_is_formats_and_hashes_only() -> None:
    """The log's formats and proofs: no database, no web, no key file (signing is a
    callable the signer hands in)."""
    for path in python_files("certsvc/transparency"):
        for module in imports(path):
            if module.startswith("certsvc"):
                assert module.split(".")[1] in ("transparency", "credential", "domain",
                                                "errors"), (
                    path, module)
        assert not {m for m in imports(path)
                    if m.split(".")[0] in ("flask", "werkzeug", "sqlalchemy")}, path


def test_workflow_knows_nothing_of_the_web() -> None:
    for path in python_files("certsvc/workflow"):
        assert not {m for m in imports(path) if m.split(".")[0] in ("flask", "werkzeug")}, path
        assert not any(m.startswith("certsvc.api") for m in imports(path)), path
