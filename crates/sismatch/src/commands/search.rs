//! `sismatch search`: search one node (`--node`) or the whole federation (`--core`) from the
//! command line.

use anyhow::{Context, Result, bail};
use clap::Args;
use serde_json::{Value, json};
use sismatch_grpc::convert::kind_out;
use sismatch_ident::IdentifierKind;
use sismatch_partner::purpose_from_name;
use sismatch_proto::v1;
use sismatch_proto::wire::WireEnum;

use crate::commands::client::{Credentials, core_client, node_client};
use crate::commands::table::{Column, WIDTH, fit, render};

/// Matches a search asks for unless told (`--top`); the demo's examples ask for as many, so
/// that the command each is shown under gives the same answer.
pub const DEFAULT_TOP: u32 = 10;

/// Arguments of `sismatch search`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("target").required(true).args(["node", "core"])))]
pub struct SearchArgs {
    /// Client certificate or token.
    #[command(flatten)]
    credentials: Credentials,
    /// Address of a national node (`127.0.0.1:7400`): search that node only.
    #[arg(long)]
    node: Option<String>,
    /// Address of the matching core (`127.0.0.1:7500`): search every node of the federation.
    #[arg(long)]
    core: Option<String>,
    /// With --core: only the nodes of this country (repeat for several).
    #[arg(long = "country", value_name = "CC", requires = "core")]
    countries: Vec<String>,
    /// With --core: the fan-out deadline in milliseconds (default: the core's, 500 ms).
    #[arg(long, requires = "core")]
    deadline_ms: Option<u32>,
    /// The kind of every value, when known (HIN, VIN, ENGINE_SERIAL, ...).
    #[arg(long, value_parser = parse_kind)]
    kind: Option<IdentifierKind>,
    /// The maker of every value, when known (`Glock`): a firearm serial is unique only per
    /// maker, and an identifier recorded with another maker ranks lower (score × 0.8).
    #[arg(long)]
    manufacturer: Option<String>,
    /// Matches wanted (at most 100).
    #[arg(long, default_value_t = DEFAULT_TOP)]
    top: u32,
    /// Also RECOVERED and WITHDRAWN alerts.
    #[arg(long)]
    include_inactive: bool,
    /// Also alerts past their expiry.
    #[arg(long)]
    include_expired: bool,
    /// With --core, as police: also ask the manufacturer partners about the values (an
    /// engine serial → the hull it was sold with) and search what they link; needs --purpose
    /// and --case-reference, which the partners' gate asks for.
    #[arg(long, requires_all = ["core", "purpose", "case_reference"])]
    via_partners: bool,
    /// Why the search is made, recorded in the audit logs: THEFT_INVESTIGATION,
    /// RECOVERY_IDENTIFICATION or CROSS_BORDER_ENQUIRY.
    #[arg(long, value_parser = purpose_from_name)]
    purpose: Option<v1::LookupPurpose>,
    /// The police case number of the search, recorded in the audit logs.
    #[arg(long)]
    case_reference: Option<String>,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// Free text over brand, model, colour and description, in any EU language (`"weisse
    /// boote hafen"`): alone, or with values, whose matches it raises when the text agrees;
    /// text-only matches rank below every identifier match.
    #[arg(long)]
    text: Option<String>,
    /// The values read on the object: all the numbers found on it, each possibly misread or
    /// partial (`*2345D4*`). Optional with --text.
    #[arg(required_unless_present = "text")]
    values: Vec<String>,
}

fn parse_kind(value: &str) -> Result<IdentifierKind, String> {
    value.parse().map_err(|error| format!("{error}"))
}

/// How long a node took, in milliseconds (0 when not reported).
fn elapsed_ms(node: &v1::NodeStatus) -> f64 {
    node.elapsed.map_or(0.0, |d| {
        d.seconds as f64 * 1000.0 + f64::from(d.nanos) / 1e6
    })
}

impl SearchArgs {
    fn queries(&self) -> Vec<v1::IdentifierQuery> {
        self.values
            .iter()
            .map(|value| v1::IdentifierQuery {
                value: value.clone(),
                kind: self.kind.map_or(0, kind_out),
                manufacturer: self.manufacturer.clone().unwrap_or_default(),
            })
            .collect()
    }

    fn filter(&self) -> v1::SearchFilter {
        v1::SearchFilter {
            countries: self.countries.clone(),
            include_expired: self.include_expired,
            include_inactive: self.include_inactive,
            ..v1::SearchFilter::default()
        }
    }

    /// Runs the search and prints the ranked matches.
    pub async fn run(self) -> Result<()> {
        match (&self.node, &self.core) {
            (Some(node), None) => self.search_node(node).await,
            (None, Some(core)) => self.search_core(core).await,
            _ => bail!("give exactly one of --node and --core"),
        }
    }

