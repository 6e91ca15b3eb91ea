# The README's two commands, `make demo` and `make test`, and what they need.
# protoc is vendored by the sismatch-proto crate; the one system package a fresh Debian machine
# lacks is libclang, which bindgen needs to build RocksDB: `make deps` installs it when missing.

CARGO ?= cargo
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Where cargo puts the binary: CARGO_TARGET_DIR when set, as cargo reads it, else target/.
SISMATCH_BIN := $(or $(CARGO_TARGET_DIR),target)/debug/sismatch

# Said before a build that will be long, so nobody takes it for a hang: with no binary yet,
# RocksDB's C++ is compiled first. Cargo's own progress follows.
FIRST_BUILD_NOTE = @if [ ! -x "$(SISMATCH_BIN)" ]; then \
		echo "First build: it compiles RocksDB from C++, about 15 minutes on 2 cores (cargo's"; \
		echo "progress follows; 'librocksdb-sys(build)' stays on screen for most of it)."; \
	fi

.PHONY: demo build test test-python test-browser browser-deps check-deploy test-containers lint bench deps chaos

# Installs the Debian packages the build needs, only when they are missing.
deps:
	@if ! dpkg -s libclang-dev >/dev/null 2>&1; then \
		echo "installing libclang-dev (needed by bindgen to build RocksDB)"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq libclang-dev; \
	fi

# The main job on the embedded default: three national nodes (NL, BE, FR), the matching core
# and YAMAHA's partner node with its sales register in one process on loopback, loaded with
# generated sample data, a few example searches with misread and partial numbers and one from
# an engine serial through the partner to a stolen boat, then serving until Ctrl-C. DEMO_ARGS passes flags
# (`make demo DEMO_ARGS="--data /tmp/fed --alerts 30000"`; `sismatch demo --help` lists them).
demo: build
	@$(SISMATCH_BIN) demo $(DEMO_ARGS)

# The `sismatch` binary, built in view: a first build is long and shows cargo's progress.
build: deps
	$(FIRST_BUILD_NOTE)
	$(CARGO) build --locked -p sismatch

# Every test of the workspace: unit, property and integration tests.
test: deps
	$(FIRST_BUILD_NOTE)
	$(CARGO) test --workspace --locked

# The gRPC contract from a client we did not write: Python stubs generated from proto/ alone.
test-python: deps
	bash tests/python/run.sh

# Debian's Chromium and its WebDriver, for the real-browser test, installed only when missing.
browser-deps:
	@if ! dpkg -s chromium >/dev/null 2>&1 || ! dpkg -s chromium-driver >/dev/null 2>&1; then \
		echo "installing chromium and chromium-driver (the real-browser test drives them over WebDriver)"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium chromium-driver; \
	fi

# The web page in a real browser (issue 13): Chromium over WebDriver (Python selenium in the
# test venv) against `sismatch demo`, as a dealer, police and an operator; screenshots of every
# page in target/browser/.
test-browser: deps browser-deps
	bash tests/python/browser.sh

# The deployment files (Dockerfile, compose federation, Kubernetes manifests), checked offline.
check-deploy: deps
	bash deploy/check.sh

# The compose federation in real containers on this machine (issue 16): deploy/docker-compose.yml
# under podman-compose with deploy/compose.host.yml (runc, host networking, loopback only), in
# the image of deploy/Containerfile.host around the binary built here on a Debian base made with
# mmdebstrap; packages installed and the base made when missing. Checks health over mutual TLS,
# a misread VIN through the core, a dealer check, a search through the partner, SIGTERM and
# restart on the same volumes; removes what it made but the base image. deploy/README.md,
# "Containers, run here".
test-containers: build
	SISMATCH_BIN=$(SISMATCH_BIN) bash deploy/test-containers.sh

# The fault run (issue 16): three `sismatch node` processes and two `sismatch core`s on loopback
# under mixed load while a seeded scheduler kills (-9), hangs (SIGSTOP), slows and cuts off
# nodes and fills one's disk; then checks that no acknowledged write was lost, no search missed
# its deadline, every answer named the failing node rightly, the full disk refused writes clearly
# and recovered, and no log holds a panic. CHAOS_SECONDS long (CI runs 50); CHAOS_SEED replays a
# run (the seed is printed). The full disk is a tmpfs it mounts: as root, else that fault is
# skipped with a message.
CHAOS_SECONDS ?= 300
chaos: deps
	$(FIRST_BUILD_NOTE)
	$(CARGO) build --locked -p sismatch -p sismatch-chaos
	CHAOS_SECONDS=$(CHAOS_SECONDS) $(dir $(SISMATCH_BIN))sismatch-chaos --sismatch $(SISMATCH_BIN)

# What CI checks besides the tests.
lint: deps
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

# Micro-benchmarks (criterion); numbers go to target/criterion.
bench: deps
	$(CARGO) bench --locked -p sismatch-microbenches
