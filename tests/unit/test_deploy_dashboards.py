"""Prometheus alert rules and the Grafana dashboard in deploy/ against the code: every series they query is
one the services export (the catalogue in libs/platform/metrics.py, named as the OpenTelemetry Prometheus
exporter names it), every alert the system raises has a rule, every rule has a runbook."""

import ast
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from libs.platform import metrics

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "deploy/prometheus/ragbus-alerts.yaml"
DASHBOARD = ROOT / "deploy/grafana/ragbus-overview.json"
# How each catalogue entry is instrumented; a new entry must be added here (and to the dashboard).
KINDS = {"STAGE_DURATION": "histogram", "ANSWER_LATENCY": "histogram", "EVAL_SCORE": "histogram",
         "BREAKER_STATE": "gauge", "CONSUMER_LAG": "gauge", "MESSAGES_DEAD_LETTERED": "counter",
         "ANSWERS_COMPLETED": "counter", "MODEL_TOKENS": "counter", "MODEL_COST": "counter",
         "GENERATION_RUNG": "counter", "CACHE_LOOKUPS": "counter", "GUARDRAIL_DECISIONS": "counter"}
EXPORT = """
import sys
from prometheus_client import generate_latest
from libs.platform import metrics
from libs.platform.telemetry import configure_metrics
configure_metrics("catalogue")
for name, kind in {kinds}.items():
    spec = getattr(metrics, name)
    if kind == "counter": metrics.counter(spec).add(1)
    elif kind == "histogram": metrics.histogram(spec).record(1.0)
    else: metrics.gauge(spec).set(1)
sys.stdout.write(generate_latest().decode())
"""
SERIES = re.compile(r"\bragbus_[A-Za-z0-9_]+")
# Series a rule may use that the services do not export, each with the reason no ragbus series serves.
# A selector ({...} or [range] follows the name), or a name of a common exporter, that is not a ragbus series.
OTHER_SERIES = re.compile(r"\b(?!ragbus_)([A-Za-z_:][A-Za-z0-9_:]*)(?=\s*[{\[])"
                          r"|\b(up|(?:kube|node|container|kafka|process)_[A-Za-z0-9_]+)\b")
EXTERNAL = {  # series name -> (exporter, the only rule allowed to use it, why)
    "kube_deployment_status_replicas_available": (
        "kube-state-metrics", "BrokerUnreachable",
        "readiness (/readyz) is the broker ping; no ragbus series shows the broker down (lag keeps its last value)"),
    "kube_deployment_spec_replicas": (
        "kube-state-metrics", "BrokerUnreachable", "a namespace scaled to zero on purpose is not an outage"),
}
# Runbooks of an operation rather than an alert: no rule links them, an alert's runbook does.
PROCEDURES = {"runbooks/canary-rollout.md"}


def catalogue() -> dict[str, tuple]:
    return {name: value for name, value in vars(metrics).items()
            if isinstance(value, tuple) and len(value) == 3 and str(value[0]).startswith("ragbus.")}


@pytest.fixture(scope="module")
def exported() -> set[str]:
    """Series names the services' /metrics shows for the catalogue: exported for real, in a fresh process."""
    script = EXPORT.format(kinds=KINDS)
    text = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return {line.split("{")[0].split(" ")[0] for line in text.splitlines()
            if line.startswith("ragbus_")}


def rules() -> list[dict]:
    return [rule for group in yaml.safe_load(RULES.read_text(encoding="utf-8"))["groups"] for rule in group["rules"]]


def test_every_catalogue_metric_has_a_known_kind():
    assert set(KINDS) == set(catalogue())


def test_rules_file_has_the_prometheus_rule_file_structure():
    document = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    assert set(document) == {"groups"}
    names = [group["name"] for group in document["groups"]]
    assert len(names) == len(set(names))
    for group in document["groups"]:
        assert set(group) <= {"name", "interval", "limit", "rules"} and group["rules"], group["name"]
        for rule in group["rules"]:
            assert set(rule) <= {"alert", "expr", "for", "keep_firing_for", "labels", "annotations"}, rule
            assert isinstance(rule["alert"], str) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", rule["alert"])
            assert isinstance(rule["expr"], str) and rule["expr"].strip()
            assert re.fullmatch(r"\d+[smhd]", rule.get("for", "0s")), rule["alert"]
            assert rule["labels"]["severity"] in {"info", "warning", "critical"}
            assert {"summary", "description", "runbook_url"} <= set(rule["annotations"])
            assert rule["expr"].count("(") == rule["expr"].count(")"), rule["alert"]


def test_every_rule_queries_only_series_the_services_export(exported):
    for rule in rules():
        used = set(SERIES.findall(rule["expr"]))
        assert used, f"{rule['alert']} queries no ragbus series"
        assert used <= exported, f"{rule['alert']}: {sorted(used - exported)} not in the catalogue"


def test_series_from_outside_ragbus_are_few_and_explained():
    for rule in rules():
        for name in {"".join(match) for match in OTHER_SERIES.findall(rule["expr"])}:
            assert name in EXTERNAL, f"{rule['alert']} uses {name}: add it to EXTERNAL with the reason"
            assert EXTERNAL[name][1] == rule["alert"], f"{name} is allowed in {EXTERNAL[name][1]} only"


