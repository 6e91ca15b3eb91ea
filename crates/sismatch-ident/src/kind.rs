//! The kinds of identifier an alert can carry (DESIGN §2), with their stable names.

use std::fmt;
use std::str::FromStr;

use crate::Error;

/// What an identifier is. The kind decides which format parser applies and how the value is
/// normalised; a value whose kind is unknown is a [`IdentifierKind::SerialNumber`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IdentifierKind {
    /// US hull identification number, 12 characters (33 CFR 181).
    Hin,
    /// EU craft identification number (ISO 10087): country prefix and a HIN-like body.
    Cin,
    /// Vehicle identification number (ISO 3779), 17 characters.
    Vin,
    /// Serial number of an engine (inboard, outboard, aircraft).
    EngineSerial,
    /// Frame number of a bicycle or motorcycle.
    FrameNumber,
    /// Any other manufacturer serial number.
    SerialNumber,
    /// IMO ship identification number: 7 digits with a check digit.
    Imo,
    /// Maritime mobile service identity: 9 digits.
    Mmsi,
    /// Registration plate or boat registration.
    Registration,
    /// Shipping container code (ISO 6346) with a check digit.
    Container,
    /// Serial number of a firearm; unique only together with its maker.
    FirearmSerial,
    /// Anything else.
    Other,
}

impl IdentifierKind {
    /// Every kind, in declaration order.
    pub const ALL: [IdentifierKind; 12] = [
        Self::Hin,
        Self::Cin,
        Self::Vin,
        Self::EngineSerial,
        Self::FrameNumber,
        Self::SerialNumber,
        Self::Imo,
        Self::Mmsi,
        Self::Registration,
        Self::Container,
        Self::FirearmSerial,
        Self::Other,
    ];

    /// The stable names, as used in the import format, the CLI and JSON output.
    pub const NAMES: [&'static str; 12] = [
        "HIN",
        "CIN",
        "VIN",
        "ENGINE_SERIAL",
        "FRAME_NUMBER",
        "SERIAL_NUMBER",
        "IMO",
        "MMSI",
        "REGISTRATION",
        "CONTAINER",
        "FIREARM_SERIAL",
        "OTHER",
    ];

    /// The stable name of this kind (`"HIN"`, `"ENGINE_SERIAL"`, ...).
    pub fn as_str(self) -> &'static str {
        let index = Self::ALL.iter().position(|k| *k == self).unwrap_or(11);
        Self::NAMES[index]
    }

    /// The kind's short label in a match explanation (`HIN`, `engine`, `firearm`): how an
    /// officer names the number, where [`IdentifierKind::as_str`] is the stable name.
    pub fn label(self) -> &'static str {
        match self {
            Self::Hin => "HIN",
            Self::Cin => "CIN",
            Self::Vin => "VIN",
            Self::EngineSerial => "engine",
            Self::FrameNumber => "frame",
            Self::SerialNumber => "serial",
            Self::Imo => "IMO",
            Self::Mmsi => "MMSI",
            Self::Registration => "registration",
            Self::Container => "container",
            Self::FirearmSerial => "firearm",
            Self::Other => "other",
        }
    }

    /// Whether the kind has a standard format that [`crate::parse`] recognises.
    pub fn has_format(self) -> bool {
        matches!(
            self,
            Self::Hin | Self::Cin | Self::Vin | Self::Imo | Self::Mmsi | Self::Container
        )
    }
}

impl fmt::Display for IdentifierKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for IdentifierKind {
    type Err = Error;

    /// Accepts the stable names in any case, with `-` or space for `_`.
    fn from_str(s: &str) -> Result<Self, Error> {
        let wanted: String = s
            .trim()
            .chars()
            .map(|c| match c {
                '-' | ' ' => '_',
                c => c.to_ascii_uppercase(),
            })
            .collect();
        Self::NAMES
            .iter()
            .position(|name| *name == wanted)
            .map(|i| Self::ALL[i])
            .ok_or_else(|| Error::UnknownKind(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for kind in IdentifierKind::ALL {
            assert_eq!(kind.as_str().parse::<IdentifierKind>(), Ok(kind));
        }
        assert_eq!("engine-serial".parse(), Ok(IdentifierKind::EngineSerial));
        assert!(matches!(
            "boat".parse::<IdentifierKind>(),
            Err(Error::UnknownKind(_))
        ));
    }
}
