//! A recognised format's parts as named text, the one list that answers show
//! (`Identifier.parts` on the wire), so that every node, the core and a partner name the parts
//! of a HIN or a VIN alike and a client reads them without knowing the standards.

use super::{Format, HinLayout};

impl HinLayout {
    /// The layout's stable name: `current`, `straight_year` or `model_year`.
    pub fn as_str(self) -> &'static str {
        match self {
            HinLayout::Current => "current",
            HinLayout::StraightYear => "straight_year",
            HinLayout::ModelYear => "model_year",
        }
    }
}

impl Format {
    /// The parts the format yields, by name, in the format's order; empty for a generic
    /// serial. A part the value does not carry (a HIN's model year in the straight-year
    /// layout, a CIN's country when none was given, an MMSI's MID for a device) is left out.
    ///
    /// - HIN / CIN body: `country` (CIN only), `manufacturer_code`, `serial`, `build_month`
    ///   (1-12), `build_year`, `model_year`, `format` ([`HinLayout::as_str`]);
    /// - VIN: `wmi`, `vds`, `vis`, `model_year_code`, `model_years` (the years the code
    ///   stands for, comma-separated, oldest first), `check_required` (`true` for a North
    ///   American VIN);
    /// - container (ISO 6346): `owner_code`, `category` (`U`, `J` or `Z`), `serial`;
    /// - IMO: `number` (the six digits before the check digit);
    /// - MMSI: `mid` (the country's maritime identification digits), `station`.
    pub fn parts(&self) -> Vec<(&'static str, String)> {
        let mut parts = Vec::new();
        match self {
            Format::Hin(hin) => {
                if let Some(country) = &hin.country {
                    parts.push(("country", country.clone()));
                }
                parts.push(("manufacturer_code", hin.manufacturer.clone()));
                parts.push(("serial", hin.serial.clone()));
                parts.push(("build_month", hin.build_month.to_string()));
                parts.push(("build_year", hin.build_year.to_string()));
                if let Some(model_year) = hin.model_year {
                    parts.push(("model_year", model_year.to_string()));
                }
                parts.push(("format", hin.layout.as_str().to_string()));
            }
            Format::Vin(vin) => {
                let years: Vec<String> = vin.model_years.iter().map(u16::to_string).collect();
                parts.push(("wmi", vin.wmi.clone()));
                parts.push(("vds", vin.vds.clone()));
                parts.push(("vis", vin.vis.clone()));
                parts.push(("model_year_code", vin.model_year_code.to_string()));
                parts.push(("model_years", years.join(",")));
                parts.push(("check_required", vin.check_required.to_string()));
            }
            Format::Container(container) => {
                parts.push(("owner_code", container.owner.clone()));
                parts.push(("category", container.category.to_string()));
                parts.push(("serial", container.serial.clone()));
            }
            Format::Imo(imo) => parts.push(("number", imo.number.clone())),
            Format::Mmsi(mmsi) => {
                if let Some(mid) = &mmsi.mid {
                    parts.push(("mid", mid.clone()));
                }
                parts.push(("station", mmsi.station.to_string()));
            }
            Format::Generic => {}
        }
        parts
    }
}

#[cfg(test)]
mod tests {
    use crate::{IdentifierKind, parse};

    fn parts(value: &str, kind: IdentifierKind) -> Vec<(&'static str, String)> {
        parse(value, Some(kind)).format.parts()
    }

    fn named(pairs: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
        pairs.iter().map(|&(k, v)| (k, v.to_string())).collect()
    }

    #[test]
    fn every_known_format_names_its_parts() {
        let cin = parts("NL-ABC12345D404", IdentifierKind::Cin);
        let expected = named(&[
            ("country", "NL"),
            ("manufacturer_code", "ABC"),
            ("serial", "12345"),
            ("build_month", "4"),
            ("build_year", "2004"),
            ("model_year", "2004"),
            ("format", "current"),
        ]);
        assert_eq!(cin, expected);
        let straight = parts("ABC123451278", IdentifierKind::Hin);
        assert!(straight.contains(&("format", "straight_year".to_string())));
        assert!(!straight.iter().any(|(name, _)| *name == "model_year"));
        let vin = parts("1HGCM82633A004352", IdentifierKind::Vin);
        assert_eq!(vin[0], ("wmi", "1HG".to_string()));
        assert!(vin.contains(&("check_required", "true".to_string())));
        let container = parts("CSQU3054383", IdentifierKind::Container);
        let expected = named(&[
            ("owner_code", "CSQ"),
            ("category", "U"),
            ("serial", "305438"),
        ]);
        assert_eq!(container, expected);
        assert_eq!(
            parts("IMO 9074729", IdentifierKind::Imo),
            named(&[("number", "907472")])
        );
        let mmsi = parts("244123456", IdentifierKind::Mmsi);
        assert_eq!(mmsi, named(&[("mid", "244"), ("station", "ship station")]));
    }

    #[test]
    fn a_value_that_does_not_parse_as_its_kind_has_no_parts() {
        assert!(parts("1HGCM8263", IdentifierKind::Vin).is_empty());
        assert!(parts("6CJ-1013456", IdentifierKind::EngineSerial).is_empty());
    }
}
