//! The wire-format layer of sismatch: the `sismatch.v1` gRPC API, generated
//! from `proto/sismatch/v1/*.proto` at build time.
//!
//! This crate holds the protobuf messages, the tonic clients and servers of
//! the three services (`NationalNode`, `MatchingCore`, `ManufacturerPartner`),
//! the file descriptor set for server reflection, and [`wire`]: what every user
//! of the messages needs besides them (durations, the enums' short names). It depends on no
//! other sismatch crate. The identifier core, the domain model, the store and indexes and the
//! node service work on plain Rust domain types (the node's conversions live in
//! `sismatch-grpc`); the audit log, the auth rules, the core and the partner use these
//! messages directly, because what they handle is what goes on the wire (ARCHITECTURE.md).
//!
//! The `.proto` files are the public contract: clients in other languages are
//! generated from `proto/` alone, so everything a client needs to know (limits,
//! units, which fields are output only) is written in their comments.

/// The `sismatch.v1` package: messages, enums, and for every service a
/// `*_client` and a `*_server` module (e.g. [`v1::matching_core_client`]).
///
/// Generated code: its documentation comes from the `.proto` comments.
#[allow(
    missing_docs,
    clippy::all,
    clippy::pedantic,
    clippy::unwrap_used,
    clippy::expect_used
)]
pub mod v1 {
    tonic::include_proto!("sismatch.v1");
    include!(concat!(env!("OUT_DIR"), "/server/sismatch.v1.rs"));
}

pub mod codec;
pub mod wire;

/// The encoded `google.protobuf.FileDescriptorSet` of every `sismatch.v1`
/// file, for `tonic-reflection` (`grpcurl list` / `describe` without the
/// `.proto` files).
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/sismatch_v1_descriptor.bin"));

#[cfg(test)]
mod tests {
    use super::FILE_DESCRIPTOR_SET;
    use super::v1;
    use prost::Message;
    use std::error::Error;

    type TestResult = Result<(), Box<dyn Error>>;

    /// The RPC names of `service` in package `sismatch.v1`, in declaration order.
    fn rpc_names(set: &prost_types::FileDescriptorSet, service: &str) -> Option<Vec<String>> {
        set.file
            .iter()
            .filter(|file| file.package() == "sismatch.v1")
            .flat_map(|file| file.service.iter())
            .find(|svc| svc.name() == service)
            .map(|svc| svc.method.iter().map(|m| m.name().to_owned()).collect())
    }

    #[test]
    fn descriptor_set_holds_the_three_services() -> TestResult {
        let set = prost_types::FileDescriptorSet::decode(FILE_DESCRIPTOR_SET)?;
        let expected: [(&str, &[&str]); 3] = [
            (
                "NationalNode",
                &[
                    "PutAlert",
                    "GetAlert",
                    "WithdrawAlert",
                    "SetAlertStatus",
                    "GetAlertHistory",
                    "ImportAlerts",
                    "Search",
                    "ReportHit",
                    "ListHits",
                    "AcceptHit",
                    "DeclineHit",
                    "GetReleasedAlert",
                    "GetNodeStatus",
                    "ListExpiringAlerts",
                    "ExtendAlert",
                ],
            ),
            (
                "MatchingCore",
                &["Search", "Check", "ReportHit", "GetReleasedAlert"],
            ),
            ("ManufacturerPartner", &["Lookup"]),
        ];
        for (service, rpcs) in expected {
            let found = rpc_names(&set, service).ok_or(format!("service {service} missing"))?;
            assert_eq!(found, rpcs, "rpcs of {service}");
        }
        Ok(())
    }

    #[test]
    fn descriptor_set_covers_every_proto_file() -> TestResult {
        let set = prost_types::FileDescriptorSet::decode(FILE_DESCRIPTOR_SET)?;
        let mut names: Vec<&str> = set
            .file
            .iter()
            .filter(|file| file.package() == "sismatch.v1")
            .map(|file| file.name())
            .collect();
        names.sort_unstable();
        assert_eq!(
            names,
            [
                "sismatch/v1/audit.proto",
                "sismatch/v1/core.proto",
                "sismatch/v1/match.proto",
                "sismatch/v1/node.proto",
                "sismatch/v1/partner.proto",
                "sismatch/v1/types.proto",
            ]
        );
        Ok(())
    }

