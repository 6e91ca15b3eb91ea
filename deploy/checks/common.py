"""What the checks share: the report, failures, running commands, reading config files."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
DEPLOY = ROOT / "deploy"
VENV_BIN = Path(sys.executable).parent
# The subcommands that run a server; every server serves its metrics on this port. The
# gRPC servers are probed over mutual TLS (deploy/probe.sh); the web page is HTTP, probed on
# HEALTH_PATH.
GRPC_COMMANDS = {"node", "core", "partner"}
HTTP_COMMANDS = {"web"}
SERVER_COMMANDS = GRPC_COMMANDS | HTTP_COMMANDS
METRICS_PORT = 9464
HEALTH_PATH = "/healthz"


class Failure(Exception):
    """A check that did not pass, with the reason."""


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise Failure(message)


class Report:
    """Runs checks, prints one line each, counts."""

    def __init__(self) -> None:
        self.passed = 0
        self.failed = 0

    def section(self, title: str) -> None:
        print(f"-- {title}", flush=True)

    def check(self, name: str, function, *args) -> object:
        try:
            result = function(*args)
        except Failure as failure:
            self.failed += 1
            print(f"FAIL {name}: {failure}", flush=True)
            return None
        except Exception:  # noqa: BLE001 (a bug in the check, or a file it could not read)
            self.failed += 1
            print(f"FAIL {name}: unexpected error\n{traceback.format_exc()}", flush=True)
            return None
        self.passed += 1
        print(f"ok   {name}", flush=True)
        return result


def run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(command, check=False, capture_output=True, text=True, cwd=ROOT, **kwargs)


def run_ok(command: list[str]) -> str:
    done = run(command)
    expect(
        done.returncode == 0,
        f"`{' '.join(command)}` exited {done.returncode}:\n{done.stdout}{done.stderr}".rstrip(),
    )
    return done.stdout


def relative(path: Path) -> str:
    return str(path.relative_to(ROOT))


def option(args: list[str], flag: str) -> str | None:
    """The value of `flag VALUE` in an argument list."""
    for i, arg in enumerate(args[:-1]):
        if arg == flag:
            return args[i + 1]
    return None


def port_of(address: str) -> int:
    return int(address.rsplit(":", 1)[1])


def toml_file(path: Path) -> dict:
    with path.open("rb") as file:
        return tomllib.load(file)


def tls_paths(config: dict) -> list[str]:
    """The certificate paths of a config's [tls]: a gRPC server's cert, key and client_ca,
    the web page's ca, cert and key (its client certificate towards the core)."""
    tls = config.get("tls", {})
    return [tls[key] for key in ("cert", "key", "client_ca", "ca") if key in tls]


def identity_names(config: dict) -> set[str]:
    auth = config.get("auth", {})
    names = {identity["name"] for identity in auth.get("identities", [])}
    return names | set(auth.get("trusted_forwarders", []))


def core_config(servers) -> dict:
    """The config of the one core among compose services or Kubernetes workloads."""
    cores = [s for s in servers.values() if s.role == "core"]
    expect(len(cores) == 1, f"expected one core, found {len(cores)}")
    return cores[0].config


def check_federation_addresses(servers, listening: dict[str, int]) -> None:
    """The core's [[nodes]] and [[partners]] addresses are https://NAME:PORT of servers that
    listen on PORT (compose services, or Kubernetes Services)."""
    config = core_config(servers)
    entries = config.get("nodes", []) + config.get("partners", [])
    expect(config.get("nodes"), "the core has no [[nodes]]")
    for entry in entries:
        match = re.fullmatch(r"https://([a-z0-9-]+):(\d+)", entry["address"])
        expect(match is not None, f"core: {entry['address']} is not https://NAME:PORT")
        host, port = match.group(1), int(match.group(2))
        expect(
            listening.get(host) == port,
            f"core: {entry['address']}: no server {host} listening on {port}",
        )


def check_web_addresses(servers, by_host: dict[str, tuple[str, int, dict]]) -> None:
    """The web page calls the core and its `nodes` at https://NAME:PORT of servers of that
    role listening on PORT (`by_host`: NAME -> role, port, config), and each of them lists the
    web page's identity (its certificate's name) among its identities and trusted forwarders:
    the web page forwards for the signed-in person."""
    webs = [s for s in servers.values() if s.role == "web"]
    expect(len(webs) == 1, f"expected one web page, found {len(webs)}")
    config = webs[0].config
    cert = config.get("tls", {}).get("cert")
    expect(cert is not None, "web: no [tls] cert: the core accepts only mutual TLS here")
    identity = cert.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    targets = [("core", "core", config.get("core", ""))]
    for i, entry in enumerate(config.get("nodes", [])):
        _, _, address = entry.partition("=")
        expect(address, f"web: nodes[{i}] {entry!r} is not CC=ADDRESS")
        targets.append((f"nodes[{i}]", "node", address))
    for where, role, address in targets:
        match = re.fullmatch(r"https://([a-z0-9-]+):(\d+)", address)
        expect(match is not None, f"web: {where} {address} is not https://NAME:PORT")
        host, port = match.group(1), int(match.group(2))
        expect(
            host in by_host and by_host[host][:2] == (role, port),
            f"web: {where} {address}: no {role} {host} listening on {port}",
        )
        auth = by_host[host][2].get("auth", {})
        expect(
            identity in {entry["name"] for entry in auth.get("identities", [])},
            f"web: {host} does not list `{identity}` among its identities",
        )
        expect(
            identity in auth.get("trusted_forwarders", []),
            f"web: {host} does not list `{identity}` among its trusted_forwarders",
        )
