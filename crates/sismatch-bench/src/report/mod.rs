//! The report of a run: `report.json` (machine-readable, stable: fields are only added),
//! `report.md` (the summary a person reads) and the plots (`latency.svg`, `recall.svg`,
//! `pr.svg`, as far as the run measured them), all in one folder.
//!
//! Every report says on what it was measured (cores, memory, operating system, the build
//! profile), from which commit, and when, so that two reports can be compared honestly.

mod markdown;
mod plots;
mod targets;

use std::path::{Path, PathBuf};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::error::{BenchError, Result};
use crate::federation::ImportFigures;
use crate::generate::Manifest;
use crate::load::LoadReport;
use crate::quality::QualityReport;
pub use targets::TargetCheck;

/// The machine a run was measured on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Machine {
    /// Cores available to the process.
    pub cores: usize,
    /// Physical memory, from `/proc/meminfo` (Linux only).
    pub memory_bytes: Option<u64>,
    /// Operating system.
    pub os: String,
    /// Processor architecture.
    pub arch: String,
}

/// Everything a run measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// `all`, `quality` or `load`.
    pub kind: String,
    /// When the run ended.
    pub date: Timestamp,
    /// Version of sismatch.
    pub sismatch_version: String,
    /// `git rev-parse HEAD` of the working folder, or `unknown`.
    pub git_commit: String,
    /// `release` or `debug`: figures from a debug build are not representative.
    pub build: String,
    /// Where it ran.
    pub machine: Machine,
    /// The corpus, when the run generated or was given one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corpus: Option<Manifest>,
    /// Per node, when the run imported the corpus.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub import: Vec<ImportFigures>,
    /// Resident memory of the process after the import (nodes, core and client together).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resident_bytes: Option<u64>,
    /// The quality figures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quality: Option<QualityReport>,
    /// The load runs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub load: Vec<LoadReport>,
    /// The DESIGN §6 targets this run can speak to, met or not.
    pub targets: Vec<TargetCheck>,
}

impl Report {
    /// An empty report of `kind`, stamped with the machine, the commit and the time.
    pub fn new(kind: &str) -> Report {
        Report {
            kind: kind.to_string(),
            date: Timestamp::now(),
            sismatch_version: env!("CARGO_PKG_VERSION").to_string(),
            git_commit: git_commit(),
            build: if cfg!(debug_assertions) {
                "debug"
            } else {
                "release"
            }
            .to_string(),
            machine: machine(),
            corpus: None,
            import: Vec::new(),
            resident_bytes: None,
            quality: None,
            load: Vec::new(),
            targets: Vec::new(),
        }
    }

    /// Writes the report and its plots into `dir` (created if needed); returns the files.
    pub fn write(mut self, dir: &Path) -> Result<Vec<PathBuf>> {
        std::fs::create_dir_all(dir).map_err(BenchError::io(dir))?;
        self.date = Timestamp::now();
        self.targets = targets::check(&self);
        let mut files = Vec::new();
        let json = dir.join("report.json");
        let text =
            serde_json::to_string_pretty(&self).map_err(|e| BenchError::Report(e.to_string()))?;
        std::fs::write(&json, text + "\n").map_err(BenchError::io(&json))?;
        files.push(json);
        files.extend(plots::draw(&self, dir)?);
        let md = dir.join("report.md");
        std::fs::write(&md, markdown::render(&self)).map_err(BenchError::io(&md))?;
        files.push(md);
        Ok(files)
    }
}

/// The machine this process runs on.
pub fn machine() -> Machine {
    Machine {
        cores: std::thread::available_parallelism().map_or(1, usize::from),
        memory_bytes: proc_kib("/proc/meminfo", "MemTotal:"),
        os: std::env::consts::OS.to_string(),
        arch: std::env::consts::ARCH.to_string(),
    }
}

/// Resident memory of this process (Linux only).
pub fn resident_bytes() -> Option<u64> {
    proc_kib("/proc/self/status", "VmRSS:")
}

/// A `Key:   123 kB` line of a /proc file, in bytes.
fn proc_kib(path: &str, key: &str) -> Option<u64> {
    let text = std::fs::read_to_string(path).ok()?;
    let line = text.lines().find(|line| line.starts_with(key))?;
    let kib: u64 = line[key.len()..].split_whitespace().next()?.parse().ok()?;
    Some(kib * 1024)
}

/// The commit of the working folder, or `unknown` outside a git checkout.
pub(crate) fn git_commit() -> String {
    std::process::Command::new("git")
        .args(["rev-parse", "HEAD"])
        .output()
        .ok()
        .filter(|out| out.status.success())
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .map(|commit| commit.trim().to_string())
        .filter(|commit| !commit.is_empty())
        .unwrap_or_else(|| "unknown".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn machine_is_described() {
        let machine = machine();
        assert!(machine.cores >= 1);
        if cfg!(target_os = "linux") {
            assert!(machine.memory_bytes.is_some_and(|m| m > 0));
            assert!(resident_bytes().is_some_and(|m| m > 0));
        }
        assert!(!git_commit().is_empty());
    }
}
