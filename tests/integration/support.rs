//! Helpers shared by the integration tests.

use std::process::{Command, Output};

/// Runs the `sismatch` binary built for this test run with `args`.
pub fn sismatch(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sismatch"))
        .args(args)
        .output()
        .expect("the sismatch binary runs")
}

/// Runs `sismatch` with `args`, expects success, and parses its standard output as JSON.
pub fn sismatch_json(args: &[&str]) -> serde_json::Value {
    let output = sismatch(args);
    assert!(
        output.status.success(),
        "sismatch {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("stdout is JSON")
}
