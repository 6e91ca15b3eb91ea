//! The partner with a real RocksDB register in a temporary folder: import, look-ups, the
//! gate, the agreement on sale facts.

use sismatch_auth::{Caller, Role, Transport};
use sismatch_proto::v1;
use tempfile::TempDir;

use crate::{ImportCounts, Partner};
use crate::{PartnerConfig, PartnerError, RegisterRecord, SaleField};

const REGISTER: [&str; 3] = [
    r#"{"maker":"YAMAHA","engine_serial":"6CJ-1013456","hull":"ABC12345D404","vin":null,"dealer":"Watersport Jansen","dealer_country":"NL","sold_at":"2024-05-02","model":"F115"}"#,
    r#"{"maker":"YAMAHA","engine_serial":"6CJ-2000001","hull":"NL-XYZ98765E505","relation":"FITTED_TO","dealer":"Boten Bakker","dealer_country":"NL","model":"F60"}"#,
    r#"{"maker":"YAMAHA","engine_serial":"1B2-0077","vin":"1HGCM82633A004352","sold_at":"2023-01-15"}"#,
];

fn police(transport: Transport) -> Caller {
    Caller {
        name: "politie-nl".to_string(),
        role: Role::Police,
        country: Some("NL".to_string()),
        transport,
        via: None,
    }
}

fn request(values: &[(&str, v1::IdentifierKind)]) -> v1::LookupRequest {
    v1::LookupRequest {
        identifiers: values
            .iter()
            .map(|(value, kind)| v1::IdentifierQuery {
                value: (*value).to_string(),
                kind: (*kind).into(),
                manufacturer: String::new(),
            })
            .collect(),
        purpose: v1::LookupPurpose::TheftInvestigation.into(),
        case_reference: "NL-2024-0042".to_string(),
        officer: "agent 7".to_string(),
    }
}

fn engine(value: &str) -> v1::LookupRequest {
    request(&[(value, v1::IdentifierKind::EngineSerial)])
}

fn records(lines: &[&str]) -> Vec<RegisterRecord> {
    lines
        .iter()
        .map(|line| RegisterRecord::from_ndjson(line, "YAMAHA").unwrap())
        .collect()
}

/// A partner on a fresh register holding [`REGISTER`], configured by `configure`.
async fn partner(dir: &TempDir, configure: impl FnOnce(&mut PartnerConfig)) -> Partner {
    let mut config = PartnerConfig::new("YAMAHA", dir.path().join("register"));
    configure(&mut config);
    let partner = Partner::open(config).unwrap();
    partner.import_batch(records(&REGISTER)).await.unwrap();
    partner
}

/// `(kind, value)` of an identifier.
fn shown(identifier: Option<&v1::Identifier>) -> (v1::IdentifierKind, String) {
    let identifier = identifier.unwrap();
    (identifier.kind(), identifier.value.clone())
}

#[tokio::test]
async fn import_is_idempotent() {
    let dir = TempDir::new().unwrap();
    let partner = Partner::open(PartnerConfig::new("YAMAHA", dir.path())).unwrap();
    let counts = |created, updated, unchanged| ImportCounts {
        created,
        updated,
        unchanged,
    };
    let first = partner.import_batch(records(&REGISTER)).await.unwrap();
    assert_eq!(first, counts(3, 0, 0));
    let again = partner.import_batch(records(&REGISTER)).await.unwrap();
    assert_eq!(again, counts(0, 0, 3));
    // The same entry in another spelling, with a corrected model: one entry, updated.
    let corrected = r#"{"maker":"yamaha","engine_serial":"6cj 1013456","hull":"abc-12345-d404","dealer":"Watersport Jansen","dealer_country":"NL","sold_at":"2024-05-02","model":"F115 XB"}"#;
    let twice = records(&[corrected, corrected]);
    assert_eq!(partner.import_batch(twice).await.unwrap(), counts(0, 1, 1));
    drop(partner);
    // Reopened: the register was durable, and it remembers its maker.
    let reopened = Partner::open(PartnerConfig::new("YAMAHA", dir.path())).unwrap();
    assert_eq!(
        reopened
            .import_batch(records(&REGISTER[1..]))
            .await
            .unwrap(),
        counts(0, 0, 2)
    );
    drop(reopened);
    let other = Partner::open(PartnerConfig::new("MERCURY", dir.path())).unwrap_err();
    assert!(matches!(other, PartnerError::Invalid { field, .. } if field == "maker"));
}

