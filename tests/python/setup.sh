# Sourced by run.sh and browser.sh from the repository root: the test venv in
# target/python-venv (made when missing, the pinned requirements installed when they changed)
# and $SISMATCH_BIN (target/debug/sismatch unless set; built with `cargo test --workspace
# --no-run`, the same build as `make test`, when missing).

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

