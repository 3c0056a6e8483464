"""The prompt canary path on Kubernetes: prompts/*.yaml as a generated ConfigMap mounted at generate's
PROMPTS_DIR, the split in the ragbus-canary ConfigMap (none in the base), the canary-concise component, and
scripts/canary.sh run against a stand-in kubectl that records what it was asked to do."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from libs.models.prompt_files import load_prompts
from libs.models.variant_split import parse_split

ROOT = Path(__file__).resolve().parents[2]
PROMPTS = ROOT / "prompts"
K8S = ROOT / "deploy/k8s"
COMPONENT = K8S / "components/canary-concise"
CANARY_SH = ROOT / "scripts/canary.sh"


def docs(path: Path) -> list[dict]:
    return [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d]


def base_object(kind: str, name: str) -> dict:
    for resource in docs(K8S / "base/kustomization.yaml")[0]["resources"]:
        for obj in docs(K8S / "base" / resource):
            if obj["kind"] == kind and obj["metadata"]["name"] == name:
                return obj
    raise AssertionError(f"base has no {kind}/{name}")


def generate_container(deployment: dict) -> dict:
    return deployment["spec"]["template"]["spec"]["containers"][0]


def prompts_mount(deployment: dict) -> tuple[str, str]:
    """(ConfigMap name, mount path) of generate's prompts volume."""
    pod = deployment["spec"]["template"]["spec"]
    volume = next(v for v in pod["volumes"] if v["name"] == "prompts")
    mount = next(m for m in generate_container(deployment)["volumeMounts"] if m["name"] == "prompts")
    assert mount.get("readOnly") is True
    return volume["configMap"]["name"], mount["mountPath"]


def test_the_prompts_configmap_lists_every_prompt_file_and_the_base_uses_it() -> None:
    generator = docs(PROMPTS / "kustomization.yml")[0]["configMapGenerator"]
    assert [g["name"] for g in generator] == ["ragbus-prompts"]
    assert sorted(generator[0]["files"]) == sorted(p.name for p in PROMPTS.glob("*.yaml"))
    assert "../../../prompts" in docs(K8S / "base/kustomization.yaml")[0]["components"]
    load_prompts(PROMPTS)  # the loader reads *.yaml only: the kustomization file is not taken for a prompt


def test_generate_mounts_the_prompts_at_its_prompts_dir_and_reads_the_canary_split() -> None:
    generate = base_object("Deployment", "generate")
    configmap, path = prompts_mount(generate)
    assert configmap == "ragbus-prompts"
    env = {e["name"]: e.get("value") for e in generate_container(generate)["env"]}
    assert env["PROMPTS_DIR"] == path
    assert {"configMapRef": {"name": "ragbus-canary"}} in generate_container(generate)["envFrom"]
    for name in ("ingest", "retrieve", "guardrail", "evaluate"):
        assert {"configMapRef": {"name": "ragbus-canary"}} not in generate_container(
            base_object("Deployment", name))["envFrom"], name


def test_the_base_runs_no_canary() -> None:
    data = base_object("ConfigMap", "ragbus-canary")["data"]
    assert parse_split(data["PROMPT_VARIANT_SPLIT"]) == {}
    assert data["PROMPT_VARIANT_STICKY_BY"] == "request"


def test_the_canary_component_names_prompt_files_and_rolls_generate() -> None:
    split_patch = docs(COMPONENT / "canary-split.yaml")[0]
    assert (split_patch["kind"], split_patch["metadata"]["name"]) == ("ConfigMap", "ragbus-canary")
    split = split_patch["data"]["PROMPT_VARIANT_SPLIT"]
    variants = parse_split(split)
    assert variants == {"concise": 10.0}
    assert all((PROMPTS / f"{variant}.yaml").is_file() for variant in variants)
    rollout = docs(COMPONENT / "generate-rollout.yaml")[0]
    assert rollout["metadata"]["name"] == "generate"
    assert rollout["spec"]["template"]["metadata"]["annotations"]["ragbus.dev/prompt-variant-split"] == split