    async fn search_node(&self, address: &str) -> Result<()> {
        let mut client = node_client(address, &self.credentials).await?;
        let request = v1::NationalNodeSearchRequest {
            queries: self.queries(),
            text: self.text.clone().unwrap_or_default(),
            filter: Some(self.filter()),
            top_k: self.top,
            purpose: self.purpose.map_or(0, i32::from),
            case_reference: self.case_reference.clone().unwrap_or_default(),
            ..v1::NationalNodeSearchRequest::default()
        };
        let response = client
            .search(self.credentials.request(request)?)
            .await
            .map_err(|status| anyhow::anyhow!("{}", status.message()))
            .context("search failed")?
            .into_inner();
        if self.json {
            let report = json!({
                "matches": matches_json(&response.matches),
                "index_sequence": response.index_sequence,
            });
            println!("{}", serde_json::to_string_pretty(&report)?);
        } else {
            print_matches(&response.matches);
        }
        Ok(())
    }

    async fn search_core(&self, address: &str) -> Result<()> {
        let mut client = core_client(address, &self.credentials).await?;
        let request = v1::MatchingCoreSearchRequest {
            queries: self.queries(),
            text: self.text.clone().unwrap_or_default(),
            filter: Some(self.filter()),
            top_k: self.top,
            deadline_ms: self.deadline_ms.unwrap_or(0),
            expand_via_partners: self.via_partners,
            purpose: self.purpose.map_or(0, i32::from),
            case_reference: self.case_reference.clone().unwrap_or_default(),
            ..v1::MatchingCoreSearchRequest::default()
        };
        let response = client
            .search(self.credentials.request(request)?)
            .await
            .map_err(|status| anyhow::anyhow!("{}", status.message()))
            .context("search failed")?
            .into_inner();
        if self.json {
            println!("{}", serde_json::to_string_pretty(&core_json(&response))?);
        } else {
            print_core(&response);
        }
        Ok(())
    }
}

/// The matches of `sismatch search --json`: stable, fields are only added.
fn matches_json(matches: &[v1::Match]) -> Vec<Value> {
    matches
        .iter()
        .map(|m| {
            let alert = m.alert.clone().unwrap_or_default();
            json!({
                "alert_id": alert.id,
                "node": m.node,
                "country": m.country,
                "category": category(&alert),
                "status": status(&alert),
                "score": m.score,
                "explanation": m.explanation,
                "brand": alert.brand,
                "model": alert.model,
                "colour": alert.colour,
                "action": action(&alert),
                "identifiers": m.identifier_matches.iter().map(|im| {
                    let stored = im.matched_identifier.clone().unwrap_or_default();
                    json!({
                        "query": im.query_value,
                        "query_index": im.query_index,
                        "normalised_query": im.normalized_query,
                        "matched": stored.value,
                        "kind": v1::IdentifierKind::try_from(stored.kind)
                            .map(|k| k.short_name().to_string())
                            .unwrap_or_default(),
                        "score": im.score,
                        "explanation": im.explanation,
                        "kind_mismatch": im.kind_mismatch,
                    })
                }).collect::<Vec<_>>(),
            })
        })
        .collect()
}

/// What one node or partner did for a federated search, as JSON.
fn status_json(n: &v1::NodeStatus) -> Value {
    json!({
        "node": n.node,
        "country": n.country,
        "address": n.address,
        "outcome": v1::NodeOutcome::try_from(n.outcome)
            .map(|o| o.short_name().to_string())
            .unwrap_or_default(),
        "message": n.message,
        "elapsed_ms": elapsed_ms(n),
        "results": n.results,
    })
}

/// The JSON of `sismatch search --core --json`: the node answer's fields plus groups, node
/// statuses and the reference.
pub fn core_json(response: &v1::MatchingCoreSearchResponse) -> Value {
    let groups: Vec<Value> = response
        .groups
        .iter()
        .map(|g| {
            json!({
                "normalised_identifier": g.normalized_identifier,
                "alert_ids": g.alert_ids,
                "countries": g.countries,
                "score": g.score,
                "explanation": g.explanation,
            })
        })
        .collect();
    let reported: Vec<Value> = response
        .already_reported
        .iter()
        .map(|r| json!({"country": r.country, "alert_id": r.alert_id, "identifier": r.identifier}))
        .collect();
    let nodes: Vec<Value> = response.nodes.iter().map(status_json).collect();
    let partners: Vec<Value> = response.partners.iter().map(status_json).collect();
    json!({
        "matches": matches_json(&response.matches),
        "groups": groups,
        "already_reported": reported,
        "nodes": nodes,
        "partners": partners,
        "partial": response.partial,
        "reference": response.reference,
    })
}

/// The columns of the search table: who issued the alert, how well it matched, and what an
/// officer acts on (which object, whether it is still sought, what to do with it). Status and
/// action are never cut (their minimum is their longest name); id, category and object give
/// way when the line is too long.
const COLUMNS: [Column; 8] = [
    Column {
        header: "#",
        min: 2,
        max: 3,
    },
    Column {
        header: "alert",
        min: 12,
        max: 30,
    },
    Column {
        header: "cc",
        min: 2,
        max: 4,
    },
    Column {
        header: "score",
        min: 6,
        max: 6,
    },
    Column {
        header: "category",
        min: 8,
        max: 20,
    },
    Column {
        header: "object",
        min: 12,
        max: 40,
    },
    Column {
        header: "status",
        min: 13,
        max: 13,
    },
    Column {
        header: "action",
        min: 15,
        max: 15,
    },
];

