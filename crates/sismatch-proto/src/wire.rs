//! What every user of the wire format needs besides the messages, written once: a
//! `google.protobuf.Duration` from a measured time, and the short names of the `sismatch.v1`
//! enums.
//!
//! Every `sismatch.v1` enum follows the protobuf style: each value carries the enum's name as
//! a prefix (`IDENTIFIER_KIND_HIN`) and the zero value is `<PREFIX>UNSPECIFIED`. The domain
//! enums (`sismatch-ident`, `sismatch-alert`), the configuration files, the audit export and
//! the command line use the short names (`HIN`), so the prefix is stripped and added back
//! here and nowhere else; it is read from the generated zero value, never typed by hand.

use std::str::FromStr;

use crate::v1;

/// A measured time as a protobuf duration (seconds saturate; a time that long is a bug
/// elsewhere, not a reason to fail an answer).
pub fn duration(elapsed: std::time::Duration) -> prost_types::Duration {
    prost_types::Duration {
        seconds: i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX),
        nanos: i32::try_from(elapsed.subsec_nanos()).unwrap_or(0),
    }
}

/// A generated `sismatch.v1` enum, seen through its names.
pub trait WireEnum: Copy + TryFrom<i32> + Into<i32> {
    /// The zero value, `<PREFIX>UNSPECIFIED`: "not given".
    const UNSPECIFIED: Self;

    /// The full protobuf name (`IDENTIFIER_KIND_HIN`).
    fn proto_name(self) -> &'static str;

    /// The value with the full protobuf name `name`.
    fn from_proto_name(name: &str) -> Option<Self>;

    /// The name without the enum's prefix (`HIN`), as the domain enums spell it.
    fn short_name(self) -> &'static str {
        let name = self.proto_name();
        name.strip_prefix(prefix::<Self>()).unwrap_or(name)
    }

    /// The value whose short name is `short` (`HIN` → `IDENTIFIER_KIND_HIN`).
    fn from_short_name(short: &str) -> Option<Self> {
        Self::from_proto_name(&format!("{}{short}", prefix::<Self>()))
    }
}

/// The prefix every value name of `P` carries (`IDENTIFIER_KIND_`).
fn prefix<P: WireEnum>() -> &'static str {
    let zero = P::UNSPECIFIED.proto_name();
    zero.strip_suffix("UNSPECIFIED").unwrap_or("")
}

/// Why a wire enum number has no domain value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnumError {
    /// A number this build of the protocol does not know (a newer client).
    Unknown(i32),
    /// A wire value (named, in full) that the domain enum has no value for.
    Unsupported(&'static str),
}

/// The domain value named like the wire value numbered `number` (the wire
/// `OBJECT_CATEGORY_BOAT` is the domain `BOAT`); `Ok(None)` for UNSPECIFIED.
pub fn enum_in<P: WireEnum, D: FromStr>(number: i32) -> Result<Option<D>, EnumError> {
    let value = P::try_from(number).map_err(|_| EnumError::Unknown(number))?;
    if value.into() == P::UNSPECIFIED.into() {
        return Ok(None);
    }
    value
        .short_name()
        .parse()
        .map(Some)
        .map_err(|_| EnumError::Unsupported(value.proto_name()))
}

/// The wire number of the value whose short name is `short` (the domain `BOAT` is the wire
/// `OBJECT_CATEGORY_BOAT`); 0, UNSPECIFIED, for a name the wire does not have, so every caller
/// tests that each of its domain values round-trips.
pub fn enum_out<P: WireEnum>(short: &str) -> i32 {
    P::from_short_name(short).map_or(0, Into::into)
}

macro_rules! wire_enums {
    ($($ty:ident),+ $(,)?) => {
        $(
            impl WireEnum for v1::$ty {
                const UNSPECIFIED: Self = v1::$ty::Unspecified;

                fn proto_name(self) -> &'static str {
                    self.as_str_name()
                }

                fn from_proto_name(name: &str) -> Option<Self> {
                    v1::$ty::from_str_name(name)
                }
            }
        )+

        /// Checks `check` on every generated enum.
        #[cfg(test)]
        fn for_every_enum(check: &mut dyn FnMut(&str, Vec<(i32, &'static str, &'static str)>)) {
            $(
                check(stringify!($ty), tests::values::<v1::$ty>());
            )+
        }
    };
}

