"""The real servers: started from the compose command lines and configs, on loopback."""

from __future__ import annotations

import os
import posixpath
import queue
import re
import signal
import subprocess
import tempfile
import threading
import urllib.request
from pathlib import Path

from checks.common import SERVER_COMMANDS, Failure, Report, expect, run, run_ok
from checks.compose import ComposeServer

# gRPC's C core logs the refused handshake of the no-certificate check as an error: expected.
os.environ.setdefault("GRPC_VERBOSITY", "NONE")


class Server:
    """A server process of the binary, its first lines of standard output read as they come."""

    def __init__(self, command: list[str], log: Path) -> None:
        self.log = log
        self.process = subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=log.open("w"),
            text=True,
            env={**os.environ, "RUST_LOG": "warn"},
        )
        self.lines: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.put(line.strip())
        self.lines.put(None)

    def line(self, timeout: float) -> str:
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            raise Failure(f"no output within {timeout:.0f} s\n{self.log.read_text()}") from None
        if line is None:
            self.process.wait()
            raise Failure(f"exited {self.process.returncode} before serving:\n{self.log.read_text()}")
        return line

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                return self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
                raise Failure("did not stop within 30 s of SIGTERM") from None
        return self.process.returncode


def health(address: str, ca: bytes, cert: bytes | None, key: bytes | None, server_name: str) -> int:
    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    credentials = grpc.ssl_channel_credentials(root_certificates=ca, private_key=key, certificate_chain=cert)
    options = [("grpc.ssl_target_name_override", server_name)]
    with grpc.secure_channel(address, credentials, options=options) as channel:
        answer = health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(service=""), timeout=10
        )
        return answer.status


def make_certs(binary: str, folder: Path, names: list[str]) -> None:
    run_ok([binary, "certs", "--out", str(folder)] + names)
    for name in ["ca"] + names:
        for suffix in ("pem", "key"):
            expect((folder / f"{name}.{suffix}").is_file(), f"`sismatch certs` made no {name}.{suffix}")
    return True


def check_server(binary: str, server: ComposeServer, certs_out: str, work: Path) -> None:
    """Starts `server` as compose would, moved to `work` and loopback, and checks it."""
    import grpc
    from grpc_health.v1 import health_pb2

    certs = work / "certs"
    config = work / f"{server.name}.toml"
    config.write_text(server.config_file.read_text().replace(f'"{certs_out}/', f'"{certs}/'))
    args = list(server.command)
    args[args.index("--config") + 1] = str(config)
    args[args.index("--metrics") + 1] = "127.0.0.1:0"
    args += ["--listen", "127.0.0.1:0", "--data", str(work / f"data-{server.name}")]
    process = Server([binary] + args, work / f"{server.name}.log")
    try:
        address = process.line(timeout=120)
        expect(
            re.fullmatch(r"127\.0\.0\.1:\d+", address) is not None,
            f"first line {address!r} is no address",
        )
        metrics_line = process.line(timeout=30)
        expect(
            metrics_line.startswith("metrics: "),
            f"second line {metrics_line!r} is not `metrics: ADDR`",
        )
        with urllib.request.urlopen(f"http://{metrics_line.split(' ', 1)[1]}/metrics", timeout=10) as answer:
            expect(answer.status == 200, f"/metrics answered {answer.status}")
        # What the probes do: mutual TLS with the server's own certificate, its name checked.
        environment = server.service.get("environment", {})

        def read(variable: str) -> bytes:
            return (certs / posixpath.basename(environment[variable])).read_bytes()

        status = health(
            address,
            read("SISMATCH_CA"),
            read("SISMATCH_CERT"),
            read("SISMATCH_KEY"),
            environment["SISMATCH_PROBE_SERVER_NAME"],
        )
        expect(
            status == health_pb2.HealthCheckResponse.SERVING,
            f"health answered {status}, not SERVING",
        )
        try:
            health(address, read("SISMATCH_CA"), None, None, environment["SISMATCH_PROBE_SERVER_NAME"])
        except grpc.RpcError:
            pass
        else:
            raise Failure("answered a client without a certificate: mutual TLS is not required")
    finally:
        code = process.stop()
    expect(code == 0, f"exited {code} after SIGTERM:\n{process.log.read_text()}")


def check_script_flags(binary: str, services: dict) -> None:
    """The `sismatch ...` command lines of the one-shot services' scripts (certs, seed) use
    subcommands and flags the binary has."""
    checked = 0
    for name, service in services.items():
        if (service.get("command") or [None])[0] in SERVER_COMMANDS:
            continue
        script = "\n".join(service.get("command") or []).replace("\\\n", " ")
        for line in script.splitlines():
            for segment in re.findall(r"\bsismatch\s+([^;|&]*)", line):
                words = segment.split()
                path = []
                for word in words:
                    if not re.fullmatch(r"[a-z][a-z-]*", word) or len(path) == 2:
                        break
                    path.append(word)
                # Only the words that name subcommands: `sismatch certs --out ... NAME`.
                while path:
                    done = run([binary] + path + ["--help"])
                    if done.returncode == 0:
                        break
                    path.pop()
                expect(path, f"{name}: `sismatch {segment.strip()}`: no such subcommand")
                for flag in re.findall(r"(?<!\S)(--[a-z][a-z0-9-]*)", segment):
                    expect(
                        re.search(rf"{flag}(?![\w-])", done.stdout) is not None,
                        f"{name}: `sismatch {' '.join(path)}` has no {flag}",
                    )
                checked += 1
    expect(checked > 0, "no `sismatch` command line found in the one-shot services")


def check_servers(
    report: Report,
    binary: str,
    services: dict,
    servers: dict[str, ComposeServer],
    certs_out: str,
    cert_names: list[str],
) -> None:
    if not report.check("sismatch --version", run_ok, [binary, "--version"]):
        return
    report.check(
        "the certs and seed scripts use subcommands and flags the binary has",
        check_script_flags,
        binary,
        services,
    )
    with tempfile.TemporaryDirectory(prefix="sismatch-deploy-") as folder:
        work = Path(folder)
        if not report.check(
            f"sismatch certs {' '.join(cert_names)}", make_certs, binary, work / "certs", cert_names
        ):
            return
        for server in servers.values():
            report.check(
                f"{server.name}: starts with its compose command and config, /metrics, "
                "health over mTLS, refuses no certificate, stops on SIGTERM",
                check_server,
                binary,
                server,
                certs_out,
                work,
            )
