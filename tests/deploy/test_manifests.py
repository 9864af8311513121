"""The Kubernetes deployment (deploy/k8s): each overlay rendered as `kubectl kustomize` would, every
document validated against Kubernetes' schemas (kubernetes-validate, bundled schemas, strict), and
the invariants the service depends on. Fast: no cluster, no model, no network.

Needs `kubernetes-validate` (requirements-dev.txt; pinned in constraints.txt).
"""

from __future__ import annotations

import ipaddress
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple
from urllib.parse import urlsplit

import kubernetes_validate
import pytest
import yaml

from runtime import MIN_SECRET_LEN
from runtime.settings import Settings
from tests.deploy.kustomize_render import render, resource_id, split_image

PROJECT = Path(__file__).resolve().parents[2]
DEPLOY = PROJECT / "deploy"
OVERLAYS = DEPLOY / "k8s" / "overlays"
OVERLAY_NAMES = ["production", "dev"]
KUBERNETES_VERSION = "1.28.0"  # the newest schemas the pinned kubernetes-validate bundles

APP_IMAGE = "registry.example.com/zhuxiao"
PLACEHOLDER = "CHANGE_ME"
RASA = {"app.kubernetes.io/name": "zhuxiao", "app.kubernetes.io/component": "rasa"}
ACTIONS = {"app.kubernetes.io/name": "zhuxiao", "app.kubernetes.io/component": "actions"}
MONITORING_NAMESPACE = {"kubernetes.io/metadata.name": "monitoring"}
METRICS_PORTS = {"rasa": 9100, "actions": 9101}
# What the Rasa server reads (the contract in deploy/README.md and README, "Configuration").
RASA_SECRET_VARIABLES = {"DATABASE_URL", "ZX_REDIS_URL", "ZX_SECRET_KEY", "RASA_JWT_SECRET", "ZX_ACTION_TOKEN"}
RASA_CONFIG_VARIABLES = {
    "ZX_ACTION_URL",
    "ZX_SITE_ORIGINS",
    "ZX_EMBED_ORIGINS",
    "ZX_SECURE_COOKIES",
    "ZX_TRUSTED_PROXIES",
    "ZX_PORT",
    "ZX_INTERFACE",
    "ZX_METRICS_PORT",
}
ACTIONS_VARIABLES = {
    "DATABASE_URL",
    "ZX_REDIS_URL",
    "ZX_ACTION_TOKEN",
    "ZX_ACTIONS_PORT",
    "ZX_ACTIONS_HOST",
    "ZX_METRICS_PORT",
}
WORKLOAD_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "Job", "ReplicaSet"}


# ---------------------------------------------------------------------------------------------
# Rendering and lookups


@pytest.fixture(scope="module", params=OVERLAY_NAMES)
def overlay(request) -> str:
    return request.param


_RENDERED: Dict[str, List[Dict[str, Any]]] = {}


@pytest.fixture(scope="module")
def docs(overlay) -> List[Dict[str, Any]]:
    if overlay not in _RENDERED:
        _RENDERED[overlay] = render(OVERLAYS / overlay)
    return _RENDERED[overlay]


def kind(docs, kind_name: str) -> List[Dict[str, Any]]:
    return [d for d in docs if d["kind"] == kind_name]


def one(docs, kind_name: str, name: str) -> Dict[str, Any]:
    found = [d for d in kind(docs, kind_name) if d["metadata"]["name"] == name]
    assert len(found) == 1, f"expected one {kind_name}/{name}, found {len(found)}"
    return found[0]


def pod_template(workload: Dict[str, Any]) -> Dict[str, Any]:
    return workload["spec"]["template"]


def workloads(docs) -> Iterator[Dict[str, Any]]:
    return (d for d in docs if d["kind"] in WORKLOAD_KINDS)


def containers(pod_spec: Dict[str, Any]) -> List[Dict[str, Any]]:
    return list(pod_spec.get("initContainers", [])) + list(pod_spec["containers"])


