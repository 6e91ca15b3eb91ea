//! `sismatch search --node`: search one node from the command line.

use anyhow::{Context, Result};
use clap::Args;
use serde_json::{Value, json};
use sismatch_grpc::convert::kind_out;
use sismatch_ident::IdentifierKind;
use sismatch_proto::v1;

use crate::commands::client::node_client;

/// Arguments of `sismatch search`.
#[derive(Debug, Args)]
pub struct SearchArgs {
    /// Address of the node (`127.0.0.1:7400`).
    #[arg(long)]
    node: String,
    /// The kind of every value, when known (HIN, VIN, ENGINE_SERIAL, ...).
    #[arg(long, value_parser = parse_kind)]
    kind: Option<IdentifierKind>,
    /// Matches wanted (at most 100).
    #[arg(long, default_value_t = 10)]
    top: u32,
    /// Also RECOVERED and WITHDRAWN alerts.
    #[arg(long)]
    include_inactive: bool,
    /// Also alerts past their expiry.
    #[arg(long)]
    include_expired: bool,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// The values read on the object: all the numbers found on it, each possibly misread or
    /// partial (`*2345D4*`).
    #[arg(required = true)]
    values: Vec<String>,
}

fn parse_kind(value: &str) -> Result<IdentifierKind, String> {
    value.parse().map_err(|error| format!("{error}"))
}

impl SearchArgs {
    /// Runs the search and prints the ranked matches.
    pub async fn run(self) -> Result<()> {
        let mut client = node_client(&self.node).await?;
        let request = v1::NationalNodeSearchRequest {
            queries: self
                .values
                .iter()
                .map(|value| v1::IdentifierQuery {
                    value: value.clone(),
                    kind: self.kind.map_or(0, kind_out),
                    manufacturer: String::new(),
                })
                .collect(),
            filter: Some(v1::SearchFilter {
                include_expired: self.include_expired,
                include_inactive: self.include_inactive,
                ..v1::SearchFilter::default()
            }),
            top_k: self.top,
            ..v1::NationalNodeSearchRequest::default()
        };
        let response = client
            .search(request)
            .await
            .map_err(|status| anyhow::anyhow!("{}", status.message()))
            .context("search failed")?
            .into_inner();
        if self.json {
            println!("{}", serde_json::to_string_pretty(&report(&response))?);
        } else {
            print_table(&response);
        }
        Ok(())
    }
}

/// The JSON of `sismatch search --json`: stable, fields are only added.
fn report(response: &v1::NationalNodeSearchResponse) -> Value {
    let matches: Vec<Value> = response
        .matches
        .iter()
        .map(|m| {
            let alert = m.alert.clone().unwrap_or_default();
            json!({
                "alert_id": alert.id,
                "country": m.country,
                "category": v1::ObjectCategory::try_from(alert.category)
                    .map(|c| c.as_str_name().trim_start_matches("OBJECT_CATEGORY_").to_string())
                    .unwrap_or_default(),
                "status": v1::AlertStatus::try_from(alert.status)
                    .map(|s| s.as_str_name().trim_start_matches("ALERT_STATUS_").to_string())
                    .unwrap_or_default(),
                "score": m.score,
                "explanation": m.explanation,
                "brand": alert.brand,
                "model": alert.model,
                "identifiers": m.identifier_matches.iter().map(|im| {
                    let stored = im.matched_identifier.clone().unwrap_or_default();
                    json!({
                        "query": im.query_value,
                        "normalised_query": im.normalized_query,
                        "matched": stored.value,
                        "kind": v1::IdentifierKind::try_from(stored.kind)
                            .map(|k| k.as_str_name().trim_start_matches("IDENTIFIER_KIND_").to_string())
                            .unwrap_or_default(),
                        "score": im.score,
                        "explanation": im.explanation,
                        "kind_mismatch": im.kind_mismatch,
                    })
                }).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({ "matches": matches, "index_sequence": response.index_sequence })
}

fn print_table(response: &v1::NationalNodeSearchResponse) {
    if response.matches.is_empty() {
        println!("no match");
        return;
    }
    println!(
        "{:<4} {:<28} {:<7} {:<18} explanation",
        "#", "alert", "score", "matched"
    );
    for (rank, m) in response.matches.iter().enumerate() {
        let alert = m.alert.clone().unwrap_or_default();
        for (i, im) in m.identifier_matches.iter().enumerate() {
            let stored = im.matched_identifier.clone().unwrap_or_default();
            let (number, id, score) = if i == 0 {
                (
                    format!("{}", rank + 1),
                    alert.id.clone(),
                    format!("{:.4}", m.score),
                )
            } else {
                (String::new(), String::new(), String::new())
            };
            println!(
                "{number:<4} {id:<28} {score:<7} {:<18} {}",
                stored.value, im.explanation
            );
        }
    }
}
