#!/usr/bin/env bash
# A client that we did not write: generates Python stubs from proto/ alone (nothing
# hand-written, nothing committed) and drives a running `sismatch demo` with them.
#
#   bash tests/python/run.sh [PYTEST ARGS...]    (or `make test-python`)
#
# The virtual environment lives in target/python-venv (made when missing, requirements installed
# when they changed). The binary is target/debug/sismatch, or $SISMATCH_BIN; when missing it is
# built with `cargo test --workspace --no-run`, the same build as `make test` (a plain
# `cargo build -p sismatch` would resolve other features and rebuild RocksDB).
set -euo pipefail
cd "$(dirname "$0")/../.."

here=tests/python
venv=target/python-venv

if [ ! -x "$venv/bin/python" ]; then
    echo "== creating $venv"
    python3 -m venv "$venv" || {
        echo "cannot create $venv: needs Python 3 with venv and pip (Debian: python3-venv)" >&2
        rm -rf "$venv"
        exit 1
    }
fi
if ! cmp -s "$here/requirements.txt" "$venv/requirements.installed"; then
    echo "== installing $here/requirements.txt"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$here/requirements.txt"
    cp "$here/requirements.txt" "$venv/requirements.installed"
fi

stubs=$(mktemp -d "${TMPDIR:-/tmp}/sismatch-py-stubs.XXXXXX")
trap 'rm -rf "$stubs"' EXIT
mapfile -t protos < <(find proto -name '*.proto' | sort)
echo "== generating stubs from proto/ only (${#protos[@]} files)"
"$venv/bin/python" -m grpc_tools.protoc -I proto \
    --python_out="$stubs" --pyi_out="$stubs" --grpc_python_out="$stubs" "${protos[@]}"

if [ -z "${SISMATCH_BIN:-}" ]; then
    SISMATCH_BIN="${CARGO_TARGET_DIR:-target}/debug/sismatch"
    if [ ! -x "$SISMATCH_BIN" ]; then
        echo "== $SISMATCH_BIN is missing: building (cargo test --workspace --locked --no-run)"
        cargo test --workspace --locked --no-run
    fi
fi
if [ ! -x "$SISMATCH_BIN" ]; then
    echo "no sismatch binary at $SISMATCH_BIN" >&2
    exit 1
fi
SISMATCH_BIN=$(realpath "$SISMATCH_BIN")
export SISMATCH_BIN
echo "== testing $SISMATCH_BIN"

# No __pycache__ or .pytest_cache in the work tree.
PYTHONDONTWRITEBYTECODE=1 PYTHONPATH="$stubs" "$venv/bin/python" -m pytest -p no:cacheprovider -v "$here/test_client.py" "$@"
