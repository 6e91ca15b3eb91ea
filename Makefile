# The README's two commands, `make demo` and `make test`, and what they need.
# protoc is vendored by the sismatch-proto crate; the one system package a fresh Debian machine
# lacks is libclang, which bindgen needs to build RocksDB: `make deps` installs it when missing.

CARGO ?= cargo
SISMATCH = $(CARGO) run --quiet --locked -p sismatch --
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test test-python check-deploy lint bench deps

# Installs the Debian packages the build needs, only when they are missing.
deps:
	@if ! dpkg -s libclang-dev >/dev/null 2>&1; then \
		echo "installing libclang-dev (needed by bindgen to build RocksDB)"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq libclang-dev; \
	fi

# The main job on the embedded default: three national nodes (NL, BE, FR) and the matching
# core in one process on loopback, loaded with generated sample data, a few example searches
# with misread and partial numbers, then serving until Ctrl-C. DEMO_ARGS passes flags
# (`make demo DEMO_ARGS="--data /tmp/fed --alerts 30000"`; `sismatch demo --help` lists them).
demo: deps
	$(SISMATCH) demo $(DEMO_ARGS)

# Every test of the workspace: unit, property and integration tests.
test: deps
	$(CARGO) test --workspace --locked

# The gRPC contract from a client we did not write: Python stubs generated from proto/ alone.
test-python: deps
	bash tests/python/run.sh

# The deployment files (Dockerfile, compose federation, Kubernetes manifests), checked offline.
check-deploy: deps
	bash deploy/check.sh

# What CI checks besides the tests.
lint: deps
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

# Micro-benchmarks (criterion); numbers go to target/criterion.
bench: deps
	$(CARGO) bench --locked -p sismatch-benches
