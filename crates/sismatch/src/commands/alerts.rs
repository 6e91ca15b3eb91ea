//! `sismatch alerts expiring|extend --node ADDR`: the review of alerts before they expire
//! (DESIGN §2, issue 14), for an operator of the issuing node. An alert on an object is kept
//! for a fixed period; the operator lists those due (`--within 30d`), extends the ones still
//! sought with a reason, and lets the others lapse: a lapsed alert stays stored but searches
//! return it only when asked.

use anyhow::{Context, Result, anyhow, bail};
use clap::{Args, Subcommand};
use jiff::civil::Date;
use jiff::{Timestamp, tz::TimeZone};
use serde_json::{Value, json};
use sismatch_grpc::convert::{time_in, time_out};
use sismatch_proto::v1;
use sismatch_proto::wire::{WireEnum, duration};

use crate::commands::client::{node_client, print_json_page};
use crate::commands::hits::NodeTarget;
use crate::commands::table::{Column, WIDTH, render};

/// `sismatch alerts`.
#[derive(Debug, Subcommand)]
pub enum AlertsCommand {
    /// List the alerts in force that expire within a period from now, soonest first (one
    /// page): the alerts due for review.
    Expiring(ExpiringArgs),
    /// Extend an alert's expiry after review, with a reason (kept in its history).
    Extend(ExtendArgs),
}

/// Arguments of `sismatch alerts expiring`.
#[derive(Debug, Args)]
pub struct ExpiringArgs {
    #[command(flatten)]
    target: NodeTarget,
    /// How far ahead to look: a number of days, weeks or hours (`30d`, `8w`, `48h`; at most
    /// 3660d).
    #[arg(long, default_value = "30d", value_parser = parse_within)]
    within: std::time::Duration,
    /// Alerts per page (at most 1,000; default 100).
    #[arg(long, default_value_t = 0, hide_default_value = true)]
    page_size: u32,
    /// The page after the one that printed this token.
    #[arg(long)]
    page_token: Option<String>,
}

/// Arguments of `sismatch alerts extend`.
#[derive(Debug, Args)]
pub struct ExtendArgs {
    #[command(flatten)]
    target: NodeTarget,
    /// The new expiry: a date (`2027-12-31`: the alert stays in force through that day, UTC)
    /// or an RFC 3339 time (`2027-12-31T12:00:00Z`). Later than the current expiry.
    #[arg(long, value_parser = parse_until)]
    until: Timestamp,
    /// Why the alert is kept: the outcome of the review (at most 1,024 characters).
    #[arg(long)]
    reason: String,
    /// Extend only if the alert is still at this version (the one reviewed).
    #[arg(long)]
    expected_version: Option<u64>,
    /// The alert (`NL-01J...`).
    alert_id: String,
}

/// A period written `30d`, `8w` or `48h`.
fn parse_within(value: &str) -> Result<std::time::Duration, String> {
    let wrong = || format!("'{value}' is not a period such as 30d, 8w or 48h");
    let value = value.trim();
    let split = value.len().saturating_sub(1);
    let (number, unit) = value.split_at_checked(split).ok_or_else(wrong)?;
    let number: u64 = number.parse().map_err(|_| wrong())?;
    let hours = match unit {
        "h" => 1,
        "d" => 24,
        "w" => 24 * 7,
        _ => return Err(wrong()),
    };
    let seconds = number
        .checked_mul(hours * 3600)
        .filter(|s| *s > 0)
        .ok_or_else(wrong)?;
    Ok(std::time::Duration::from_secs(seconds))
}

/// An expiry written as a date (the end of that day, UTC) or an RFC 3339 time.
fn parse_until(value: &str) -> Result<Timestamp, String> {
    if let Ok(time) = value.parse::<Timestamp>() {
        return Ok(time);
    }
    let date: Date = value
        .parse()
        .map_err(|_| format!("'{value}' is not a date (2027-12-31) or an RFC 3339 time"))?;
    let next = date
        .tomorrow()
        .and_then(|day| day.to_zoned(TimeZone::UTC))
        .map_err(|e| format!("'{value}': {e}"))?;
    Ok(next.timestamp())
}

/// A wire time as RFC 3339; empty when unset.
fn expiry(alert: &v1::Alert) -> String {
    time_in("expires_at", alert.expires_at.as_ref())
        .ok()
        .flatten()
        .map_or(String::new(), |t| t.to_string())
}