def kustomize(directory: Path) -> list[dict]:
    result = subprocess.run(["kubectl", "kustomize", str(directory)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return [d for d in yaml.safe_load_all(result.stdout) if d]


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl (kustomize) not installed")
def test_rendered_prod_with_the_canary_component(tmp_path: Path) -> None:
    """An overlay of prod plus the component, as an operator would write it: the generated ConfigMap holds the
    prompt files byte for byte, generate mounts it by its hashed name, and the split is concise=10."""
    overlay = tmp_path / "canary"
    overlay.mkdir()
    relative = os.path.relpath(K8S, overlay)
    (overlay / "kustomization.yaml").write_text(
        f"resources: [{relative}/overlays/prod]\ncomponents: [{relative}/components/canary-concise]\n")
    objects = kustomize(overlay)
    by_name = {(o["kind"], o["metadata"]["name"]): o for o in objects}
    generate = by_name[("Deployment", "generate")]
    configmap, _ = prompts_mount(generate)
    assert configmap.startswith("ragbus-prompts-")
    assert by_name[("ConfigMap", configmap)]["data"] == {
        p.name: p.read_text(encoding="utf-8") for p in PROMPTS.glob("*.yaml")}
    assert by_name[("ConfigMap", "ragbus-canary")]["data"]["PROMPT_VARIANT_SPLIT"] == "concise=10"
    assert by_name[("ConfigMap", "ragbus-canary")]["metadata"]["namespace"] == "ragbus"


# ----------------------------------------------------------------------------- scripts/canary.sh

FAKE_KUBECTL = """#!/usr/bin/env bash
echo "$*" >> "$KUBECTL_LOG"
case "$*" in
  *"get deployment generate -o jsonpath"*) echo -n ragbus-prompts-abc123 ;;
  *"get configmap ragbus-prompts-abc123"*) echo -n "concise.yaml default.yaml " ;;
esac
"""


def canary(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess, list[str]]:
    kubectl, log = tmp_path / "kubectl", tmp_path / "kubectl.log"
    kubectl.write_text(FAKE_KUBECTL)
    kubectl.chmod(0o755)
    log.write_text("")
    env = {**os.environ, "KUBECTL": str(kubectl), "KUBECTL_LOG": str(log), "NAMESPACE": "ragbus"}
    env.pop("DRY_RUN", None)
    result = subprocess.run(["bash", str(CANARY_SH), *args], capture_output=True, text=True, env=env, timeout=30)
    return result, log.read_text().splitlines()


def test_canary_set_patches_the_split_restarts_generate_and_waits(tmp_path: Path) -> None:
    result, calls = canary(tmp_path, "set", "concise=10")
    assert result.returncode == 0, result.stderr
    assert all(call.startswith("-n ragbus ") for call in calls)
    reads, changes = calls[:2], calls[2:]
    assert all(" get " in call for call in reads)  # which prompt files generate mounts, checked first
    assert changes == [
        '-n ragbus patch configmap ragbus-canary --type merge -p {"data":{"PROMPT_VARIANT_SPLIT":"concise=10"}}',
        "-n ragbus rollout restart deployment generate",
        "-n ragbus rollout status deployment generate --timeout 5m",
    ]


def test_canary_rollback_empties_the_split(tmp_path: Path) -> None:
    result, calls = canary(tmp_path, "rollback")
    assert result.returncode == 0, result.stderr
    assert calls[0] == '-n ragbus patch configmap ragbus-canary --type merge -p {"data":{"PROMPT_VARIANT_SPLIT":""}}'
    assert calls[1:] == ["-n ragbus rollout restart deployment generate",
                         "-n ragbus rollout status deployment generate --timeout 5m"]


@pytest.mark.parametrize("split, code", [("concise=60,terse=50", 2), ("default=5", 2), ("concise", 2),
                                         ("terse=5", 1)])
def test_canary_refuses_a_bad_split_before_changing_anything(tmp_path: Path, split: str, code: int) -> None:
    result, calls = canary(tmp_path, "set", split)
    assert result.returncode == code, result.stderr
    assert not [c for c in calls if "patch" in c or "rollout" in c]
