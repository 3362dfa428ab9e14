"""Data flows one way (docs/architecture.md): lower layers never import higher ones, and no two modules import
each other."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parents[1] / "src" / "staffing_forecast"


def _imports(path: Path) -> set[str]:
    """The package modules a file imports, as dotted names relative to the package ("quota.bundle", "report")."""
    here = path.relative_to(PACKAGE).with_suffix("").parts
    package = here[:-1]  # the folder of a module, or of a package's __init__
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[: len(package) - node.level + 1]
            module = [*base, *(node.module.split(".") if node.module else [])]
            names = [a.name for a in node.names] if not node.module else [""]
            for name in names:
                found.add(".".join([*module, name] if name else module))
    return found


@pytest.mark.parametrize(
    ("lower", "higher"),
    [
        ("quota", "report"),
        ("quota", "plot"),
        ("quota", "cli"),
        ("monitoring", "report"),
        ("monitoring", "quota"),
        ("report", "pipeline"),
        ("engine", "pipeline"),
        ("tracking", "pipeline"),
        ("pipeline", "cli"),
        ("pipeline", "cli_pipeline"),
        ("pipeline", "service"),
        ("quota", "service"),
        ("service", "cli"),
        ("service", "plot"),
        ("service", "report"),
        ("quota.inputs", "quota.bundle"),
        ("quota.inputs", "monitoring"),
        ("display", "report"),
        ("display", "loaders"),
        ("summary", "plot"),
        ("summary", "report"),
        ("disclosure", "report"),
        ("disclosure", "service"),
        ("disclosure", "pipeline"),
    ],
)
def test_lower_layers_do_not_import_higher_ones(lower, higher):
    module = PACKAGE / f"{lower.replace('.', '/')}.py"
    files = [module] if module.is_file() else sorted((PACKAGE / lower).glob("*.py"))
    assert files, f"no module {lower}"
    for path in files:
        upward = {m for m in _imports(path) if m == higher or m.startswith(higher + ".")}
        assert not upward, f"{path.relative_to(PACKAGE)} imports {sorted(upward)}"
