//! `sismatch hits list|accept|decline --node ADDR`: the issuing node's side of Prüm's second step,
//! for an operator of the country's SIRENE bureau. A foreign officer's hit report waits as
//! PENDING until accepted or declined with a reason; once it is accepted, the officer fetches
//! the alert's restricted part through the core with `sismatch hits released --core ADDR`.

use anyhow::{Context, Result, anyhow};
use clap::{Args, Subcommand};
use serde_json::{Value, json};
use sismatch_alert::Invalid;
use sismatch_grpc::convert::time_in;
use sismatch_proto::v1;
use sismatch_proto::wire::WireEnum;

use crate::commands::client::{Credentials, core_client, node_client, print_json_page};
use crate::commands::table::{Column, WIDTH, render};

/// `sismatch hits`.
#[derive(Debug, Subcommand)]
pub enum HitsCommand {
    /// List the hit reports a node received, newest first (one page).
    List(ListArgs),
    /// Accept a pending hit report: its officer may then fetch the restricted part.
    Accept(AcceptArgs),
    /// Decline a pending hit report, with a reason: nothing is released.
    Decline(DeclineArgs),
    /// As the officer who reported a hit: fetch, through the core, the alert's restricted part
    /// once the issuing node has accepted the report.
    Released(ReleasedArgs),
}

/// The node, the credentials and the output format every `hits` and `alerts` command takes.
#[derive(Debug, Args)]
pub struct NodeTarget {
    /// Client certificate or token.
    #[command(flatten)]
    pub(crate) credentials: Credentials,
    /// Address of the issuing national node (`127.0.0.1:7400`).
    #[arg(long)]
    pub(crate) node: String,
    /// Print JSON instead of text.
    #[arg(long)]
    pub(crate) json: bool,
}

/// Arguments of `sismatch hits list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    target: NodeTarget,
    /// Only reports in this state: pending, accepted or declined.
    #[arg(long, value_parser = parse_state)]
    state: Option<v1::HitState>,
    /// Only reports on this alert.
    #[arg(long)]
    alert: Option<String>,
    /// Reports per page (at most 1,000; default 100).
    #[arg(long, default_value_t = 0, hide_default_value = true)]
    page_size: u32,
    /// The page after the one that printed this token.
    #[arg(long)]
    page_token: Option<String>,
}

/// Arguments of `sismatch hits accept`.
#[derive(Debug, Args)]
pub struct AcceptArgs {
    #[command(flatten)]
    target: NodeTarget,
    /// The hit report (`HIT-NL-...-7`).
    hit_id: String,
}

/// Arguments of `sismatch hits decline`.
#[derive(Debug, Args)]
pub struct DeclineArgs {
    #[command(flatten)]
    target: NodeTarget,
    /// Why: the reporting country is told (at most 1,024 characters).
    #[arg(long)]
    reason: String,
    /// The hit report (`HIT-NL-...-7`).
    hit_id: String,
}

/// Arguments of `sismatch hits released`.
#[derive(Debug, Args)]
pub struct ReleasedArgs {
    /// Client certificate or token: the officer's own, as when reporting the hit.
    #[command(flatten)]
    credentials: Credentials,
    /// Address of the matching core (`127.0.0.1:7500`).
    #[arg(long)]
    core: String,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
    /// The hit report, as `report-hit` printed it (`HIT-NL-...-7`).
    hit_id: String,
}

fn parse_state(value: &str) -> Result<v1::HitState, String> {
    let short = value.trim().to_ascii_uppercase();
    v1::HitState::from_short_name(&short)
        .filter(|state| *state != v1::HitState::Unspecified)
        .ok_or_else(|| format!("'{value}' is not a hit state (pending, accepted, declined)"))
}

/// A state's name for people (`PENDING`).
fn state_name(number: i32) -> &'static str {
    v1::HitState::try_from(number).map_or("?", WireEnum::short_name)
}

/// A wire time read with `time_in`, as RFC 3339; empty when unset (or not a time).
fn text(time: Result<Option<jiff::Timestamp>, Invalid>) -> String {
    time.ok().flatten().map_or(String::new(), |t| t.to_string())
}

fn received_at(hit: &v1::HitReport) -> String {
    text(time_in("received_at", hit.received_at.as_ref()))
}

fn decided_at(hit: &v1::HitReport) -> String {
    text(time_in("decided_at", hit.decided_at.as_ref()))
}

/// A hit report as JSON (stable: fields are only added).
fn hit_json(hit: &v1::HitReport) -> Value {
    json!({
        "hit_id": hit.id,
        "alert_id": hit.alert_id,
        "state": state_name(hit.state),
        "reporting_country": hit.reporting_country,
        "reporting_officer": hit.reporting_officer,
        "reported_by": hit.reported_by,
        "case_reference": hit.case_reference,
        "received_at": received_at(hit),
        "decided_at": decided_at(hit),
        "decided_by": hit.decided_by,
        "decline_reason": hit.decline_reason,
    })
}

