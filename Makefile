# The README's two commands, `make demo` and `make test`, and what they need.
# protoc is vendored by the sismatch-proto crate; the one system package a fresh Debian machine
# lacks is libclang, which bindgen needs to build RocksDB: `make deps` installs it when missing.

CARGO ?= cargo
SISMATCH = $(CARGO) run --quiet --locked -p sismatch --
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test lint bench deps

# Installs the Debian packages the build needs, only when they are missing.
deps:
	@if ! dpkg -s libclang-dev >/dev/null 2>&1; then \
		echo "installing libclang-dev (needed by bindgen to build RocksDB)"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq libclang-dev; \
	fi

# The main job. Until the federation demo lands (issue 5) this shows the identifier core on
# misread and partial numbers: what every node will compute for every search.
demo: deps
	$(SISMATCH) ident parse "NL-ABC12345D404"
	@echo
	$(SISMATCH) ident parse "5YJ3E1EA7KF317000"
	@echo
	$(SISMATCH) ident compare "A8C12354D4O4" "NL-ABC12345D404"
	@echo
	$(SISMATCH) ident compare "6CJ-1O13456" "6CJ1013456"
	@echo
	$(SISMATCH) ident compare "*2345d4*" "ABC12345D404"

# Every test of the workspace: unit, property and integration tests.
test: deps
	$(CARGO) test --workspace --locked

# What CI checks besides the tests.
lint: deps
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

# Micro-benchmarks (criterion); numbers go to target/criterion.
bench: deps
	$(CARGO) bench --locked -p sismatch-benches
