# The README's two commands, `make demo` and `make test`, and what they need.
# Everything a fresh machine lacks is brought by the build itself (protoc is vendored by the
# sismatch-proto crate), so these targets need only the Rust toolchain.

CARGO ?= cargo
SISMATCH = $(CARGO) run --quiet --locked -p sismatch --

.PHONY: demo test lint bench

# The main job. Until the federation demo lands (issue 5) this shows the identifier core on
# misread and partial numbers: what every node will compute for every search.
demo:
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
test:
	$(CARGO) test --workspace --locked

# What CI checks besides the tests.
lint:
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

# Micro-benchmarks (criterion); numbers go to target/criterion.
bench:
	$(CARGO) bench --locked -p sismatch-benches
