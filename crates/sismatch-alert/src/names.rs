//! The enumerations of the data model, with the stable upper-case names used in the import
//! format, on the command line and in JSON (`BOAT`, `HIT_CONFIRMED`).

use crate::error::UnknownName;

/// Declares an enumeration with stable names, `as_str`, `Display`, a case-insensitive
/// `FromStr` and serde by name.
macro_rules! named_enum {
    (
        $(#[$meta:meta])*
        $name:ident ($what:literal) {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
            serde::Serialize, serde::Deserialize,
        )]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $text)] $variant, )+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable name (`BOAT`, `HIT_CONFIRMED`).
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = UnknownName;

            /// Accepts the stable name in any case, with `-` or a space for `_`.
            fn from_str(s: &str) -> Result<Self, UnknownName> {
                let wanted = s.trim().to_ascii_uppercase().replace(['-', ' '], "_");
                Self::ALL
                    .iter()
                    .copied()
                    .find(|value| value.as_str() == wanted)
                    .ok_or_else(|| UnknownName {
                        what: $what,
                        name: s.to_string(),
                        expected: Self::ALL
                            .iter()
                            .map(|value| value.as_str())
                            .collect::<Vec<_>>()
                            .join(", "),
                    })
            }
        }
    };
}

named_enum! {
    /// The SIS object categories (Regulation 2018/1862, Art. 38(2)), plus bicycles and art for
    /// national use.
    Category ("category") {
        /// Cars, lorries, motorcycles.
        MotorVehicle = "MOTOR_VEHICLE",
        /// Trailers.
        Trailer = "TRAILER",
        /// Caravans.
        Caravan = "CARAVAN",
        /// Industrial and agricultural equipment.
        IndustrialEquipment = "INDUSTRIAL_EQUIPMENT",
        /// Boats.
        Boat = "BOAT",
        /// Boat engines, inboard and outboard.
        BoatEngine = "BOAT_ENGINE",
        /// Shipping containers.
        Container = "CONTAINER",
        /// Aircraft.
        Aircraft = "AIRCRAFT",
        /// Aircraft engines.
        AircraftEngine = "AIRCRAFT_ENGINE",
        /// Firearms.
        Firearm = "FIREARM",
        /// Blank official documents.
        BlankDocument = "BLANK_DOCUMENT",
        /// Issued identity documents.
        IssuedDocument = "ISSUED_DOCUMENT",
        /// Vehicle registration certificates and number plates.
        RegistrationCertificateOrPlate = "REGISTRATION_CERTIFICATE_OR_PLATE",
        /// Banknotes.
        Banknote = "BANKNOTE",
        /// IT equipment.
        ItItem = "IT_ITEM",
        /// Identifiable vehicle parts.
        VehiclePart = "VEHICLE_PART",
        /// Identifiable equipment parts.
        EquipmentPart = "EQUIPMENT_PART",
        /// Other identifiable objects of high value.
        OtherHighValue = "OTHER_HIGH_VALUE",
        /// Bicycles (national use).
        Bicycle = "BICYCLE",
        /// Works of art (national use).
        Art = "ART",
    }
}

named_enum! {
    /// Where an alert stands. Only ACTIVE and HIT_CONFIRMED alerts are returned by a search
    /// unless the caller asks for the others.
    Status ("status") {
        /// Reported stolen, searched for.
        Active = "ACTIVE",
        /// A hit was reported and confirmed by the issuing country.
        HitConfirmed = "HIT_CONFIRMED",
        /// The object is back with its owner.
        Recovered = "RECOVERED",
        /// The issuing country withdrew the alert; kept in history only.
        Withdrawn = "WITHDRAWN",
    }
}

named_enum! {
    /// What an officer is to do on a hit.
    HitAction ("action") {
        /// Seize the object.
        Seize = "SEIZE",
        /// Seize it as evidence in criminal proceedings.
        UseAsEvidence = "USE_AS_EVIDENCE",
        /// Check discreetly and report, without seizing.
        DiscreetCheck = "DISCREET_CHECK",
    }
}

named_enum! {
    /// How well an identifier could be read on the object.
    Legibility ("legibility") {
        /// Fully readable.
        Readable = "READABLE",
        /// Partly readable.
        Partial = "PARTIAL",
        /// Ground off; what is recorded is what could be recovered.
        GroundOff = "GROUND_OFF",
        /// Looks altered or forged.
        SuspectedFake = "SUSPECTED_FAKE",
    }
}

named_enum! {
    /// Where a hit report stands in Prüm's second step (DESIGN §4): whether the issuing node
    /// released the alert's restricted part to the officer who reported the hit.
    HitState ("state") {
        /// Received from foreign police; the issuing node has not decided yet.
        Pending = "PENDING",
        /// Accepted by the issuing node (or received from its own country's police, accepted
        /// on receipt): the reporting officer may fetch the restricted part.
        Accepted = "ACCEPTED",
        /// Declined by the issuing node, with a reason: nothing is released.
        Declined = "DECLINED",
    }
}

impl Status {
    /// Whether a search returns alerts in this status by default.
    pub fn is_searchable(self) -> bool {
        matches!(self, Status::Active | Status::HitConfirmed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_in_any_case() {
        for category in Category::ALL {
            assert_eq!(category.as_str().parse(), Ok(*category));
        }
        assert_eq!("boat-engine".parse(), Ok(Category::BoatEngine));
        assert_eq!("hit confirmed".parse(), Ok(Status::HitConfirmed));
        let error = "boatt".parse::<Category>().unwrap_err();
        assert_eq!(error.what, "category");
        assert!(error.to_string().contains("BOAT_ENGINE"), "{error}");
    }

    #[test]
    fn serde_uses_the_stable_names() {
        let json = serde_json::to_string(&Category::BoatEngine).unwrap();
        assert_eq!(json, "\"BOAT_ENGINE\"");
        let status: Status = serde_json::from_str("\"WITHDRAWN\"").unwrap();
        assert_eq!(status, Status::Withdrawn);
    }
}