def selects(selector: Dict[str, Any], labels: Dict[str, str]) -> bool:
    """Kubernetes label selector semantics (matchLabels and matchExpressions)."""
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expression in selector.get("matchExpressions") or []:
        key, operator, values = expression["key"], expression["operator"], expression.get("values", [])
        present = key in labels
        if operator == "In" and not (present and labels[key] in values):
            return False
        if operator == "NotIn" and present and labels[key] in values:
            return False
        if operator == "Exists" and not present:
            return False
        if operator == "DoesNotExist" and present:
            return False
    return True


def pods_selected(docs, selector: Dict[str, Any]) -> List[Dict[str, Any]]:
    return [w for w in workloads(docs) if selects(selector, pod_template(w)["metadata"].get("labels", {}))]


def rasa_deployment(docs) -> Dict[str, Any]:
    return one(docs, "Deployment", "zhuxiao-rasa")


def actions_deployment(docs) -> Dict[str, Any]:
    return one(docs, "Deployment", "zhuxiao-actions")


def main_container(workload: Dict[str, Any]) -> Dict[str, Any]:
    return pod_template(workload)["spec"]["containers"][0]


def environment(docs, container: Dict[str, Any]) -> Dict[str, Any]:
    """The container's variables: literal values, or ("secret"|"configmap", name, key)."""
    values: Dict[str, Any] = {}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            config_map = one(docs, "ConfigMap", source["configMapRef"]["name"])
            values.update(config_map.get("data", {}))
        if "secretRef" in source:
            secret = one(docs, "Secret", source["secretRef"]["name"])
            values.update({k: ("secret", secret["metadata"]["name"], k) for k in secret_values(secret)})
    for variable in container.get("env", []):
        if "value" in variable:
            values[variable["name"]] = variable["value"]
        else:
            ref = variable["valueFrom"]
            if "secretKeyRef" in ref:
                values[variable["name"]] = ("secret", ref["secretKeyRef"]["name"], ref["secretKeyRef"]["key"])
            elif "configMapKeyRef" in ref:
                config_map = one(docs, "ConfigMap", ref["configMapKeyRef"]["name"])
                values[variable["name"]] = config_map["data"][ref["configMapKeyRef"]["key"]]
    return values


def secret_values(secret: Dict[str, Any]) -> Dict[str, str]:
    return dict(secret.get("stringData") or {})


def container_port(container: Dict[str, Any], port: Any) -> Optional[int]:
    """The number of a named or numbered port of `container` (None: not one of its ports)."""
    for declared in container.get("ports", []):
        if declared.get("name") == port or declared["containerPort"] == port:
            return declared["containerPort"]
    return None


def service_target_ports(docs, service: Dict[str, Any], service_port: Dict[str, Any]) -> List[int]:
    """Container ports a Service port forwards to, in every pod its selector picks."""
    target = service_port.get("targetPort", service_port["port"])
    numbers = []
    for workload in pods_selected(docs, {"matchLabels": service["spec"].get("selector", {})}):
        for container in pod_template(workload)["spec"]["containers"]:
            number = container_port(container, target)
            if number is not None:
                numbers.append(number)
    return numbers


# ---------------------------------------------------------------------------------------------
# Rendering is faithful, and every document is a valid Kubernetes object


def test_every_document_validates_against_the_kubernetes_schemas(docs):
    errors = []
    for doc in docs:
        try:
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as error:
            path = ".".join(str(p) for p in error.path)
            errors.append(f"{doc['kind']}/{doc['metadata']['name']}: {path}: {error.message}")
        except (kubernetes_validate.SchemaNotFoundError, kubernetes_validate.InvalidSchemaError) as error:
            errors.append(f"{doc['kind']}/{doc['metadata']['name']}: {error.message}")
    assert not errors, "\n".join(errors)


