"""Checks the deployment files of deploy/: run by deploy/check.sh inside target/deploy-venv.

What is checked, each as one named check that passes or fails:

- Dockerfile: hadolint; every COPY source exists and is not excluded by .dockerignore; the
  user, the exposed ports and the entrypoint agree with the compose file and the manifests.
- Shell: shellcheck on deploy/*.sh.
- TOML: every config file under deploy/ parses.
- Compose: `docker compose config` (the compose spec, with every profile), then what the spec
  cannot know: mounted files exist, every server's config, data folder and certificates are
  mounted where its config file says, every certificate and identity named is one the `certs`
  service makes, the core's addresses are services listening on that port, the web page's
  core and nodes too and they list it as a trusted forwarder, published ports are listened on.
- Kubernetes: every document against the API's JSON schemas (strict: unknown fields fail) of
  the oldest and newest version named below, then the cross-references the schemas cannot
  see: selectors, named ports, ConfigMap keys equal to the compose configs, Secret keys for
  every certificate path, probes and scrape annotations on the right ports, non-root pods.
- Servers: the real binary (`--sismatch`) makes the certificates the compose file asks for,
  then starts every server with its compose command line and config (certificates, data and
  ports moved to a temporary folder and loopback): it must start, serve /metrics, answer the
  gRPC health check over mutual TLS with its own certificate as the probes do, refuse a
  client without a certificate, and stop cleanly on SIGTERM. The web page instead answers
  GET /healthz (also through deploy/http-probe.sh, its compose healthcheck), and, started
  beside the core, signs in an account and reads /status through the core over mutual TLS as
  the core's trusted forwarder.

Prints one line per check and closes with `N passed, N failed`; exits 1 if any failed.
"""

from __future__ import annotations

import argparse
import sys

import kubernetes_validate

from checks.common import (
    DEPLOY,
    METRICS_PORT,
    VENV_BIN,
    Report,
    check_federation_addresses,
    check_web_addresses,
    port_of,
    relative,
    run,
    run_ok,
    toml_file,
)
from checks.compose import (
    certs_service_names,
    check_compose_server,
    check_compose_services,
    compose_command,
    compose_config,
    compose_servers,
)
from checks.dockerfile import (
    DOCKERFILE,
    check_dockerfile_runtime,
    check_dockerfile_sources,
    dockerfile_facts,
)
from checks.kubernetes import (
    K8S_VERSIONS,
    NAMESPACE,
    check_configmap_is_compose,
    check_k8s_matches_compose,
    check_k8s_metadata,
    check_k8s_references,
    check_k8s_schemas,
    k8s_documents,
)
from checks.servers import check_servers


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sismatch", required=True, help="the sismatch binary to start the servers with")
    options = parser.parse_args()
    report = Report()

    report.section("Dockerfile")
    report.check("hadolint deploy/Dockerfile", run_ok, [str(VENV_BIN / "hadolint"), str(DOCKERFILE)])
    report.check("COPY sources exist and reach the build context", check_dockerfile_sources)
    facts = report.check("Dockerfile parses", dockerfile_facts)

    report.section("shell scripts")
    scripts = sorted(DEPLOY.glob("*.sh"))
    report.check(
        f"shellcheck {' '.join(relative(s) for s in scripts)}",
        run_ok,
        [str(VENV_BIN / "shellcheck")] + [str(s) for s in scripts],
    )

    report.section("config files")
    for path in sorted(DEPLOY.glob("*.toml")) + sorted((DEPLOY / "compose").glob("*.toml")):
        report.check(f"{relative(path)} parses", toml_file, path)

    report.section("compose")
    version = run(compose_command() + ["version", "--short"]).stdout.strip()
    compose = report.check(f"docker compose {version} config: the compose spec", compose_config)
    services = compose.get("services", {}) if compose else {}
    servers = {}
    certs_out, cert_names = "/certs", []
    if compose:
        report.check("services: image or build, mounted files exist", check_compose_services, services)
        named = report.check("the certs service runs `sismatch certs`", certs_service_names, services)
        if named:
            certs_out, cert_names = named
        servers = (
            report.check("node, core, partner and web services read their config", compose_servers, services)
            or {}
        )
        for server in servers.values():
            report.check(
                f"{server.name}: config, data, certificates, healthcheck, metrics",
                check_compose_server,
                server,
                services,
                cert_names,
                certs_out,
            )
        listening = {name: server.port for name, server in servers.items()}
        if servers:
            report.check(
                "the core's nodes and partners are compose services",
                check_federation_addresses,
                servers,
                listening,
            )
            report.check(
                "the web page's core and nodes are compose services that trust it as a forwarder",
                check_web_addresses,
                servers,
                {name: (server.role, server.port, server.config) for name, server in servers.items()},
            )

    report.section("kubernetes")
    documents = report.check("manifests parse", k8s_documents) or []
    for k8s_version in K8S_VERSIONS:
        report.check(
            f"schemas of Kubernetes {k8s_version} "
            f"(kubernetes-validate {kubernetes_validate.__version__}, strict)",
            check_k8s_schemas,
            documents,
            k8s_version,
        )
    report.check(f"everything in namespace {NAMESPACE}", check_k8s_metadata, documents)
    report.check("ConfigMap holds the files of deploy/compose/", check_configmap_is_compose, documents)
    uid = 10001
    if facts:
        ports = {METRICS_PORT} | {server.port for server in servers.values()}
        uid = (
            report.check(
                "image: numeric non-root USER, EXPOSE of every port, ENTRYPOINT sismatch",
                check_dockerfile_runtime,
                facts,
                ports,
            )
            or uid
        )
    workloads = report.check(
        "selectors, ports, probes, Secrets, ConfigMap keys, security contexts",
        check_k8s_references,
        documents,
        uid,
    )
    if workloads:
        report.check(
            "the core's nodes and partners are Services",
            check_federation_addresses,
            workloads,
            {w.service_name(): port_of(w.config["listen"]) for w in workloads.values()},
        )
        report.check(
            "the web page's core and nodes are Services that trust it as a forwarder",
            check_web_addresses,
            workloads,
            {w.service_name(): (w.role, port_of(w.config["listen"]), w.config) for w in workloads.values()},
        )
    if workloads and servers:
        report.check(
            "same servers, command lines and config files as compose",
            check_k8s_matches_compose,
            workloads,
            servers,
        )

    report.section(f"servers ({options.sismatch})")
    if servers and cert_names:
        check_servers(report, options.sismatch, services, servers, certs_out, cert_names)
    else:
        print("skipped: the compose file gave no servers or certificates (see its failure above)")

    print(f"deploy: {report.passed} passed, {report.failed} failed")
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
