//! `sismatch import`: stream an NDJSON or CSV file of alerts into a node.
//!
//! The file is read on a blocking thread, a batch at a time; each batch travels to the node in
//! the `ImportAlerts` stream and comes back acknowledged once it is durable. Bad lines (not
//! UTF-8, not an alert, a broken CSV record: `records.rs`) are reported with their line number
//! and skipped; the import goes on. Then, unless `--no-wait`, the command waits until the
//! node's indexes hold everything it stored (the status's index sequence reaches the last
//! acknowledged one), so that a search right after it finds the import.

mod records;

use std::collections::BTreeSet;
use std::fs::File;
use std::io::{BufReader, IsTerminal, Read};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use sismatch_alert::{Imported, Invalid};
use sismatch_grpc::convert::alert_out;
use sismatch_proto::v1;
use tokio::sync::mpsc;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::ReceiverStream;

use self::records::{CsvRecords, NdjsonRecords};
use crate::commands::client::{Credentials, NodeClient, node_client};

/// The file formats `sismatch import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FileFormat {
    /// One JSON alert per line.
    Ndjson,
    /// A header line, then one alert per record; identifiers as `kind:value;kind:value`.
    Csv,
}

/// Arguments of `sismatch import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Client certificate or token.
    #[command(flatten)]
    credentials: Credentials,
    /// Address of the node (`127.0.0.1:7400`).
    #[arg(long)]
    node: String,
    /// The file to import.
    file: PathBuf,
    /// The file's format; by default from its extension (`.csv` is CSV, anything else NDJSON).
    #[arg(long, value_enum)]
    format: Option<FileFormat>,
    /// Alerts per batch; each batch is acknowledged by the node once durable.
    #[arg(long, default_value_t = 2000, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    batch: u64,
    /// Return once the alerts are durable, without waiting until they are searchable.
    #[arg(long)]
    no_wait: bool,
    /// Seconds to wait at most until the imported alerts are searchable; past it the command
    /// fails, saying how far the node's index got (the alerts stay stored).
    #[arg(long, default_value_t = 600.0)]
    wait_timeout: f64,
}

/// What the reader thread shares with the sender.
#[derive(Default)]
struct Reading {
    bytes: AtomicU64,
    lines: AtomicU64,
    unreadable: AtomicU64,
}

/// Counts from the node's acknowledgements.
#[derive(Debug, Default)]
struct Totals {
    created: u64,
    updated: u64,
    unchanged: u64,
    rejected: u64,
    /// Of `created` and `updated`, linked to an alert of the same object.
    linked: u64,
    /// Of `rejected`, refused because an alert in force holds their identifier.
    duplicates: u64,
}

impl ImportArgs {
    /// Runs the import and prints its summary.
    pub async fn run(self) -> Result<()> {
        let file = File::open(&self.file)
            .with_context(|| format!("cannot open {}", self.file.display()))?;
        let size = file.metadata().map(|m| m.len()).unwrap_or(0);
        let format = self.format.unwrap_or_else(|| {
            let csv = self
                .file
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
            if csv {
                FileFormat::Csv
            } else {
                FileFormat::Ndjson
            }
        });
        let mut client = node_client(&self.node, &self.credentials).await?;
        let reading = Arc::new(Reading::default());
        let (batches, outgoing) = mpsc::channel(4);
        let reader = {
            let reading = Arc::clone(&reading);
            let batch = self.batch as usize;
            tokio::task::spawn_blocking(move || read_file(file, format, batch, &reading, &batches))
        };
        let started = Instant::now();
        let progress = Progress::new(size);
        let mut acks = client
            .import_alerts(self.credentials.request(ReceiverStream::new(outgoing))?)
            .await
            .context("the node refused the import")?
            .into_inner();
        let mut totals = Totals::default();
        let mut sequence = 0;
        while let Some(ack) = acks.next().await {
            let ack = match ack {
                Ok(ack) => ack,
                Err(status) => {
                    progress.finish();
                    bail!(
                        "the node stopped the import after {} acknowledged alerts: {}",
                        totals.created + totals.updated + totals.unchanged,
                        status.message()
                    );
                }
            };
            for error in &ack.errors {
                progress.println(format!(
                    "line {}: {}: {}",
                    error.line, error.field, error.message
                ));
            }
            totals.created += ack.created;
            totals.updated += ack.updated;
            totals.unchanged += ack.unchanged;
            totals.rejected += ack.rejected;
            totals.linked += ack.linked;
            totals.duplicates += ack.duplicates;
            sequence = sequence.max(ack.sequence);
            progress.update(&reading, &totals, started);
        }
        progress.finish();
        reader.await.context("the file reader failed")??;
        let unreadable = reading.unreadable.load(Ordering::Relaxed);
        let elapsed = started.elapsed().as_secs_f64().max(1e-3);
        let stored = totals.created + totals.updated + totals.unchanged;
        println!(
            "stored {} new, {} updated, {} unchanged; rejected {} ({} lines in {:.1} s, {:.0} alerts/s)",
            totals.created,
            totals.updated,
            totals.unchanged,
            totals.rejected + unreadable,
            reading.lines.load(Ordering::Relaxed),
            elapsed,
            stored as f64 / elapsed,
        );
        if totals.linked + totals.duplicates > 0 {
            println!(
                "one alert per object: {} stored linked to an alert of the same object, {} refused as already reported",
                totals.linked, totals.duplicates,
            );
        }
        if self.no_wait || sequence == 0 {
            return Ok(());
        }
        let waited = Instant::now();
        self.wait_searchable(&mut client, sequence).await?;
        println!(
            "searchable {:.1} s after the last acknowledgement",
            waited.elapsed().as_secs_f64()
        );
        Ok(())
    }

