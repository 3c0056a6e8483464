"""The deployment files agree with the code and stay safe.

Checks Dockerfile, docker-compose.yml and deploy/ (kustomize base, overlays, components) against
libs.contracts.topics and the five services: every topic is created, every service is deployed with
its probes on the right port, every container runs as non-root on a read-only root filesystem, and no
Secret or credential is committed. Only PyYAML and the standard library; `docker compose config` and
`kubectl kustomize` run when those tools are installed and are skipped otherwise.
"""

from __future__ import annotations

import copy
import functools
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from libs.contracts.topics import ALL_TOPICS, DEAD_LETTERED  # noqa: E402

DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
COMPOSE_FILE = ROOT / "docker-compose.yml"
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
BASE = K8S / "base"
OVERLAYS = {"dev": K8S / "overlays" / "dev", "prod": K8S / "overlays" / "prod"}

# Service name -> default HEALTH_PORT.
SERVICES = {"ingest": 8081, "retrieve": 8082, "generate": 8083, "guardrail": 8084, "evaluate": 8085}
SERVICE_UID = 10001
DAY_MS = 24 * 60 * 60 * 1000
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available: keeps this file fast


# ----------------------------------------------------------------------------- loading


def parse_docs(text: str) -> list[Any]:
    return [doc for doc in yaml.load_all(text, Loader=YAML_LOADER) if doc is not None]


@functools.cache
def _load_docs(path: Path) -> tuple[Any, ...]:
    return tuple(parse_docs(path.read_text(encoding="utf-8")))


def load_docs(path: Path) -> list[Any]:
    """The YAML documents of a file (a JSON-patch file is one list document)."""
    return list(_load_docs(path.resolve()))


def all_yaml_files() -> list[Path]:
    files = sorted(p for p in DEPLOY.rglob("*") if p.suffix in {".yaml", ".yml"} and p.is_file())
    return [COMPOSE_FILE, *files]


def kustomization_dirs() -> list[Path]:
    return sorted(p.parent for p in K8S.rglob("kustomization.yaml"))


KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")


def kustomization_file(directory: Path) -> Path | None:
    return next((directory / n for n in KUSTOMIZATION_NAMES if (directory / n).is_file()), None)


@functools.cache
def kustomization(directory: Path) -> dict:
    return load_docs(kustomization_file(directory) or directory / "kustomization.yaml")[0]


@functools.cache
def base_objects() -> tuple[dict, ...]:
    """The objects of every file the base kustomization lists (what kustomize would render)."""
    objects: list[dict] = []
    for resource in kustomization(BASE).get("resources", []):
        objects.extend(load_docs(BASE / resource))
    return tuple(objects)


def objects_of(kind: str, objects: tuple[dict, ...] | list[dict] | None = None) -> dict[str, dict]:
    found: dict[str, dict] = {}
    for obj in base_objects() if objects is None else objects:
        if obj.get("kind") == kind:
            name = obj["metadata"]["name"]
            assert name not in found, f"two {kind} objects named {name}"
            found[name] = obj
    return found


@functools.cache
def compose() -> dict:
    return load_docs(COMPOSE_FILE)[0]