fn short<E: WireEnum>(number: i32) -> &'static str {
    E::try_from(number).map_or("", WireEnum::short_name)
}

/// An alert as the review shows it, as JSON (stable: fields are only added).
fn alert_json(alert: &v1::Alert) -> Value {
    json!({
        "alert_id": alert.id,
        "category": short::<v1::ObjectCategory>(alert.category),
        "status": short::<v1::AlertStatus>(alert.status),
        "case_reference": alert.case_reference,
        "expires_at": expiry(alert),
        "version": alert.version,
    })
}

impl AlertsCommand {
    /// Runs the command against the node.
    pub async fn run(self) -> Result<()> {
        match self {
            AlertsCommand::Expiring(args) => args.run().await,
            AlertsCommand::Extend(args) => args.run().await,
        }
    }
}

impl ExpiringArgs {
    async fn run(self) -> Result<()> {
        let target = self.target;
        let request = v1::ListExpiringAlertsRequest {
            within: Some(duration(self.within)),
            page_size: self.page_size,
            page_token: self.page_token.unwrap_or_default(),
        };
        let mut client = node_client(&target.node, &target.credentials).await?;
        let page = client
            .list_expiring_alerts(target.credentials.request(request)?)
            .await
            .map_err(|status| anyhow!("{}", status.message()))
            .context("listing expiring alerts failed")?
            .into_inner();
        if target.json {
            let items = page.alerts.iter().map(alert_json).collect();
            return print_json_page("alerts", items, &page.next_page_token);
        }
        if page.alerts.is_empty() {
            println!("no alerts due for review");
            return Ok(());
        }
        let column = |header, min, max| Column { header, min, max };
        let columns = [
            column("alert", 12, 40),
            column("category", 8, 20),
            column("status", 6, 13),
            column("case", 8, 24),
            column("expires", 10, 27),
        ];
        let rows: Vec<Vec<String>> = page
            .alerts
            .iter()
            .map(|alert| {
                vec![
                    alert.id.clone(),
                    short::<v1::ObjectCategory>(alert.category).to_string(),
                    short::<v1::AlertStatus>(alert.status).to_string(),
                    alert.case_reference.clone(),
                    expiry(alert),
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

impl ExtendArgs {
    async fn run(self) -> Result<()> {
        if self.reason.trim().is_empty() {
            bail!("--reason: required (the alert's history says why it is kept)");
        }
        let target = self.target;
        let request = v1::ExtendAlertRequest {
            id: self.alert_id,
            expires_at: time_out(Some(self.until)),
            reason: self.reason,
            expected_version: self.expected_version.unwrap_or(0),
        };
        let mut client = node_client(&target.node, &target.credentials).await?;
        let alert = client
            .extend_alert(target.credentials.request(request)?)
            .await
            .map_err(|status| anyhow!("{}", status.message()))
            .context("extending the alert failed")?
            .into_inner()
            .alert
            .unwrap_or_default();
        if target.json {
            println!("{}", serde_json::to_string_pretty(&alert_json(&alert))?);
            return Ok(());
        }
        println!(
            "alert {} extended: expires {} (version {})",
            alert.id,
            expiry(&alert),
            alert.version
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_are_days_weeks_or_hours_and_others_are_named() {
        let day = 86_400;
        assert_eq!(parse_within("30d").unwrap().as_secs(), 30 * day);
        assert_eq!(parse_within("8w").unwrap().as_secs(), 56 * day);
        assert_eq!(parse_within("48h").unwrap().as_secs(), 2 * day);
        for bad in [
            "",
            "d",
            "30",
            "30m",
            "0d",
            "-1d",
            "x1d",
            "99999999999999999w",
        ] {
            let error = parse_within(bad).unwrap_err();
            assert!(error.contains(&format!("'{bad}'")), "{bad}: {error}");
        }
    }

    #[test]
    fn a_date_keeps_the_alert_through_that_day_and_a_time_is_taken_as_given() {
        assert_eq!(
            parse_until("2027-12-31").unwrap().to_string(),
            "2028-01-01T00:00:00Z"
        );
        assert_eq!(
            parse_until("2027-12-31T12:00:00Z").unwrap().to_string(),
            "2027-12-31T12:00:00Z"
        );
        assert!(
            parse_until("31/12/2027")
                .unwrap_err()
                .contains("'31/12/2027'")
        );
    }
}
