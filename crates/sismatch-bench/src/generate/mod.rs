//! `sismatch bench generate`: a corpus on disk, streamed.
//!
//! One pass over the seeded generator writes each country's alerts as an import file
//! (`alerts-NL.ndjson`, for `sismatch import` or `bench all`), the sales register, and samples
//! the queries (see `sampler`); a second generator with another seed, run in lockstep, makes the
//! objects never stolen (the negatives, and register sales of objects not stolen). A second pass over
//! the same seed then completes the ground truth: an alert of another object that carries the
//! very same number as a query's source is expected too, and a negative whose number is stored
//! after all is dropped. Memory holds the queries and their keys, never the alerts.

mod register;
mod sampler;
#[cfg(test)]
mod tests;
mod truth;

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use sismatch_alert::Alert;
use sismatch_ident::parse;
use sismatch_sample::{Generator, Sample, SampleConfig};

pub use register::Sale;

use crate::error::{BenchError, Result};
use crate::progress::Progress;
use crate::query::{NEGATIVE, QueryRecord, QueryValue};
use register::Register;
use sampler::{Picked, Sampler};

/// The query set's file in a corpus folder.
pub const QUERIES_FILE: &str = "queries.ndjson";
/// The sales register's file in a corpus folder.
pub const REGISTER_FILE: &str = "register.ndjson";
/// What was generated, with the configuration (`manifest.json`).
pub const MANIFEST_FILE: &str = "manifest.json";

/// Mixed into the seed for the objects never stolen ("UNSTOLEN").
const UNSTOLEN: u64 = 0x554E_5354_4F4C_454E;

/// The import file of `country`'s alerts in a corpus folder.
pub fn alert_file(country: &str) -> String {
    format!("alerts-{country}.ndjson")
}

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenerateConfig {
    /// Countries reporting, one node each (ISO 3166-1 alpha-2, upper case).
    pub countries: Vec<String>,
    /// Alerts over all countries.
    pub alerts: u64,
    /// The seed: the same seed gives the same corpus on every machine.
    pub seed: u64,
    /// Per mille of objects reported in two countries.
    pub shared_per_mille: u32,
    /// Queries per corruption type (and of several identifiers), at most.
    pub queries_per_type: usize,
    /// Negative queries, at most.
    pub negatives: usize,
}

/// What a corpus holds: written as `manifest.json`, and part of every report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// The seed.
    pub seed: u64,
    /// The countries, in node order.
    pub countries: Vec<String>,
    /// Alerts generated.
    pub alerts: u64,
    /// Per mille of objects reported twice.
    pub shared_per_mille: u32,
    /// Alerts per country.
    pub alerts_by_country: BTreeMap<String, u64>,
    /// Objects reported (an object reported in two countries counts once).
    pub objects: u64,
    /// Objects reported in two countries.
    pub shared_objects: u64,
    /// Identifiers over all alerts.
    pub identifiers: u64,
    /// Alerts per category.
    pub categories: BTreeMap<String, u64>,
    /// Identifiers per kind.
    pub kinds: BTreeMap<String, u64>,
    /// Sales in the register.
    pub register_sales: u64,
    /// Queries per corruption type, negatives included.
    pub queries: BTreeMap<String, u64>,
    /// Negative values dropped because a stolen object carries the same number.
    pub negatives_stored: u64,
    /// Seconds the generation took.
    pub seconds: f64,
}

/// A keyed hash (SplitMix64 finaliser over the keys): the suite's only source of randomness,
/// so a corpus depends on its seed alone.
pub(crate) fn mix(keys: &[u64]) -> u64 {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    for &key in keys {
        let mut z = state ^ key.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        state = z ^ (z >> 31);
    }
    state
}

fn create(dir: &Path, name: &str) -> Result<BufWriter<File>> {
    let path = dir.join(name);
    File::create(&path)
        .map(BufWriter::new)
        .map_err(BenchError::io(path))
}

fn write_line(out: &mut impl Write, path: &Path, value: &impl Serialize) -> Result<()> {
    serde_json::to_writer(&mut *out, value)
        .map_err(std::io::Error::from)
        .and_then(|()| out.write_all(b"\n"))
        .map_err(BenchError::io(path))
}

