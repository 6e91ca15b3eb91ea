#!/usr/bin/env bash
# The compose federation in real containers on this machine (`make test-containers`, issue 16):
# podman with the runc runtime, no registry. What it does, in order:
#   1. installs podman, runc, mmdebstrap and uidmap from Debian when missing;
#   2. makes the base image localhost/debian:bookworm-slim with mmdebstrap when it does not
#      exist (kept for the next run: `podman rmi localhost/debian:bookworm-slim` removes it);
#   3. builds the image from deploy/Containerfile.host around the host's binary (SISMATCH_BIN,
#      else CARGO_TARGET_DIR or target/debug/sismatch);
#   4. runs deploy/docker-compose.yml with podman-compose (PyPI, pinned, in
#      target/containers-venv) and the override deploy/compose.host.yml, which puts every
#      service on host networking with its own loopback address: `up` (the one-shot `certs`,
#      the nodes, the partner, the core, the web page, with their config files, named volumes
#      and hardening), the `seed` service, the partner's register import as in deploy/README.md;
#   5. checks: gRPC health of the five servers over mutual TLS, the web page's healthcheck, a
#      misread VIN searched through the core as police-be (the `cli` service) finds its alert,
#      a dealer check is a HIT, a search through the partner YAMAHA is answered; then SIGTERM
#      (`podman-compose stop`) of every server, each exits 0, started again on the same
#      volumes, and the same searches give the same answers; no panic in any log.
# Everything it made (containers, volumes, the sismatch image) is removed on exit. All traffic
# stays on the loopback interface. What differs from the compose file: deploy/README.md,
# "Containers, run here".
set -euo pipefail
cd "$(dirname "$0")/.."

base=localhost/debian:bookworm-slim
image=localhost/sismatch:host-test
project=sismatch-test
label=io.podman.compose.project=$project
work=target/containers
venv=target/containers-venv
started=$SECONDS

# Explicit flags rather than /etc/containers/containers.conf, so that nothing depends on how
# the machine was configured: crun refuses this machine's hybrid cgroups, and podman's default
# ulimits exceed what it allows.
podman() { command podman --runtime runc --cgroup-manager cgroupfs "$@"; }
# Options of the script's own one-off containers (reading a volume).
once=(--rm --network host --ulimit nofile=4096:4096 --ulimit nproc=4096:4096)
# The compose file with its override for host networking, project sismatch-test; each call
# given 300 s at most.
compose() {
    timeout 300 "$venv/bin/podman-compose" --podman-args="--runtime runc --cgroup-manager cgroupfs" \
        --in-pod false --project-name "$project" -f deploy/docker-compose.yml -f deploy/compose.host.yml "$@"
}
step() { printf '== [%3ds] %s\n' "$((SECONDS - started))" "$*"; }
fail() {
    echo "FAILED: $*" >&2
    exit 1
}

# --- 1. packages ---------------------------------------------------------------------------
missing=()
for package in podman runc mmdebstrap uidmap python3-venv; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    step "installing ${missing[*]} (Debian packages)"
    sudo=""
    [ "$(id -u)" = 0 ] || sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
if [ ! -x "$venv/bin/python" ] || ! cmp -s deploy/containers-requirements.txt "$venv/requirements.installed"; then
    step "installing deploy/containers-requirements.txt into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r deploy/containers-requirements.txt
    cp deploy/containers-requirements.txt "$venv/requirements.installed"
fi

binary="${SISMATCH_BIN:-${CARGO_TARGET_DIR:-target}/debug/sismatch}"
[ -x "$binary" ] || fail "no sismatch binary at $binary: run \`cargo build --locked -p sismatch\` (make test-containers does)"