/// Make, model and colour in one cell: `Bayliner VR5, white`.
fn object(alert: &v1::Alert) -> String {
    let name: Vec<&str> = [alert.brand.as_str(), alert.model.as_str()]
        .into_iter()
        .filter(|part| !part.is_empty())
        .collect();
    let name = name.join(" ");
    match (name.is_empty(), alert.colour.is_empty()) {
        (_, true) => name,
        (true, false) => alert.colour.clone(),
        (false, false) => format!("{name}, {}", alert.colour),
    }
}

fn category(alert: &v1::Alert) -> String {
    v1::ObjectCategory::try_from(alert.category)
        .map(|c| c.short_name().to_string())
        .unwrap_or_default()
}

fn status(alert: &v1::Alert) -> String {
    v1::AlertStatus::try_from(alert.status)
        .map(|s| s.short_name().to_string())
        .unwrap_or_default()
}

/// What to do on a hit; an alert that names no action gets the nodes' default, SEIZE. An
/// action newer than this client is left blank, like an unknown category or status.
fn action(alert: &v1::Alert) -> String {
    match v1::HitAction::try_from(alert.action) {
        Ok(v1::HitAction::Unspecified) => "SEIZE".to_string(),
        Ok(action) => action.short_name().to_string(),
        Err(_) => String::new(),
    }
}

/// The search table: one line per alert with what an officer acts on, then one indented line
/// per matched identifier with the value as stored, the value as read and the explanation;
/// every line within [`WIDTH`] columns.
fn match_lines(matches: &[v1::Match]) -> Vec<String> {
    if matches.is_empty() {
        return vec!["no match".to_string()];
    }
    let rows: Vec<Vec<String>> = matches
        .iter()
        .enumerate()
        .map(|(rank, m)| {
            let alert = m.alert.clone().unwrap_or_default();
            vec![
                format!("{}", rank + 1),
                alert.id.clone(),
                m.country.clone(),
                format!("{:.4}", m.score),
                category(&alert),
                object(&alert),
                status(&alert),
                action(&alert),
            ]
        })
        .collect();
    let mut table = render(&COLUMNS, &rows, WIDTH).into_iter();
    let mut lines: Vec<String> = table.next().into_iter().collect();
    for (m, line) in matches.iter().zip(table) {
        lines.push(line);
        if m.identifier_matches.is_empty() {
            lines.push(fit(&format!("    {}", m.explanation), WIDTH));
        }
        for im in &m.identifier_matches {
            let stored = im.matched_identifier.clone().unwrap_or_default();
            let kind = v1::IdentifierKind::try_from(stored.kind)
                .map(|k| k.short_name().to_string())
                .unwrap_or_default();
            let detail = format!(
                "    {kind} {} (read {}): {}",
                stored.value, im.query_value, im.explanation
            );
            lines.push(fit(&detail, WIDTH));
        }
    }
    lines
}

fn print_matches(matches: &[v1::Match]) {
    for line in match_lines(matches) {
        println!("{line}");
    }
}

/// Prints a federated answer: matches, how partners led to any of them, groups, then one
/// status line per node and partner.
pub fn print_core(response: &v1::MatchingCoreSearchResponse) {
    print_matches(&response.matches);
    for found in &response.matches {
        // The core puts the partner link first: `via partner YAMAHA: 6CJ-… → ABC…; …`.
        if let Some(via) = found.explanation.split(';').next()
            && via.starts_with("via partner")
        {
            let id = found.alert.as_ref().map_or("", |a| a.id.as_str());
            println!("{id} found {via}");
        }
    }
    for group in &response.groups {
        println!(
            "group {}: {} ({})",
            group.normalized_identifier,
            group.explanation,
            group.alert_ids.join(", ")
        );
    }
    if let Some(line) = sismatch_core::already_reported_line(&response.already_reported) {
        println!("{line}");
    }
    println!("nodes: {}", statuses(&response.nodes));
    if !response.partners.is_empty() {
        println!("partners: {}", statuses(&response.partners));
    }
    if response.partial {
        println!("partial answer: some nodes did not answer; matches may be missing");
    }
}

/// `NL OK 1.2 ms; BE TIMEOUT 500.0 ms (…)`.
fn statuses(servers: &[v1::NodeStatus]) -> String {
    let statuses: Vec<String> = servers
        .iter()
        .map(|n| {
            let outcome = v1::NodeOutcome::try_from(n.outcome)
                .map(|o| o.short_name().to_string())
                .unwrap_or_default();
            let ms = elapsed_ms(n);
            if n.message.is_empty() {
                format!("{} {outcome} {ms:.1} ms", n.node)
            } else {
                format!("{} {outcome} {ms:.1} ms ({})", n.node, n.message)
            }
        })
        .collect();
    statuses.join("; ")
}