def _kubectl_kustomize(directory: Path) -> Optional[str]:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        return None
    try:
        done = subprocess.run(
            [kubectl, "kustomize", str(directory)], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0 and "unknown command" in done.stderr:
        return None  # a kubectl without kustomize
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_renderer_agrees_with_kubectl_kustomize(overlay, docs):
    output = _kubectl_kustomize(OVERLAYS / overlay)
    if output is None:
        pytest.skip("kubectl (with kustomize) is not installed: the Python renderer alone is used")
    theirs = {resource_id(d): d for d in yaml.safe_load_all(output) if d}
    ours = {resource_id(d): d for d in docs}
    assert sorted(ours, key=str) == sorted(theirs, key=str)
    for rid, doc in ours.items():
        assert doc == theirs[rid], f"{rid} differs from kubectl kustomize"


def test_everything_lives_in_the_overlays_namespace(docs):
    namespaces = kind(docs, "Namespace")
    assert len(namespaces) == 1
    name = namespaces[0]["metadata"]["name"]
    for doc in docs:
        if doc["kind"] != "Namespace":
            assert doc["metadata"].get("namespace") == name, f"{doc['kind']}/{doc['metadata']['name']}"


# ---------------------------------------------------------------------------------------------
# The Rasa server


def test_rasa_runs_at_least_two_replicas_and_rolls_without_losing_capacity(docs):
    deployment = rasa_deployment(docs)
    assert deployment["spec"]["replicas"] >= 2
    assert deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    assert main_container(deployment)["command"] == ["python", "-m", "web.server"]


@pytest.mark.parametrize("name", ["zhuxiao-rasa", "zhuxiao-actions"])
def test_probes_use_readyz_and_healthz_on_the_web_port(docs, name):
    deployment = one(docs, "Deployment", name)
    container = main_container(deployment)
    readiness, liveness = container["readinessProbe"]["httpGet"], container["livenessProbe"]["httpGet"]
    assert readiness["path"] == "/readyz"
    assert liveness["path"] == "/healthz"
    web_port = {"zhuxiao-rasa": 8080, "zhuxiao-actions": 5055}[name]
    for probe in (readiness, liveness, container["startupProbe"]["httpGet"]):
        assert container_port(container, probe["port"]) == web_port
    # Liveness must not kill a pod that is merely busy or still loading the model.
    assert container["startupProbe"]["failureThreshold"] * container["startupProbe"]["periodSeconds"] >= 60
    assert container["livenessProbe"]["failureThreshold"] >= 3


@pytest.mark.parametrize("name", ["zhuxiao-rasa", "zhuxiao-actions"])
def test_shutdown_drains_after_the_ingress_stops_routing(docs, name):
    pod = pod_template(one(docs, "Deployment", name))["spec"]
    container = pod["containers"][0]
    command = container["lifecycle"]["preStop"]["exec"]["command"]
    assert command[0] == "sleep" and 2 <= int(command[1]) <= 10
    grace = pod["terminationGracePeriodSeconds"]
    assert 20 <= grace <= 60 and grace > int(command[1]) + 15  # the sleep, then the drain


def test_rasa_resources_cover_the_measured_memory(docs):
    """`make bench` (README, "Figures"): ~1.5 GB RSS once loaded, ~1 CPU under load."""
    resources = main_container(rasa_deployment(docs))["resources"]
    request, limit = _bytes(resources["requests"]["memory"]), _bytes(resources["limits"]["memory"])
    assert request >= 1_510_000_000 and limit > request
    assert _cpu(resources["requests"]["cpu"]) >= 0.5
    actions = main_container(actions_deployment(docs))["resources"]
    assert _bytes(actions["requests"]["memory"]) >= 150_000_000
    assert _bytes(actions["limits"]["memory"]) > _bytes(actions["requests"]["memory"])


def test_production_gives_rasa_a_cpu_and_more_replicas():
    if "production" not in _RENDERED:
        _RENDERED["production"] = render(OVERLAYS / "production")
    docs = _RENDERED["production"]
    deployment = rasa_deployment(docs)
    assert deployment["spec"]["replicas"] >= 3
    assert _cpu(main_container(deployment)["resources"]["requests"]["cpu"]) >= 1
    assert one(docs, "HorizontalPodAutoscaler", "zhuxiao-rasa")["spec"]["minReplicas"] >= 3


def test_the_hpa_scales_the_rasa_deployment_on_cpu(docs):
    hpas = kind(docs, "HorizontalPodAutoscaler")
    assert len(hpas) == 1
    hpa = hpas[0]
    assert hpa["apiVersion"] == "autoscaling/v2"
    target = hpa["spec"]["scaleTargetRef"]
    assert (target["apiVersion"], target["kind"], target["name"]) == ("apps/v1", "Deployment", "zhuxiao-rasa")
    assert hpa["spec"]["minReplicas"] >= 2
    assert hpa["spec"]["maxReplicas"] > hpa["spec"]["minReplicas"]
    assert hpa["spec"]["minReplicas"] <= rasa_deployment(docs)["spec"]["replicas"] <= hpa["spec"]["maxReplicas"]
    [metric] = hpa["spec"]["metrics"]
    assert metric["type"] == "Resource" and metric["resource"]["name"] == "cpu"
    assert 0 < metric["resource"]["target"]["averageUtilization"] <= 90
    # Utilization is measured against the request: there must be one.
    assert "cpu" in main_container(rasa_deployment(docs))["resources"]["requests"]


def test_the_pdb_keeps_one_rasa_pod_and_selects_only_rasa(docs):
    pdb = one(docs, "PodDisruptionBudget", "zhuxiao-rasa")
    assert pdb["apiVersion"] == "policy/v1"
    assert pdb["spec"]["minAvailable"] == 1
    assert [w["metadata"]["name"] for w in pods_selected(docs, pdb["spec"]["selector"])] == ["zhuxiao-rasa"]
    assert pdb["spec"]["minAvailable"] < rasa_deployment(docs)["spec"]["replicas"]


# ---------------------------------------------------------------------------------------------
# Ingress, Services and metrics


def test_the_ingress_has_sticky_sessions_and_websocket_timeouts(overlay, docs):
    [ingress] = kind(docs, "Ingress")
    annotations = ingress["metadata"]["annotations"]
    prefix = "nginx.ingress.kubernetes.io/"
    assert ingress["spec"]["ingressClassName"] == "nginx"
    assert annotations[prefix + "affinity"] == "cookie"
    assert annotations[prefix + "session-cookie-name"]
    assert int(annotations[prefix + "proxy-read-timeout"]) >= 300
    assert int(annotations[prefix + "proxy-send-timeout"]) >= 300
    assert _nginx_size(annotations[prefix + "proxy-body-size"]) <= 1024 * 1024
    if overlay == "production":
        assert annotations[prefix + "session-cookie-secure"] == "true"
        assert annotations[prefix + "session-cookie-samesite"] == "None"  # the widget's frame
        assert ingress["spec"]["tls"], "production serves HTTPS"


def _ingress_backends(ingress: Dict[str, Any]) -> Iterator[Dict[str, Any]]:
    spec = ingress["spec"]
    if "defaultBackend" in spec:
        yield spec["defaultBackend"]["service"]
    for rule in spec.get("rules", []):
        for path in rule["http"]["paths"]:
            yield path["backend"]["service"]


def test_metrics_ports_are_not_behind_the_ingress(docs):
    metrics = set(METRICS_PORTS.values())
    backends = [b for ingress in kind(docs, "Ingress") for b in _ingress_backends(ingress)]
    assert backends
    for backend in backends:
        service = one(docs, "Service", backend["name"])
        assert service["spec"].get("type", "ClusterIP") == "ClusterIP"
        # Nothing in a Service that merchants reach forwards to a metrics port, whichever port
        # the Ingress names.
        for port in service["spec"]["ports"]:
            assert port["port"] not in metrics and port.get("name") != "metrics"
            forwarded = service_target_ports(docs, service, port)
            assert forwarded and not metrics & set(forwarded), f"{service['metadata']['name']} → {forwarded}"
        ingress_port = backend["port"]
        assert ingress_port.get("name") == "http" or ingress_port.get("number") in {8080}


def test_metrics_are_exposed_only_on_headless_metrics_services(docs):
    for service in kind(docs, "Service"):
        for port in service["spec"]["ports"]:
            if set(service_target_ports(docs, service, port)) & set(METRICS_PORTS.values()):
                assert service["spec"].get("clusterIP") == "None", service["metadata"]["name"]
                assert service["metadata"]["name"].endswith("-metrics")
    for component, port in METRICS_PORTS.items():
        container = main_container(one(docs, "Deployment", f"zhuxiao-{component}"))
        assert container_port(container, "metrics") == port
        assert environment(docs, container)["ZX_METRICS_PORT"] == str(port)


def test_services_select_their_pods(docs):
    for service in kind(docs, "Service"):
        selected = pods_selected(docs, {"matchLabels": service["spec"]["selector"]})
        assert len(selected) == 1, service["metadata"]["name"]
        for port in service["spec"]["ports"]:
            assert service_target_ports(docs, service, port), f"{service['metadata']['name']}:{port}"


# ---------------------------------------------------------------------------------------------
# Network policies


def _policies_for(docs, labels: Dict[str, str]) -> List[Dict[str, Any]]:
    return [p for p in kind(docs, "NetworkPolicy") if selects(p["spec"]["podSelector"], labels)]


def _rules_opening(policies: List[Dict[str, Any]], port: int) -> List[Dict[str, Any]]:
    """Ingress rules that let traffic reach `port` (a rule without ports opens every port)."""
    rules = []
    for policy in policies:
        assert "Ingress" in policy["spec"]["policyTypes"]
        for rule in policy["spec"].get("ingress", []):
            ports = rule.get("ports")
            if not ports or any(p.get("port") == port for p in ports):
                rules.append(rule)
    return rules


def test_only_rasa_pods_reach_the_action_server(docs):
    labels = pod_template(actions_deployment(docs))["metadata"]["labels"]
    policies = _policies_for(docs, labels)
    assert policies, "no NetworkPolicy isolates the action server"
    rules = _rules_opening(policies, 5055)
    assert rules
    for rule in rules:
        peers = rule.get("from")
        assert peers, "a rule without `from` admits everyone"
        for peer in peers:
            assert set(peer) == {"podSelector"}, f"only pods of this namespace, got {peer}"
            allowed = [w["metadata"]["name"] for w in pods_selected(docs, peer["podSelector"])]
            assert allowed == ["zhuxiao-rasa"]
    assert environment(docs, main_container(rasa_deployment(docs)))["ZX_ACTION_URL"]


@pytest.mark.parametrize("component", sorted(METRICS_PORTS))
def test_only_the_monitoring_namespace_reaches_metrics(docs, component):
    deployment = one(docs, "Deployment", f"zhuxiao-{component}")
    policies = _policies_for(docs, pod_template(deployment)["metadata"]["labels"])
    rules = _rules_opening(policies, METRICS_PORTS[component])
    assert rules
    for rule in rules:
        assert rule.get("ports"), "metrics must not share an all-ports rule"
        for peer in rule["from"]:
            assert set(peer) == {"namespaceSelector"}
            assert peer["namespaceSelector"] == {"matchLabels": MONITORING_NAMESPACE}


def test_the_rasa_web_port_is_open_only_to_the_ingress_controller(docs):
    policies = _policies_for(docs, pod_template(rasa_deployment(docs))["metadata"]["labels"])
    for rule in _rules_opening(policies, 8080):
        for peer in rule["from"]:
            assert peer == {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}}


