//! `sismatch ident parse|compare`: the identifier core for people and scripts.
//!
//! The JSON printed with `--json` is a stable interface, documented in the README: fields are
//! only ever added, never renamed or removed.

use std::io::Write;

use anyhow::Result;
use clap::{Args, Subcommand};
use serde::Serialize;
use serde_json::{Value, json};
use sismatch_ident::{
    CheckDigit, Comparison, DEFAULT_THRESHOLD, EditOp, Format, Identifier, IdentifierKind, Note,
    Query, compare, parse,
};

/// What `sismatch ident` can do.
#[derive(Debug, Subcommand)]
pub enum IdentCommand {
    /// Print an identifier's kind, normalised form, skeleton, parts and check-digit validity.
    Parse(ParseArgs),
    /// Score how well a query matches a stored value, and explain the difference.
    Compare(CompareArgs),
}

/// Arguments of `sismatch ident parse`.
#[derive(Debug, Args)]
pub struct ParseArgs {
    /// The value as read or reported, e.g. `NL-ABC12345D404`.
    value: String,
    /// The kind of identifier (HIN, CIN, VIN, CONTAINER, IMO, MMSI, ENGINE_SERIAL, ...);
    /// detected from the value's structure when omitted.
    #[arg(long, value_parser = parse_kind)]
    kind: Option<IdentifierKind>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

/// Arguments of `sismatch ident compare`.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The query: what the officer read, possibly with `*` and `?` wildcards.
    query: String,
    /// The stored value it is compared with.
    stored: String,
    /// The kind of both values; detected from their structure when omitted.
    #[arg(long, value_parser = parse_kind)]
    kind: Option<IdentifierKind>,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

fn parse_kind(value: &str) -> Result<IdentifierKind, String> {
    value.parse().map_err(|error| format!("{error}"))
}

impl IdentCommand {
    /// Runs the command, writing its report to `out`.
    pub fn run(self, out: &mut impl Write) -> Result<()> {
        match self {
            IdentCommand::Parse(args) => {
                let report = ParseReport::new(&parse(&args.value, args.kind));
                if args.json {
                    writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
                } else {
                    report.write_text(out)?;
                }
            }
            IdentCommand::Compare(args) => {
                let query = Query::parse(&args.query, args.kind)?;
                let stored = parse(&args.stored, args.kind);
                let report = CompareReport::new(&args, &query, &stored);
                if args.json {
                    writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
                } else {
                    report.write_text(out)?;
                }
            }
        }
        Ok(())
    }
}

/// The JSON of `sismatch ident parse --json`.
#[derive(Debug, Serialize)]
struct ParseReport {
    raw: String,
    kind: &'static str,
    kind_detected: bool,
    normalised: String,
    key: String,
    skeleton: String,
    prefix: Option<String>,
    corrected: String,
    corrections: Vec<Value>,
    format: &'static str,
    parts: Value,
    check_digit: Value,
    indexable: bool,
    notes: Vec<String>,
}

impl ParseReport {
    fn new(id: &Identifier) -> Self {
        let (format, parts) = format_parts(&id.format);
        ParseReport {
            raw: id.raw.clone(),
            kind: id.kind.as_str(),
            kind_detected: id.kind_detected,
            normalised: id.normalised.clone(),
            key: id.key.clone(),
            skeleton: id.skeleton.clone(),
            prefix: id.prefix.clone(),
            corrected: id.corrected.clone(),
            corrections: id
                .corrections
                .iter()
                .map(|c| json!({"position": c.position, "from": c.from, "to": c.to}))
                .collect(),
            format,
            parts,
            check_digit: check_digit(id),
            indexable: id.is_indexable(),
            notes: id.notes.iter().map(note).collect(),
        }
    }