# --- cleanup -------------------------------------------------------------------------------
servers=(node-nl node-be node-fr partner-yamaha core web)
# By the project's label, which podman-compose puts on its containers and volumes, with the
# anonymous volumes of the image's /data that `certs` and `web` get (`rm -v` misses some).
remove_all() {
    local id anonymous=()
    local containers
    containers=$(podman ps -aq --filter "label=$label")
    for id in $containers; do
        # shellcheck disable=SC2207 # volume names have no spaces
        anonymous+=($(podman inspect --format '{{range .Mounts}}{{if eq .Type "volume"}}{{.Name}} {{end}}{{end}}' "$id" 2>/dev/null | grep -oE '\b[0-9a-f]{64}\b' || true))
    done
    for id in $containers; do
        podman rm -f -v -t 0 --depend "$id" >/dev/null 2>&1 || true
    done
    for id in "${anonymous[@]}"; do
        podman volume rm -f "$id" >/dev/null 2>&1 || true
    done
    for id in $(podman volume ls -q --filter "label=$label"); do
        podman volume rm -f "$id" >/dev/null 2>&1 || true
    done
    podman rmi -f "$image" >/dev/null 2>&1 || true
    rm -rf "$work"
    if [ -n "$(podman ps -aq --filter "label=$label")$(podman volume ls -q --filter "label=$label")" ]; then
        echo "could not remove every container and volume labelled $label: see podman ps -a, podman volume ls" >&2
        return 1
    fi
}
on_exit() {
    local status=$?
    # Back to the script's own output: a signal may arrive during a step whose output goes to
    # a log file.
    exec 1>&3 2>&4
    if [ "$status" -ne 0 ]; then
        for server in "${servers[@]}"; do
            if podman container exists "${project}_${server}_1"; then
                echo "--- last lines of $server's log" >&2
                podman logs --tail 15 "${project}_${server}_1" 2>&1 | grep -v '^ *[0-9.:]*$\|^metrics: ' >&2 || true
            fi
        done
    fi
    step "removing the containers, volumes and image made"
    remove_all || status=1
    exit "$status"
}
exec 3>&1 4>&2
# Leftovers of an interrupted run first.
remove_all
trap on_exit EXIT
trap "exit 130" INT TERM

# --- 2. the base image ---------------------------------------------------------------------
mkdir -p "$work"
if ! podman image exists "$base"; then
    step "making $base from Debian's packages (mmdebstrap, about a minute)"
    mmdebstrap --quiet --variant=essential --include=libstdc++6 bookworm "$work/base.tar"
    podman import --quiet "$work/base.tar" "$base" >/dev/null
    rm -f "$work/base.tar"
fi

# --- 3. the image --------------------------------------------------------------------------
step "building $image from deploy/Containerfile.host and $binary"
context="$work/context"
mkdir -p "$context/empty"
# The debug build's debug info is most of its size; symbols stay, for backtraces.
objcopy --strip-debug "$binary" "$context/sismatch"
cp deploy/http-probe.sh "$context/http-probe.sh"
podman build --quiet --file deploy/Containerfile.host --tag "$image" "$context" >/dev/null
rm -rf "$context"

# --- 4. the federation ---------------------------------------------------------------------
# The addresses and ports of deploy/compose.host.yml.
declare -A address=(
    [node-nl]=127.0.0.2 [node-be]=127.0.0.3 [node-fr]=127.0.0.4
    [core]=127.0.0.5 [partner-yamaha]=127.0.0.6 [web]=127.0.0.1
)
declare -A port=([node-nl]=7400 [node-be]=7400 [node-fr]=7400 [core]=7500 [partner-yamaha]=7600 [web]=18080)
container() { echo "${project}_$1_1"; }

step "podman-compose up: certs, node-nl, node-be, node-fr, partner-yamaha, core, web"
compose up -d --no-build >"$work/up.log" 2>&1 || {
    cat "$work/up.log" >&2
    fail "podman-compose up failed"
}
[ "$(podman inspect --format '{{.State.ExitCode}}' "$(container certs)")" = 0 ] || fail "the certs service failed"