# ---------------------------------------------------------------------------------------------
# Secrets, configuration and wiring


def test_secrets_hold_only_placeholders(docs):
    secrets = kind(docs, "Secret")
    assert secrets
    for secret in secrets:
        assert not secret.get("data"), "base64 `data` could hide a real value: use stringData placeholders"
        for key, value in secret_values(secret).items():
            assert PLACEHOLDER in value, f"{key} is not a placeholder"
            if "://" in value:
                parts = urlsplit(value)
                # A URL keeps its shape (host, port, database) but its password is the placeholder.
                assert parts.password == PLACEHOLDER, f"{key}: the password must be {PLACEHOLDER}"
            else:
                assert value == PLACEHOLDER, f"{key} must be exactly {PLACEHOLDER}"


def test_every_reference_to_a_configmap_or_secret_resolves(docs):
    for workload in workloads(docs):
        for container in containers(pod_template(workload)["spec"]):
            for variable in container.get("env", []):
                ref = variable.get("valueFrom", {})
                if "secretKeyRef" in ref:
                    secret = one(docs, "Secret", ref["secretKeyRef"]["name"])
                    assert ref["secretKeyRef"]["key"] in secret_values(secret), variable["name"]
                if "configMapKeyRef" in ref:
                    config_map = one(docs, "ConfigMap", ref["configMapKeyRef"]["name"])
                    assert ref["configMapKeyRef"]["key"] in config_map["data"], variable["name"]
            for source in container.get("envFrom", []):
                if "configMapRef" in source:
                    one(docs, "ConfigMap", source["configMapRef"]["name"])
                if "secretRef" in source:
                    one(docs, "Secret", source["secretRef"]["name"])


