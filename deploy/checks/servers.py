"""The real servers: started from the compose command lines and configs, on loopback."""

from __future__ import annotations

import http.client
import os
import posixpath
import queue
import re
import signal
import subprocess
import tempfile
import threading
import urllib.parse
import urllib.request
from pathlib import Path

from checks.common import (
    DEPLOY,
    GRPC_COMMANDS,
    HEALTH_PATH,
    SERVER_COMMANDS,
    Failure,
    Report,
    expect,
    run,
    run_ok,
)
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


def start_server(
    binary: str, server: ComposeServer, certs_out: str, work: Path, config_text: str | None = None
) -> tuple[Server, str, str]:
    """Starts `server` as compose would, moved to `work` and loopback (`config_text`: its
    config file, already moved, instead of the compose one); its address and metrics
    address once it serves /metrics."""
    certs = work / "certs"
    config = work / f"{server.name}.toml"
    if config_text is None:
        config_text = server.config_file.read_text().replace(f'"{certs_out}/', f'"{certs}/')
    config.write_text(config_text)
    args = list(server.command)
    args[args.index("--config") + 1] = str(config)
    args[args.index("--metrics") + 1] = "127.0.0.1:0"
    args += ["--listen", "127.0.0.1:0"]
    if server.role in GRPC_COMMANDS:
        args += ["--data", str(work / f"data-{server.name}")]
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
        metrics = metrics_line.split(" ", 1)[1]
        with urllib.request.urlopen(f"http://{metrics}/metrics", timeout=10) as answer:
            expect(answer.status == 200, f"/metrics answered {answer.status}")
    except BaseException:
        process.stop()
        raise
    return process, address, metrics


def check_server(binary: str, server: ComposeServer, certs_out: str, work: Path) -> None:
    """Starts `server` as compose would, moved to `work` and loopback, and checks it."""
    import grpc
    from grpc_health.v1 import health_pb2

    certs = work / "certs"
    process, address, _ = start_server(binary, server, certs_out, work)
    try:
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
            if server.role not in GRPC_COMMANDS:
                continue
            report.check(
                f"{server.name}: starts with its compose command and config, /metrics, "
                "health over mTLS, refuses no certificate, stops on SIGTERM",
                check_server,
                binary,
                server,
                certs_out,
                work,
            )
        cores = [server for server in servers.values() if server.role == "core"]
        for server in servers.values():
            if server.role not in GRPC_COMMANDS and len(cores) == 1:
                report.check(
                    f"{server.name}: starts with its compose command and config, /metrics, "
                    f"{HEALTH_PATH} (and its healthcheck command), signs in and reads /status "
                    "through the core over mTLS as its trusted forwarder, stops on SIGTERM",
                    check_web_server,
                    binary,
                    server,
                    cores[0],
                    certs_out,
                    work,
                )


def web_request(address: str, method: str, path: str, cookies: dict[str, str], body: str | None = None):
    """One request without following redirects: (status, headers, text); the cookies it
    sets are added to `cookies` (by hand: they are Secure, which http.cookiejar keeps to
    HTTPS)."""
    host, port = address.rsplit(":", 1)
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())} if cookies else {}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        connection.request(method, path, body=body, headers=headers)
        answer = connection.getresponse()
        text = answer.read().decode("utf-8", "replace")
    finally:
        connection.close()
    for value in answer.headers.get_all("Set-Cookie") or []:
        name, _, rest = value.partition("=")
        cookies[name.strip()] = rest.split(";", 1)[0]
    return answer.status, answer.headers, text


def core_searches(metrics: str) -> dict[str, float]:
    """The core's MatchingCore/Search requests by gRPC code, from its /metrics."""
    with urllib.request.urlopen(f"http://{metrics}/metrics", timeout=10) as answer:
        text = answer.read().decode()
    counts = {}
    pattern = (
        r'sismatch_grpc_requests_total\{server="core",'
        r'rpc="/sismatch\.v1\.MatchingCore/Search",code="(\w+)"\} (\S+)'
    )
    for code, value in re.findall(pattern, text):
        counts[code] = float(value)
    return counts


