//! What a partner agreed to: which sale facts it shares and for which purposes it answers
//! (DESIGN §4: safe data, safe projects, safe settings).

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::str::FromStr;

use sismatch_proto::v1::LookupPurpose;
use sismatch_proto::wire::WireEnum;

use crate::error::{PartnerError, Result};

/// Longest maker name, as for `Identifier.manufacturer` on the wire.
const MAX_MAKER: usize = 128;

/// A sale fact the partner may agree to share. Linked identifiers are always answered (they
/// are what a look-up is for); each sale fact only when agreed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SaleField {
    /// Name of the selling dealer.
    Dealer,
    /// Country of the selling dealer.
    DealerCountry,
    /// Date of sale.
    SoldAt,
    /// Product model.
    Model,
}

impl SaleField {
    /// Every sale fact.
    pub const ALL: [SaleField; 4] = [
        SaleField::Dealer,
        SaleField::DealerCountry,
        SaleField::SoldAt,
        SaleField::Model,
    ];

    /// The name used in the configuration (`share = ["dealer", "sold_at"]`) and the register.
    pub fn as_str(self) -> &'static str {
        match self {
            SaleField::Dealer => "dealer",
            SaleField::DealerCountry => "dealer_country",
            SaleField::SoldAt => "sold_at",
            SaleField::Model => "model",
        }
    }
}

impl FromStr for SaleField {
    type Err = String;

    fn from_str(text: &str) -> std::result::Result<SaleField, String> {
        let name = text.trim().to_ascii_lowercase();
        SaleField::ALL
            .into_iter()
            .find(|field| field.as_str() == name)
            .ok_or_else(|| {
                format!("'{text}' is not a sale fact (dealer, dealer_country, sold_at, model)")
            })
    }
}

/// Every purpose of the fixed list, the default agreement.
pub const ALL_PURPOSES: [LookupPurpose; 3] = [
    LookupPurpose::TheftInvestigation,
    LookupPurpose::RecoveryIdentification,
    LookupPurpose::CrossBorderEnquiry,
];

/// The short name of a purpose, as in the configuration and refusal messages
/// (`THEFT_INVESTIGATION`).
pub fn purpose_name(purpose: LookupPurpose) -> &'static str {
    purpose.short_name()
}

/// The purpose named `text` (`THEFT_INVESTIGATION`, any case, with or without the
/// `LOOKUP_PURPOSE_` prefix), for reading a configuration; UNSPECIFIED is not a purpose.
pub fn purpose_from_name(text: &str) -> std::result::Result<LookupPurpose, String> {
    let upper = text.trim().to_ascii_uppercase();
    LookupPurpose::from_proto_name(&upper)
        .or_else(|| LookupPurpose::from_short_name(&upper))
        .filter(|purpose| ALL_PURPOSES.contains(purpose))
        .ok_or_else(|| {
            format!(
                "'{text}' is not a purpose (THEFT_INVESTIGATION, RECOVERY_IDENTIFICATION, CROSS_BORDER_ENQUIRY)"
            )
        })
}

/// How one partner node runs: whose register it holds, where, and what it agreed to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnerConfig {
    /// The maker whose register this is (`YAMAHA`); register lines of another maker are
    /// refused, and a register folder remembers its maker.
    pub maker: String,
    /// Folder of the register (RocksDB), created if missing.
    pub data_dir: PathBuf,
    /// The sale facts the partner agreed to share; empty shares linked identifiers only.
    pub share: BTreeSet<SaleField>,
    /// The purposes the partner agreed to answer; others are refused (PURPOSE_NOT_AGREED).
    pub purposes: BTreeSet<LookupPurpose>,
    /// Whether look-ups must arrive over mutually authenticated TLS (INSECURE_CONNECTION
    /// otherwise); only local tests with bearer tokens turn it off.
    pub require_mtls: bool,
}

impl PartnerConfig {
    /// The defaults of DESIGN §4 for `maker`: no sale facts shared, every purpose agreed,
    /// mutually authenticated TLS required.
    pub fn new(maker: impl Into<String>, data_dir: impl Into<PathBuf>) -> PartnerConfig {
        PartnerConfig {
            maker: maker.into(),
            data_dir: data_dir.into(),
            share: BTreeSet::new(),
            purposes: ALL_PURPOSES.into_iter().collect(),
            require_mtls: true,
        }
    }

    /// Checks the settings, naming the key at fault; [`crate::Partner::open`] checks them
    /// too, so a server may call this first only to report a bad configuration before it
    /// touches the register.
    pub fn validate(&self) -> Result<()> {
        let maker = self.maker.trim();
        if maker.is_empty() {
            return Err(PartnerError::invalid("maker", "empty"));
        }
        if maker.chars().count() > MAX_MAKER {
            return Err(PartnerError::invalid(
                "maker",
                format!("longer than {MAX_MAKER} characters"),
            ));
        }
        if self.purposes.is_empty() {
            return Err(PartnerError::invalid(
                "purposes",
                "empty: a partner that agrees to no purpose would refuse every look-up",
            ));
        }
        if self.purposes.contains(&LookupPurpose::Unspecified) {
            return Err(PartnerError::invalid(
                "purposes",
                "UNSPECIFIED is not a purpose",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for field in SaleField::ALL {
            assert_eq!(field.as_str().parse::<SaleField>(), Ok(field));
        }
        assert!("price".parse::<SaleField>().is_err());
        for purpose in ALL_PURPOSES {
            assert_eq!(purpose_from_name(purpose_name(purpose)), Ok(purpose));
            assert_eq!(purpose_from_name(purpose.as_str_name()), Ok(purpose));
        }
        assert_eq!(
            purpose_from_name("theft_investigation"),
            Ok(LookupPurpose::TheftInvestigation)
        );
        assert!(purpose_from_name("UNSPECIFIED").is_err());
        assert!(purpose_from_name("CURIOSITY").is_err());
    }

    #[test]
    fn settings_errors_name_the_key() {
        let field = |config: PartnerConfig| match config.validate() {
            Err(PartnerError::Invalid { field, .. }) => field,
            other => panic!("expected an invalid setting, got {other:?}"),
        };
        assert_eq!(field(PartnerConfig::new(" ", "/tmp/x")), "maker");
        let mut config = PartnerConfig::new("YAMAHA", "/tmp/x");
        config.purposes.clear();
        assert_eq!(field(config.clone()), "purposes");
        config.purposes.insert(LookupPurpose::Unspecified);
        assert_eq!(field(config), "purposes");
        assert!(PartnerConfig::new("YAMAHA", "/tmp/x").validate().is_ok());
    }
}