# Health over mutual TLS, each server asked with its own certificate (as sismatch-probe does),
# from the host (the check of deploy/checks/servers.py): this image has no grpc_health_probe.
# Waits up to 60 s per server.
wait_healthy() {
    local name
    for name in node-nl node-be node-fr partner-yamaha core; do
        "$venv/bin/python" - \
            "${address[$name]}:${port[$name]}" "$name" "$work/certs" <<'PY' || fail "$name is not SERVING over mutual TLS after 60 s"
import sys, time
from pathlib import Path
import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
address, name, certs = sys.argv[1], sys.argv[2], Path(sys.argv[3])
read = lambda file: (certs / file).read_bytes()
credentials = grpc.ssl_channel_credentials(read("ca.pem"), read(f"{name}.key"), read(f"{name}.pem"))
options = [("grpc.ssl_target_name_override", name)]
deadline, last = time.monotonic() + 60, None
while time.monotonic() < deadline:
    try:
        with grpc.secure_channel(address, credentials, options=options) as channel:
            request = health_pb2.HealthCheckRequest(service="")
            status = health_pb2_grpc.HealthStub(channel).Check(request, timeout=5).status
        if status == health_pb2.HealthCheckResponse.SERVING:
            print(f"   {name} at {address}: SERVING (gRPC health over mutual TLS)")
            sys.exit(0)
        last = f"status {status}"
    except Exception as error:  # not listening yet, or refused
        last = str(error).splitlines()[0]
    time.sleep(0.5)
print(f"   {name} at {address}: {last}", file=sys.stderr)
sys.exit(1)
PY
    done
    local tries=0
    until podman exec "$(container web)" sismatch-http-probe "${port[web]}" /healthz; do
        tries=$((tries + 1))
        [ "$tries" -lt 60 ] || fail "the web page's healthcheck (sismatch-http-probe) failed for 60 s"
        sleep 1
    done
    echo "   web: sismatch-http-probe ${port[web]} /healthz in its container: 200"
}
# The certificates copied out of the volume, for the host's health checks only.
mkdir -p "$work/certs"
podman run "${once[@]}" -v "${project}_certs:/certs:ro" --entrypoint tar "$image" -C /certs -cf - . | tar -xf - -C "$work/certs"
step "health of every server"
wait_healthy

step "seed: 3,000 sample alerts generated and imported as each country's operator (the seed service)"
compose --profile seed run --rm --no-deps seed >"$work/seed.log" 2>&1 || {
    cat "$work/seed.log" >&2
    fail "the seed service failed"
}

step "partner-yamaha: stopped, its register imported from the corpus volume, started"
{
    compose stop partner-yamaha &&
        compose run --rm --no-deps partner-yamaha \
            partner import --config /etc/sismatch/partner.toml /corpus/register.ndjson &&
        compose start partner-yamaha
} >"$work/register.log" 2>&1 || {
    cat "$work/register.log" >&2
    fail "the partner's register import failed"
}

# The alert searched for: the first Belgian alert with a VIN, read with look-alike characters.
vin_line=$(podman run "${once[@]}" -v "${project}_corpus:/data:ro" --entrypoint grep "$image" \
    -m1 '"kind":"VIN"' /data/alerts-BE.ndjson) || fail "no Belgian alert with a VIN in the corpus"
alert_id=$(sed -E 's/^\{"id":"([^"]+)".*/\1/' <<<"$vin_line")
vin=$(sed -E 's/.*"kind":"VIN","value":"([^"]+)".*/\1/' <<<"$vin_line")
misread=$(tr 'SB8' '58B' <<<"$vin")
[ "$misread" != "$vin" ] || misread="${vin:0:16}X"
# An engine serial of YAMAHA's register, for a search through the partner.
engine=$(podman run "${once[@]}" -v "${project}_corpus:/data:ro" --entrypoint grep "$image" \
    -m1 -i '"maker":"yamaha","engine_serial"' /data/register.ndjson | sed -E 's/.*"engine_serial":"([^"]+)".*/\1/') ||
    fail "no YAMAHA engine serial in the sample register"