def check_web_server(
    binary: str, web: ComposeServer, core: ComposeServer, certs_out: str, work: Path
) -> None:
    """Starts the core, then the web page over it, both as compose would (moved to `work` and
    loopback; the web page calls the core at `localhost`, a name its certificate is also
    valid for, and lists no nodes), and checks what the healthcheck and a person see."""
    certs = work / "certs"
    core_process, core_address, core_metrics = start_server(binary, core, certs_out, work)
    web_process = None
    try:
        # A fresh account made by `sismatch web user add`, appended as the README says.
        password = "deploy-check-password"
        added = run(
            [binary, "web", "user", "add", "--name", "deploy-check", "--role", "OPERATOR"],
            input=password + "\n",
        )
        expect(added.returncode == 0, f"`sismatch web user add` exited {added.returncode}: {added.stderr}")
        entry = added.stdout
        config_text = web.config_file.read_text().replace(f'"{certs_out}/', f'"{certs}/')
        core_port = core_address.rsplit(":", 1)[1]
        config_text, replaced = re.subn(
            r'^core = "https://[a-z0-9-]+:\d+"$',
            f'core = "https://localhost:{core_port}"',
            config_text,
            flags=re.MULTILINE,
        )
        expect(replaced == 1, 'web: no `core = "https://NAME:PORT"` line to point at the started core')
        config_text = re.sub(r"^nodes = .*$", "nodes = []", config_text, flags=re.MULTILINE)
        config_text += "\n" + entry
        web_process, address, _ = start_server(binary, web, certs_out, work, config_text)
        status, _, text = web_request(address, "GET", HEALTH_PATH, {})
        expect(status == 200 and text.strip() == "ok", f"GET {HEALTH_PATH} answered {status} {text!r}")
        test = web.service.get("healthcheck", {}).get("test", [])
        expect(test[1:2] == ["sismatch-http-probe"], f"the healthcheck {test} is not sismatch-http-probe")
        probe = run(["bash", str(DEPLOY / "http-probe.sh"), address.rsplit(":", 1)[1]] + test[3:])
        expect(
            probe.returncode == 0,
            f"its healthcheck command (deploy/http-probe.sh) exited {probe.returncode}: {probe.stderr}",
        )
        # Sign in as the new operator: the form's CSRF token and its cookie, then the session.
        cookies: dict[str, str] = {}
        status, _, text = web_request(address, "GET", "/login", cookies)
        token = re.search(r'name="csrf" value="([^"]+)"', text)
        expect(status == 200 and token is not None, f"GET /login answered {status} without a CSRF token")
        form = urllib.parse.urlencode({"name": "deploy-check", "password": password, "csrf": token.group(1)})
        status, headers, _ = web_request(address, "POST", "/login", cookies, form)
        expect(
            status == 303 and "sismatch_session" in cookies,
            f"signing in answered {status} {headers.get('Location')}, no session",
        )
        # /status searches through the core on the operator's behalf: the core must accept the
        # web page's certificate and its forwarding (else PERMISSION_DENIED or UNAUTHENTICATED).
        before = core_searches(core_metrics)
        status, _, text = web_request(address, "GET", "/status", cookies)
        expect(status == 200, f"GET /status answered {status}")
        after = core_searches(core_metrics)
        changed = {}
        for code, count in after.items():
            if count != before.get(code, 0):
                changed[code] = count - before.get(code, 0)
        expect(
            changed == {"OK": 1},
            f"the core answered the web page's search with {changed or 'nothing'}, not OK "
            f"(core log: {(work / f'{core.name}.log').read_text()[-2000:]})",
        )
    finally:
        web_code = web_process.stop() if web_process else 0
        core_code = core_process.stop()
    expect(web_code == 0, f"exited {web_code} after SIGTERM:\n{web_process.log.read_text()}")
    expect(core_code == 0, f"the core exited {core_code} after SIGTERM")