#[tokio::test]
async fn engine_serial_finds_the_hull_with_agreed_sale_facts_only() {
    let dir = TempDir::new().unwrap();
    let partner = partner(&dir, |config| {
        config.share = [SaleField::Dealer, SaleField::SoldAt].into_iter().collect();
    })
    .await;
    let answer = partner
        .lookup(&police(Transport::MutualTls), engine("6CJ-1013456"))
        .await
        .unwrap();
    let response = &answer.response;
    assert_eq!(response.outcome(), v1::LookupOutcome::Found);
    assert_eq!(response.partner, "YAMAHA");
    assert!(
        response.reference.starts_with("L-"),
        "{}",
        response.reference
    );
    let [record] = &response.records[..] else {
        panic!("expected one record, got {:?}", response.records);
    };
    assert_eq!(record.query_index, 0);
    assert_eq!(
        shown(record.identifier.as_ref()),
        (v1::IdentifierKind::EngineSerial, "6CJ-1013456".to_string())
    );
    let [linked] = &record.linked[..] else {
        panic!("expected one linked identifier, got {:?}", record.linked);
    };
    assert_eq!(linked.relation(), v1::LinkRelation::SoldWith);
    assert_eq!(
        shown(linked.identifier.as_ref()),
        (v1::IdentifierKind::Hin, "ABC12345D404".to_string())
    );
    let sale = record.sale.as_ref().unwrap();
    assert_eq!(sale.dealer, "Watersport Jansen");
    let midnight: jiff::Timestamp = "2024-05-02T00:00:00Z".parse().unwrap();
    assert_eq!(sale.sold_at.map(|t| t.seconds), Some(midnight.as_second()));
    assert_eq!(sale.dealer_country, "", "not agreed");
    assert_eq!(sale.model, "", "not agreed");
    assert!(answer.audit.hit);
    assert_eq!(answer.audit.reference, response.reference);
    assert_eq!(
        answer.audit.disclosed_identifiers,
        ["ENGINE_SERIAL:6CJ-1013456", "HIN:ABC12345D404"]
    );
    assert_eq!(answer.audit.identifiers, ["6CJ-1013456"]);
}

#[tokio::test]
async fn by_default_only_linked_identifiers_are_shared() {
    let dir = TempDir::new().unwrap();
    let partner = partner(&dir, |_| {}).await;
    let answer = partner
        .lookup(&police(Transport::MutualTls), engine("6CJ-1013456"))
        .await
        .unwrap();
    let record = &answer.response.records[0];
    assert_eq!(record.sale, None);
    assert_eq!(record.linked.len(), 1);
}

#[tokio::test]
async fn relations_kinds_and_cin_prefixes() {
    let dir = TempDir::new().unwrap();
    let partner = partner(&dir, |_| {}).await;
    let caller = police(Transport::MutualTls);
    // A hull asked without a kind, as a HIN although the register holds its CIN.
    let answer = partner
        .lookup(
            &caller,
            request(&[("XYZ 98765 E505", v1::IdentifierKind::Unspecified)]),
        )
        .await
        .unwrap();
    let record = &answer.response.records[0];
    assert_eq!(
        shown(record.identifier.as_ref()),
        (v1::IdentifierKind::Cin, "NL-XYZ98765E505".to_string())
    );
    assert_eq!(record.linked[0].relation(), v1::LinkRelation::FittedTo);
    // An engine fitted to a vehicle.
    let answer = partner
        .lookup(
            &caller,
            request(&[("1HGCM82633A004352", v1::IdentifierKind::Vin)]),
        )
        .await
        .unwrap();
    let linked = &answer.response.records[0].linked[0];
    assert_eq!(linked.relation(), v1::LinkRelation::FittedTo);
    assert_eq!(
        shown(linked.identifier.as_ref()),
        (v1::IdentifierKind::EngineSerial, "1B2-0077".to_string())
    );
    // The kind narrows: the hull is not an engine serial, and a kind no register holds
    // matches nothing.
    for kind in [
        v1::IdentifierKind::EngineSerial,
        v1::IdentifierKind::Container,
    ] {
        let answer = partner
            .lookup(&caller, request(&[("XYZ98765E505", kind)]))
            .await
            .unwrap();
        assert_eq!(answer.response.outcome(), v1::LookupOutcome::NotFound);
        assert!(!answer.audit.hit);
        assert!(answer.audit.disclosed_identifiers.is_empty());
    }
}

