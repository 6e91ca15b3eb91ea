"""The Kubernetes manifests: schemas, then the references between documents."""

from __future__ import annotations

import posixpath
import tomllib

import kubernetes_validate
import yaml

from checks.common import (
    DEPLOY,
    GRPC_COMMANDS,
    HEALTH_PATH,
    METRICS_PORT,
    SERVER_COMMANDS,
    expect,
    option,
    port_of,
    relative,
    tls_paths,
)
from checks.compose import ComposeServer

NAMESPACE = "sismatch"
# Kubernetes versions whose schemas the manifests must pass: the oldest we support and the
# newest that kubernetes-validate bundles.
K8S_VERSIONS = ["1.33.0", "1.37.0"]


K8S = DEPLOY / "k8s"


def k8s_documents() -> list[tuple[str, dict]]:
    documents = []
    for path in sorted(K8S.glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text()):
            if document:
                documents.append((relative(path), document))
    expect(documents, "no manifests in deploy/k8s")
    return documents


def check_k8s_schemas(documents: list[tuple[str, dict]], version: str) -> None:
    problems = []
    for file, document in documents:
        what = f"{file}: {document.get('kind')}/{document.get('metadata', {}).get('name')}"
        try:
            kubernetes_validate.validate(document, version, strict=True)
        except kubernetes_validate.ValidationError as error:
            path = ".".join(str(p) for p in error.path)
            problems.append(f"{what}: {path}: {error.message}")
        except kubernetes_validate.SchemaNotFoundError as error:
            problems.append(f"{what}: {error.message}")
    expect(not problems, "\n  " + "\n  ".join(problems))


def check_k8s_metadata(documents: list[tuple[str, dict]]) -> None:
    for file, document in documents:
        metadata = document.get("metadata", {})
        if document["kind"] == "Namespace":
            expect(metadata.get("name") == NAMESPACE, f"{file}: the namespace is not {NAMESPACE}")
        else:
            expect(
                metadata.get("namespace") == NAMESPACE,
                f"{file}: {metadata.get('name')} outside {NAMESPACE}",
            )


def by_kind(documents: list[tuple[str, dict]], kind: str) -> dict[str, dict]:
    return {d["metadata"]["name"]: d for _, d in documents if d["kind"] == kind}


def secret_keys(secret: dict) -> set[str]:
    return set(secret.get("data", {})) | set(secret.get("stringData", {}))


