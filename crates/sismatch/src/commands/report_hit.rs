//! `sismatch report-hit`: tell the issuing country, through the core, that its object was
//! found.

use anyhow::{Context, Result};
use clap::Args;
use serde_json::json;
use sismatch_proto::v1;
use sismatch_proto::wire::WireEnum;

use crate::commands::client::{Credentials, core_client};

/// Arguments of `sismatch report-hit`.
#[derive(Debug, Args)]
pub struct ReportHitArgs {
    /// Client certificate or token.
    #[command(flatten)]
    credentials: Credentials,
    /// Address of the matching core (`127.0.0.1:7500`).
    #[arg(long)]
    core: String,
    /// The alert that was hit (`NL-...`).
    alert_id: String,
    /// Country of the reporting police (ISO 3166-1 alpha-2).
    #[arg(long)]
    by: String,
    /// Reporting officer or unit.
    #[arg(long, default_value = "sismatch command line")]
    officer: String,
    /// What happened, where the object is now.
    #[arg(long, default_value = "")]
    note: String,
    /// The reporting police's own case number.
    #[arg(long, default_value = "")]
    case_reference: String,
    /// Where the object was found.
    #[arg(long, default_value = "")]
    location: String,
    /// The identifier value read on the object.
    #[arg(long, default_value = "")]
    matched_value: String,
    /// Print JSON instead of a sentence.
    #[arg(long)]
    json: bool,
}

impl ReportHitArgs {
    /// Sends the report and prints what the issuing node recorded.
    pub async fn run(self) -> Result<()> {
        let mut client = core_client(&self.core, &self.credentials).await?;
        let request = v1::MatchingCoreReportHitRequest {
            hit: Some(v1::HitReport {
                alert_id: self.alert_id.clone(),
                reporting_country: self.by.to_ascii_uppercase(),
                reporting_officer: self.officer,
                case_reference: self.case_reference,
                note: self.note,
                location: self.location,
                matched_value: self.matched_value,
                ..v1::HitReport::default()
            }),
        };
        let response = client
            .report_hit(self.credentials.request(request)?)
            .await
            .map_err(|status| anyhow::anyhow!("{}", status.message()))
            .context("hit report failed")?
            .into_inner();
        let hit = response.hit.unwrap_or_default();
        let status = response
            .alert
            .and_then(|a| v1::AlertStatus::try_from(a.status).ok())
            .map(|s| s.short_name().to_string())
            .unwrap_or_default();
        let state = v1::HitState::try_from(hit.state).unwrap_or_default();
        if self.json {
            let report = json!({
                "hit_id": hit.id,
                "alert_id": hit.alert_id,
                "node": response.node,
                "alert_status": status,
                "state": state.short_name(),
            });
            println!("{}", serde_json::to_string_pretty(&report)?);
        } else {
            println!(
                "hit {} on {} recorded by node {}; alert status {status}",
                hit.id, hit.alert_id, response.node
            );
            if state == v1::HitState::Pending {
                println!(
                    "pending: the restricted part is released once node {} accepts the report",
                    response.node
                );
            }
        }
        Ok(())
    }
}
