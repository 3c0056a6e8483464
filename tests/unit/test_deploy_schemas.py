"""Schema and structure checks of the deployment files that need no cluster and no Docker engine.

Kubernetes: every object of the base and of each rendered overlay (and prod with the canary component) is
validated against the Kubernetes OpenAPI schemas shipped inside the `kubernetes-validate` package (strict:
an unknown field such as `readinesProbe` fails). Custom resources (Strimzi KafkaTopic, KEDA ScaledObject and
TriggerAuthentication) have no schema there: their fields are checked by test_deploy_manifests.py only.

Compose: `docker compose config` cannot run here (test_deploy_manifests.py runs it where it exists), so the
file is checked for the structure compose would need: known keys, dependencies that exist, conditions that
can be met, no cycles, declared volumes, loopback-only ports, KRaft Kafka and the topic init job. Not checked:
image names resolving, the compose-spec schema as a whole, anything at run time.
"""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

kubernetes_validate = pytest.importorskip("kubernetes_validate.utils", reason="kubernetes-validate not installed")

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy/k8s"
KUBERNETES_VERSION = "1.30"  # the oldest minor we support; fields newer than it fail
CUSTOM_KINDS = {("kafka.strimzi.io/v1beta2", "KafkaTopic"), ("keda.sh/v1alpha1", "ScaledObject"),
                ("keda.sh/v1alpha1", "TriggerAuthentication")}


def docs(text: str) -> list[dict]:
    return [d for d in yaml.safe_load_all(text) if d]


def base_objects() -> list[dict]:
    resources = docs((K8S / "base/kustomization.yaml").read_text())[0]["resources"]
    return [obj for resource in resources for obj in docs((K8S / "base" / resource).read_text())]


def schema_errors(objects: list[dict]) -> list[str]:
    errors = []
    for obj in objects:
        where = f"{obj.get('kind')}/{obj.get('metadata', {}).get('name')}"
        try:
            kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as error:
            errors.append(f"{where}: {'.'.join(map(str, error.path))}: {error.message}")
        except kubernetes_validate.SchemaNotFoundError:
            if (obj.get("apiVersion"), obj.get("kind")) not in CUSTOM_KINDS:
                errors.append(f"{where}: no schema for {obj.get('apiVersion')} {obj.get('kind')}")
    return errors


def test_base_objects_match_the_kubernetes_schemas() -> None:
    objects = base_objects()
    assert len(objects) > 30
    assert schema_errors(objects) == []


