"""`make audit` fails on a vulnerability and on a package it could not look up, never on ragbus itself."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("audit", ROOT / "scripts" / "audit.py")
audit = importlib.util.module_from_spec(spec)
spec.loader.exec_module(audit)


def test_vulnerable_skipped_and_clean_packages_are_told_apart():
    report = {"dependencies": [
        {"name": "ragbus", "skip_reason": "distribution marked as editable"},
        {"name": "clean", "version": "1.0", "vulns": []},
        {"name": "old", "version": "0.1", "vulns": [{"id": "PYSEC-1", "fix_versions": ["0.2"]}, {"id": "GHSA-2", "fix_versions": ["0.3"]}]},
        {"name": "unknown", "skip_reason": "Dependency not found on PyPI and could not be audited: unknown (9)"},
    ]}
    summary = audit.summarise(report)
    assert (summary["packages"], summary["audited"], summary["skipped"]) == (3, 2, 1)
    assert summary["vulnerable"] == [{"name": "old", "version": "0.1", "ids": ["PYSEC-1", "GHSA-2"], "fix_versions": ["0.2", "0.3"]}]
    assert summary["skip_reasons"] == ["Dependency not found on PyPI and could not be audited"]
