//! The table of `sismatch search`, from a node and through the core: what an officer acts on
//! (category, make / model / colour, status, action on a hit), on lines that fit a terminal
//! however long the alert's texts, and `--json` keeping its fields while adding the new ones
//! (issue 17, first contact).

use std::time::Duration;

use sismatch_alert::{Alert, Category, HitAction, IdentifierEntry, Status};
use sismatch_ident::IdentifierKind;
use tempfile::TempDir;

use crate::support::{InProcessCore, InProcessNode, import, sismatch, sismatch_json};
use sismatch_sample::fixture;

/// The widest line the table may print.
const WIDTH: usize = 100;

/// An alert of NL whose serial number is `serial`, with the texts of `looks`.
fn alert(id: &str, category: Category, serial: &str, looks: [&str; 3]) -> Alert {
    let mut alert = fixture::alerts("NL", 1, 5).remove(0);
    alert.id = id.to_string();
    alert.category = category;
    alert.identifiers = vec![IdentifierEntry::new(IdentifierKind::SerialNumber, serial)];
    let [brand, model, colour] = looks.map(|text| Some(text.to_string()));
    (alert.brand, alert.model, alert.colour) = (brand, model, colour);
    alert
}

/// Every text of this alert is longer than its column: the id of 60 characters, the longest
/// category, status and action names, and a long make, model and colour.
fn long_alert() -> Alert {
    let mut long = alert(
        "NL-01JD3QZ8Y6V7W8X9A0B1C2D3E4-CASE-2026-000123-UNIT-NORTH",
        Category::RegistrationCertificateOrPlate,
        "CAT0336XKLM01234",
        [
            "Caterpillar Construction Equipment",
            "Excavator 336 Next Generation Hydraulic",
            "yellow with black counterweight",
        ],
    );
    long.action = Some(HitAction::UseAsEvidence);
    long.status = Status::HitConfirmed;
    long
}

fn short_alert() -> Alert {
    alert(
        "NL-BOAT-7",
        Category::Boat,
        "CAT0336XKLM01235",
        ["Bayliner", "VR5", "white"],
    )
}

/// The lines of a table, once checked: no line passes the width and the header names the
/// columns.
fn lines_within_width(table: &str) -> Vec<&str> {
    let lines: Vec<&str> = table.lines().collect();
    for line in &lines {
        assert!(
            line.chars().count() <= WIDTH,
            "{line:?} is wider than {WIDTH}\n{table}"
        );
    }
    for header in [
        "alert", "cc", "score", "category", "object", "status", "action",
    ] {
        assert!(lines[0].split_whitespace().any(|h| h == header), "{table}");
    }
    lines
}

/// Checks a table of both alerts: the long alert is cut with ellipses but its status and
/// action never are; the short one keeps the head of its texts.
fn check_table(table: &str) {
    let lines = lines_within_width(table);
    let long = lines
        .iter()
        .find(|l| l.contains("NL-01JD3QZ8Y6"))
        .unwrap_or_else(|| panic!("no line of the long alert\n{table}"));
    assert!(long.contains("HIT_CONFIRMED"), "{table}");
    assert!(long.contains("USE_AS_EVIDENCE"), "{table}");
    assert!(long.contains("REGISTRATION"), "{table}");
    assert!(long.contains("Caterpillar"), "{table}");
    assert!(
        long.matches('…').count() >= 3,
        "id, category and object cut: {table}"
    );
    let short = lines
        .iter()
        .find(|l| l.contains("NL-BOAT-7"))
        .unwrap_or_else(|| panic!("no line of the short alert\n{table}"));
    for cell in ["BOAT", "Bayliner VR5", "ACTIVE", "SEIZE"] {
        assert!(short.contains(cell), "{cell} missing: {table}");
    }
    assert!(
        lines
            .iter()
            .any(|l| l.trim_start().starts_with("SERIAL_NUMBER CAT0336XKLM01234")),
        "the matched identifier under its alert: {table}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_search_table_shows_what_an_officer_acts_on_within_the_width() {
    let dir = TempDir::new().unwrap();
    let node = InProcessNode::start("NL", dir.path()).await;
    let mut alerts = fixture::alerts("NL", 50, 17);
    alerts.extend([long_alert(), short_alert()]);
    let acks = import(&mut node.client().await, &alerts, 100).await;
    assert!(acks.iter().all(|ack| ack.rejected == 0), "{acks:?}");
    node.wait_indexed().await;
    let core = InProcessCore::start(&[("NL", "NL", node.addr)], Duration::from_secs(5)).await;
    let (node_addr, core_addr) = (node.addr.to_string(), core.addr.to_string());

    let (tables, alone, json) = tokio::task::spawn_blocking(move || {
        let tables: Vec<String> = [["--node", &node_addr], ["--core", &core_addr]]
            .iter()
            .map(|[flag, addr]| {
                let output = sismatch(&["search", flag, addr, "CAT0336XKLM01234"]);
                assert!(output.status.success(), "{output:?}");
                String::from_utf8(output.stdout).unwrap()
            })
            .collect();
        let alone = sismatch(&[
            "search",
            "--core",
            &core_addr,
            "--top",
            "1",
            "CAT0336XKLM01235",
        ]);
        assert!(alone.status.success(), "{alone:?}");
        let alone = String::from_utf8(alone.stdout).unwrap();
        let json = sismatch_json(&["search", "--core", &core_addr, "--json", "CAT0336XKLM01234"]);
        (tables, alone, json)
    })
    .await
    .unwrap();
    for table in &tables {
        check_table(table);
    }
    assert!(tables[1].contains("nodes: NL OK"), "{}", tables[1]);
    // Alone, a short alert shows every text whole.
    let row = lines_within_width(&alone)[1];
    for cell in [
        "NL-BOAT-7",
        "BOAT",
        "Bayliner VR5, white",
        "ACTIVE",
        "SEIZE",
    ] {
        assert!(row.contains(cell), "{cell} missing: {alone}");
    }
    assert!(!row.contains('…'), "{alone}");

    // --json: the fields it always had, plus colour and action, untruncated.
    let first = &json["matches"][0];
    for field in [
        "alert_id",
        "node",
        "country",
        "category",
        "status",
        "score",
        "explanation",
        "brand",
        "model",
        "identifiers",
    ] {
        assert!(first.get(field).is_some(), "{field} missing: {first}");
    }
    assert_eq!(first["alert_id"], long_alert().id);
    assert_eq!(first["category"], "REGISTRATION_CERTIFICATE_OR_PLATE");
    assert_eq!(first["status"], "HIT_CONFIRMED");
    assert_eq!(first["action"], "USE_AS_EVIDENCE");
    assert_eq!(first["colour"], "yellow with black counterweight");
    assert_eq!(json["matches"][1]["action"], "SEIZE", "the default action");

    core.stop().await;
    node.stop().await;
}