def compose_env(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {str(k): str(v) for k, v in env.items()}


def the_container(deployment: dict) -> dict:
    containers = deployment["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1, f"{deployment['metadata']['name']}: expected one container"
    return containers[0]


def resolve_port(container: dict, port: int | str) -> int:
    if isinstance(port, int):
        return port
    named = {p.get("name"): p["containerPort"] for p in container.get("ports", [])}
    assert port in named, f"probe port {port!r} is not a named port of {container['name']}"
    return named[port]


def literal_env(container: dict) -> dict[str, str]:
    return {e["name"]: str(e["value"]) for e in container.get("env", []) if "value" in e}


# ----------------------------------------------------------------------------- topics


def topic_problems(objects: tuple[dict, ...] | list[dict]) -> list[str]:
    """Topics of libs.contracts.topics without a KafkaTopic, and KafkaTopics of no catalogue topic."""
    defined = {t["spec"].get("topicName", name) for name, t in objects_of("KafkaTopic", objects).items()}
    return [f"no KafkaTopic for {topic}" for topic in ALL_TOPICS if topic not in defined] + [
        f"KafkaTopic {topic} is not in ALL_TOPICS" for topic in sorted(defined - set(ALL_TOPICS))]


def test_the_topic_check_catches_a_missing_topic() -> None:
    objects = [o for o in base_objects() if o.get("spec", {}).get("topicName") != DEAD_LETTERED]
    assert topic_problems(objects) == [f"no KafkaTopic for {DEAD_LETTERED}"]


def test_every_topic_has_a_strimzi_kafka_topic_in_base() -> None:
    assert topic_problems(base_objects()) == []
    topics = objects_of("KafkaTopic")
    by_topic = {t["spec"].get("topicName", name): t for name, t in topics.items()}
    for topic, obj in by_topic.items():
        assert obj["apiVersion"] == "kafka.strimzi.io/v1beta2", topic
        assert obj["metadata"]["labels"]["strimzi.io/cluster"] == "ragbus", topic
        assert obj["spec"]["partitions"] == 6, topic
        assert obj["spec"]["replicas"] == 3, topic
        assert int(obj["spec"]["config"]["retention.ms"]) > 0, topic
    dead_letter_retention = int(by_topic[DEAD_LETTERED]["spec"]["config"]["retention.ms"])
    assert dead_letter_retention == 14 * DAY_MS
    others = [int(t["spec"]["config"]["retention.ms"]) for name, t in by_topic.items() if name != DEAD_LETTERED]
    assert dead_letter_retention > max(others), "dead letters must be kept longer than any other topic"


def kafka_init_script() -> str:
    service = compose()["services"]["kafka-init"]
    parts: list[str] = []
    for key in ("entrypoint", "command"):
        value = service.get(key) or []
        parts.extend([value] if isinstance(value, str) else value)
    return "\n".join(parts)


def test_compose_kafka_init_creates_every_topic() -> None:
    script = kafka_init_script()
    created = set()
    for line in script.splitlines():
        if "kafka-topics.sh" in line and "--create" in line:
            assert "--if-not-exists" in line, f"topic creation must be idempotent: {line.strip()}"
            assert "--partitions" in line, line.strip()
            created.update(re.findall(r"--topic\s+([A-Za-z0-9._-]+)", line))
    assert created == set(ALL_TOPICS), f"kafka-init must create exactly ALL_TOPICS; diff {created ^ set(ALL_TOPICS)}"
    assert "${KAFKA_TOPIC_PARTITIONS:-3}" in script or "--partitions 3" in script


def test_compose_kafka_is_kraft_without_auto_created_topics() -> None:
    kafka = compose()["services"]["kafka"]
    assert kafka["image"] == "apache/kafka:3.9.1"
    env = compose_env(kafka)
    assert "controller" in env["KAFKA_PROCESS_ROLES"] and "broker" in env["KAFKA_PROCESS_ROLES"]
    assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
    assert "healthcheck" in kafka


# ----------------------------------------------------------------------------- compose services


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_compose_runs_the_service_with_a_readiness_healthcheck(name: str) -> None:
    services = compose()["services"]
    assert name in services, f"docker-compose.yml has no service {name}"
    service = services[name]
    assert service["command"] == [f"services.{name}"]
    assert service["build"]["context"] == "."
    env = compose_env(service)
    assert env["HEALTH_PORT"] == str(SERVICES[name])
    assert env["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"
    test = service["healthcheck"]["test"]
    test_text = " ".join(test) if isinstance(test, list) else test
    assert "/readyz" in test_text and "urllib" in test_text
    depends = service["depends_on"]
    assert depends["kafka-init"]["condition"] == "service_completed_successfully"
    for dependency, spec in depends.items():
        assert dependency in services, f"{name} depends on unknown service {dependency}"
        if "healthcheck" in services[dependency]:
            assert spec["condition"] == "service_healthy", f"{name} -> {dependency}"
    if name in {"guardrail", "evaluate"}:
        assert env["DATABASE_URL"].startswith("postgresql://")
        assert depends["postgres"]["condition"] == "service_healthy"
    if name in {"ingest", "retrieve"}:
        assert env["CHROMA_URL"] == "http://chroma:8000"
    assert service.get("read_only") is True
    assert str(service.get("user", "")).split(":")[0] not in {"", "0", "root"}


def test_compose_infrastructure_images_are_pinned() -> None:
    services = compose()["services"]
    expected = {
        "postgres": "postgres:16-bookworm",
        "otel-collector": "otel/opentelemetry-collector-contrib:0.114.0",
        "jaeger": "jaegertracing/all-in-one:1.62.0",
    }
    for name, image in expected.items():
        assert services[name]["image"] == image
    assert services["chroma"]["image"].startswith("chromadb/chroma:1.")
    assert compose_env(services["jaeger"]).get("COLLECTOR_OTLP_ENABLED") == "true"
    mounts = services["otel-collector"]["volumes"]
    assert any(str(m).startswith("./deploy/otel-collector.yaml:") for m in mounts)
    assert compose_env(services["postgres"])["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")


def test_otel_collector_exports_traces_to_jaeger_and_metrics_to_prometheus() -> None:
    config = load_docs(DEPLOY / "otel-collector.yaml")[0]
    pipelines = config["service"]["pipelines"]
    assert "otlp" in pipelines["traces"]["receivers"]
    trace_exporters = pipelines["traces"]["exporters"]
    jaeger = [e for e in trace_exporters if e.startswith("otlp")]
    assert jaeger and config["exporters"][jaeger[0]]["endpoint"].startswith("jaeger:")
    assert "prometheus" in pipelines["metrics"]["exporters"]
    assert config["exporters"]["prometheus"]["endpoint"].endswith(":8889")
    for pipeline in pipelines.values():
        for section in ("receivers", "processors", "exporters"):
            for component in pipeline.get(section, []):
                declared = set(config.get(section, {})) | set(config.get("connectors", {}))
                assert component in declared, f"{section} {component} is used but not declared"


# ----------------------------------------------------------------------------- kubernetes base


def deployment_problems(deployment: dict) -> list[str]:
    """What a service Deployment lacks: the three probes, and CPU and memory requests and limits."""
    problems = []
    name = deployment["metadata"]["name"]
    for container in deployment["spec"]["template"]["spec"]["containers"]:
        where = f"{name}/{container.get('name')}"
        for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
            if not (container.get(probe) or {}).get("httpGet"):
                problems.append(f"{where}: no {probe} (httpGet)")
        resources = container.get("resources") or {}
        for section in ("requests", "limits"):
            for resource in ("cpu", "memory"):
                if not (resources.get(section) or {}).get(resource):
                    problems.append(f"{where}: no {resource} {section[:-1]}")
    return problems


def test_every_service_folder_is_in_the_deploy_checks() -> None:
    folders = {p.parent.name for p in (ROOT / "services").glob("*/main.py")}
    assert folders == set(SERVICES), "a service without a Deployment, Service, PDB, HPA and compose entry"


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_deployment_has_probes_and_limits(name: str) -> None:
    assert deployment_problems(objects_of("Deployment")[name]) == []


def test_the_probe_and_limit_check_catches_what_it_should() -> None:
    deployment = copy.deepcopy(objects_of("Deployment")["generate"])
    container = the_container(deployment)
    del container["readinessProbe"], container["startupProbe"], container["resources"]["limits"]["memory"]
    assert deployment_problems(deployment) == [
        "generate/generate: no startupProbe (httpGet)",
        "generate/generate: no readinessProbe (httpGet)",
        "generate/generate: no memory limit",
    ]


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_deployment_probes_point_at_the_health_port(name: str) -> None:
    deployments = objects_of("Deployment")
    assert name in deployments, f"base has no Deployment {name}"
    container = the_container(deployments[name])
    port = SERVICES[name]
    assert container["args"] == [f"services.{name}"]
    assert literal_env(container)["HEALTH_PORT"] == str(port)
    readiness = container["readinessProbe"]["httpGet"]
    liveness = container["livenessProbe"]["httpGet"]
    assert readiness["path"] == "/readyz"
    assert liveness["path"] == "/healthz"
    assert resolve_port(container, readiness["port"]) == port
    assert resolve_port(container, liveness["port"]) == port
    resources = container["resources"]
    assert {"cpu", "memory"} <= set(resources["requests"]) and {"cpu", "memory"} <= set(resources["limits"])
    assert {"configMapRef": {"name": "ragbus-settings"}} in container["envFrom"]

    service = objects_of("Service")[name]
    pod_labels = deployments[name]["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= pod_labels.items()
    target = service["spec"]["ports"][0]["targetPort"]
    assert resolve_port(container, target) == port


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_each_service_has_a_pdb_and_a_cpu_hpa(name: str) -> None:
    deployment = objects_of("Deployment")[name]
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()

    pdb = objects_of("PodDisruptionBudget")[name]
    assert pdb["apiVersion"] == "policy/v1"
    assert pdb["spec"]["minAvailable"] == 1
    assert pdb["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()

    hpa = objects_of("HorizontalPodAutoscaler")[name]
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": name}
    cpu = [m for m in hpa["spec"]["metrics"] if m["type"] == "Resource" and m["resource"]["name"] == "cpu"]
    assert cpu and cpu[0]["resource"]["target"] == {"type": "Utilization", "averageUtilization": 70}
    assert hpa["spec"]["minReplicas"] >= 1 and hpa["spec"]["maxReplicas"] <= 6  # no more than partitions


def assert_pod_is_hardened(obj: dict) -> None:
    name = f"{obj['kind']}/{obj['metadata']['name']}"
    pod = obj["spec"]["template"]["spec"]
    pod_sc = pod.get("securityContext", {})
    assert pod.get("automountServiceAccountToken") is False, name
    tmp_volumes = {v["name"] for v in pod.get("volumes", []) if "emptyDir" in v}
    for container in pod.get("initContainers", []) + pod["containers"]:
        sc = container.get("securityContext", {})
        where = f"{name} container {container['name']}"
        assert sc.get("runAsNonRoot", pod_sc.get("runAsNonRoot")) is True, where
        assert sc.get("runAsUser", pod_sc.get("runAsUser", SERVICE_UID)) != 0, where
        assert sc.get("readOnlyRootFilesystem") is True, where
        assert sc.get("allowPrivilegeEscalation") is False, where
        assert sc.get("privileged", False) is False, where
        assert "ALL" in sc.get("capabilities", {}).get("drop", []), where
        seccomp = sc.get("seccompProfile", pod_sc.get("seccompProfile", {}))
        assert seccomp.get("type") == "RuntimeDefault", where
        tmp = [m for m in container.get("volumeMounts", []) if m["mountPath"] == "/tmp"]
        assert tmp and tmp[0]["name"] in tmp_volumes, f"{where}: /tmp must be an emptyDir"


def workloads(objects: tuple[dict, ...] | list[dict]) -> list[dict]:
    kinds = {"Deployment", "StatefulSet", "DaemonSet", "Job", "ReplicaSet"}
    return [o for o in objects if o.get("kind") in kinds]


def test_every_container_runs_as_non_root_with_a_read_only_root_filesystem() -> None:
    found = workloads(base_objects())
    assert {o["metadata"]["name"] for o in found} >= set(SERVICES)
    for obj in found:
        assert_pod_is_hardened(obj)


def test_the_image_runs_as_the_non_root_service_user() -> None:
    text = DOCKERFILE.read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.11\.7-slim-bookworm|^ARG PYTHON_IMAGE=python:3\.11\.7-slim-bookworm", text, re.M)
    assert len(re.findall(r"^FROM ", text, re.M)) >= 2, "multi-stage build expected"
    users = re.findall(r"^USER\s+(\S+)", text, re.M)
    assert users and users[-1].split(":")[0] == str(SERVICE_UID)
    assert 'ENTRYPOINT ["python", "-m"]' in text
    assert 'CMD ["services.guardrail"]' in text
    assert "HF_HUB_OFFLINE=1" in text
    assert "HEALTH_HOST=0.0.0.0" in text, "probes from outside the container need the health server on 0.0.0.0"
    ignored = {line.strip() for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()}
    assert {".venv", ".git", ".ragbus", "tests"} <= ignored
    assert any("__pycache__" in line for line in ignored)


def secret_refs(objects: tuple[dict, ...] | list[dict]) -> Iterator[tuple[str, dict]]:
    for obj in workloads(objects):
        for container in obj["spec"]["template"]["spec"]["containers"]:
            for env in container.get("env", []):
                ref = env.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    yield env["name"], ref


def test_secrets_are_referenced_with_the_agreed_keys() -> None:
    refs = list(secret_refs(base_objects()))
    allowed = {
        "ANTHROPIC_API_KEY": ("anthropic-api-key", True),
        "DATABASE_URL": ("database-url", False),
        "KAFKA_SASL_PASSWORD": ("kafka-sasl-password", True),
    }
    for env_name, ref in refs:
        assert ref["name"] == "ragbus-secrets", env_name
        assert env_name in allowed, f"unexpected secret reference {env_name}"
        key, optional = allowed[env_name]
        assert ref["key"] == key, env_name
        assert ref.get("optional", False) is optional, env_name
    deployments = objects_of("Deployment")
    for name in ("guardrail", "evaluate", "generate"):
        names = {e["name"] for e in the_container(deployments[name]).get("env", []) if "valueFrom" in e}
        assert "DATABASE_URL" in names, name
    generate_env = {e["name"] for e in the_container(deployments["generate"]).get("env", [])}
    assert "ANTHROPIC_API_KEY" in generate_env
    settings = objects_of("ConfigMap")["ragbus-settings"]["data"]
    assert not {"KAFKA_SASL_PASSWORD", "DATABASE_URL", "ANTHROPIC_API_KEY"} & set(settings)
    assert {"KAFKA_BOOTSTRAP_SERVERS", "KAFKA_SECURITY_PROTOCOL", "CHROMA_URL", "OTEL_EXPORTER_OTLP_ENDPOINT"} <= set(
        settings
    )


def test_namespace_and_network_policy() -> None:
    assert "ragbus" in objects_of("Namespace")
    assert kustomization(BASE).get("namespace") == "ragbus"
    policies = list(objects_of("NetworkPolicy").values())
    deny = [p for p in policies if p["spec"]["podSelector"] == {} and "Ingress" in p["spec"]["policyTypes"]]
    assert deny and not deny[0]["spec"].get("ingress"), "a default-deny-ingress policy is required"
    egress_ports = {
        port["port"]
        for p in policies
        if "Egress" in p["spec"]["policyTypes"]
        for rule in p["spec"].get("egress", [])
        for port in rule.get("ports", [])
    }
    assert {53, 9092, 5432, 8000, 4317} <= egress_ports, "egress to DNS, Kafka, PostgreSQL, Chroma, OTLP"


def test_only_prometheus_may_reach_the_pods_and_only_on_the_health_port() -> None:
    """default-deny-ingress would otherwise drop the scrape of /metrics, and no alert could ever fire."""
    policies = [p for p in objects_of("NetworkPolicy").values() if p["spec"].get("ingress")]
    assert [p["metadata"]["name"] for p in policies] == ["allow-prometheus-scrape"]
    part_of = {d["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/part-of"]
               for d in objects_of("Deployment").values()}
    assert policies[0]["spec"]["podSelector"]["matchLabels"] == {"app.kubernetes.io/part-of": "ragbus"}
    assert part_of == {"ragbus"}, "the policy must select every service's pods"
    (rule,) = policies[0]["spec"]["ingress"]
    assert [peer["podSelector"]["matchLabels"] for peer in rule["from"]] == [{"app.kubernetes.io/name": "prometheus"}]
    assert rule["ports"] == [{"protocol": "TCP", "port": "health"}]


# ----------------------------------------------------------------------------- overlays


def test_dev_and_prod_overlays_set_their_replicas() -> None:
    for overlay, count in (("dev", 1), ("prod", 3)):
        replicas = {r["name"]: r["count"] for r in kustomization(OVERLAYS[overlay]).get("replicas", [])}
        assert replicas == {name: count for name in SERVICES}, overlay


def test_prod_scales_generate_on_consumer_lag_with_keda() -> None:
    components = [(OVERLAYS["prod"] / c).resolve() for c in kustomization(OVERLAYS["prod"]).get("components", [])]
    keda = [c for c in components if any(o.get("kind") == "ScaledObject" for o in component_objects(c))]
    assert keda, "prod must include a component with a KEDA ScaledObject"
    objects = component_objects(keda[0])
    scaled = objects_of("ScaledObject", objects)["generate"]
    assert scaled["spec"]["scaleTargetRef"]["name"] == "generate"
    assert scaled["spec"]["maxReplicaCount"] <= 6
    kafka = [t for t in scaled["spec"]["triggers"] if t["type"] == "kafka"]
    assert kafka and kafka[0]["metadata"]["consumerGroup"] == "generate"
    assert kafka[0]["metadata"]["topic"] in ALL_TOPICS
    auth = objects_of("TriggerAuthentication", objects)[kafka[0]["authenticationRef"]["name"]]
    for ref in auth["spec"].get("secretTargetRef", []):
        assert ref["name"] == "ragbus-secrets"
    # KEDA owns generate's HPA: the component must remove the base one.
    patches = kustomization(keda[0]).get("patches", [])
    deleted = [load_docs(keda[0] / p["path"])[0] for p in patches if "path" in p]
    assert any(
        d.get("$patch") == "delete" and d["kind"] == "HorizontalPodAutoscaler" and d["metadata"]["name"] == "generate"
        for d in deleted
    )


def component_objects(directory: Path) -> list[dict]:
    objects: list[dict] = []
    for resource in kustomization(directory).get("resources", []):
        objects.extend(load_docs(directory / resource))
    return objects


# ----------------------------------------------------------------------------- kustomization files


def referenced_paths(data: dict) -> Iterator[str]:
    for key in ("resources", "components", "crds", "patchesStrategicMerge"):
        yield from (entry for entry in data.get(key, []) if isinstance(entry, str))
    for key in ("patches", "patchesJson6902"):
        yield from (entry["path"] for entry in data.get(key, []) if isinstance(entry, dict) and "path" in entry)
    for key in ("configMapGenerator", "secretGenerator"):
        for generator in data.get(key, []):
            yield from (f.split("=", 1)[-1] for f in generator.get("files", []))
            yield from generator.get("envs", [])


@pytest.mark.parametrize("directory", kustomization_dirs(), ids=lambda p: str(p.relative_to(K8S)))
def test_every_listed_resource_exists_and_every_file_is_listed(directory: Path) -> None:
    data = kustomization(directory)
    listed = list(referenced_paths(data))
    assert listed, f"{directory} lists nothing"
    for entry in listed:
        assert "://" not in entry, f"remote resource {entry} in {directory}"
        target = (directory / entry).resolve()
        assert target.exists(), f"{directory / 'kustomization.yaml'} lists missing {entry}"
        if target.is_dir():
            assert kustomization_file(target) is not None, f"{entry} is not a kustomization"
    local = {(directory / entry).resolve() for entry in listed}
    for path in directory.glob("*.yaml"):
        if path.name != "kustomization.yaml":
            assert path.resolve() in local, f"{path.relative_to(ROOT)} is not referenced by its kustomization.yaml"


# ----------------------------------------------------------------------------- no committed secrets

SECRET_KEY = re.compile(r"(?i)(password|passwd|secret|token|api[_-]?key|apikey|credential|private[_-]?key)")
REFERENCE_KEY = re.compile(r"(?i)(ref|name|file|path|mechanism|username)$")
CREDENTIAL_PATTERNS = {
    "Anthropic API key": re.compile(r"sk-ant-[A-Za-z0-9_-]{10,}"),
    "OpenAI-style key": re.compile(r"\bsk-[A-Za-z0-9]{20,}"),
    "AWS access key": re.compile(r"\bAKIA[0-9A-Z]{16}\b"),
    "private key": re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    "GitHub token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{30,}"),
    "Slack token": re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"),
    "JWT": re.compile(r"\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"),
}
URL_PASSWORD = re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@]+:([^@\s]+)@", re.I)


def is_placeholder(value: str) -> bool:
    """Empty, or only a compose/shell interpolation like ${NAME} / ${NAME:?message} / ${NAME:-}."""
    value = value.strip()
    return value == "" or bool(re.fullmatch(r"\$\{[A-Za-z_][A-Za-z0-9_]*(?::?[-?][^}]*)?\}", value))


def walk(node: Any, path: str = "") -> Iterator[tuple[str, Any, Any]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield path, key, value
            yield from walk(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, f"{path}[{index}]")


def credential_findings(path: Path) -> list[str]:
    findings = []
    text = path.read_text(encoding="utf-8")
    for label, pattern in CREDENTIAL_PATTERNS.items():
        if pattern.search(text):
            findings.append(f"{label} in {path.name}")
    for match in URL_PASSWORD.finditer(text):
        if not re.fullmatch(r"\$\{.*\}|<[^<>]+>", match.group(1)):  # ${VAR...} or a <placeholder>
            findings.append(f"password in a URL in {path.name}: {match.group(0)}")
    if path.suffix in {".yaml", ".yml"}:
        for doc in load_docs(path):
            for where, key, value in walk(doc):
                if not isinstance(value, (str, int, float)) or isinstance(value, bool):
                    continue
                key = str(key)
                if SECRET_KEY.search(key) and not REFERENCE_KEY.search(key) and not is_placeholder(str(value)):
                    findings.append(f"{path.name}{where}.{key} has a literal value")
            # Kubernetes env entries: {name: SOME_PASSWORD, value: literal}
            for where, key, value in walk(doc):
                if key == "env" and isinstance(value, list):
                    for entry in value:
                        if isinstance(entry, dict) and SECRET_KEY.search(str(entry.get("name", ""))):
                            if not is_placeholder(str(entry.get("value", ""))):
                                findings.append(f"{path.name}{where}: env {entry['name']} has a literal value")
    return findings


def test_no_manifest_contains_a_secret_object() -> None:
    for path in all_yaml_files():
        for doc in load_docs(path):
            if isinstance(doc, dict):
                assert doc.get("kind") != "Secret", f"{path.relative_to(ROOT)} commits a Secret object"
                assert "secretGenerator" not in doc, f"{path.relative_to(ROOT)} generates a Secret"


def test_no_file_contains_a_credential() -> None:
    findings = []
    for path in [*all_yaml_files(), DOCKERFILE, DOCKERIGNORE, DEPLOY / "README.md"]:
        findings.extend(credential_findings(path))
    assert not findings, "credential-like values committed:\n" + "\n".join(findings)


def test_the_credential_check_catches_what_it_should(tmp_path: Path) -> None:
    leaky = tmp_path / "leaky.yaml"
    leaky.write_text(
        "env:\n"
        "  - name: KAFKA_SASL_PASSWORD\n"
        "    value: hunter2\n"
        "environment:\n"
        "  POSTGRES_PASSWORD: hunter2\n"
        "  DATABASE_URL: postgresql://ragbus:hunter2@postgres:5432/ragbus\n",
        encoding="utf-8",
    )
    assert len(credential_findings(leaky)) == 3
    clean = tmp_path / "clean.yaml"
    clean.write_text(
        "environment:\n"
        "  POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?set it}\n"
        "  DATABASE_URL: postgresql://ragbus:${POSTGRES_PASSWORD:?set it}@postgres:5432/ragbus\n"
        "  ANTHROPIC_API_KEY: ${ANTHROPIC_API_KEY:-}\n",
        encoding="utf-8",
    )
    assert credential_findings(clean) == []


# ----------------------------------------------------------------------------- external tools (optional)
# `docker compose config` and `kustomize build` each take a few tenths of a second: all of them are
# started together, once, by the first test that needs them.

KUSTOMIZE_DIRS = tuple(OVERLAYS.values())  # the overlays render the base (and the KEDA component) too


def _runs(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess | None:
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=60, **kwargs)
    except (OSError, subprocess.TimeoutExpired):
        return None


@functools.cache
def compose_command() -> tuple[str, ...] | None:
    """`docker compose` (the plugin), else a standalone Compose v2 `docker-compose` that reports failures."""
    candidates = []
    if shutil.which("docker"):
        candidates.append(("docker", "compose"))
    if shutil.which("docker-compose"):
        candidates.append(("docker-compose",))
    for candidate in candidates:
        version = _runs([*candidate, "version"])
        if version is None or version.returncode != 0 or not re.search(r"v?2\.\d+", version.stdout):
            continue
        if candidate[0] == "docker":
            return candidate
        # A standalone binary may be a wrapper that hides failures (exit 0 on errors): that proves nothing.
        broken = _runs([*candidate, "-f", str(ROOT / "no-such-compose-file.yml"), "config", "-q"], cwd=ROOT)
        if broken is not None and broken.returncode != 0:
            return candidate
    return None


@functools.cache
def kustomize_command() -> tuple[str, ...] | None:
    if shutil.which("kustomize"):
        return ("kustomize", "build")
    if shutil.which("kubectl"):
        return ("kubectl", "kustomize")
    return None


def compose_env_vars(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"POSTGRES_PASSWORD", "ANTHROPIC_API_KEY"}}
    env.update(overrides)
    return env


@functools.cache
def tool_runs() -> dict[str, subprocess.CompletedProcess | None]:
    runs: dict[str, tuple[list[str], dict[str, Any]]] = {}
    compose_cmd = compose_command()
    if compose_cmd is not None:
        # --env-file: an empty file, so a developer's .env cannot hide a missing variable.
        base = [*compose_cmd, "--env-file", os.devnull, "-f", str(COMPOSE_FILE)]
        with_password = compose_env_vars(POSTGRES_PASSWORD="ci-placeholder", ANTHROPIC_API_KEY="")
        runs["compose-config"] = ([*base, "config", "-q"], {"cwd": ROOT, "env": with_password})
        runs["compose-no-password"] = ([*base, "config", "-q"], {"cwd": ROOT, "env": compose_env_vars()})
    kustomize_cmd = kustomize_command()
    if kustomize_cmd is not None:
        for directory in KUSTOMIZE_DIRS:
            runs[f"kustomize-{directory.name}"] = ([*kustomize_cmd, str(directory)], {})
    with ThreadPoolExecutor(max(len(runs), 1)) as pool:
        futures = {label: pool.submit(_runs, command, **kwargs) for label, (command, kwargs) in runs.items()}
        return {label: future.result() for label, future in futures.items()}


def test_docker_compose_config_is_valid() -> None:
    if compose_command() is None:
        pytest.skip("`docker compose version` does not work here (no Compose v2 plugin or docker-compose binary)")
    runs = tool_runs()
    ok = runs["compose-config"]
    assert ok is not None and ok.returncode == 0, f"docker compose config -q failed:\n{ok and ok.stderr}"
    # No committed default password: without POSTGRES_PASSWORD the file must not resolve.
    missing = runs["compose-no-password"]
    assert missing is not None and missing.returncode != 0 and "POSTGRES_PASSWORD" in missing.stderr


@pytest.mark.parametrize("directory", KUSTOMIZE_DIRS, ids=lambda p: p.name)
def test_kustomize_renders_hardened_manifests(directory: Path) -> None:
    if kustomize_command() is None:
        pytest.skip("neither `kustomize` nor `kubectl` is installed")
    result = tool_runs()[f"kustomize-{directory.name}"]
    assert result is not None and result.returncode == 0, result and result.stderr
    objects = parse_docs(result.stdout)
    assert not [o for o in objects if o.get("kind") == "Secret"]
    deployments = objects_of("Deployment", objects)
    assert set(deployments) == set(SERVICES)
    for obj in workloads(objects):
        assert_pod_is_hardened(obj)
    for obj in objects:
        if obj.get("kind") != "Namespace":
            assert obj["metadata"].get("namespace") == "ragbus", f"{obj['kind']}/{obj['metadata']['name']}"
    assert topic_problems(objects) == []
    for deployment in deployments.values():
        assert deployment_problems(deployment) == []
    expected = 1 if directory == OVERLAYS["dev"] else 3
    assert {d["spec"]["replicas"] for d in deployments.values()} == {expected}
