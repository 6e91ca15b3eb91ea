//! Maritime mobile service identities (ITU-R M.585): nine digits, no check digit; the leading
//! digits say what kind of station it is and, for ships, the country (the MID).

use super::{CheckDigit, Fitted, Misfit, Slot, fit};

/// The parts of an MMSI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MmsiParts {
    /// The maritime identification digits (country), where the station type carries them.
    pub mid: Option<String>,
    /// What kind of station the number belongs to.
    pub station: &'static str,
}

/// Station type and the position of the MID for an MMSI's leading digits.
fn station(digits: &str) -> (&'static str, Option<usize>) {
    match digits.as_bytes() {
        [b'0', b'0', ..] => ("coast station", Some(2)),
        [b'0', ..] => ("group of ships", Some(1)),
        [b'1', b'1', b'1', ..] => ("search and rescue aircraft", Some(3)),
        [b'9', b'7', b'0', ..] => ("AIS search and rescue transmitter", None),
        [b'9', b'7', b'2', ..] => ("man overboard device", None),
        [b'9', b'7', b'4', ..] => ("EPIRB with AIS", None),
        [b'9', b'8', ..] => ("craft associated with a parent ship", Some(2)),
        [b'9', b'9', ..] => ("aid to navigation", Some(2)),
        [b'8', ..] => ("handheld VHF transceiver", Some(1)),
        _ => ("ship station", Some(0)),
    }
}

/// Parses a normalised nine-digit MMSI.
pub(crate) fn parse_mmsi(value: &str) -> Result<Fitted<MmsiParts>, Misfit> {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() != 9 {
        return Err(format!(
            "an MMSI has 9 digits, this has {} characters",
            chars.len()
        ));
    }
    let Some((fixed, corrections)) = fit(&chars, &[Slot::Digit; 9]) else {
        return Err("not an MMSI: only digits may occur".to_string());
    };
    let corrected: String = fixed.iter().collect();
    let (station, mid_at) = station(&corrected);
    let mid = mid_at.map(|at| corrected[at..at + 3].to_string());
    Ok(Fitted {
        parts: MmsiParts { mid, station },
        corrected,
        corrections,
        check: CheckDigit::NotApplicable,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ship_and_coast_stations() {
        let ship = parse_mmsi("244123456").unwrap().parts;
        assert_eq!(
            (ship.station, ship.mid.as_deref()),
            ("ship station", Some("244"))
        );
        let coast = parse_mmsi("002442000").unwrap().parts;
        assert_eq!(
            (coast.station, coast.mid.as_deref()),
            ("coast station", Some("244"))
        );
        assert_eq!(parse_mmsi("972123456").unwrap().parts.mid, None);
        assert!(parse_mmsi("24412345").is_err());
    }
}
