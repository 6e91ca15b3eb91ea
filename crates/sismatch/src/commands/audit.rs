//! `sismatch audit verify|export`: the operator's view of a server's audit log (DESIGN §4,
//! safe outputs), read-only, so it also works while the server runs.
//!
//! `--data` names the audit log's folder (`NODE_DATA/audit`), or a server's data folder that
//! holds it in `audit/`. The JSON of `verify --json` and the NDJSON of `export` are stable
//! interfaces, documented in the README: fields are only ever added.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use clap::{Args, Subcommand};
use serde_json::json;
use sismatch_audit::{AuditError, FOLDER};

/// What `sismatch audit` can do.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the log's hash chain; name the first record that was altered, removed or added,
    /// and exit with a failure status if there is one.
    Verify(VerifyArgs),
    /// Write the log's records as NDJSON, one per line, in sequence order.
    Export(ExportArgs),
}

/// Arguments of `sismatch audit verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The audit log's folder, or the server's data folder holding it in `audit/`.
    #[arg(long, value_name = "DIR")]
    data: PathBuf,
    /// Print JSON instead of a sentence.
    #[arg(long)]
    json: bool,
}

/// Arguments of `sismatch audit export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The audit log's folder, or the server's data folder holding it in `audit/`.
    #[arg(long, value_name = "DIR")]
    data: PathBuf,
    /// Only records answered at or after this time (RFC 3339, `2026-05-01T00:00:00Z`).
    #[arg(long, value_name = "RFC3339")]
    since: Option<jiff::Timestamp>,
    /// Write to this file instead of standard output.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

impl AuditCommand {
    /// Runs the command, writing its result to `out`; a broken chain is an error, so that the
    /// exit status tells scripts.
    pub fn run(self, out: &mut impl Write) -> Result<()> {
        match self {
            AuditCommand::Verify(args) => verify(&args, out),
            AuditCommand::Export(args) => export(&args, out),
        }
    }
}

/// `sismatch audit verify`.
fn verify(args: &VerifyArgs, out: &mut impl Write) -> Result<()> {
    let folder = log_folder(&args.data);
    let shown = folder.display();
    let verification =
        sismatch_audit::verify(&folder).map_err(|e| read_error(&args.data, &folder, e))?;
    if args.json {
        let broken = verification.first_broken.as_ref().map(
            |broken| json!({"sequence": broken.sequence, "reason": broken.reason.to_string()}),
        );
        let report = json!({
            "path": folder,
            "records": verification.records,
            "intact": verification.is_intact(),
            "broken": broken,
        });
        writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
    }
    match verification.first_broken {
        Some(broken) => bail!("audit log {shown}: {broken}"),
        None if args.json => Ok(()),
        None => {
            let records = verification.records;
            writeln!(out, "audit log {shown}: {records} records, chain intact")?;
            Ok(())
        }
    }
}

/// `sismatch audit export`.
fn export(args: &ExportArgs, out: &mut impl Write) -> Result<()> {
    let folder = log_folder(&args.data);
    let shown = folder.display();
    let count = match &args.out {
        Some(path) => {
            let mut file =
                File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
            sismatch_audit::export(&folder, args.since, &mut file)
        }
        None => sismatch_audit::export(&folder, args.since, out),
    }
    .map_err(|e| read_error(&args.data, &folder, e))?;
    // Standard output may be the export itself: the summary goes to standard error.
    eprintln!("audit log {shown}: {count} records exported");
    Ok(())
}

/// The audit log's folder: `data` when it is one (it holds a RocksDB database), otherwise
/// its `audit/` folder when there is one, so that an operator can name a server's data
/// folder as well as the log's own.
fn log_folder(data: &Path) -> PathBuf {
    let inner = data.join(FOLDER);
    if !data.join("CURRENT").is_file() && inner.is_dir() {
        inner
    } else {
        data.to_path_buf()
    }
}

/// The error of reading the log in `folder`, found from `data`; for a missing log, where it
/// was looked for.
fn read_error(data: &Path, folder: &Path, error: AuditError) -> anyhow::Error {
    match error {
        AuditError::NotFound(_) if folder == data => anyhow!(
            "no audit log in {} (nor in its {FOLDER}/ folder)",
            data.display()
        ),
        AuditError::NotFound(_) => anyhow!("no audit log in {}", folder.display()),
        other => anyhow!("audit log {}: {other}", folder.display()),
    }
}