    #[test]
    fn import_alerts_streams_both_ways() -> TestResult {
        let set = prost_types::FileDescriptorSet::decode(FILE_DESCRIPTOR_SET)?;
        let method = set
            .file
            .iter()
            .flat_map(|file| file.service.iter())
            .filter(|svc| svc.name() == "NationalNode")
            .flat_map(|svc| svc.method.iter())
            .find(|m| m.name() == "ImportAlerts")
            .ok_or("ImportAlerts missing")?;
        // Batches go up, one durable acknowledgement per batch comes back.
        assert!(method.client_streaming());
        assert!(method.server_streaming());
        Ok(())
    }

    fn sample_alert() -> v1::Alert {
        v1::Alert {
            id: "NL-000123".to_owned(),
            country: "NL".to_owned(),
            category: v1::ObjectCategory::Boat.into(),
            identifiers: vec![
                v1::Identifier {
                    kind: v1::IdentifierKind::Cin.into(),
                    value: "NL-ABC12345D404".to_owned(),
                    location: "transom".to_owned(),
                    legibility: v1::Legibility::Readable.into(),
                    ..Default::default()
                },
                v1::Identifier {
                    kind: v1::IdentifierKind::EngineSerial.into(),
                    value: "6CJ-1013456".to_owned(),
                    manufacturer: "Yamaha".to_owned(),
                    location: "outboard".to_owned(),
                    legibility: v1::Legibility::GroundOff.into(),
                    ..Default::default()
                },
            ],
            links: vec!["NL-000124".to_owned()],
            action: v1::HitAction::Seize.into(),
            brand: "Bayliner".to_owned(),
            model: "VR5".to_owned(),
            colour: "white".to_owned(),
            year: 2019,
            description: "white bowrider, blue canopy".to_owned(),
            language: "en".to_owned(),
            case_reference: "PL1300-2026-0042".to_owned(),
            stolen_at: Some(prost_types::Timestamp {
                seconds: 1_778_796_000,
                nanos: 0,
            }),
            reported_at: None,
            expires_at: None,
            status: v1::AlertStatus::Active.into(),
            restricted: Some(v1::RestrictedData {
                owner: Some(v1::Contact {
                    name: "J. Jansen".to_owned(),
                    ..Default::default()
                }),
                victim: None,
                notes: "keys kept by owner".to_owned(),
            }),
            version: 3,
            updated_at: None,
        }
    }

    #[test]
    fn alert_round_trips_through_the_wire_format() -> TestResult {
        let alert = sample_alert();
        let bytes = alert.encode_to_vec();
        let decoded = v1::Alert::decode(bytes.as_slice())?;
        assert_eq!(decoded, alert);
        assert_eq!(decoded.category(), v1::ObjectCategory::Boat);
        assert_eq!(
            decoded.identifiers[1].kind(),
            v1::IdentifierKind::EngineSerial
        );
        Ok(())
    }

    #[test]
    fn unknown_enum_numbers_survive_decoding() -> TestResult {
        // A newer client may send an enum value this build does not know: it
        // must decode (the service then rejects it with the field named).
        let alert = v1::Alert {
            category: 999,
            ..sample_alert()
        };
        let decoded = v1::Alert::decode(alert.encode_to_vec().as_slice())?;
        assert_eq!(decoded.category, 999);
        assert!(v1::ObjectCategory::try_from(decoded.category).is_err());
        Ok(())
    }

    #[test]
    fn enum_names_follow_the_protobuf_style() {
        assert_eq!(v1::IdentifierKind::Hin.as_str_name(), "IDENTIFIER_KIND_HIN");
        assert_eq!(
            v1::ObjectCategory::RegistrationCertificateOrPlate.as_str_name(),
            "OBJECT_CATEGORY_REGISTRATION_CERTIFICATE_OR_PLATE"
        );
        assert_eq!(
            v1::AlertStatus::from_str_name("ALERT_STATUS_HIT_CONFIRMED"),
            Some(v1::AlertStatus::HitConfirmed)
        );
        assert_eq!(v1::Role::Unspecified as i32, 0);
    }
}
