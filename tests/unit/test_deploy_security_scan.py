"""checkov, a security scanner for Kubernetes manifests, on every rendered overlay.

The overlays (dev, prod, prod with the canary component, and prod as the release step renders it, with the
image pinned by digest) are rendered with kustomize and scanned in one checkov run, offline
(`--skip-download`). Any finding not accepted in deploy/k8s/security-scan-accepted.yaml fails, and so does an
accepted entry that no longer matches a finding. A deliberately bad Deployment is scanned in the same run, so a
checkov that silently scans nothing fails too.

checkov lives in a virtualenv of its own (its pins clash with the project's): `make scan-k8s` installs it in
.venv-tools and runs this file; `.ci/run` installs it before `make test`. Without checkov, or without kustomize
or kubectl, the tests that need them skip.
"""

from __future__ import annotations

import fnmatch
import functools
import json
import os
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy/k8s"
ACCEPTED = K8S / "security-scan-accepted.yaml"
DIGEST = "sha256:" + "0" * 64
# Render name -> the kustomization rendered (a path, or a kustomization.yaml written next to the output).
RENDERS = {
    "dev": "overlays/dev",
    "prod": "overlays/prod",
    "prod+canary-concise": "resources: [{k8s}/overlays/prod]\ncomponents: [{k8s}/components/canary-concise]\n",
    "prod-released": ("resources: [{k8s}/overlays/prod]\n"
                      f"images:\n  - name: registry.example.com/ragbus\n    digest: {DIGEST}\n"),
}
KNOWN_BAD = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: known-bad, namespace: scan-check}
spec:
  selector: {matchLabels: {app: known-bad}}
  template:
    metadata: {labels: {app: known-bad}}
    spec:
      containers:
        - name: app
          image: example/app:latest
          securityContext: {privileged: true}
"""


def checkov_path() -> str | None:
    candidates = [os.environ.get("CHECKOV"), str(ROOT / ".venv-tools/bin/checkov"), shutil.which("checkov")]
    found = next((c for c in candidates if c and os.access(c, os.X_OK)), None)
    return str(Path(found).resolve()) if found else None  # checkov runs in a temporary folder


def kustomize_command() -> list[str] | None:
    if shutil.which("kustomize"):
        return ["kustomize", "build"]
    if shutil.which("kubectl"):
        return ["kubectl", "kustomize"]
    return None


def accepted() -> list[dict]:
    return yaml.safe_load(ACCEPTED.read_text(encoding="utf-8"))["accepted"]


def render(name: str, workdir: Path) -> str:
    spec = RENDERS[name]
    directory = K8S / spec
    if "\n" in spec:
        directory = workdir / f"kustomization-{name}"
        directory.mkdir()
        (directory / "kustomization.yaml").write_text(spec.format(k8s=os.path.relpath(K8S, directory)))
    result = subprocess.run([*kustomize_command(), str(directory)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, f"{name}: {result.stderr}"
    return result.stdout


@functools.cache
def scan(workdir: Path) -> tuple[dict, list[tuple[str, str, str]]]:
    """One checkov run over every render and the known-bad file: (summary, [(render, check id, resource)])."""
    manifests = workdir / "manifests"
    manifests.mkdir()
    with ThreadPoolExecutor(len(RENDERS)) as pool:
        for name, text in zip(RENDERS, pool.map(lambda n: render(n, workdir), RENDERS)):
            (manifests / f"{name}.yaml").write_text(text)
    (manifests / "known-bad.yaml").write_text(KNOWN_BAD)
    command = [checkov_path(), "-d", str(manifests), "--framework", "kubernetes", "--skip-download",
               "--quiet", "--soft-fail", "-o", "json"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=workdir,
                            env={**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": ""})
    assert result.returncode == 0, result.stderr[-2000:]
    reports = json.loads(result.stdout)
    reports = reports if isinstance(reports, list) else [reports]
    assert [r["check_type"] for r in reports] == ["kubernetes"], result.stdout[:500]
    findings = [(Path(f["file_path"]).stem, f["check_id"], f["resource"])
                for f in reports[0]["results"]["failed_checks"]]
    return reports[0]["summary"], findings


@pytest.fixture(scope="module")
def findings(tmp_path_factory) -> list[tuple[str, str, str]]:
    if kustomize_command() is None:
        pytest.skip("neither `kustomize` nor `kubectl` is installed")
    if checkov_path() is None:
        pytest.skip("checkov not installed (`make scan-k8s` installs it in .venv-tools)")
    summary, found = scan(tmp_path_factory.mktemp("checkov"))
    assert summary["parsing_errors"] == 0, summary
    assert summary["resource_count"] > 100, summary  # four renders of ~35 objects each, and the known-bad one
    return found


def is_accepted(finding: tuple[str, str, str], entry: dict) -> bool:
    render_name, check, resource = finding
    return (check == entry["check"] and render_name in entry["renders"]
            and any(fnmatch.fnmatchcase(resource, pattern) for pattern in entry["resources"]))


def test_every_accepted_finding_names_a_check_a_render_and_a_reason() -> None:
    for entry in accepted():
        assert set(entry) == {"check", "renders", "resources", "reason"}, entry
        assert re.fullmatch(r"CKV2?_K8S_\d+", entry["check"]), entry["check"]
        assert entry["renders"] and set(entry["renders"]) <= set(RENDERS), entry["check"]
        assert entry["resources"] and all(isinstance(p, str) for p in entry["resources"]), entry["check"]
        assert len(entry["reason"].split()) >= 10, f"{entry['check']}: say why it is accepted and what would fix it"


def test_the_scan_catches_a_privileged_container(findings) -> None:
    bad = {check for render_name, check, _ in findings if render_name == "known-bad"}
    assert {"CKV_K8S_16", "CKV_K8S_20", "CKV_K8S_28"} <= bad  # privileged, privilege escalation, capabilities


@pytest.mark.parametrize("render_name", sorted(RENDERS))
def test_the_render_has_no_finding_that_is_not_accepted(findings, render_name: str) -> None:
    unaccepted = [f"{check} {resource}" for name, check, resource in findings
                  if name == render_name and not any(is_accepted((name, check, resource), e) for e in accepted())]
    assert unaccepted == [], f"checkov findings on {render_name}: fix them or accept them in {ACCEPTED.name}"


def test_every_accepted_entry_still_matches_a_finding(findings) -> None:
    for entry in accepted():
        for render_name in entry["renders"]:
            matched = [f for f in findings if f[0] == render_name and is_accepted(f, entry)]
            assert matched, f"{entry['check']} no longer fires on {render_name}: remove it from {ACCEPTED.name}"
