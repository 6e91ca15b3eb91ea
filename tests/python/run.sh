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

source tests/python/setup.sh

stubs=$(mktemp -d "${TMPDIR:-/tmp}/sismatch-py-stubs.XXXXXX")
trap 'rm -rf "$stubs"' EXIT
mapfile -t protos < <(find proto -name '*.proto' | sort)
echo "== generating stubs from proto/ only (${#protos[@]} files)"
"$venv/bin/python" -m grpc_tools.protoc -I proto \
    --python_out="$stubs" --pyi_out="$stubs" --grpc_python_out="$stubs" "${protos[@]}"

# No __pycache__ or .pytest_cache in the work tree.
PYTHONDONTWRITEBYTECODE=1 PYTHONPATH="$stubs" "$venv/bin/python" -m pytest -p no:cacheprovider -v "$here/test_client.py" "$@"
