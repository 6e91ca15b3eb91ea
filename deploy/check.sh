#!/usr/bin/env bash
# Validates the deployment files (deploy/Dockerfile, deploy/docker-compose.yml, deploy/k8s/,
# the configs) offline, without a Docker engine or a cluster: `make check-deploy`, run by CI.
# The tools come from PyPI into target/deploy-venv (deploy/requirements.txt, pinned); the
# servers are started from the debug build of sismatch (the one `make test` makes), or from
# SISMATCH_BIN if set.
# What is checked: deploy/check.py.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=target/deploy-venv
requirements=deploy/requirements.txt

if [ ! -x "$venv/bin/python" ]; then
    echo "== creating $venv"
    python3 -m venv "$venv"
fi
# Reinstalled only when deploy/requirements.txt changed since the last install.
if ! cmp -s "$requirements" "$venv/requirements.installed"; then
    echo "== installing $requirements into $venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
    cp "$requirements" "$venv/requirements.installed"
fi

binary="${SISMATCH_BIN:-}"
if [ -z "$binary" ]; then
    # The very build of `make test` (which leaves target/debug/sismatch): nothing to compile
    # after it, as in CI. `cargo build -p sismatch` would resolve other features and compile
    # a second set of crates.
    cargo test --workspace --locked --no-run --quiet
    binary="${CARGO_TARGET_DIR:-target}/debug/sismatch"
fi

PYTHONDONTWRITEBYTECODE=1 "$venv/bin/python" deploy/check.py --sismatch "$binary"
