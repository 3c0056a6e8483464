"""Libs are imported, services run: no service imports another, no lib imports a service."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def imported_modules(file: Path) -> set[str]:
    tree = ast.parse(file.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_no_service_imports_another_service():
    offenders = []
    for service_dir in (ROOT / "services").iterdir():
        if not (service_dir / "__init__.py").exists():
            continue
        for file in service_dir.rglob("*.py"):
            for module in imported_modules(file):
                parts = module.split(".")
                if parts[0] == "services" and len(parts) > 1 and parts[1] != service_dir.name:
                    offenders.append(f"{file.relative_to(ROOT)} imports {module}")
    assert offenders == []


def test_libs_never_import_services():
    offenders = [
        f"{file.relative_to(ROOT)} imports {module}"
        for file in (ROOT / "libs").rglob("*.py")
        for module in imported_modules(file)
        if module.split(".")[0] == "services"
    ]
    assert offenders == []


def test_every_service_has_the_same_shape():
    for name in ("ingest", "retrieve", "generate", "guardrail", "evaluate"):
        files = {p.name for p in (ROOT / "services" / name).iterdir()}
        assert {"__main__.py", "main.py", "settings.py", "handlers.py"} <= files, name
