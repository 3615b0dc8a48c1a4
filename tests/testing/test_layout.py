"""What evaluates never depends on the fixture generators: omnieval.testing is imported only by the tests,
the demo, the benchmarks and the `tiny-checkpoint` command (inside the command, when it runs)."""

from __future__ import annotations

import ast

from tests.conftest import REPO

#: module -> why it may import omnieval.testing
ALLOWED = {"omnieval/cli/commands.py": "the tiny-checkpoint command writes a tiny checkpoint for smoke runs"}


def imports_of(path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_nothing_that_evaluates_imports_the_fixture_generators():
    package = REPO / "omnieval"
    offenders = []
    for path in sorted(package.rglob("*.py")):
        relative = path.relative_to(REPO).as_posix()
        if relative.startswith("omnieval/testing/") or relative in ALLOWED:
            continue
        if any(name == "omnieval.testing" or name.startswith("omnieval.testing.") for name in imports_of(path)):
            offenders.append(relative)
    assert offenders == []
    cli = ast.parse((package / "cli" / "commands.py").read_text())
    top_level = [
        n for n in cli.body if isinstance(n, ast.ImportFrom) and (n.module or "").startswith("omnieval.testing")
    ]
    assert top_level == []  # only inside the command