    fn write_text(&self, out: &mut impl Write) -> Result<()> {
        let detected = if self.kind_detected {
            " (detected)"
        } else {
            ""
        };
        writeln!(out, "value        {}", self.raw)?;
        writeln!(out, "kind         {}{detected}", self.kind)?;
        writeln!(out, "normalised   {}", self.normalised)?;
        writeln!(out, "key          {}", self.key)?;
        writeln!(out, "skeleton     {}", self.skeleton)?;
        if let Some(prefix) = &self.prefix {
            writeln!(out, "prefix       {prefix}")?;
        }
        if self.corrected != self.key {
            writeln!(out, "corrected    {}", self.corrected)?;
        }
        writeln!(out, "format       {}", self.format)?;
        if let Value::Object(parts) = &self.parts {
            for (name, value) in parts {
                let shown = match value {
                    Value::Null => continue,
                    Value::String(text) => text.clone(),
                    other => other.to_string(),
                };
                writeln!(out, "  {name:<17}{shown}")?;
            }
        }
        let status = self.check_digit["status"].as_str().unwrap_or_default();
        let check = match status {
            "invalid" => format!(
                "INVALID: found {}, expected {}{}",
                self.check_digit["found"].as_str().unwrap_or_default(),
                self.check_digit["expected"].as_str().unwrap_or_default(),
                if self.check_digit["required"] == true {
                    " (mandatory for this value)"
                } else {
                    " (not mandatory for this value)"
                }
            ),
            other => other.replace('_', " "),
        };
        writeln!(out, "check digit  {check}")?;
        writeln!(
            out,
            "indexable    {}",
            if self.indexable { "yes" } else { "no" }
        )?;
        for note in &self.notes {
            writeln!(out, "note         {note}")?;
        }
        Ok(())
    }
}

/// The format's name and its parts as a JSON object.
fn format_parts(format: &Format) -> (&'static str, Value) {
    match format {
        Format::Hin(hin) => (
            "HIN",
            json!({
                "country": hin.country,
                "manufacturer": hin.manufacturer,
                "serial": hin.serial,
                "layout": hin.layout.as_str(),
                "build_month": hin.build_month,
                "build_year": hin.build_year,
                "model_year": hin.model_year,
            }),
        ),
        Format::Vin(vin) => (
            "VIN",
            json!({
                "wmi": vin.wmi,
                "vds": vin.vds,
                "vis": vin.vis,
                "model_year_code": vin.model_year_code,
                "model_years": vin.model_years,
            }),
        ),
        Format::Container(container) => (
            "CONTAINER",
            json!({
                "owner": container.owner,
                "category": container.category,
                "serial": container.serial,
            }),
        ),
        Format::Imo(imo) => ("IMO", json!({ "number": imo.number })),
        Format::Mmsi(mmsi) => ("MMSI", json!({ "mid": mmsi.mid, "station": mmsi.station })),
        Format::Generic => ("GENERIC", json!({})),
    }
}

fn check_digit(id: &Identifier) -> Value {
    let required = matches!(&id.format, Format::Vin(vin) if vin.check_required)
        || matches!(id.format, Format::Container(_) | Format::Imo(_));
    match id.check {
        CheckDigit::NotApplicable => json!({ "status": "not_applicable" }),
        CheckDigit::Valid => json!({ "status": "valid" }),
        CheckDigit::Invalid { found, expected } => json!({
            "status": "invalid",
            "found": found,
            "expected": expected,
            "required": required,
        }),
    }
}

fn note(note: &Note) -> String {
    match note {
        Note::Sentinel => "placeholder, not an identifier: kept out of the index".to_string(),
        Note::Malformed { kind, reason } => {
            format!("does not fit the {kind} format ({reason}): treated as a generic serial")
        }
        Note::MissingCountryPrefix => "CIN without its country prefix".to_string(),
        Note::LabelRemoved(label) => format!("label '{label}' removed"),
    }
}

/// The JSON of `sismatch ident compare --json`.
#[derive(Debug, Serialize)]
struct CompareReport {
    query: String,
    stored: String,
    normalised_query: String,
    normalised_stored: String,
    score: f64,
    threshold: f64,
    #[serde(rename = "match")]
    is_match: bool,
    mode: &'static str,
    cost: Option<u32>,
    explanation: String,
    operations: Vec<Value>,
}

impl CompareReport {
    fn new(args: &CompareArgs, query: &Query, stored: &Identifier) -> Self {
        let comparison: Comparison = compare(query, &stored.normalised);
        CompareReport {
            query: args.query.clone(),
            stored: args.stored.clone(),
            normalised_query: query.normalised().to_string(),
            normalised_stored: stored.normalised.clone(),
            score: comparison.score,
            threshold: DEFAULT_THRESHOLD,
            is_match: comparison.is_match(DEFAULT_THRESHOLD),
            mode: comparison.mode.name(),
            cost: (comparison.cost != u32::MAX).then_some(comparison.cost),
            explanation: comparison.explanation(),
            operations: comparison.ops.iter().map(operation).collect(),
        }
    }

    fn write_text(&self, out: &mut impl Write) -> Result<()> {
        writeln!(
            out,
            "query        {} -> {}",
            self.query, self.normalised_query
        )?;
        writeln!(
            out,
            "stored       {} -> {}",
            self.stored, self.normalised_stored
        )?;
        let verdict = if self.is_match { "match" } else { "no match" };
        writeln!(
            out,
            "score        {:.4} ({verdict} at threshold {})",
            self.score, self.threshold
        )?;
        writeln!(out, "mode         {}", self.mode)?;
        writeln!(out, "explanation  {}", self.explanation)?;
        Ok(())
    }
}

/// One edit operation as JSON: `{"op": "look-alike", "at": 4, "query": "O", "stored": "0"}`.
fn operation(op: &EditOp) -> Value {
    let mut value = match op.clone() {
        EditOp::LookAlike { at, query, stored } | EditOp::Substituted { at, query, stored } => {
            json!({ "at": at, "query": query, "stored": stored })
        }
        EditOp::Inserted { at, stored } => json!({ "at": at, "stored": stored }),
        EditOp::Deleted { at, query } => json!({ "at": at, "query": query }),
        EditOp::Transposed { at } => json!({ "at": at }),
        EditOp::Fragment { start, end } | EditOp::Pattern { start, end } => {
            json!({ "start": start, "end": end })
        }
        EditOp::PrefixIgnored { prefix, in_query } => {
            json!({ "prefix": prefix, "in_query": in_query })
        }
    };
    value["op"] = json!(op.name());
    value["text"] = json!(op.to_string());
    value
}
