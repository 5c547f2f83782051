"""The import picture: one-way data flow (connector -> engine -> connector) and no cycles.

Every `import` in the four packages, at module level or inside a function, is an arrow. The
engine imports no surface; connectors reach up into the app only in the app's own commands;
and no chain of imports comes back to where it started.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import REPO

PACKAGES = ("engine", "connectors", "excel_addin", "webhooks")
#: The app's own commands (`shelfwise serve`, `shop ...`, `demo`, `deliveries`) drive the app.
APP_COMMANDS = {f"connectors.cli.{name}" for name in
                ("serve", "shop", "shop_catalog", "demo", "deliveries")}


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (REPO / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = path.relative_to(REPO).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The project modules `name` imports (`from a import b` means a.b when that is a module)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                full = f"{base}.{alias.name}"
                targets.add(full if full in modules else base)
    return {t for t in targets if t in modules and t != name}


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(name, path, modules) for name, path in modules.items()}


def test_the_engine_imports_no_surface():
    graph = _graph()
    bad = {(a, b) for a, deps in graph.items() if a.startswith("engine")
           for b in deps if not b.startswith("engine")}
    assert not bad, sorted(bad)


def test_connectors_reach_the_app_only_in_the_apps_own_commands():
    graph = _graph()
    bad = {(a, b) for a, deps in graph.items()
           if a.startswith(("connectors", "excel_addin")) and a not in APP_COMMANDS
           for b in deps if b.startswith("webhooks")}
    assert not bad, sorted(bad)


def test_no_import_cycle():
    graph = _graph()
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
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

    for node in sorted(graph):
        if node not in index:
            visit(node)
    assert not cycles, cycles
