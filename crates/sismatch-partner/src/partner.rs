//! [`Partner`]: the register, the gate and the agreement of one partner node together.

use std::collections::BTreeSet;
use std::sync::Arc;

use sismatch_auth::Caller;
use sismatch_proto::v1;
use tracing::{info, instrument};

use crate::answer::{self, LookupAnswer};
use crate::config::{PartnerConfig, SaleField};
use crate::error::{PartnerError, Result};
use crate::gate::Gate;
use crate::lookup::find;
use crate::record::RegisterRecord;
use crate::request;
use crate::store::{ImportCounts, Register};

/// Sub-folder of the data folder that holds the register (RocksDB); the server's audit log
/// sits beside it in `audit/`.
const REGISTER: &str = "register";

/// One manufacturer partner node: its register on disk, and what it agreed to answer.
///
/// `Send + Sync`: share it behind an `Arc`. RocksDB work runs on blocking threads, never on
/// the async runtime's workers.
pub struct Partner {
    maker: String,
    share: BTreeSet<SaleField>,
    gate: Gate,
    register: Arc<Register>,
}

impl std::fmt::Debug for Partner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Partner")
            .field("maker", &self.maker)
            .field("share", &self.share)
            .field("gate", &self.gate)
            .finish_non_exhaustive()
    }
}

impl Partner {
    /// Checks `config` and opens (or creates) the register in `config.data_dir`. Blocks on
    /// disk IO: call it from a blocking thread.
    ///
    /// Fails with an `Invalid` error naming the key for a bad setting or a register folder of
    /// another maker, and with an internal error when RocksDB cannot open the folder (another
    /// process holds it: the register is single-process, so import while the node is stopped).
    pub fn open(config: PartnerConfig) -> Result<Partner> {
        config.validate()?;
        let maker = config.maker.trim().to_string();
        let register = Register::open(&config.data_dir.join(REGISTER), &maker)?;
        info!(
            maker,
            path = %config.data_dir.display(),
            share = ?config.share,
            require_mtls = config.require_mtls,
            "partner register opened"
        );
        Ok(Partner {
            maker,
            share: config.share,
            gate: Gate {
                purposes: config.purposes,
                require_mtls: config.require_mtls,
            },
            register: Arc::new(register),
        })
    }

    /// The maker whose register this is, as configured (`YAMAHA`); import lines must name it.
    pub fn maker(&self) -> &str {
        &self.maker
    }

    /// Answers a look-up by `caller`.
    ///
    /// A malformed request is an `Invalid` error naming the field. A request that fails the
    /// gate is answered REFUSED with the reason, before the register is read. Otherwise the
    /// answer lists the matching entries (FOUND) or none (NOT_FOUND). Every answer has a fresh
    /// reference `L-<ULID>` and the facts of its audit record.
    #[instrument(skip_all, fields(caller = %caller.name, role = %caller.role))]
    pub async fn lookup(
        &self,
        caller: &Caller,
        request: v1::LookupRequest,
    ) -> Result<LookupAnswer> {
        let checked = request::check(request)?;
        let reference = format!("L-{}", ulid::Ulid::new());
        if let Some(refusal) = self.gate.refusal(caller, &checked) {
            info!(
                reference,
                refusal = refusal.reason.as_str_name(),
                "look-up refused"
            );
            return Ok(answer::refused(&self.maker, reference, checked, refusal));
        }
        let register = Arc::clone(&self.register);
        let queries = checked.queries.clone();
        let found = tokio::task::spawn_blocking(move || find(&register, &queries))
            .await
            .map_err(|e| PartnerError::Internal(format!("look-up task failed: {e}")))??;
        info!(reference, records = found.len(), "look-up answered");
        Ok(answer::answered(
            &self.maker,
            reference,
            checked,
            &found,
            &self.share,
        ))
    }

    /// Stores `records` (read with [`RegisterRecord::from_ndjson`] for this maker) in one
    /// batch, and answers once the batch is durable. Importing the same entries again changes
    /// nothing: they count as unchanged.
    pub async fn import_batch(&self, records: Vec<RegisterRecord>) -> Result<ImportCounts> {
        if let Some(other) = records
            .iter()
            .find(|record| !record.maker.eq_ignore_ascii_case(&self.maker))
        {
            return Err(PartnerError::invalid(
                "maker",
                format!(
                    "'{}' is not this partner's maker ({})",
                    other.maker, self.maker
                ),
            ));
        }
        let register = Arc::clone(&self.register);
        let counts = tokio::task::spawn_blocking(move || register.put(&records))
            .await
            .map_err(|e| PartnerError::Internal(format!("import task failed: {e}")))??;
        info!(
            created = counts.created,
            updated = counts.updated,
            unchanged = counts.unchanged,
            "register batch stored"
        );
        Ok(counts)
    }
}
