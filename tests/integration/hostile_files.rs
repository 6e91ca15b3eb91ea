//! Hostile import files (issue 16): a line that is not UTF-8 and broken CSV records, imported
//! with the real `sismatch import` into a real `sismatch node`. Each bad line must be reported
//! with its line number and skipped, the lines after it stored, and the summary must count it;
//! before, the first byte that was not UTF-8 stopped the whole import.

use std::net::SocketAddr;
use std::path::Path;

use sismatch_proto::v1;

use crate::support::{NodeProcess, client, sismatch, sismatch_json};

/// An NDJSON alert of the Dutch node with one hull number.
fn ndjson(id: &str, hin: &str) -> String {
    format!(
        r#"{{"id":"{id}","country":"NL","category":"BOAT","identifiers":[{{"kind":"HIN","value":"{hin}"}}]}}"#
    )
}

/// Imports `file` into the node at `addr`; returns its standard output and error.
fn import(addr: &str, file: &Path) -> (String, String) {
    let output = sismatch(&["import", "--node", addr, &file.to_string_lossy()]);
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    assert!(output.status.success(), "{stderr}");
    (stdout, stderr)
}

/// The id of the best match for `value` on the node at `addr`, if any.
fn found(addr: &str, value: &str) -> Option<String> {
    let report = sismatch_json(&["search", "--node", addr, "--json", value]);
    report["matches"][0]["alert_id"].as_str().map(String::from)
}

/// The number of alerts the node at `addr` stores.
fn alerts_total(addr: SocketAddr) -> u64 {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let status = runtime.block_on(async {
        let request = v1::GetNodeStatusRequest {};
        client(addr).await.get_node_status(request).await
    });
    status.unwrap().into_inner().alerts_total
}

#[test]
fn an_ndjson_line_that_is_not_utf8_is_skipped_and_the_lines_after_it_are_stored() {
    let dir = tempfile::tempdir().unwrap();
    let node = NodeProcess::spawn("NL", &dir.path().join("nl"));
    let addr = node.addr.to_string();
    let file = dir.path().join("alerts.ndjson");
    // The byte 0xFF in the middle line: never valid in UTF-8 (a Latin-1 ÿ).
    let mut bad = ndjson("NL-2", "ABC#2345D405").into_bytes();
    let at = bad.iter().position(|&b| b == b'#').unwrap();
    bad[at] = 0xff;
    let mut bytes = format!("{}\n", ndjson("NL-1", "ABC12345D404")).into_bytes();
    bytes.extend(bad);
    bytes.extend(format!("\n{}\n", ndjson("NL-3", "XYZ98765E505")).bytes());
    std::fs::write(&file, bytes).unwrap();

    let (stdout, stderr) = import(&addr, &file);
    assert!(
        stdout.contains("stored 2 new, 0 updated, 0 unchanged; rejected 1 (3 lines"),
        "{stdout}"
    );
    assert!(
        stderr.contains(&format!(
            "line 2: alert: the line is not valid UTF-8 (byte {})",
            at + 1
        )),
        "{stderr}"
    );
    assert_eq!(found(&addr, "XYZ98765E505").as_deref(), Some("NL-3"));
    assert_eq!(found(&addr, "ABC12345D404").as_deref(), Some("NL-1"));
    assert_eq!(alerts_total(node.addr), 2);
}

#[test]
fn broken_csv_records_are_skipped_with_their_line_and_the_records_after_them_stored() {
    let dir = tempfile::tempdir().unwrap();
    let node = NodeProcess::spawn("NL", &dir.path().join("nl"));
    let addr = node.addr.to_string();
    let file = dir.path().join("alerts.csv");
    let mut bytes = b"id,country,category,identifiers,description\n".to_vec();
    bytes.extend(b"NL-1,NL,BOAT,HIN:ABC12345D404,white bowrider\n");
    bytes.extend(b"NL-2,NL,BOAT,HIN:ABC12345D405,caf\xe9 racer\n");
    bytes.extend(b"NL-3,NL,BOAT,HIN:ABC12345D406\n");
    bytes.extend(b"NL-4,NL,BOAT,HIN:ABC12345D407,\"blue canopy\n");
    bytes.extend(b"NL-5,NL,BOAT,HIN:XYZ98765E505,\"red, with a\nline break\"\n");
    std::fs::write(&file, bytes).unwrap();

    let (stdout, stderr) = import(&addr, &file);
    assert!(
        stdout.contains("stored 2 new, 0 updated, 0 unchanged; rejected 3"),
        "{stdout}"
    );
    for error in [
        "line 3: description: not valid UTF-8",
        "line 4: record: 4 fields where the header has 5",
        "line 5: description: unclosed quote",
    ] {
        assert!(stderr.contains(error), "{error} in {stderr}");
    }
    // The record after the unclosed quote, which spans two lines of its own, is stored.
    assert_eq!(found(&addr, "XYZ98765E505").as_deref(), Some("NL-5"));
    assert_eq!(found(&addr, "ABC12345D404").as_deref(), Some("NL-1"));
    assert_eq!(alerts_total(node.addr), 2);
}