    /// Polls the node's status until its indexes contain change `sequence`, with a progress
    /// bar of the changes indexed, at most `--wait-timeout` seconds.
    async fn wait_searchable(&self, client: &mut NodeClient, sequence: u64) -> Result<()> {
        let started = Instant::now();
        let timeout = Duration::from_secs_f64(self.wait_timeout.max(0.0));
        let mut from = None;
        let mut bar: Option<ProgressBar> = None;
        loop {
            let request = self.credentials.request(v1::GetNodeStatusRequest {})?;
            let status = client
                .get_node_status(request)
                .await
                .context("cannot read the node's status while waiting for the index")?
                .into_inner();
            let reached = status.index_sequence;
            if reached >= sequence {
                if let Some(bar) = bar {
                    bar.finish_and_clear();
                }
                return Ok(());
            }
            let start = *from.get_or_insert(reached);
            if started.elapsed() >= timeout {
                if let Some(bar) = bar {
                    bar.finish_and_clear();
                }
                bail!(
                    "the alerts are stored, but the node's index reached change {reached} of \
                     {sequence} in {:.0} s; search may miss them until it catches up",
                    timeout.as_secs_f64()
                );
            }
            if std::io::stderr().is_terminal() {
                let bar = bar.get_or_insert_with(|| {
                    let bar = ProgressBar::new(sequence.saturating_sub(start));
                    if let Ok(style) = ProgressStyle::with_template(
                        "{bar:40} {pos}/{len} changes indexed ({elapsed}, eta {eta})",
                    ) {
                        bar.set_style(style);
                    }
                    bar
                });
                bar.set_position(reached.saturating_sub(start));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// Reads the file and sends batches of import items; reports unreadable lines on stderr.
fn read_file(
    file: File,
    format: FileFormat,
    batch: usize,
    reading: &Reading,
    batches: &mpsc::Sender<v1::ImportAlertsRequest>,
) -> Result<()> {
    let mut ignored_seen = BTreeSet::new();
    let mut items = Vec::with_capacity(batch);
    let mut handle = |line: u64, read: Result<Imported, Invalid>| -> Result<()> {
        reading.lines.store(line, Ordering::Relaxed);
        match read {
            Ok(imported) => {
                for field in imported.ignored {
                    if ignored_seen.insert(field.clone()) {
                        eprintln!("line {line}: unknown field '{field}' ignored (warned once)");
                    }
                }
                items.push(v1::ImportItem {
                    line,
                    alert: Some(alert_out(imported.alert)),
                });
            }
            Err(error) => {
                reading.unreadable.fetch_add(1, Ordering::Relaxed);
                eprintln!("line {line}: {error}");
            }
        }
        if items.len() >= batch {
            let full = std::mem::replace(&mut items, Vec::with_capacity(batch));
            batches
                .blocking_send(v1::ImportAlertsRequest { items: full })
                .context("the import stream closed")?;
        }
        Ok(())
    };
    let counted = BufReader::new(CountingReader {
        inner: file,
        bytes: &reading.bytes,
    });
    match format {
        FileFormat::Ndjson => {
            for record in NdjsonRecords::new(counted) {
                let (line, read) = record.context("cannot read the file")?;
                handle(line, read)?;
            }
        }
        FileFormat::Csv => {
            for record in CsvRecords::new(counted)? {
                let (line, read) = record.context("cannot read the file")?;
                handle(line, read)?;
            }
        }
    }
    if !items.is_empty() {
        batches
            .blocking_send(v1::ImportAlertsRequest { items })
            .context("the import stream closed")?;
    }
    Ok(())
}

/// Counts the bytes read, for the progress bar.
struct CountingReader<'a, R> {
    inner: R,
    bytes: &'a AtomicU64,
}

impl<R: Read> Read for CountingReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bytes.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// A progress bar on a terminal, plain progress lines every few seconds otherwise.
struct Progress {
    bar: Option<ProgressBar>,
    last_line: std::cell::Cell<Instant>,
}

impl Progress {
    fn new(size: u64) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(size);
            if let Ok(style) = ProgressStyle::with_template(
                "{bar:40} {bytes}/{total_bytes} {msg} ({elapsed}, eta {eta})",
            ) {
                bar.set_style(style);
            }
            bar
        });
        Progress {
            bar,
            last_line: std::cell::Cell::new(Instant::now()),
        }
    }

    fn println(&self, line: String) {
        match &self.bar {
            Some(bar) => bar.println(line),
            None => eprintln!("{line}"),
        }
    }

    fn update(&self, reading: &Reading, totals: &Totals, started: Instant) {
        let stored = totals.created + totals.updated + totals.unchanged;
        let rate = stored as f64 / started.elapsed().as_secs_f64().max(1e-3);
        let message = format!("{stored} stored, {} rejected, {rate:.0}/s", totals.rejected);
        match &self.bar {
            Some(bar) => {
                bar.set_position(reading.bytes.load(Ordering::Relaxed));
                bar.set_message(message);
            }
            None if self.last_line.get().elapsed() >= Duration::from_secs(2) => {
                eprintln!(
                    "import: line {}, {message}",
                    reading.lines.load(Ordering::Relaxed)
                );
                self.last_line.set(Instant::now());
            }
            None => {}
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
