#!/usr/bin/env bash
# One national node's search figures, this build beside earlier ones in the same run: the
# machine is shared and its speed swings by a third within minutes, so only builds measured
# minutes apart, alternated, compare (BENCHMARKS.md reports these ratios).
#
#   benches/node-ab.sh prepare --dir DIR --bin BIN [--alerts 1000000] [--country NL] [--seed 42]
#   benches/node-ab.sh run --dir DIR [--rounds 2] [--duration 15] [--warm-up 5] NAME=BIN ...
#
# `prepare` generates a corpus (`bench generate`, one country) into DIR/corpus and imports it
# into a node data folder DIR/data with BIN (the import waits until it is searchable); it
# takes about 2 minutes per million alerts. `run` serves DIR/data with each binary in turn (the
# order reversed every other round) and measures it with that binary's own `bench load`:
# negatives with one client, all queries with one client, all queries with four clients. The
# node's CPU time over the measured window is read from /proc, so each run also gives the
# node's CPU per search. Reports go to DIR/runs/STAMP/NAME-rROUND-LOAD/report.json; a table
# of them is printed at the end. Loopback only; the node is stopped after each binary.
set -euo pipefail

die() { echo "node-ab.sh: $*" >&2; exit 2; }
usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-2}"; }

[ $# -ge 1 ] || usage
mode=$1; shift
dir='' bin='' alerts=1000000 country=NL seed=42 rounds=2 duration=15 warm_up=5
binaries=()
while [ $# -gt 0 ]; do
  case $1 in
    --dir) dir=${2:?--dir needs a folder}; shift 2 ;;
    --bin) bin=${2:?--bin needs a binary}; shift 2 ;;
    --alerts) alerts=${2:?--alerts needs a count}; shift 2 ;;
    --country) country=${2:?--country needs a code}; shift 2 ;;
    --seed) seed=${2:?--seed needs a number}; shift 2 ;;
    --rounds) rounds=${2:?--rounds needs a count}; shift 2 ;;
    --duration) duration=${2:?--duration needs seconds}; shift 2 ;;
    --warm-up) warm_up=${2:?--warm-up needs seconds}; shift 2 ;;
    -h|--help) usage 0 ;;
    *=*) binaries+=("$1"); shift ;;
    *) die "unknown argument '$1' (binaries are given as NAME=PATH)" ;;
  esac
done
[ -n "$dir" ] || die "--dir: missing"

node_pid=''
stop_node() {
  if [ -n "$node_pid" ] && kill -0 "$node_pid" 2>/dev/null; then
    kill -TERM "$node_pid"
    wait "$node_pid" 2>/dev/null || true
  fi
  node_pid=''
}
trap stop_node EXIT

# Starts BIN's node on DIR/data; sets node_pid and node_addr once it listens and, with
# `filled`, once its identifier index is filled from the store (the log line; a node with an
# empty store logs none), so that no measured search waits for it.
start_node() {
  local bin=$1 log=$2 wait_for=$3
  : > "$log.out"
  RUST_LOG=info "$bin" node --country "$country" --data "$dir/data" --listen 127.0.0.1:0 \
    > "$log.out" 2> "$log.err" &
  node_pid=$!
  local waited=0
  node_addr=''
  while :; do
    kill -0 "$node_pid" 2>/dev/null || die "the node of $bin exited; its log: $log.err"
    [ -n "$node_addr" ] || node_addr=$(head -n 1 "$log.out")
    if [ -n "$node_addr" ] && { [ "$wait_for" != filled ] || grep -q "identifier index filled" "$log.err"; }; then
      echo "  $bin: node on $node_addr, ready after ${waited} s" >&2
      return
    fi
    [ "$waited" -lt 3600 ] || die "the node of $bin did not fill its index within an hour"
    sleep 1; waited=$((waited + 1))
  done
}

# utime + stime of a process, in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

case $mode in
  prepare)
    [ -n "$bin" ] || die "--bin: missing (the binary that generates and imports)"
    [ ! -e "$dir/data" ] || die "$dir/data exists: prepare makes it anew (remove it first)"
    mkdir -p "$dir"
    if [ -f "$dir/corpus/manifest.json" ]; then
      echo "$dir/corpus: generated before, used as it is" >&2
    else
      "$bin" bench generate --alerts "$alerts" --countries "$country" --seed "$seed" --out "$dir/corpus"
    fi
    python3 - "$dir/corpus" <<'EOF'
import json, sys
corpus = sys.argv[1]
with open(f"{corpus}/queries.ndjson") as queries, open(f"{corpus}/negatives.ndjson", "w") as out:
    for line in queries:
        if line.strip() and not json.loads(line).get("expected"):
            out.write(line)