/// Generates the corpus of `config` into `dir` (created if needed) and returns its manifest.
pub fn generate(config: &GenerateConfig, dir: &Path, progress: bool) -> Result<Manifest> {
    let started = Instant::now();
    std::fs::create_dir_all(dir).map_err(BenchError::io(dir))?;
    let sample = SampleConfig {
        countries: config.countries.clone(),
        alerts: config.alerts,
        seed: config.seed,
        shared_per_mille: config.shared_per_mille,
    };
    let stolen = Generator::new(&sample)?;
    let mut unstolen = Generator::new(&SampleConfig {
        seed: config.seed ^ UNSTOLEN,
        ..sample.clone()
    })?;
    let mut files = BTreeMap::new();
    for country in &config.countries {
        files.insert(country.clone(), create(dir, &alert_file(country))?);
    }
    let register_path = dir.join(REGISTER_FILE);
    let mut register = Register::new(create(dir, REGISTER_FILE)?, config.seed);
    let mut sampler = Sampler::new(config.seed, config.queries_per_type);
    let mut negatives: Vec<QueryValue> = Vec::new();
    let mut manifest = Manifest {
        seed: config.seed,
        countries: config.countries.clone(),
        alerts: config.alerts,
        shared_per_mille: config.shared_per_mille,
        alerts_by_country: BTreeMap::new(),
        objects: 0,
        shared_objects: 0,
        identifiers: 0,
        categories: BTreeMap::new(),
        kinds: BTreeMap::new(),
        register_sales: 0,
        queries: BTreeMap::new(),
        negatives_stored: 0,
        seconds: 0.0,
    };
    let shown = Progress::new("generate", config.alerts);
    let bar = if progress {
        &shown
    } else {
        &Progress::hidden()
    };
    let mut object: Vec<Sample> = Vec::with_capacity(2);
    let mut last_unstolen = None;
    for sample in stolen {
        if object
            .first()
            .is_some_and(|first| first.object != sample.object)
        {
            finish_object(&mut object, &mut sampler, &mut register, &mut manifest)
                .map_err(BenchError::io(&register_path))?;
        }
        let alert = &sample.alert;
        let path = dir.join(alert_file(&alert.country));
        let out = files
            .get_mut(&alert.country)
            .ok_or_else(|| BenchError::Invalid(format!("no file for {}", alert.country)))?;
        write_line(out, &path, alert)?;
        count(&mut manifest, alert);
        object.push(sample);
        if let Some(other) = unstolen.next()
            && last_unstolen != Some(other.object)
        {
            last_unstolen = Some(other.object);
            register
                .unstolen(other.object, &other.alert)
                .map_err(BenchError::io(&register_path))?;
            if negatives.len() < config.negatives
                && let Some(value) = negative(&other)
            {
                negatives.push(value);
            }
        }
        bar.inc(1);
    }
    finish_object(&mut object, &mut sampler, &mut register, &mut manifest)
        .map_err(BenchError::io(&register_path))?;
    bar.finish();
    for (country, out) in files {
        let path = dir.join(alert_file(&country));
        out.into_inner()
            .map_err(|e| e.into_error())
            .and_then(|mut file| file.flush())
            .map_err(BenchError::io(path))?;
    }
    manifest.register_sales = register.records;
    register
        .into_inner()
        .map_err(BenchError::io(&register_path))?;

    let mut picked = sampler.finish();
    let stored = truth::complete(&sample, &mut picked, &negatives, progress)?;
    let queries = order(config.seed, picked, negatives, &stored, &mut manifest);
    let queries_path = dir.join(QUERIES_FILE);
    let mut out = create(dir, QUERIES_FILE)?;
    for query in &queries {
        write_line(&mut out, &queries_path, query)?;
    }
    out.flush().map_err(BenchError::io(&queries_path))?;
    manifest.seconds = started.elapsed().as_secs_f64();
    let manifest_path = dir.join(MANIFEST_FILE);
    let text = serde_json::to_string_pretty(&manifest).map_err(std::io::Error::from);
    text.and_then(|text| std::fs::write(&manifest_path, text + "\n"))
        .map_err(BenchError::io(manifest_path))?;
    Ok(manifest)
}

/// The object whose alerts are in `object` is complete: sample it, register its sale.
fn finish_object<W: Write>(
    object: &mut Vec<Sample>,
    sampler: &mut Sampler,
    register: &mut Register<W>,
    manifest: &mut Manifest,
) -> std::io::Result<()> {
    let Some(first) = object.first() else {
        return Ok(());
    };
    let number = first.object;
    let alerts: Vec<Alert> = object.drain(..).map(|sample| sample.alert).collect();
    manifest.objects += 1;
    if alerts.len() > 1 {
        manifest.shared_objects += 1;
    }
    sampler.offer(number, &alerts);
    match alerts.first() {
        Some(alert) => register.stolen(number, alert),
        None => Ok(()),
    }
}

fn count(manifest: &mut Manifest, alert: &Alert) {
    *manifest
        .alerts_by_country
        .entry(alert.country.clone())
        .or_default() += 1;
    *manifest
        .categories
        .entry(alert.category.as_str().to_string())
        .or_default() += 1;
    for entry in &alert.identifiers {
        manifest.identifiers += 1;
        *manifest
            .kinds
            .entry(entry.kind.as_str().to_string())
            .or_default() += 1;
    }
}

/// A number of an object never stolen, as an officer would type it to check it.
fn negative(sample: &Sample) -> Option<QueryValue> {
    let usable: Vec<_> = sample
        .alert
        .identifiers
        .iter()
        .filter(|entry| parse(&entry.value, Some(entry.kind)).is_indexable())
        .collect();
    let at = (mix(&[sample.object, 3]) % usable.len().max(1) as u64) as usize;
    let entry = usable.get(at)?;
    Some(QueryValue::new(entry.kind, entry.value.clone()))
}

/// Every query in one order that mixes the types (by keyed hash), numbered; negatives found
/// stored after all are left out.
fn order(
    seed: u64,
    picked: Vec<Picked>,
    negatives: Vec<QueryValue>,
    stored: &[bool],
    manifest: &mut Manifest,
) -> Vec<QueryRecord> {
    let mut all: Vec<Picked> = picked;
    for (i, value) in negatives.into_iter().enumerate() {
        if stored.get(i).copied().unwrap_or(false) {
            manifest.negatives_stored += 1;
            continue;
        }
        all.push(Picked {
            priority: mix(&[seed, i as u64, 4]),
            query: QueryRecord {
                id: String::new(),
                corruption: NEGATIVE.to_string(),
                values: vec![value],
                text: None,
                expected: Vec::new(),
                sources: Vec::new(),
            },
        });
    }
    all.sort_by(|a, b| {
        a.priority
            .cmp(&b.priority)
            .then_with(|| a.query.corruption.cmp(&b.query.corruption))
    });
    let mut queries = Vec::with_capacity(all.len());
    for (i, picked) in all.into_iter().enumerate() {
        let mut query = picked.query;
        query.id = format!("q{:06}", i + 1);
        *manifest
            .queries
            .entry(query.corruption.clone())
            .or_default() += 1;
        queries.push(query);
    }
    queries
}