#[tokio::test]
async fn lookalike_misreadings_are_found_but_never_beat_an_exact_key() {
    let dir = TempDir::new().unwrap();
    let partner = partner(&dir, |_| {}).await;
    let caller = police(Transport::MutualTls);
    let answer = partner
        .lookup(&caller, engine("6CJ-1O13456"))
        .await
        .unwrap();
    assert_eq!(answer.response.outcome(), v1::LookupOutcome::Found);
    assert_eq!(
        shown(answer.response.records[0].identifier.as_ref()),
        (v1::IdentifierKind::EngineSerial, "6CJ-1013456".to_string())
    );
    // One edit that is not a look-alike is not linked.
    let answer = partner
        .lookup(&caller, engine("6CJ-1013457"))
        .await
        .unwrap();
    assert_eq!(answer.response.outcome(), v1::LookupOutcome::NotFound);
    // With both spellings in the register, the exact one alone answers.
    let neighbour = r#"{"maker":"YAMAHA","engine_serial":"6CJ-1O13456","hull":"DEF11111G101"}"#;
    partner.import_batch(records(&[neighbour])).await.unwrap();
    let answer = partner
        .lookup(&caller, engine("6CJ-1013456"))
        .await
        .unwrap();
    assert_eq!(answer.response.records.len(), 1);
    assert_eq!(
        shown(answer.response.records[0].linked[0].identifier.as_ref()).1,
        "ABC12345D404"
    );
}

#[tokio::test]
async fn the_gate_refuses_in_order_and_discloses_nothing() {
    let dir = TempDir::new().unwrap();
    let partner = partner(&dir, |config| {
        config.share = SaleField::ALL.into_iter().collect();
        config.purposes = [v1::LookupPurpose::TheftInvestigation]
            .into_iter()
            .collect();
    })
    .await;
    let dealer = Caller {
        name: "garage".to_string(),
        role: Role::Dealer,
        country: None,
        transport: Transport::MutualTls,
        via: None,
    };
    let with = |purpose: v1::LookupPurpose, case: &str| {
        let mut request = engine("6CJ-1013456");
        request.purpose = purpose.into();
        request.case_reference = case.to_string();
        request
    };
    let theft = v1::LookupPurpose::TheftInvestigation;
    let cases = [
        (dealer, with(theft, "C-1"), v1::RefusalReason::NotPolice),
        (
            Caller::open(),
            with(theft, "C-1"),
            v1::RefusalReason::NotPolice,
        ),
        (
            police(Transport::MutualTls),
            with(v1::LookupPurpose::Unspecified, ""),
            v1::RefusalReason::MissingPurpose,
        ),
        (
            police(Transport::MutualTls),
            with(v1::LookupPurpose::CrossBorderEnquiry, ""),
            v1::RefusalReason::PurposeNotAgreed,
        ),
        (
            police(Transport::MutualTls),
            with(theft, "  "),
            v1::RefusalReason::MissingCaseReference,
        ),
        (
            police(Transport::Token),
            with(theft, "C-1"),
            v1::RefusalReason::InsecureConnection,
        ),
    ];
    for (caller, request, reason) in cases {
        let answer = partner.lookup(&caller, request).await.unwrap();
        let response = &answer.response;
        assert_eq!(response.outcome(), v1::LookupOutcome::Refused, "{reason:?}");
        assert_eq!(response.refusal(), reason);
        assert!(!response.refusal_message.is_empty());
        assert!(response.records.is_empty());
        assert!(response.reference.starts_with("L-"));
        assert_eq!(answer.audit.refusal, reason);
        assert!(!answer.audit.hit);
        assert!(answer.audit.disclosed_identifiers.is_empty());
        let mut record = v1::AuditRecord::default();
        answer.audit.fill(&mut record);
        assert_eq!(record.status_message, reason.as_str_name());
        assert_eq!(record.identifiers, ["6CJ-1013456"]);
    }
    // A refusal reads the same whether or not the register knows the value.
    let known = partner
        .lookup(&Caller::open(), engine("6CJ-1013456"))
        .await
        .unwrap();
    let unknown = partner
        .lookup(&Caller::open(), engine("ZZZ-999"))
        .await
        .unwrap();
    assert_eq!(
        known.response.refusal_message,
        unknown.response.refusal_message
    );
}

#[tokio::test]
async fn malformed_requests_name_the_field() {
    let dir = TempDir::new().unwrap();
    let partner = partner(&dir, |_| {}).await;
    let mut long_case = engine("6CJ-1013456");
    long_case.case_reference = "C".repeat(65);
    let error = partner
        .lookup(&police(Transport::MutualTls), long_case)
        .await
        .unwrap_err();
    assert!(matches!(error, PartnerError::Invalid { ref field, .. } if field == "case_reference"));
    let error = partner
        .lookup(&police(Transport::MutualTls), request(&[]))
        .await
        .unwrap_err();
    assert_eq!(error.to_string(), "identifiers: 0 given, 1 to 16 allowed");
    let foreign = RegisterRecord::from_ndjson(REGISTER[0], "YAMAHA")
        .map(|mut record| {
            record.maker = "MERCURY".to_string();
            record
        })
        .unwrap();
    let error = partner.import_batch(vec![foreign]).await.unwrap_err();
    assert!(matches!(error, PartnerError::Invalid { ref field, .. } if field == "maker"));
}