class Workload:
    """A StatefulSet or Deployment running one sismatch server."""

    def __init__(self, document: dict, config_maps: dict, secrets: dict, uid: int) -> None:
        self.name = document["metadata"]["name"]
        self.kind = document["kind"]
        self.document = document
        spec = document["spec"]
        self.pod = spec["template"]["spec"]
        self.labels = spec["template"]["metadata"].get("labels", {})
        self.annotations = spec["template"]["metadata"].get("annotations", {})
        expect(len(self.pod["containers"]) == 1, f"{self.name}: expected one container")
        self.container = self.pod["containers"][0]
        self.args = self.container.get("args", [])
        self.role = self.args[0] if self.args else None
        self.ports = {p["name"]: p["containerPort"] for p in self.container.get("ports", [])}
        self.volumes = {v["name"]: v for v in self.pod.get("volumes", [])}
        claims = {c["metadata"]["name"] for c in spec.get("volumeClaimTemplates", [])}
        self.mounts = {}
        for mount in self.container.get("volumeMounts", []):
            expect(
                mount["name"] in self.volumes or mount["name"] in claims,
                f"{self.name}: mounts the undefined volume {mount['name']}",
            )
            self.mounts[mount["mountPath"]] = self.volumes.get(mount["name"], {"claim": mount["name"]})
        # The config file the server reads: a ConfigMap key mounted at --config.
        config_path = option(self.args, "--config")
        expect(config_path is not None, f"{self.name}: no --config")
        folder, file = posixpath.split(config_path)
        volume = self.mounts.get(folder, {})
        expect("configMap" in volume, f"{self.name}: {folder} is not a ConfigMap")
        items = {item["path"]: item["key"] for item in volume["configMap"].get("items", [])}
        expect(file in items, f"{self.name}: the ConfigMap volume has no {file}")
        config_map = config_maps.get(volume["configMap"]["name"])
        expect(config_map is not None, f"{self.name}: no ConfigMap {volume['configMap']['name']}")
        self.config_key = items[file]
        expect(self.config_key in config_map.get("data", {}), f"{self.name}: no key {self.config_key}")
        self.config_text = config_map["data"][self.config_key]
        self.config = tomllib.loads(self.config_text)
        self.secrets = secrets
        self.uid = uid

    def check(self) -> None:
        name, pod, container = self.name, self.pod, self.container
        expect(self.role in SERVER_COMMANDS, f"{name}: args {self.args} run no server")
        # Pods and containers: non-root (the image's uid), no privileges, read-only root.
        security = pod.get("securityContext", {})
        expect(security.get("runAsNonRoot") is True, f"{name}: runAsNonRoot is not true")
        expect(
            security.get("runAsUser") == self.uid,
            f"{name}: runAsUser is not the image's uid {self.uid}",
        )
        expect(
            security.get("seccompProfile", {}).get("type") == "RuntimeDefault",
            f"{name}: no RuntimeDefault seccomp",
        )
        own = container.get("securityContext", {})
        expect(
            own.get("allowPrivilegeEscalation") is False,
            f"{name}: allowPrivilegeEscalation is not false",
        )
        expect(own.get("readOnlyRootFilesystem") is True, f"{name}: readOnlyRootFilesystem is not true")
        expect(
            "ALL" in own.get("capabilities", {}).get("drop", []),
            f"{name}: capabilities not dropped",
        )
        resources = container.get("resources", {})
        for kind in ("requests", "limits"):
            for what in ("cpu", "memory"):
                expect(what in resources.get(kind, {}), f"{name}: no {what} in resources.{kind}")
        grpc = self.role in GRPC_COMMANDS
        # The gRPC (web page: HTTP) port: the config's listen port, the probes' port.
        listen = port_of(self.config["listen"])
        port_name = "grpc" if grpc else "http"
        expect(
            self.ports.get(port_name) == listen,
            f"{name}: container port {port_name} is not {listen}",
        )
        for probe in ("livenessProbe", "readinessProbe"):
            expect(probe in container, f"{name}: no {probe}")
        for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
            if probe not in container:
                continue
            if not grpc:
                # The web page: the kubelet's own HTTP GET of its health endpoint.
                get = container[probe].get("httpGet", {})
                expect(
                    get.get("path") == HEALTH_PATH and get.get("port") in (port_name, listen),
                    f"{name}: {probe} {container[probe]} does not GET {HEALTH_PATH} on port {listen}",
                )
                continue
            command = container[probe].get("exec", {}).get("command", [])
            expect(
                command[:1] == ["sismatch-probe"] and command[-1] == str(listen),
                f"{name}: {probe} {command} does not probe port {listen}",
            )
            live = "--live" in command
            expect(
                live == (probe != "readinessProbe"),
                f"{name}: {probe} must {'not ' if probe == 'readinessProbe' else ''}use --live",
            )
        # Metrics: the flag, the port and the scrape annotations agree.
        metrics = option(self.args, "--metrics")
        expect(
            metrics is not None and port_of(metrics) == METRICS_PORT,
            f"{name}: no --metrics on {METRICS_PORT}",
        )
        expect(
            self.ports.get("metrics") == METRICS_PORT,
            f"{name}: container port metrics is not {METRICS_PORT}",
        )
        expect(self.annotations.get("prometheus.io/scrape") == "true", f"{name}: not scraped")
        expect(self.annotations.get("prometheus.io/port") == str(METRICS_PORT), f"{name}: scrape port")
        # The data folder is a volume, persistent for nodes and the partner. The web page has
        # none: its sessions live in memory.
        if grpc:
            data = self.mounts.get(self.config.get("data"))
            expect(data is not None, f"{name}: nothing is mounted at {self.config.get('data')}")
            if self.role in ("node", "partner"):
                expect(
                    "claim" in data or "persistentVolumeClaim" in data,
                    f"{name}: its data is not persistent",
                )
        # Every certificate path of the config and of the probe variables is a key of the
        # Secret mounted at its folder.
        env = {e["name"]: e.get("value") for e in container.get("env", [])}
        probe_paths = [env.get(k) for k in ("SISMATCH_CA", "SISMATCH_CERT", "SISMATCH_KEY")] if grpc else []
        for path in tls_paths(self.config) + probe_paths:
            expect(
                path is not None,
                f"{name}: a [tls] path or a SISMATCH_CA/CERT/KEY variable is missing",
            )
            folder, file = posixpath.split(path)
            volume = self.mounts.get(folder, {})
            expect("secret" in volume, f"{name}: {folder} is not a Secret")
            secret = self.secrets.get(volume["secret"]["secretName"])
            expect(secret is not None, f"{name}: no Secret {volume['secret']['secretName']}")
            expect(
                file in secret_keys(secret),
                f"{name}: Secret {volume['secret']['secretName']} has no {file}",
            )
        if grpc:
            expect(
                env.get("SISMATCH_PROBE_SERVER_NAME") == self.service_name(),
                f"{name}: SISMATCH_PROBE_SERVER_NAME is not its Service's name",
            )

    def service_name(self) -> str:
        return posixpath.basename(self.config["tls"]["cert"]).rsplit(".", 1)[0]