BROKER_TEST = """
rule_files: [{rules}]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      # ragbus is deployed; from minute 10 no pod is ready (readiness = broker ping fails)
      - series: 'kube_deployment_spec_replicas{{namespace="ragbus", deployment="generate"}}'
        values: '1x30'
      - series: 'kube_deployment_status_replicas_available{{namespace="ragbus", deployment="generate"}}'
        values: '1x9 0x21'
      # messages are processed until minute 10, then nothing
      - series: 'ragbus_stage_duration_milliseconds_count{{group="generate", outcome="processed"}}'
        values: '0+10x9 90x21'
    alert_rule_test:
      - {{eval_time: 9m, alertname: BrokerUnreachable, exp_alerts: []}}
      - {{eval_time: 13m, alertname: BrokerUnreachable, exp_alerts: []}}
      - eval_time: 20m
        alertname: BrokerUnreachable
        exp_alerts:
          - exp_labels: {{severity: critical}}
            exp_annotations:
              summary: "No ragbus service can reach the Kafka broker: every pod fails its readiness check"
              description: "{description}"
              runbook_url: runbooks/broker-unreachable.md
  - interval: 1m
    input_series:
      # pods unready, but messages still processed: not the broker (probes timing out under load)
      - series: 'kube_deployment_spec_replicas{{namespace="ragbus", deployment="generate"}}'
        values: '1x30'
      - series: 'kube_deployment_status_replicas_available{{namespace="ragbus", deployment="generate"}}'
        values: '0x30'
      - series: 'ragbus_stage_duration_milliseconds_count{{group="generate", outcome="processed"}}'
        values: '0+10x30'
    alert_rule_test:
      - {{eval_time: 20m, alertname: BrokerUnreachable, exp_alerts: []}}
  - interval: 1m
    input_series:
      # pods unready and nothing scraped from them at all: still an alert
      - series: 'kube_deployment_spec_replicas{{namespace="ragbus", deployment="generate"}}'
        values: '1x30'
      - series: 'kube_deployment_status_replicas_available{{namespace="ragbus", deployment="generate"}}'
        values: '0x30'
    alert_rule_test:
      - eval_time: 20m
        alertname: BrokerUnreachable
        exp_alerts:
          - exp_labels: {{severity: critical}}
            exp_annotations:
              summary: "No ragbus service can reach the Kafka broker: every pod fails its readiness check"
              description: "{description}"
              runbook_url: runbooks/broker-unreachable.md
"""


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool not installed (Debian package prometheus)")
def test_promtool_broker_unreachable_fires_only_when_nothing_is_ready_and_nothing_processed(tmp_path):
    test_file = tmp_path / "broker_test.yaml"
    broker = next(rule for rule in rules() if rule["alert"] == "BrokerUnreachable")
    test_file.write_text(BROKER_TEST.format(rules=RULES, description=broker["annotations"]["description"]))
    result = subprocess.run(["promtool", "test", "rules", str(test_file)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_runbook_url_is_a_runbook_in_the_repository():
    for rule in rules():
        runbook = ROOT / rule["annotations"]["runbook_url"]
        assert runbook.parent == ROOT / "runbooks" and runbook.is_file(), rule["alert"]
        text = runbook.read_text(encoding="utf-8")
        assert all(f"## {part}" in text for part in ("Meaning", "Impact", "Diagnosis", "Mitigation")), runbook.name
    used = {rule["annotations"]["runbook_url"] for rule in rules()}
    assert {f"runbooks/{path.name}" for path in (ROOT / "runbooks").glob("*.md")} - PROCEDURES == used


def test_every_procedure_runbook_has_the_sections_and_is_reached_from_an_alert_runbook():
    alert_runbooks = [ROOT / rule["annotations"]["runbook_url"] for rule in rules()]
    for procedure in PROCEDURES:
        text = (ROOT / procedure).read_text(encoding="utf-8")
        assert all(f"## {part}" in text for part in ("Meaning", "Impact", "Diagnosis", "Mitigation")), procedure
        name = Path(procedure).name
        assert any(name in runbook.read_text(encoding="utf-8") for runbook in alert_runbooks), procedure


def alerts_raised_in_code() -> set[str]:
    """Names of the alerts services publish on ops.alert-raised.v1 (ALERT_NAME constants)."""
    names = set()
    for file in (ROOT / "services").rglob("*.py"):
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "ALERT_NAME" for t in node.targets):
                names.add(ast.literal_eval(node.value))
    return names


def test_every_alert_the_system_raises_has_a_rule():
    raised = alerts_raised_in_code()
    assert raised, "expected at least the evaluator's drift alert"
    assert raised <= {rule["alert"] for rule in rules()}


def dashboard_targets() -> list[tuple[str, str]]:
    panels = json.loads(DASHBOARD.read_text(encoding="utf-8"))["panels"]
    return [(panel["title"], target["expr"]) for panel in panels if panel["type"] != "row"
            for target in panel["targets"]]


def test_the_dashboard_queries_only_catalogue_series_and_covers_the_catalogue(exported):
    targets = dashboard_targets()
    assert len(targets) >= 10
    used = set()
    for title, expr in targets:
        series = set(SERIES.findall(expr))
        assert series and series <= exported, f"{title}: {sorted(series - exported)}"
        used |= series
    families = {re.sub(r"_(bucket|sum|count)$", "", name) for name in used}
    every = {re.sub(r"_(bucket|sum|count)$", "", name) for name in exported}
    assert every <= families, f"not on the dashboard: {sorted(every - families)}"


def test_the_dashboard_is_grafana_json_with_unique_panel_ids_and_a_datasource_variable():
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    assert dashboard["uid"] and dashboard["title"] and isinstance(dashboard["schemaVersion"], int)
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    assert [v["name"] for v in dashboard["templating"]["list"]] == ["datasource"]
    for panel in dashboard["panels"]:
        assert {"h", "w", "x", "y"} <= set(panel["gridPos"]) and panel["gridPos"]["x"] + panel["gridPos"]["w"] <= 24


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool not installed (Debian package prometheus)")
def test_promtool_accepts_the_rules():
    result = subprocess.run(["promtool", "check", "rules", str(RULES)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
