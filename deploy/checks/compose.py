"""The compose file, as `docker compose config` resolves it, and its servers."""

from __future__ import annotations

import json
import posixpath
from pathlib import Path

import yaml

from checks.common import (
    DEPLOY,
    GRPC_COMMANDS,
    HEALTH_PATH,
    METRICS_PORT,
    ROOT,
    SERVER_COMMANDS,
    VENV_BIN,
    expect,
    identity_names,
    option,
    port_of,
    run_ok,
    tls_paths,
    toml_file,
)

COMPOSE_FILE = DEPLOY / "docker-compose.yml"


def compose_command() -> list[str]:
    profiles = set()
    raw = yaml.safe_load(COMPOSE_FILE.read_text())
    for service in raw.get("services", {}).values():
        profiles.update(service.get("profiles", []))
    command = [str(VENV_BIN / "docker-compose"), "-f", str(COMPOSE_FILE)]
    for profile in sorted(profiles):
        command += ["--profile", profile]
    return command


def compose_config() -> dict:
    """The compose file validated against the compose spec, every profile enabled, with
    anchors, defaults and relative paths resolved."""
    run_ok(compose_command() + ["config", "--quiet"])
    return json.loads(run_ok(compose_command() + ["config", "--format", "json"]))


def certs_service_names(services: dict) -> tuple[str, list[str]]:
    """The folder and the names of the `sismatch certs` command of the `certs` service."""
    expect("certs" in services, "no `certs` service")
    words = " ".join(services["certs"].get("command") or []).split()
    expect(
        "certs" in words and "--out" in words,
        "the certs service does not run `sismatch certs --out`",
    )
    start = words.index("certs", words.index("sismatch"))
    out = words[words.index("--out", start) + 1]
    names = words[words.index("--out", start) + 2 :]
    expect(names, "the certs service names no identity")
    return out, names


class ComposeServer:
    """A node, core, partner or web service of the compose file."""

    def __init__(self, name: str, service: dict) -> None:
        self.name = name
        self.service = service
        self.command = list(service.get("command") or [])
        self.role = self.command[0]
        config_path = option(self.command, "--config")
        expect(config_path is not None, f"{name}: no --config")
        self.config_path = config_path
        mounts = {v["target"]: v for v in service.get("volumes", [])}
        expect(config_path in mounts, f"{name}: nothing is mounted at {config_path}")
        mount = mounts[config_path]
        expect(mount["type"] == "bind", f"{name}: {config_path} is not a file of the repository")
        self.config_file = Path(mount["source"])
        expect(self.config_file.is_file(), f"{name}: its config file {self.config_file} does not exist")
        self.mounts = mounts
        self.config = toml_file(self.config_file)
        self.port = port_of(self.config["listen"])


def compose_servers(services: dict) -> dict[str, ComposeServer]:
    return {
        name: ComposeServer(name, service)
        for name, service in services.items()
        if (service.get("command") or [None])[0] in SERVER_COMMANDS
    }


def check_compose_services(services: dict) -> None:
    for name, service in services.items():
        expect("image" in service or "build" in service, f"{name}: neither image nor build")
        build = service.get("build")
        if build:
            dockerfile = Path(build["context"]) / build.get("dockerfile", "Dockerfile")
            expect(dockerfile.is_file(), f"{name}: no Dockerfile at {dockerfile}")
        for volume in service.get("volumes", []):
            if volume["type"] == "bind":
                source = Path(volume["source"])
                expect(source.exists(), f"{name}: mounts {source}, which does not exist")
                expect(ROOT in source.parents, f"{name}: mounts {source}, outside the repository")


def check_compose_server(
    server: ComposeServer, services: dict, cert_names: list[str], certs_out: str
) -> None:
    name, config = server.name, server.config
    grpc = server.role in GRPC_COMMANDS
    expect(server.config_file.parent == DEPLOY / "compose", f"{name}: config not from deploy/compose/")
    # The web page keeps nothing on disk (sessions live in memory).
    if grpc:
        data = config.get("data")
        expect(
            data in server.mounts and server.mounts[data]["type"] == "volume",
            f"{name}: its data folder {data} is not a named volume",
        )
    # The gRPC servers' probes present the server's own certificate (SISMATCH_CA/CERT/KEY).
    environment = server.service.get("environment", {})
    probe_variables = ("SISMATCH_CA", "SISMATCH_CERT", "SISMATCH_KEY") if grpc else ()
    probe_paths = [environment.get(key) for key in probe_variables]
    for path in tls_paths(config) + probe_paths:
        expect(path is not None, f"{name}: a [tls] path or a SISMATCH_CA/CERT/KEY variable is missing")
        folder, file = posixpath.split(path)
        mount = server.mounts.get(folder)
        expect(
            mount is not None and mount.get("source") == "certs",
            f"{name}: {path} is not in the certs volume",
        )
        expect(folder == certs_out, f"{name}: {path} is not where the certs service writes")
        stem = file.rsplit(".", 1)[0]
        expect(
            stem == "ca" or stem in cert_names,
            f"{name}: {path}: the certs service makes no `{stem}`",
        )
    # The server's certificate is valid for the name the others call it by: the service name
    # (the web page's is its client certificate, named like the service too).
    expect(
        posixpath.basename(config["tls"]["cert"]) == f"{name}.pem",
        f"{name}: uses the certificate {config['tls']['cert']}, not {name}.pem",
    )
    if grpc:
        expect(
            environment.get("SISMATCH_PROBE_SERVER_NAME") == name,
            f"{name}: SISMATCH_PROBE_SERVER_NAME is not {name}",
        )
    else:
        # The web page reads these as its --ca, --cert, --key, --token, --core: they would
        # override its config file, which the checks and the manifests take as the truth.
        overriding = sorted(
            set(environment)
            & {"SISMATCH_CA", "SISMATCH_CERT", "SISMATCH_KEY", "SISMATCH_TOKEN", "SISMATCH_CORE"}
        )
        expect(not overriding, f"{name}: {overriding} would override its config file")
    missing = identity_names(config) - set(cert_names)
    expect(
        not missing,
        f"{name}: identities without a certificate from the certs service: {sorted(missing)}",
    )
    test = server.service.get("healthcheck", {}).get("test", [])
    if grpc:
        expect(
            test[:2] == ["CMD", "sismatch-probe"] and test[-1] == str(server.port),
            f"{name}: the healthcheck {test} does not probe port {server.port}",
        )
    else:
        expect(
            test == ["CMD", "sismatch-http-probe", str(server.port), HEALTH_PATH],
            f"{name}: the healthcheck {test} does not GET {HEALTH_PATH} on port {server.port}",
        )
    # Published ports are the server's own port or its metrics, and the web page is published.
    published = [port["target"] for port in server.service.get("ports", [])]
    for target in published:
        expect(
            target in (server.port, METRICS_PORT),
            f"{name}: publishes port {target}, on which it does not listen",
        )
    if not grpc:
        expect(server.port in published, f"{name}: its port {server.port} is not published")
    metrics = option(server.command, "--metrics")
    expect(
        metrics is not None and port_of(metrics) == METRICS_PORT,
        f"{name}: no --metrics on {METRICS_PORT}",
    )
    depends = server.service.get("depends_on", {})
    expect(
        depends.get("certs", {}).get("condition") == "service_completed_successfully",
        f"{name}: does not wait for the certs service to complete",
    )
