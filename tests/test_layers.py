"""Data flows one way: a module imports only modules of its own layer or of the layers below it, as the layer table
of docs/architecture.md lists them; no two modules import each other; no module imports the package face."""

from __future__ import annotations

import ast
import re
from itertools import combinations
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
PACKAGE = ROOT / "src" / "staffing_forecast"


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


def _name(path: Path) -> str:
    """A file's dotted module name relative to the package (a package's ``__init__`` is the package)."""
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_name(path): _imports(path) for path in sorted(PACKAGE.rglob("*.py"))}


def layer_table() -> list[tuple[str, list[str]]]:
    """The layers of docs/architecture.md, lowest first: each layer's name and its top-level modules."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    layers = []
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or not cells[1].startswith("`"):
            continue
        outer = cells[1]
        while re.search(r"\([^()]*\)", outer):  # submodules are in parentheses, which may nest
            outer = re.sub(r"\([^()]*\)", "", outer)
        layers.append((cells[0], re.findall(r"`([\w.]+)`", outer)))
    return layers


LAYERS = layer_table()


def test_the_layer_table_lists_every_module_once():
    listed = [m for _, modules in LAYERS for m in modules]
    assert len(LAYERS) >= 10 and len(listed) == len(set(listed))
    tops = {name.split(".")[0] for name in MODULES if name}
    assert tops == set(listed), (
        f"not in the table: {sorted(tops - set(listed))}, gone: {sorted(set(listed) - tops)}"
    )


def _layer_of(module: str) -> int | None:
    top = module.split(".")[0]
    for rank, (_, modules) in enumerate(LAYERS):
        if top in modules:
            return rank
    return None


@pytest.mark.parametrize(("rank", "layer"), list(enumerate(name for name, _ in LAYERS)))
def test_lower_layers_do_not_import_higher_ones(rank, layer):
    upward = []
    for module, imported in MODULES.items():
        if _layer_of(module) != rank:
            continue
        for target in sorted(imported):
            other = _layer_of(target)
            if other is not None and other > rank:
                upward.append(f"{module} imports {target} ({LAYERS[other][0]})")
    assert not upward, f"layer {layer}: " + "; ".join(upward)


def test_no_two_modules_import_each_other():
    def imports(a: str, b: str) -> bool:
        return any(t == b or t.startswith(b + ".") for t in MODULES[a]) and b != a

    cycles = [
        (a, b)
        for a, b in combinations(sorted(m for m in MODULES if m), 2)
        if not (b.startswith(a + ".") or a.startswith(b + "."))  # a package and its own modules
        and imports(a, b)
        and imports(b, a)
    ]
    assert not cycles


def test_no_module_imports_the_package_face():
    # The face (staffing_forecast/__init__.py) imports everything; a module importing a name from it (such as
    # __version__) would import every layer. Every relative import must name one of the package's modules.
    known = set(MODULES)
    faces = [
        f"{module} imports {target}"
        for module, imported in MODULES.items()
        for target in imported
        if target not in known and target.rsplit(".", 1)[0] not in known - {""}
    ]
    assert not faces


def test_the_service_reads_the_run_store_not_the_batch_job():
    # Both sit above the store (the layer table); the service must not import the batch job to read its output.
    found = sorted(
        f"{module} imports {target}"
        for module, imported in MODULES.items()
        if module.startswith("service")
        for target in imported
        if target == "pipeline" or target.startswith("pipeline.")
    )
    assert not found