wire_enums!(
    ObjectCategory,
    IdentifierKind,
    Legibility,
    CheckDigit,
    AlertStatus,
    HitAction,
    Role,
    LookupPurpose,
    AlertChange,
    EditKind,
    MatchSource,
    LinkRelation,
    WriteOutcome,
    NodeOutcome,
    CheckOutcome,
    LookupOutcome,
    RefusalReason,
    HitState,
);

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message;

    /// Every value of `P` as (number, full name, short name).
    pub(super) fn values<P: WireEnum>() -> Vec<(i32, &'static str, &'static str)> {
        (0..256)
            .filter_map(|number| P::try_from(number).ok())
            .map(|value| (value.into(), value.proto_name(), value.short_name()))
            .collect()
    }

    #[test]
    fn every_enum_has_a_prefix_and_short_names_round_trip() -> Result<(), prost::DecodeError> {
        let mut listed = Vec::new();
        for_every_enum(&mut |name, values| {
            listed.push(name.to_string());
            let Some((0, zero, "UNSPECIFIED")) = values.first().copied() else {
                panic!("{name}: the zero value is not <PREFIX>UNSPECIFIED: {values:?}");
            };
            assert!(zero.len() > "UNSPECIFIED".len(), "{name}: no prefix");
            assert!(values.len() > 1, "{name}: no value besides UNSPECIFIED");
            for (_, full, short) in values {
                assert_ne!(full, short, "{name}: {full} keeps its prefix");
                assert!(full.ends_with(short), "{name}: {full} vs {short}");
            }
        });
        let set = prost_types::FileDescriptorSet::decode(crate::FILE_DESCRIPTOR_SET)?;
        let mut declared: Vec<String> = set
            .file
            .iter()
            .filter(|file| file.package() == "sismatch.v1")
            .flat_map(|file| file.enum_type.iter().map(|e| e.name().to_string()))
            .collect();
        declared.sort_unstable();
        listed.sort_unstable();
        assert_eq!(
            listed, declared,
            "wire_enums! must list every enum of the proto files"
        );
        Ok(())
    }

    #[test]
    fn short_names_map_back_to_their_values() {
        assert_eq!(v1::IdentifierKind::Hin.short_name(), "HIN");
        assert_eq!(
            v1::ObjectCategory::from_short_name("REGISTRATION_CERTIFICATE_OR_PLATE"),
            Some(v1::ObjectCategory::RegistrationCertificateOrPlate)
        );
        assert_eq!(
            v1::IdentifierKind::from_short_name("IDENTIFIER_KIND_HIN"),
            None
        );
        assert_eq!(enum_out::<v1::AlertStatus>("HIT_CONFIRMED"), 2);
        assert_eq!(enum_out::<v1::AlertStatus>("NO_SUCH_STATUS"), 0);
    }

    #[test]
    fn enum_in_names_what_it_cannot_map() {
        let unknown = enum_in::<v1::IdentifierKind, String>(999);
        assert_eq!(unknown, Err(EnumError::Unknown(999)));
        let unspecified = enum_in::<v1::IdentifierKind, String>(0);
        assert_eq!(unspecified, Ok(None));
        let hin = enum_in::<v1::IdentifierKind, String>(v1::IdentifierKind::Hin.into());
        assert_eq!(hin, Ok(Some("HIN".to_string())));
        let unsupported = enum_in::<v1::IdentifierKind, u8>(v1::IdentifierKind::Hin.into());
        assert_eq!(
            unsupported,
            Err(EnumError::Unsupported("IDENTIFIER_KIND_HIN"))
        );
    }

    #[test]
    fn durations_keep_their_nanoseconds() {
        let measured = std::time::Duration::from_micros(2_500_001);
        let wire = duration(measured);
        assert_eq!((wire.seconds, wire.nanos), (2, 500_001_000));
        assert_eq!(std::time::Duration::try_from(wire).ok(), Some(measured));
    }
}