def test_the_schema_check_catches_a_misspelt_field_and_a_wrong_type() -> None:
    deployment = next(o for o in base_objects() if o["kind"] == "Deployment")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    container["readinesProbe"] = container.pop("readinessProbe")
    assert [e for e in schema_errors([deployment]) if "readinesProbe" in e]
    container["readinessProbe"] = container.pop("readinesProbe")
    deployment["spec"]["replicas"] = "two"
    assert [e for e in schema_errors([deployment]) if "spec.replicas" in e]
    assert schema_errors([{"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}])


def render(directory: Path) -> list[dict]:
    result = subprocess.run(["kubectl", "kustomize", str(directory)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return docs(result.stdout)


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl (kustomize) not installed")
@pytest.mark.parametrize("overlay", ["dev", "prod", "prod+canary-concise"])
def test_rendered_overlays_match_the_kubernetes_schemas(overlay: str, tmp_path: Path) -> None:
    name, _, component = overlay.partition("+")
    directory = K8S / "overlays" / name
    if component:
        relative = os.path.relpath(K8S, tmp_path)
        (tmp_path / "kustomization.yaml").write_text(
            f"resources: [{relative}/overlays/{name}]\ncomponents: [{relative}/components/{component}]\n")
        directory = tmp_path
    objects = render(directory)
    kinds = {(o["apiVersion"], o["kind"]) for o in objects}
    assert ("apps/v1", "Deployment") in kinds and ("kafka.strimzi.io/v1beta2", "KafkaTopic") in kinds
    assert schema_errors(objects) == []


# ----------------------------------------------------------------------------- docker-compose.yml

COMPOSE = ROOT / "docker-compose.yml"
SERVICE_KEYS = {  # the compose-spec service keys this file may use; a misspelt key fails here
    "image", "build", "command", "entrypoint", "environment", "env_file", "depends_on", "healthcheck", "ports",
    "volumes", "restart", "user", "read_only", "tmpfs", "cap_drop", "security_opt", "hostname", "labels",
    "networks", "deploy", "logging", "working_dir", "stop_grace_period", "init", "expose", "profiles"}
TOP_KEYS = {"name", "services", "volumes", "networks", "configs", "secrets"}
CONDITIONS = {"service_started", "service_healthy", "service_completed_successfully"}
# Images without a shell or an HTTP client we could check with (the collector is built from scratch);
# their dependants wait for service_started.
NO_HEALTHCHECK = {"otel-collector", "jaeger"}
INTERPOLATION = re.compile(r"\$\{([^}]*)\}")


def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def one_shot(service: dict) -> bool:
    return str(service.get("restart")) == "no"


def test_compose_has_only_known_keys() -> None:
    data = compose()
    assert {k for k in data if not k.startswith("x-")} <= TOP_KEYS
    for name, service in data["services"].items():
        assert set(service) <= SERVICE_KEYS, f"{name}: unknown keys {set(service) - SERVICE_KEYS}"
        assert "image" in service or "build" in service, name


def test_every_long_running_service_has_a_healthcheck() -> None:
    for name, service in compose()["services"].items():
        if not one_shot(service) and name not in NO_HEALTHCHECK:
            check = service.get("healthcheck") or {}
            assert check.get("test") and not check.get("disable"), f"{name} has no healthcheck"
            assert {"interval", "timeout", "retries"} <= set(check), name


def test_every_dependency_exists_and_its_condition_can_be_met() -> None:
    services = compose()["services"]
    for name, service in services.items():
        depends = service.get("depends_on", {})
        assert isinstance(depends, dict), f"{name}: depends_on needs conditions (long form)"
        for dependency, spec in depends.items():
            assert dependency in services, f"{name} -> unknown {dependency}"
            condition = spec.get("condition")
            assert condition in CONDITIONS, f"{name} -> {dependency}: {condition}"
            if condition == "service_healthy":
                assert "healthcheck" in services[dependency], f"{name} waits for {dependency}'s missing healthcheck"
            if condition == "service_completed_successfully":
                assert one_shot(services[dependency]), f"{name} waits for {dependency} to exit, which restarts"
            if "healthcheck" in services[dependency]:
                assert condition != "service_started", f"{name} -> {dependency}: wait for service_healthy"


def test_dependencies_have_no_cycle() -> None:
    services = compose()["services"]
    done: set[str] = set()

    def visit(name: str, path: tuple[str, ...]) -> None:
        assert name not in path, f"dependency cycle: {' -> '.join(path + (name,))}"
        if name not in done:
            for dependency in services[name].get("depends_on", {}):
                visit(dependency, path + (name,))
            done.add(name)

    for name in services:
        visit(name, ())


def test_volumes_are_declared_and_ports_bound_to_loopback() -> None:
    data = compose()
    declared = set(data.get("volumes") or {})
    host_ports = []
    for name, service in data["services"].items():
        for volume in service.get("volumes", []):
            source = str(volume).split(":")[0]
            if not source.startswith((".", "/")):
                assert source in declared, f"{name}: volume {source} is not declared"
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{name}: {port} is published beyond loopback"
            host_ports.append(str(port).split(":")[1])
    assert len(host_ports) == len(set(host_ports)), f"a host port is published twice: {host_ports}"


def test_kafka_runs_in_kraft_mode_and_the_init_job_waits_for_it() -> None:
    services = compose()["services"]
    assert not [n for n in services if "zookeeper" in n]
    env = services["kafka"]["environment"]
    assert "KAFKA_ZOOKEEPER_CONNECT" not in env
    kraft = {"KAFKA_NODE_ID", "CLUSTER_ID", "KAFKA_CONTROLLER_QUORUM_VOTERS", "KAFKA_CONTROLLER_LISTENER_NAMES"}
    assert kraft <= set(env)
    assert f"{env['KAFKA_NODE_ID']}@kafka:" in env["KAFKA_CONTROLLER_QUORUM_VOTERS"]
    assert "CONTROLLER://" in env["KAFKA_LISTENERS"]
    init = services["kafka-init"]
    assert one_shot(init) and init["depends_on"]["kafka"]["condition"] == "service_healthy"
    assert init["image"] == services["kafka"]["image"]


def test_interpolations_are_well_formed_and_required_secrets_fail_when_unset() -> None:
    text = COMPOSE.read_text(encoding="utf-8")
    assert text.count("${") == len(INTERPOLATION.findall(text)), "an unclosed ${"
    for expression in INTERPOLATION.findall(text):
        assert re.fullmatch(r"[A-Z_][A-Z0-9_]*(:?[-?].*)?", expression), expression
        if expression.startswith(("POSTGRES_PASSWORD",)):
            assert expression.startswith("POSTGRES_PASSWORD:?"), "the password has no default"
