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


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> dict[str, set[str]]:
    """Our modules and the modules of ours each imports — every import, wherever it
    stands: at the top, inside a function, under ``TYPE_CHECKING``."""
    modules = {_module_name(p): p for p in python_files("certsvc") + python_files("public_site")}

    def ours(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:  # `from package import module` names the module
                    target = ours(f"{node.module}.{alias.name}")
                    found.add(target if target == f"{node.module}.{alias.name}"
                              else ours(node.module) or "")
            elif isinstance(node, ast.Import):
                found.update(ours(alias.name) or "" for alias in node.names)
        graph[name] = found - {"", name}
    return graph


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm,
    iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, edges = work[-1]
            for target in edges:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(graph[target]))))
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        cycles.append(sorted(component))
    return cycles


def test_no_import_cycle_among_our_modules() -> None:
    """A cycle dodged with an import inside a function or under TYPE_CHECKING is still a
    cycle: the app factory and its routes, the CLI and its command modules, the site and its
    blueprints each share a module of their own instead (issue 24)."""
    assert import_cycles(import_graph()) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert import_cycles(graph) == [["a", "b", "c"]]