def test_each_process_gets_its_settings_and_ports_agree(overlay, docs):
    rasa = main_container(rasa_deployment(docs))
    rasa_env = environment(docs, rasa)
    assert RASA_SECRET_VARIABLES | RASA_CONFIG_VARIABLES <= set(rasa_env)
    for variable in RASA_SECRET_VARIABLES:
        assert rasa_env[variable][0] == "secret", f"{variable} must come from the Secret"
    assert rasa_env["ZX_INTERFACE"] == "0.0.0.0"
    assert container_port(rasa, "http") == int(rasa_env["ZX_PORT"])

    actions = main_container(actions_deployment(docs))
    actions_env = environment(docs, actions)
    assert ACTIONS_VARIABLES <= set(actions_env)
    assert actions_env["ZX_ACTIONS_HOST"] == "0.0.0.0"
    assert container_port(actions, "http") == int(actions_env["ZX_ACTIONS_PORT"])
    # Rasa and the action server share one token.
    assert rasa_env["ZX_ACTION_TOKEN"] == actions_env["ZX_ACTION_TOKEN"]
    # The action server keeps no secret it does not use.
    assert not {"ZX_SECRET_KEY", "RASA_JWT_SECRET"} & set(actions_env)

    # ZX_ACTION_URL names the action server's Service and port.
    url = urlsplit(rasa_env["ZX_ACTION_URL"])
    service = one(docs, "Service", url.hostname)
    assert selects(
        {"matchLabels": service["spec"]["selector"]}, pod_template(actions_deployment(docs))["metadata"]["labels"]
    )
    [port] = [p for p in service["spec"]["ports"] if p["port"] == url.port]
    assert set(service_target_ports(docs, service, port)) == {int(actions_env["ZX_ACTIONS_PORT"])}
    assert url.path == "/webhook"

    # ZX_SITE_ORIGINS names the Ingress hosts, over HTTPS in production (secure cookies too).
    origins = {o.strip() for o in rasa_env["ZX_SITE_ORIGINS"].split(",")}
    [ingress] = kind(docs, "Ingress")
    scheme = "https" if ingress["spec"].get("tls") else "http"
    for rule in ingress["spec"]["rules"]:
        assert f"{scheme}://{rule['host']}" in origins
    if overlay == "production":
        assert rasa_env["ZX_SECURE_COOKIES"] == "1"
        tls_hosts = {h for entry in ingress["spec"]["tls"] for h in entry["hosts"]}
        assert {rule["host"] for rule in ingress["spec"]["rules"]} <= tls_hosts
    for network in rasa_env["ZX_TRUSTED_PROXIES"].split(","):
        ipaddress.ip_network(network.strip())  # addresses or CIDRs, nothing else


