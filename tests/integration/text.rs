//! Free text in any EU language (issue 14, DESIGN §2–§3) through real servers: German, French
//! and Belgian nodes and a core on loopback ports, RocksDB and tantivy in temporary folders.
//! Words are found by their stem in the alert's language (its country's, or the one it names),
//! text-only matches come in BM25 order below every identifier match, agreeing text raises an
//! identifier match, and `sismatch search --text` asks a node or the core.

use sismatch_alert::{Alert, Category, IdentifierEntry};
use sismatch_grpc::convert::alert_out;
use sismatch_ident::IdentifierKind;
use sismatch_proto::v1;
use sismatch_proto::v1::matching_core_client::MatchingCoreClient;
use sismatch_proto::v1::national_node_client::NationalNodeClient;
use sismatch_serve::LocalFederation;
use std::time::Duration;

use crate::support::sismatch_json;

/// A boat of `country` with HIN `hin` and `description`, in `language` when given.
fn boat(id: &str, hin: &str, description: &str, language: Option<&str>) -> Alert {
    let country = &id[..2];
    Alert {
        description: Some(description.to_string()),
        language: language.map(str::to_string),
        ..Alert::new(
            id,
            country,
            Category::Boat,
            vec![IdentifierEntry::new(IdentifierKind::Hin, hin)],
        )
    }
}

fn alerts() -> Vec<Alert> {
    vec![
        boat(
            "DE-1",
            "ABC12345D404",
            "weißes Boot aus dem Hafen gestohlen",
            None,
        ),
        boat(
            "DE-2",
            "KLM77777A505",
            "rotes Schlauchboot mit Außenborder",
            None,
        ),
        boat(
            "DE-3",
            "ABC12346D404",
            "Boot mit Anhänger, weiß, aus dem Hafen",
            None,
        ),
        boat(
            "FR-1",
            "FRX11111B303",
            "moteur hors-bord volé sur le port",
            None,
        ),
        boat(
            "BE-1",
            "BEY22222C202",
            "deux moteurs hors-bord volés",
            Some("fr"),
        ),
        boat(
            "BE-2",
            "BEZ33333C202",
            "twee boten gestolen uit de haven",
            None,
        ),
    ]
}

fn text_search(text: &str, values: &[&str]) -> v1::NationalNodeSearchRequest {
    v1::NationalNodeSearchRequest {
        queries: values
            .iter()
            .map(|value| v1::IdentifierQuery {
                value: value.to_string(),
                ..v1::IdentifierQuery::default()
            })
            .collect(),
        text: text.to_string(),
        ..v1::NationalNodeSearchRequest::default()
    }
}

fn ids(matches: &[v1::Match]) -> Vec<String> {
    matches
        .iter()
        .filter_map(|m| m.alert.as_ref().map(|a| a.id.clone()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn words_in_any_language_find_their_alerts_and_raise_identifier_matches() {
    let federation = LocalFederation::builder()
        .countries(["DE", "FR", "BE"])
        .start()
        .await
        .unwrap();
    for alert in alerts() {
        let local = federation
            .nodes()
            .iter()
            .find(|n| n.country == alert.country)
            .unwrap();
        let mut client = NationalNodeClient::connect(format!("http://{}", local.addr))
            .await
            .unwrap();
        let put = v1::PutAlertRequest {
            alert: Some(alert_out(alert)),
            ..v1::PutAlertRequest::default()
        };
        client.put_alert(put).await.expect("stored");
    }
    for local in federation.nodes() {
        assert!(local.node.wait_indexed(Duration::from_secs(30)).await);
    }
    let de = federation
        .nodes()
        .iter()
        .find(|n| n.country == "DE")
        .unwrap();
    let mut node = NationalNodeClient::connect(format!("http://{}", de.addr))
        .await
        .unwrap();

    // German words as an officer types them: plural, no ß, no capitals. Text-only matches
    // score below 0.5, in BM25 order: the alert with more agreeing words first.
    let answer = node
        .search(text_search("weisse boote hafen", &[]))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(ids(&answer.matches), ["DE-1", "DE-3"], "{answer:?}");
    let first = &answer.matches[0];
    assert!(first.identifier_matches.is_empty());
    assert!(first.score > answer.matches[1].score, "{answer:?}");
    assert!(first.score > 0.0 && first.score < 0.5, "{first:?}");
    assert!(first.explanation.starts_with("text agrees"), "{first:?}");

    // Identifiers and text: both HINs are one edit from the value read, equal on their
    // numbers; the text agrees with DE-3 more, so DE-3 is raised above DE-1, and the
    // text-only match DE-2 follows every identifier match.
    let plain = node
        .search(text_search("", &["ABC1234XD404"]))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(ids(&plain.matches), ["DE-1", "DE-3"], "{plain:?}");
    assert_eq!(plain.matches[0].score, plain.matches[1].score);
    let raised = node
        .search(text_search("Anhänger Schlauchboot", &["ABC1234XD404"]))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(ids(&raised.matches), ["DE-3", "DE-1", "DE-2"], "{raised:?}");
    assert!(
        raised.matches[0].score > plain.matches[0].score,
        "{raised:?}"
    );
    assert_eq!(raised.matches[1].score, plain.matches[1].score);
    assert!(raised.matches[2].identifier_matches.is_empty());
    assert!(
        raised.matches[0].explanation.contains("text agrees"),
        "{raised:?}"
    );

    // Through the core, French words find the French alert and the Belgian one written in
    // French; the Dutch plural finds the Belgian alert written in Dutch (Belgium's default).
    let core = federation.core().unwrap();
    let mut client = MatchingCoreClient::connect(format!("http://{}", core.addr))
        .await
        .unwrap();
    let federated = |text: &str| v1::MatchingCoreSearchRequest {
        text: text.to_string(),
        ..v1::MatchingCoreSearchRequest::default()
    };
    let answer = client
        .search(federated("moteurs hors-bord"))
        .await
        .unwrap()
        .into_inner();
    let mut found = ids(&answer.matches);
    found.sort();
    assert_eq!(found, ["BE-1", "FR-1"], "{answer:?}");
    let answer = client.search(federated("boot")).await.unwrap().into_inner();
    assert!(
        ids(&answer.matches).contains(&"BE-2".to_string()),
        "{answer:?}"
    );

    // The command line: `--text` alone on a node, and with a value on the core.
    let node_addr = de.addr.to_string();
    let core_addr = core.addr.to_string();
    let (by_node, by_core) = tokio::task::spawn_blocking(move || {
        let node = sismatch_json(&[
            "search",
            "--node",
            &node_addr,
            "--json",
            "--text",
            "weisse boote hafen",
        ]);
        let core = sismatch_json(&[
            "search",
            "--core",
            &core_addr,
            "--json",
            "--text",
            "Anhänger",
            "ABC1234XD404",
        ]);
        (node, core)
    })
    .await
    .unwrap();
    assert_eq!(by_node["matches"][0]["alert_id"], "DE-1", "{by_node}");
    assert_eq!(by_core["matches"][0]["alert_id"], "DE-3", "{by_core}");
    assert_eq!(by_core["matches"][1]["alert_id"], "DE-1", "{by_core}");
    federation.stop().await.unwrap();
}