impl HitsCommand {
    /// Runs the command against the node.
    pub async fn run(self) -> Result<()> {
        match self {
            HitsCommand::List(args) => args.run().await,
            HitsCommand::Accept(args) => {
                let request = v1::AcceptHitRequest {
                    hit_id: args.hit_id,
                };
                let target = args.target;
                let mut client = node_client(&target.node, &target.credentials).await?;
                let answer = client
                    .accept_hit(target.credentials.request(request)?)
                    .await
                    .map_err(|status| anyhow!("{}", status.message()))
                    .context("accept failed")?
                    .into_inner();
                decided(&answer.hit.unwrap_or_default(), target.json)
            }
            HitsCommand::Released(args) => args.run().await,
            HitsCommand::Decline(args) => {
                let request = v1::DeclineHitRequest {
                    hit_id: args.hit_id,
                    reason: args.reason,
                };
                let target = args.target;
                let mut client = node_client(&target.node, &target.credentials).await?;
                let answer = client
                    .decline_hit(target.credentials.request(request)?)
                    .await
                    .map_err(|status| anyhow!("{}", status.message()))
                    .context("decline failed")?
                    .into_inner();
                decided(&answer.hit.unwrap_or_default(), target.json)
            }
        }
    }
}

/// Prints a decided report.
fn decided(hit: &v1::HitReport, json: bool) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(&hit_json(hit))?);
        return Ok(());
    }
    let state = state_name(hit.state);
    println!(
        "hit {} on {} {state} by {} at {}",
        hit.id,
        hit.alert_id,
        hit.decided_by,
        decided_at(hit)
    );
    if hit.state == i32::from(v1::HitState::Accepted) {
        println!(
            "{} ({}) may now fetch the alert's restricted part through the core",
            hit.reported_by, hit.reporting_country
        );
    }
    Ok(())
}

/// A contact as JSON.
fn contact_json(contact: Option<&v1::Contact>) -> Value {
    contact.map_or(
        Value::Null,
        |c| json!({"name": c.name, "phone": c.phone, "email": c.email, "address": c.address}),
    )
}

/// A contact on one line, empty parts left out.
fn contact_line(contact: &v1::Contact) -> String {
    let parts = [
        &contact.name,
        &contact.phone,
        &contact.email,
        &contact.address,
    ];
    let given: Vec<&str> = parts
        .into_iter()
        .map(String::as_str)
        .filter(|p| !p.is_empty())
        .collect();
    given.join(", ")
}

impl ReleasedArgs {
    async fn run(self) -> Result<()> {
        let mut client = core_client(&self.core, &self.credentials).await?;
        let request = v1::MatchingCoreGetReleasedAlertRequest {
            hit_id: self.hit_id,
        };
        let answer = client
            .get_released_alert(self.credentials.request(request)?)
            .await
            .map_err(|status| anyhow!("{}", status.message()))
            .context("fetching the released alert failed")?
            .into_inner();
        let hit = answer.hit.unwrap_or_default();
        let alert = answer.alert.unwrap_or_default();
        let restricted = alert.restricted.unwrap_or_default();
        if self.json {
            let released = json!({
                "hit": hit_json(&hit),
                "node": answer.node,
                "alert_id": alert.id,
                "restricted": {
                    "owner": contact_json(restricted.owner.as_ref()),
                    "victim": contact_json(restricted.victim.as_ref()),
                    "notes": restricted.notes,
                },
            });
            println!("{}", serde_json::to_string_pretty(&released)?);
            return Ok(());
        }
        println!(
            "alert {} released by node {} for hit {}",
            alert.id, answer.node, hit.id
        );
        if let Some(owner) = &restricted.owner {
            println!("owner: {}", contact_line(owner));
        }
        if let Some(victim) = &restricted.victim {
            println!("victim: {}", contact_line(victim));
        }
        if !restricted.notes.is_empty() {
            println!("notes: {}", restricted.notes);
        }
        Ok(())
    }
}

impl ListArgs {
    async fn run(self) -> Result<()> {
        let target = self.target;
        let mut client = node_client(&target.node, &target.credentials).await?;
        let request = v1::ListHitsRequest {
            alert_id: self.alert.unwrap_or_default(),
            page_size: self.page_size,
            page_token: self.page_token.unwrap_or_default(),
            state: self.state.map_or(0, i32::from),
            ..v1::ListHitsRequest::default()
        };
        let page = client
            .list_hits(target.credentials.request(request)?)
            .await
            .map_err(|status| anyhow!("{}", status.message()))
            .context("listing hits failed")?
            .into_inner();
        if target.json {
            let items = page.hits.iter().map(hit_json).collect();
            return print_json_page("hits", items, &page.next_page_token);
        }
        if page.hits.is_empty() {
            println!("no hit reports");
            return Ok(());
        }
        let columns = [
            Column {
                header: "hit",
                min: 12,
                max: 40,
            },
            Column {
                header: "state",
                min: 8,
                max: 8,
            },
            Column {
                header: "from",
                min: 4,
                max: 4,
            },
            Column {
                header: "reported by",
                min: 10,
                max: 30,
            },
            Column {
                header: "received",
                min: 10,
                max: 27,
            },
        ];
        let rows: Vec<Vec<String>> = page
            .hits
            .iter()
            .map(|hit| {
                vec![
                    hit.id.clone(),
                    state_name(hit.state).to_string(),
                    hit.reporting_country.clone(),
                    format!("{} ({})", hit.reported_by, hit.reporting_officer),
                    received_at(hit),
                ]
            })
            .collect();
        for line in render(&columns, &rows, WIDTH) {
            println!("{line}");
        }
        if !page.next_page_token.is_empty() {
            println!("more: --page-token {}", page.next_page_token);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_are_read_in_any_case_and_unknown_ones_are_named() {
        assert_eq!(parse_state("pending"), Ok(v1::HitState::Pending));
        assert_eq!(parse_state("ACCEPTED"), Ok(v1::HitState::Accepted));
        let error = parse_state("maybe").unwrap_err();
        assert!(error.contains("'maybe'"), "{error}");
        assert!(parse_state("unspecified").is_err());
    }
}
