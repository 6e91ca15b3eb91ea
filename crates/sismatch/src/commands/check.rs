//! `sismatch check`: the dealer's question, "is this object offered for sale reported
//! stolen?", answered with hit / no hit and a reference to quote to the police, nothing else.

use anyhow::{Context, Result};
use clap::Args;
use serde_json::json;
use sismatch_grpc::convert::kind_out;
use sismatch_ident::IdentifierKind;
use sismatch_proto::v1;
use sismatch_proto::wire::WireEnum;

use crate::commands::client::{Credentials, core_client};

/// Arguments of `sismatch check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Client certificate or token (a dealer's identity).
    #[command(flatten)]
    credentials: Credentials,
    /// Address of the matching core (`127.0.0.1:7500`).
    #[arg(long)]
    core: String,
    /// The kind of every value, when known (HIN, VIN, ENGINE_SERIAL, ...).
    #[arg(long, value_parser = |v: &str| v.parse::<IdentifierKind>().map_err(|e| e.to_string()))]
    kind: Option<IdentifierKind>,
    /// Print JSON (`{"outcome", "reference", "checked_at", "countries_checked"}`) instead of a
    /// sentence.
    #[arg(long)]
    json: bool,
    /// The numbers read on the object (1 to 16).
    #[arg(required = true)]
    values: Vec<String>,
}

impl CheckArgs {
    /// Asks the core and prints the answer. Exit status 0 whatever the outcome: scripts read
    /// the outcome from the output.
    pub async fn run(self) -> Result<()> {
        let mut client = core_client(&self.core, &self.credentials).await?;
        let request = v1::CheckRequest {
            identifiers: self
                .values
                .iter()
                .map(|value| v1::IdentifierQuery {
                    value: value.clone(),
                    kind: self.kind.map_or(0, kind_out),
                    manufacturer: String::new(),
                })
                .collect(),
            category: 0,
        };
        let answer = client
            .check(self.credentials.request(request)?)
            .await
            .map_err(|status| anyhow::anyhow!("{}", status.message()))
            .context("check failed")?
            .into_inner();
        let outcome = v1::CheckOutcome::try_from(answer.outcome)
            .map(|o| o.short_name().to_string())
            .unwrap_or_default();
        if self.json {
            let checked_at = answer.checked_at.map_or(String::new(), |t| {
                jiff::Timestamp::new(t.seconds, t.nanos)
                    .map(|t| t.to_string())
                    .unwrap_or_default()
            });
            let report = json!({
                "outcome": outcome,
                "reference": answer.reference,
                "checked_at": checked_at,
                "countries_checked": answer.countries_checked,
            });
            println!("{}", serde_json::to_string_pretty(&report)?);
            return Ok(());
        }
        match v1::CheckOutcome::try_from(answer.outcome) {
            Ok(v1::CheckOutcome::Hit) => println!(
                "HIT: do not buy; contact the police quoting reference {}",
                answer.reference
            ),
            Ok(v1::CheckOutcome::Incomplete) => println!(
                "INCOMPLETE: not every country answered; check again later (reference {})",
                answer.reference
            ),
            _ => println!(
                "NO HIT in {} (reference {}); not a promise that the object is clean",
                answer.countries_checked.join(", "),
                answer.reference
            ),
        }
        Ok(())
    }
}