def selects(selector: dict, labels: dict) -> bool:
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def check_k8s_references(documents: list[tuple[str, dict]], uid: int) -> dict[str, Workload]:
    config_maps = by_kind(documents, "ConfigMap")
    secrets = by_kind(documents, "Secret")
    workloads = {}
    for _, document in documents:
        if document["kind"] in ("StatefulSet", "Deployment"):
            spec = document["spec"]
            labels = spec["template"]["metadata"].get("labels", {})
            expect(
                selects(spec["selector"]["matchLabels"], labels),
                f"{document['metadata']['name']}: the selector does not match the pod labels",
            )
            workload = Workload(document, config_maps, secrets, uid)
            workload.check()
            workloads[workload.name] = workload
    # Every Service selects one workload, on ports it names; its name is the one the
    # workload's certificate is valid for.
    for name, service in by_kind(documents, "Service").items():
        selected = [w for w in workloads.values() if selects(service["spec"].get("selector", {}), w.labels)]
        expect(len(selected) == 1, f"Service {name} selects {len(selected)} workloads")
        workload = selected[0]
        for port in service["spec"]["ports"]:
            target = port.get("targetPort", port["port"])
            expect(
                target in workload.ports or target in workload.ports.values(),
                f"Service {name}: {workload.name} has no port {target}",
            )
        expect(
            workload.service_name() == name,
            f"Service {name} fronts {workload.name}, whose certificate is for {workload.service_name()}",
        )
        if workload.kind == "StatefulSet":
            expect(
                workload.document["spec"]["serviceName"] == name,
                f"StatefulSet {workload.name}: serviceName",
            )
    for name, budget in by_kind(documents, "PodDisruptionBudget").items():
        selected = [
            w for w in workloads.values() if selects(budget["spec"]["selector"]["matchLabels"], w.labels)
        ]
        expect(selected, f"PodDisruptionBudget {name} selects no workload")
    images = {w.container["image"] for w in workloads.values()}
    expect(len(images) == 1, f"the workloads run different images: {sorted(images)}")
    return workloads


def check_configmap_is_compose(documents: list[tuple[str, dict]]) -> None:
    config_maps = by_kind(documents, "ConfigMap")
    expect(
        list(config_maps) == ["sismatch-config"],
        f"expected one ConfigMap sismatch-config, found {list(config_maps)}",
    )
    data = config_maps["sismatch-config"]["data"]
    files = {path.name: path.read_text() for path in sorted((DEPLOY / "compose").glob("*.toml"))}
    expect(
        set(data) == set(files),
        f"ConfigMap keys {sorted(data)} are not deploy/compose/ {sorted(files)}",
    )
    for key, text in files.items():
        expect(data[key] == text, f"ConfigMap key {key} differs from deploy/compose/{key}")


def check_k8s_matches_compose(workloads: dict[str, Workload], servers: dict[str, ComposeServer]) -> None:
    """The same servers, with the same command lines and config files, in both."""
    expect(
        set(workloads) == set(servers),
        f"Kubernetes runs {sorted(workloads)}, compose {sorted(servers)}",
    )
    for name, workload in workloads.items():
        server = servers[name]
        expect(
            workload.args == server.command,
            f"{name}: args {workload.args} differ from compose {server.command}",
        )
        expect(
            workload.config_text == server.config_file.read_text(),
            f"{name}: reads another config file than in compose",
        )