# cli COMMAND...: the compose file's `cli` service (police-be), as IDENTITY when set.
cli() {
    local identity=${IDENTITY:-police-be}
    compose --profile tools run --rm --no-deps -e "SISMATCH_CERT=/certs/$identity.pem" \
        -e "SISMATCH_KEY=/certs/$identity.key" cli "$@" 2>"$work/cli.log" || {
        cat "$work/cli.log" >&2
        return 1
    }
}
# answer_check PYTHON_CONDITION ANSWER WHAT: the JSON ANSWER (`a` in the condition) fulfils it.
answer_check() {
    "$venv/bin/python" -c "import json, sys; a = json.loads(sys.argv[1]); sys.exit(0 if ($1) else 1)" "$2" || {
        echo "$2" >&2
        fail "$3"
    }
}
search_and_check() {
    local when=$1 answer
    answer=$(cli search --core https://core:7500 --json "$misread") || fail "search ($when) failed"
    answer_check "any(m['alert_id'] == '$alert_id' for m in a['matches'])" "$answer" \
        "the search for $misread ($when) did not find $alert_id"
    answer_check "sorted(n['country'] for n in a['nodes'] if n['outcome'] == 'OK') == ['BE', 'FR', 'NL'] and not a['partial']" \
        "$answer" "not every node answered the search ($when)"
    echo "   search as police-be through https://core:7500 for $misread (the VIN $vin misread):"
    echo "   finds $alert_id; NL, BE and FR answered OK"
    answer=$(IDENTITY=dealer-jansen cli check --core https://core:7500 --json "$vin") || fail "dealer check ($when) failed"
    answer_check "a['outcome'] == 'HIT'" "$answer" "the dealer check of $vin ($when) is not a HIT"
    echo "   dealer check as dealer-jansen of $vin: HIT"
    answer=$(cli search --core https://core:7500 --json --via-partners --purpose THEFT_INVESTIGATION \
        --case-reference TEST-CONTAINERS "$engine") || fail "search via the partner ($when) failed"
    answer_check "[(p['node'], p['outcome']) for p in a['partners']] == [('YAMAHA', 'OK')]" "$answer" \
        "the partner YAMAHA did not answer the search for $engine ($when)"
    echo "   search as police-be via the partners for the engine serial $engine: YAMAHA answered OK"
}
step "a misread number through the core, a dealer check, a search through the partner"
search_and_check "before the restart"

# --- 5. SIGTERM and restart ----------------------------------------------------------------
step "podman-compose stop: SIGTERM to every server (SIGKILL only after stop_grace_period, 20 s)"
compose stop "${servers[@]}" >"$work/stop.log" 2>&1 || {
    cat "$work/stop.log" >&2
    fail "podman-compose stop failed"
}
for server in "${servers[@]}"; do
    code=$(podman inspect --format '{{.State.ExitCode}}' "$(container "$server")")
    [ "$code" = 0 ] || fail "$server exited $code after SIGTERM, not 0"
    echo "   $server: exited 0"
done
# One after the other, in the compose file's order: podman-compose 1.6's `start` starts them
# all at once, and podman 4.3 then trips over the dependencies it gave them (--requires).
step "podman start: the same containers, in order, on the same volumes"
for server in "${servers[@]}"; do
    podman start "$(container "$server")" >/dev/null || fail "$server did not start again"
done
wait_healthy
step "the same searches and check after the restart"
search_and_check "after the restart"

step "no panic in any server's log"
for server in "${servers[@]}"; do
    if podman logs "$(container "$server")" 2>&1 | grep -qi 'panic'; then
        podman logs "$(container "$server")" 2>&1 | grep -i -B2 -A5 panic >&2
        fail "$server's log holds a panic"
    fi
done
step "passed"
