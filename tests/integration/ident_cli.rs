//! `sismatch ident parse|compare`: the command line and its stable JSON.

use serde_json::json;

use crate::support::{sismatch, sismatch_json};

#[test]
fn parse_cin_gives_hin_body_and_country() {
    let report = sismatch_json(&["ident", "parse", "NL-ABC12345D404", "--json"]);
    assert_eq!(report["kind"], "CIN");
    assert_eq!(report["kind_detected"], true);
    assert_eq!(report["normalised"], "NLABC12345D404");
    assert_eq!(report["key"], "ABC12345D404");
    assert_eq!(report["prefix"], "NL");
    assert_eq!(report["format"], "HIN");
    assert_eq!(
        report["parts"],
        json!({
            "country": "NL",
            "manufacturer": "ABC",
            "serial": "12345",
            "layout": "current",
            "build_month": 4,
            "build_year": 2004,
            "model_year": 2004,
        })
    );
    assert_eq!(report["check_digit"], json!({ "status": "not_applicable" }));
    assert_eq!(report["indexable"], true);
}

#[test]
fn parse_validates_check_digits_as_the_standards_define() {
    let cases = [
        ("1M8GDM9AXKP042788", "VIN", "valid"),
        ("5YJ3E1EA7KF317000", "VIN", "invalid"),
        ("CSQU3054383", "CONTAINER", "valid"),
        ("CSQU3054384", "CONTAINER", "invalid"),
        ("IMO 9074729", "IMO", "valid"),
        ("IMO 9074728", "IMO", "invalid"),
    ];
    for (value, kind, status) in cases {
        let report = sismatch_json(&["ident", "parse", value, "--json"]);
        assert_eq!(report["kind"], kind, "{value}");
        assert_eq!(report["check_digit"]["status"], status, "{value}");
    }
    let invalid = sismatch_json(&["ident", "parse", "5YJ3E1EA7KF317000", "--json"]);
    assert_eq!(invalid["check_digit"]["expected"], "2");
    assert_eq!(invalid["check_digit"]["required"], true);
}

#[test]
fn parse_keeps_malformed_values_as_generic_serials() {
    let report = sismatch_json(&["ident", "parse", "1HG-CM82", "--kind", "vin", "--json"]);
    assert_eq!(report["kind"], "VIN");
    assert_eq!(report["format"], "GENERIC");
    assert_eq!(report["normalised"], "1HGCM82");
    assert_eq!(report["indexable"], true);
    let note = report["notes"][0].as_str().unwrap_or_default();
    assert!(note.contains("VIN format"), "{note}");
}

#[test]
fn compare_explains_lookalikes_and_transpositions() {
    let report = sismatch_json(&[
        "ident",
        "compare",
        "A8C12354D4O4",
        "NL-ABC12345D404",
        "--json",
    ]);
    assert_eq!(report["normalised_query"], "A8C12354D4O4");
    assert_eq!(report["normalised_stored"], "NLABC12345D404");
    assert_eq!(report["match"], true);
    assert_eq!(report["mode"], "edits");
    assert_eq!(
        report["explanation"],
        "prefix 'NL' of the stored value ignored, look-alike 8→B at 2, transposed 7–8, look-alike O→0 at 11"
    );
    assert_eq!(
        report["operations"][0],
        json!({ "prefix": "NL", "in_query": false, "op": "prefix-ignored", "text": "prefix 'NL' of the stored value ignored" })
    );
    assert_eq!(
        report["operations"][2],
        json!({ "at": 7, "op": "transposed", "text": "transposed 7–8" })
    );
    let score = report["score"].as_f64().unwrap_or_default();
    assert!(score > 0.5 && score < 1.0, "{score}");
}

#[test]
fn compare_fragment_pattern_and_no_match() {
    let pattern = sismatch_json(&["ident", "compare", "*2345d4*", "ABC12345D404", "--json"]);
    assert_eq!(pattern["mode"], "pattern");
    assert_eq!(pattern["explanation"], "pattern matched at 5..10");
    let fragment = sismatch_json(&["ident", "compare", "2345D4", "ABC12345D404", "--json"]);
    assert_eq!(fragment["mode"], "fragment");
    assert_eq!(fragment["match"], true);
    let far = sismatch_json(&["ident", "compare", "XYZ98765A101", "ABC12345D404", "--json"]);
    assert_eq!(far["match"], false);
}

#[test]
fn bad_input_names_the_problem() {
    let unknown_kind = sismatch(&["ident", "parse", "X1", "--kind", "boat"]);
    assert!(!unknown_kind.status.success());
    let stderr = String::from_utf8_lossy(&unknown_kind.stderr);
    assert!(
        stderr.contains("--kind") && stderr.contains("unknown identifier kind 'boat'"),
        "{stderr}"
    );

    let vague = sismatch(&["ident", "compare", "*1*", "ABC12345D404"]);
    assert!(!vague.status.success());
    let stderr = String::from_utf8_lossy(&vague.stderr);
    assert!(stderr.contains("literal characters"), "{stderr}");
}