EOF
    mkdir -p "$dir/logs"
    start_node "$bin" "$dir/logs/prepare" listening
    start=$(date +%s)
    "$bin" import --node "$node_addr" "$dir/corpus/alerts-$country.ndjson"
    echo "imported and searchable in $(( $(date +%s) - start )) s" >&2
    stop_node
    ;;
  run)
    [ ${#binaries[@]} -ge 1 ] || die "no binary given (NAME=PATH ...)"
    for pair in "${binaries[@]}"; do
      [ -x "${pair#*=}" ] || die "${pair#*=}: not an executable (from $pair)"
    done
    [ -d "$dir/data" ] && [ -f "$dir/corpus/negatives.ndjson" ] || die "$dir: run prepare first"
    out="$dir/runs/$(date +%Y%m%d-%H%M%S)"
    mkdir -p "$out"
    ticks=$(getconf CLK_TCK)
    for round in $(seq 1 "$rounds"); do
      order=("${binaries[@]}")
      if [ $((round % 2)) -eq 0 ]; then
        order=(); for ((i = ${#binaries[@]} - 1; i >= 0; i--)); do order+=("${binaries[i]}"); done
      fi
      for pair in "${order[@]}"; do
        name=${pair%%=*} bin=${pair#*=}
        echo "round $round: $name ($bin)" >&2
        start_node "$bin" "$out/$name-r$round-node" filled
        for load in negatives-c1 all-c1 all-c4; do
          queries=$dir/corpus/queries.ndjson; [ "$load" != negatives-c1 ] || queries=$dir/corpus/negatives.ndjson
          report=$out/$name-r$round-$load
          "$bin" bench load --node "$node_addr" --queries "$queries" --concurrency "${load##*-c}" \
            --duration "$duration" --warm-up "$warm_up" --out "$report" > "$report.log" 2>&1 &
          client=$!
          sleep "$warm_up"; before=$(cpu_ticks "$node_pid")
          sleep "$duration"; after=$(cpu_ticks "$node_pid")
          wait "$client" || die "bench load failed; its output: $report.log"
          echo "$(( (after - before) * 1000 / ticks ))" > "$report/node-cpu-ms"
        done
        grep VmRSS "/proc/$node_pid/status" | awk '{ print $2 }' > "$out/$name-r$round-rss-kib"
        stop_node
      done
    done
    python3 - "$out" "$rounds" "${binaries[@]}" <<'EOF'
import json, sys
out, rounds, names = sys.argv[1], int(sys.argv[2]), [b.split("=", 1)[0] for b in sys.argv[3:]]
def cell(name, load, f):
    return " · ".join(f(f"{out}/{name}-r{r}", load) for r in range(1, rounds + 1))
def load_of(run, load):
    return json.load(open(f"{run}-{load}/report.json"))["load"][0]
def speed(run, load):
    return f"{load_of(run, load)['throughput']:,.0f}"
def server(run, load):
    s = load_of(run, load)["server"]
    return f"{s['p50_ms']:.2f}/{s['p99_ms']:.2f}/{s['max_ms']:.2f}"
def no_hit(run, load):
    s = load_of(run, load)["server_no_hit"]
    return f"{s['p50_ms']:.2f}/{s['p99_ms']:.2f} ({s['count']:,})"
def cpu(run, load):
    ms = int(open(f"{run}-{load}/node-cpu-ms").read())
    return f"{ms / max(load_of(run, load)['requests'], 1):.3f}"
def rss(run, _load):
    return f"{int(open(f'{run}-rss-kib').read()) / 1024:,.0f}"
rows = [
    ("all, 4 clients: searches/s", "all-c4", speed),
    ("all, 4 clients: node CPU per search (ms)", "all-c4", cpu),
    ("all, 1 client: server p50/p99/max (ms)", "all-c1", server),
    ("negatives, 1 client: server p50/p99/max (ms)", "negatives-c1", server),
    ("negatives, 1 client: those that found nothing p50/p99 (ms) (searches)", "negatives-c1", no_hit),
    ("negatives, 1 client: node CPU per search (ms)", "negatives-c1", cpu),
    ("resident memory after the loads (MiB)", "all-c4", rss),
]
print(f"\n{out} (rounds separated by ·)\n")
print("| | " + " | ".join(names) + " |")
print("| --- |" + " --- |" * len(names))
for label, load, f in rows:
    print(f"| {label} | " + " | ".join(cell(n, load, f) for n in names) + " |")
EOF
    ;;
  *) usage ;;
esac