def test_each_process_would_start_with_its_settings(docs):
    """The rendered environment of every container that runs our code passes the check both servers
    and the CLI make at start (runtime/settings.py); the keys that are still CHANGE_ME stand in for
    real ones, which refuse to start until they are set (deploy/README.md)."""
    secrets = {d["metadata"]["name"]: secret_values(d) for d in kind(docs, "Secret")}
    for workload in (rasa_deployment(docs), actions_deployment(docs), *kind(docs, "Job")):
        values = {}
        for variable, value in environment(docs, main_container(workload)).items():
            if isinstance(value, tuple):
                value = secrets[value[1]][value[2]]
                if value == PLACEHOLDER:
                    value = "k" * MIN_SECRET_LEN
            values[variable] = str(value)
        Settings.read(values)


def test_the_migration_job_runs_tickets_migrate(docs):
    [job] = kind(docs, "Job")
    container = main_container(job)
    assert container["command"] == ["python", "-m", "tickets", "migrate"]
    assert environment(docs, container)["DATABASE_URL"] == ("secret", "zhuxiao-secrets", "DATABASE_URL")
    assert pod_template(job)["spec"]["restartPolicy"] in {"Never", "OnFailure"}
    assert job["spec"]["backoffLimit"] >= 1


def test_the_production_database_and_redis_are_outside_the_cluster(overlay, docs):
    names = {d["metadata"]["name"] for d in workloads(docs)}
    if overlay == "production":
        assert names == {"zhuxiao-rasa", "zhuxiao-actions", "zhuxiao-migrate"}
        secret = secret_values(one(docs, "Secret", "zhuxiao-secrets"))
        assert secret["DATABASE_URL"].startswith("postgresql+psycopg2://")
        assert secret["ZX_REDIS_URL"].startswith(("redis://", "rediss://"))
    else:
        assert {"zhuxiao-postgres", "zhuxiao-redis"} <= names
        secret = secret_values(one(docs, "Secret", "zhuxiao-secrets"))
        assert urlsplit(secret["DATABASE_URL"]).hostname == "zhuxiao-postgres"
        assert urlsplit(secret["ZX_REDIS_URL"]).hostname == "zhuxiao-redis"
        one(docs, "Service", "zhuxiao-postgres")
        one(docs, "Service", "zhuxiao-redis")


# ---------------------------------------------------------------------------------------------
# Image and security context


def _app_images(docs) -> List[Tuple[str, str]]:
    found = []
    for workload in workloads(docs):
        for container in containers(pod_template(workload)["spec"]):
            if split_image(container["image"])[0] == APP_IMAGE:
                found.append((workload["metadata"]["name"], container["image"]))
    return found


def test_one_image_everywhere(docs):
    images = _app_images(docs)
    assert {name for name, _ in images} == {"zhuxiao-rasa", "zhuxiao-actions", "zhuxiao-migrate"}
    assert len({image for _, image in images}) == 1
    _, tag, digest = split_image(images[0][1])
    assert (tag or digest) and tag != "latest"
    # Nothing runs an unreplaced base name.
    for workload in workloads(docs):
        for container in containers(pod_template(workload)["spec"]):
            assert split_image(container["image"])[0] != "zhuxiao"


def test_every_container_runs_as_non_root_without_privileges(docs):
    for workload in workloads(docs):
        pod = pod_template(workload)["spec"]
        pod_context = pod.get("securityContext", {})
        for container in containers(pod):
            context = {**pod_context, **container.get("securityContext", {})}
            where = f"{workload['metadata']['name']}/{container['name']}"
            assert context.get("runAsNonRoot") is True, where
            assert context.get("runAsUser", 1) != 0, where
            assert container["securityContext"].get("allowPrivilegeEscalation") is False, where
            assert container["securityContext"].get("readOnlyRootFilesystem") is True, where
            assert container["securityContext"]["capabilities"]["drop"] == ["ALL"], where
            assert pod_context.get("seccompProfile", {}).get("type") == "RuntimeDefault", where
        assert pod.get("automountServiceAccountToken") is False, workload["metadata"]["name"]


def test_app_containers_write_only_to_emptydirs_at_tmp_and_var(docs):
    """Read-only root filesystem: Rasa unpacks the model to /tmp, keys would go to /app/var."""
    for workload in workloads(docs):
        pod = pod_template(workload)["spec"]
        volumes = {v["name"]: v for v in pod.get("volumes", [])}
        for container in pod["containers"]:
            if split_image(container["image"])[0] != APP_IMAGE:
                continue
            mounts = {m["mountPath"]: m["name"] for m in container.get("volumeMounts", [])}
            for path in ("/tmp", "/app/var"):
                assert path in mounts, f"{workload['metadata']['name']}: {path} is not writable"
                assert "emptyDir" in volumes[mounts[path]]


# ---------------------------------------------------------------------------------------------
# The Dockerfile agrees with the manifests (it cannot be built here: no Docker engine)


def test_the_dockerfile_builds_what_the_pods_expect():
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    instructions = [
        line.strip() for line in dockerfile.splitlines() if line.strip() and not line.strip().startswith("#")
    ]
    text = "\n".join(instructions)
    assert re.search(r"^FROM node:20\S* AS ", text, re.M)
    assert re.search(r"^FROM python:3\.10-slim\S*", text, re.M)
    assert "-r requirements.txt -c constraints.txt" in text
    assert "python -m chinese_nlp.spacy_pipeline build/spacy_zh" in text
    assert "npm ci" in text and "build/web/socket.io.min.js" in text
    assert "rasa train --fixed-model-name current --out models" in text
    assert re.search(r"^WORKDIR /app$", text, re.M)  # PROJECT_ROOT: /app/var, /app/models
    users = re.findall(r"^USER (\S+)", text, re.M)
    assert users, "the image must not run as root"
    uid = users[-1].split(":")[0]
    assert uid.isdigit() and uid != "0", "a numeric non-root USER (runAsNonRoot checks numbers)"
    # The manifests run the same user.
    for overlay_name in OVERLAY_NAMES:
        for workload in render(OVERLAYS / overlay_name):
            if workload["kind"] in WORKLOAD_KINDS and any(
                split_image(c["image"])[0] == APP_IMAGE for c in pod_template(workload)["spec"]["containers"]
            ):
                assert pod_template(workload)["spec"]["securityContext"]["runAsUser"] == int(uid)


# ---------------------------------------------------------------------------------------------
# Quantities


def _bytes(quantity: str) -> float:
    """A Kubernetes memory quantity (128Mi, 2Gi, 1.5G) in bytes."""
    units = {"": 1, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "k": 10**3, "M": 10**6, "G": 10**9}
    match = re.fullmatch(r"(\d+(?:\.\d+)?)(Ki|Mi|Gi|k|M|G|)", str(quantity))
    assert match, f"unexpected memory quantity {quantity!r}"
    return float(match.group(1)) * units[match.group(2)]


def _nginx_size(size: str) -> int:
    """An nginx size (256k, 1m) in bytes."""
    match = re.fullmatch(r"(\d+)([kKmMgG]?)", size)
    assert match, f"unexpected nginx size {size!r}"
    return int(match.group(1)) * {"": 1, "k": 2**10, "m": 2**20, "g": 2**30}[match.group(2).lower()]


def _cpu(quantity: str) -> float:
    quantity = str(quantity)
    return int(quantity[:-1]) / 1000 if quantity.endswith("m") else float(quantity)
