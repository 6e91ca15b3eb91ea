//! The node on real RocksDB and tantivy folders, called directly (no network): compaction,
//! conditional writes, puts on withdrawn alerts, firearm duplicates, hit listings, status, and
//! which alerts a search leaves out (recovered, expired) unless asked.

use std::time::{Duration, Instant};

use jiff::{Timestamp, ToSpan};
use sismatch_alert::{Alert, Category, HitDecision, HitReport, HitState, IdentifierEntry, Status};
use sismatch_ident::IdentifierKind;
use tempfile::TempDir;

use crate::{
    Applied, HitQuery, Import, ImportItem, Node, NodeConfig, NodeError, NodeOptions, OTHER_MAKER,
    OnDuplicate, SearchQuery, SearchRequest,
};

fn open(dir: &TempDir, options: NodeOptions) -> Node {
    let config = NodeConfig {
        country: "NL".to_string(),
        data_dir: dir.path().to_path_buf(),
    };
    Node::open_with(config, options).unwrap()
}

fn entry(kind: IdentifierKind, value: &str, maker: Option<&str>) -> IdentifierEntry {
    IdentifierEntry {
        manufacturer: maker.map(String::from),
        ..IdentifierEntry::new(kind, value)
    }
}

fn alert(id: &str, category: Category, identifiers: Vec<IdentifierEntry>) -> Alert {
    Alert::new(id, "NL", category, identifiers)
}

fn boat(id: &str, hin: &str) -> Alert {
    alert(
        id,
        Category::Boat,
        vec![entry(IdentifierKind::Hin, hin, None)],
    )
}

fn gun(id: &str, serial: &str, maker: Option<&str>) -> Alert {
    let serial = entry(IdentifierKind::FirearmSerial, serial, maker);
    alert(id, Category::Firearm, vec![serial])
}

/// The ids of the alerts found for `value`, best first.
async fn search(node: &Node, value: &str) -> Vec<String> {
    let request = SearchRequest {
        queries: vec![SearchQuery::new(value, None)],
        ..SearchRequest::default()
    };
    let result = node.search(request).await.unwrap();
    result.matches.into_iter().map(|m| m.alert.id).collect()
}

fn failed_precondition(result: crate::Result<impl std::fmt::Debug>) -> String {
    match result {
        Err(NodeError::FailedPrecondition(message)) => message,
        other => panic!("expected FAILED_PRECONDITION, got {other:?}"),
    }
}

/// Serial number `n` of the compaction test: distinct, and far apart from each other.
fn serial(n: u64) -> String {
    format!("K{:07}", n * 7919 % 10_000_000)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_index_is_compacted_once_idle_after_bulk_work_and_answers_the_same() {
    // Few enough commits that the merge policy (from eight segments of a size) does not
    // merge them itself.
    const BATCHES: u64 = 3;
    const BATCH: u64 = 150;
    let dir = tempfile::tempdir().unwrap();
    let options = NodeOptions {
        compact_after: BATCHES * BATCH,
        ..NodeOptions::default()
    };
    let node = open(&dir, options);
    let probes: Vec<u64> = (0..BATCHES * BATCH).step_by(23).collect();
    for batch in 0..BATCHES {
        let items = (batch * BATCH..(batch + 1) * BATCH)
            .map(|n| {
                let identifiers = vec![entry(IdentifierKind::SerialNumber, &serial(n), None)];
                ImportItem {
                    line: n + 1,
                    alert: Ok(alert(&format!("NL-{n:06}"), Category::ItItem, identifiers)),
                }
            })
            .collect();
        let outcome = node.import_batch(items, "import:test").await.unwrap();
        assert_eq!(outcome.created, BATCH);
        // One commit per batch, so one segment or more per batch.
        assert!(node.wait_indexed(Duration::from_secs(30)).await);
        if batch == BATCHES / 2 {
            assert!(
                node.index.segments() > 1,
                "not compacted before the threshold"
            );
        }
    }
    let mut answers = Vec::new();
    for n in &probes {
        answers.push(search(&node, &serial(*n)).await);
    }
    for (n, found) in probes.iter().zip(&answers) {
        assert_eq!(found.first(), Some(&format!("NL-{n:06}")));
    }
    // Searches during the compaction answer as before it.
    let deadline = Instant::now() + Duration::from_secs(60);
    while node.index.segments() > 1 {
        assert!(Instant::now() < deadline, "not compacted within 60 s");
        for (n, expected) in probes.iter().zip(&answers) {
            assert_eq!(&search(&node, &serial(*n)).await, expected);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    for (n, expected) in probes.iter().zip(&answers) {
        assert_eq!(&search(&node, &serial(*n)).await, expected);
    }
    let status = node.status().await.unwrap();
    assert_eq!(status.identifiers_indexed, BATCHES * BATCH);
    node.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expected_version_guards_every_write_and_names_both_versions() {
    let dir = tempfile::tempdir().unwrap();
    let node = open(&dir, NodeOptions::default());
    let first = boat("NL-1", "ABC12345D404");
    node.put_alert(first.clone(), None, None, op())
        .await
        .unwrap();
    let mut white = first.clone();
    white.colour = Some("white".to_string());
    let updated = node.put_alert(white, None, Some(1), op()).await.unwrap();
    assert!(matches!(&updated.applied, Applied::Updated(a) if a.version == 2));

    let mut blue = first.clone();
    blue.colour = Some("blue".to_string());
    let stale = node.put_alert(blue, None, Some(1), op()).await;
    assert_eq!(
        failed_precondition(stale),
        "expected_version 1 but alert NL-1 is at version 2"
    );
    let absent = node.put_alert(boat("NL-2", "XYZ12345D404"), None, Some(1), op());
    assert_eq!(
        failed_precondition(absent.await),
        "expected_version 1 but alert NL-2 does not exist"
    );
    assert!(matches!(
        node.get_alert("NL-2".to_string()).await,
        Err(NodeError::NotFound(_))
    ));

    let reason = || Some("owner found it".to_string());
    let withdraw = node
        .withdraw("NL-1".to_string(), reason(), Some(1), op())
        .await;
    assert_eq!(
        failed_precondition(withdraw),
        "expected_version 1 but alert NL-1 is at version 2"
    );
    let recovered = node
        .set_status(
            "NL-1".to_string(),
            Status::Recovered,
            reason(),
            Some(2),
            op(),
        )
        .await
        .unwrap();
    assert_eq!(
        (recovered.status, recovered.version),
        (Status::Recovered, 3)
    );
    let again = node
        .set_status("NL-1".to_string(), Status::Active, reason(), Some(2), op())
        .await;
    assert_eq!(
        failed_precondition(again),
        "expected_version 2 but alert NL-1 is at version 3"
    );
    let withdrawn = node
        .withdraw("NL-1".to_string(), reason(), Some(3), op())
        .await;
    assert_eq!(withdrawn.unwrap().version, 4);
    // An unknown alert is NOT_FOUND, expected version or not.
    let unknown = node
        .withdraw("NL-404".to_string(), reason(), Some(1), op())
        .await;
    assert!(matches!(unknown, Err(NodeError::NotFound(id)) if id == "NL-404"));
    assert_eq!(node.history("NL-1".to_string()).await.unwrap().len(), 4);
    node.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_withdrawn_alert_put_again_stays_withdrawn() {
    let dir = tempfile::tempdir().unwrap();
    let node = open(&dir, NodeOptions::default());
    let first = boat("NL-1", "ABC12345D404");
    node.put_alert(first.clone(), None, None, op())
        .await
        .unwrap();
    node.withdraw("NL-1".to_string(), Some("error".to_string()), None, op())
        .await
        .unwrap();

    // Re-sent as the client had it (ACTIVE): nothing written, still withdrawn.
    let resent = node
        .put_alert(first.clone(), None, None, op())
        .await
        .unwrap();
    assert!(
        matches!(&resent.applied, Applied::Unchanged(a) if a.status == Status::Withdrawn),
        "{:?}",
        resent.applied
    );
    // Corrected: a new version, still withdrawn, still not searchable.
    let mut corrected = first;
    corrected.model = Some("VR5".to_string());
    let outcome = node.put_alert(corrected, None, None, op()).await.unwrap();
    let Applied::Updated(stored) = outcome.applied else {
        panic!("{:?}", outcome.applied)
    };
    assert_eq!((stored.status, stored.version), (Status::Withdrawn, 3));
    assert!(search(&node, "ABC12345D404").await.is_empty());

    // Only WithdrawAlert withdraws; SetAlertStatus can bring the alert back.
    let refused = node
        .set_status("NL-1".to_string(), Status::Withdrawn, None, None, op())
        .await;
    assert!(matches!(refused, Err(NodeError::Invalid(invalid)) if invalid.field == "status"));
    node.set_status("NL-1".to_string(), Status::Active, None, None, op())
        .await
        .unwrap();
    assert_eq!(search(&node, "ABC12345D404").await, ["NL-1"]);
    node.shutdown();
}

/// Text-only answers pass the request's filters: when the best text matches are ruled out
/// (recovered boats), the node reads further down the text ranking until the answer is full.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_only_answers_read_past_the_matches_the_filters_rule_out() {
    let dir = tempfile::tempdir().unwrap();
    let node = open(&dir, NodeOptions::default());
    for n in 0..40 {
        // Forty recovered boats whose short descriptions rank first, then three in force.
        let recovered = Alert {
            description: Some("Boot".to_string()),
            status: Status::Recovered,
            ..boat(&format!("NL-R{n:02}"), &format!("RCV{n:05}D404"))
        };
        node.put_alert(recovered, None, None, op()).await.unwrap();
    }
    for n in 0..3 {
        let sought = Alert {
            description: Some("ein altes kleines Boot am Steg gestohlen".to_string()),
            ..boat(&format!("NL-S{n}"), &format!("SGT{n:05}D404"))
        };
        node.put_alert(sought, None, None, op()).await.unwrap();
    }
    let request = SearchRequest {
        text: Some("boot".to_string()),
        ..SearchRequest::default()
    };
    let result = node.search(request).await.unwrap();
    let ids: Vec<&str> = result.matches.iter().map(|m| m.alert.id.as_str()).collect();
    assert_eq!(ids, ["NL-S0", "NL-S1", "NL-S2"]);
    assert!(
        result.matches.iter().all(|m| m.hits.is_empty()
            && m.text_relevance > 0.0
            && m.score == 0.5 * m.text_relevance)
    );
    assert!(!result.truncated);
    node.shutdown();
}

/// `(id, score, maker_mismatch)` of what a search for `value` made by `maker` finds.
async fn found_by_maker(node: &Node, value: &str, maker: Option<&str>) -> Vec<(String, f64, bool)> {
    let request = SearchRequest {
        queries: vec![SearchQuery {
            manufacturer: maker.map(str::to_string),
            ..SearchQuery::new(value, None)
        }],
        ..SearchRequest::default()
    };
    let result = node.search(request).await.unwrap();
    let found = result.matches.into_iter();
    found
        .map(|m| (m.alert.id, m.score, m.hits[0].maker_mismatch))
        .collect()
}

/// A serial is unique only per maker: the query's maker ranks a gun recorded with another one
/// lower (never as an exact match), in the key index's pre-ranking and in the answer alike, and
/// a maker corrected on the alert counts at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_queried_maker_ranks_another_makers_serial_lower() {
    let dir = tempfile::tempdir().unwrap();
    // A gun without a maker may be any maker's: linked, not refused.
    let linking = NodeOptions {
        duplicates: OnDuplicate::Link,
        ..NodeOptions::default()
    };
    let node = open(&dir, linking);
    for gun in [
        gun("NL-1", "BXK4471", Some("Glock")),
        gun("NL-2", "BXK4471", Some("Beretta")),
        gun("NL-3", "BXK4471", None),
    ] {
        node.put_alert(gun, None, None, op()).await.unwrap();
    }
    let by = |id: &str, score: f64, other: bool| (id.to_string(), score, other);
    assert_eq!(
        found_by_maker(&node, "BXK4471", None).await,
        [
            by("NL-1", 1.0, false),
            by("NL-2", 1.0, false),
            by("NL-3", 1.0, false)
        ]
    );
    let lower = OTHER_MAKER;
    assert_eq!(
        found_by_maker(&node, "bxk 4471", Some("BERETTA")).await,
        [
            by("NL-2", 1.0, false),
            by("NL-3", 1.0, false),
            by("NL-1", lower, true)
        ]
    );
    // Only the best ten enter the answer: the other maker's gun is the one left out.
    let request = SearchRequest {
        queries: vec![SearchQuery {
            manufacturer: Some("Smith & Wesson".to_string()),
            ..SearchQuery::new("BXK4471", None)
        }],
        top_k: 1,
        ..SearchRequest::default()
    };
    let result = node.search(request).await.unwrap();
    assert_eq!(result.matches[0].alert.id, "NL-3");
    assert!(result.truncated);

    let mut corrected = gun("NL-1", "BXK4471", Some("Beretta"));
    corrected.version = 0;
    node.put_alert(corrected, None, None, op()).await.unwrap();
    assert_eq!(
        found_by_maker(&node, "BXK4471", Some("Glock")).await,
        [
            by("NL-3", 1.0, false),
            by("NL-1", lower, true),
            by("NL-2", lower, true)
        ]
    );

    let long = SearchRequest {
        queries: vec![SearchQuery {
            manufacturer: Some("G".repeat(129)),
            ..SearchQuery::new("BXK4471", None)
        }],
        ..SearchRequest::default()
    };
    let refused = node.search(long).await;
    assert!(
        matches!(&refused, Err(NodeError::Invalid(e)) if e.field == "queries[0].manufacturer"),
        "{refused:?}"
    );
    node.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn firearm_serials_are_duplicates_only_under_the_same_maker() {
    let dir = tempfile::tempdir().unwrap();
    let linking = NodeOptions {
        duplicates: OnDuplicate::Link,
        ..NodeOptions::default()
    };
    let node = open(&dir, linking);
    let duplicates = |outcome: crate::PutOutcome| -> Vec<(String, Option<String>)> {
        outcome
            .duplicates
            .into_iter()
            .map(|d| (d.alert_id, d.identifier.manufacturer))
            .collect()
    };
    let glock = node.put_alert(gun("NL-1", "BXK4471", Some("Glock")), None, None, op());
    assert!(duplicates(glock.await.unwrap()).is_empty());
    // Another maker's gun with the same serial is another gun.
    let beretta = node.put_alert(gun("NL-2", "BXK4471", Some("Beretta")), None, None, op());
    assert!(duplicates(beretta.await.unwrap()).is_empty());
    // The same maker, spelt otherwise: the same gun.
    let again = node.put_alert(gun("NL-3", "bxk-4471", Some("GLOCK")), None, None, op());
    assert_eq!(
        duplicates(again.await.unwrap()),
        [("NL-1".to_string(), Some("Glock".to_string()))]
    );
    // No maker given: it may be any of them.
    let unknown = node.put_alert(gun("NL-4", "BXK4471", None), None, None, op());
    let found = duplicates(unknown.await.unwrap());
    let ids: Vec<&str> = found.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, ["NL-1", "NL-2", "NL-3"]);
    // Other kinds keep one number one number, makers or not.
    let mut laptop = alert(
        "NL-5",
        Category::ItItem,
        vec![entry(IdentifierKind::SerialNumber, "SN88001", Some("Dell"))],
    );
    node.put_alert(laptop.clone(), None, None, op())
        .await
        .unwrap();
    laptop.id = "NL-6".to_string();
    laptop.identifiers[0].manufacturer = Some("Lenovo".to_string());
    let same = node.put_alert(laptop, None, None, op()).await.unwrap();
    assert_eq!(
        duplicates(same),
        [("NL-5".to_string(), Some("Dell".to_string()))]
    );

    // A search finds the serial whatever the maker.
    let mut found = search(&node, "BXK4471").await;
    found.sort();
    assert_eq!(found, ["NL-1", "NL-2", "NL-3", "NL-4"]);
    node.shutdown();
}

fn hit(alert_id: &str) -> HitReport {
    HitReport {
        id: String::new(),
        alert_id: alert_id.to_string(),
        reporting_country: "BE".to_string(),
        reporting_officer: Some("brigade 7".to_string()),
        case_reference: None,
        note: None,
        location: None,
        matched_value: None,
        found_at: None,
        received_at: None,
        reported_by: None,
        state: HitState::Accepted,
        decided_at: None,
        decided_by: None,
        decline_reason: None,
    }
}

fn by(name: &str) -> String {
    name.to_string()
}

/// The operator who makes the tests' puts, imports and status changes.
fn op() -> String {
    by("beheer-nl")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_foreign_hit_waits_for_the_issuing_node_and_an_own_one_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let node = open(&dir, NodeOptions::default());
    node.put_alert(boat("NL-1", "ABC12345D404"), None, None, op())
        .await
        .unwrap();
    let (foreign, alert) = node
        .report_hit(hit("NL-1"), by("politie-be"))
        .await
        .unwrap();
    assert_eq!(foreign.state, HitState::Pending);
    assert_eq!(foreign.reported_by.as_deref(), Some("politie-be"));
    assert_eq!(alert.status, Status::HitConfirmed);
    let own = HitReport {
        reporting_country: "NL".to_string(),
        ..hit("NL-1")
    };
    let (own, _) = node.report_hit(own, by("politie-nl")).await.unwrap();
    assert_eq!(own.state, HitState::Accepted);
    assert_eq!(own.decided_at, own.received_at);

    // The reporting officer is required; a decline needs a reason.
    let anonymous = HitReport {
        reporting_officer: None,
        ..hit("NL-1")
    };
    let error = node
        .report_hit(anonymous, by("politie-be"))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, NodeError::Invalid(i) if i.field == "reporting_officer"),
        "{error}"
    );
    let silent = HitDecision::Decline {
        reason: " ".to_string(),
    };
    let error = node
        .decide_hit(foreign.id.clone(), silent, by("beheer-nl"))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, NodeError::Invalid(i) if i.field == "reason"),
        "{error}"
    );

    let pending = HitQuery {
        state: Some(HitState::Pending),
        ..HitQuery::default()
    };
    let listed = node.list_hits(pending.clone()).await.unwrap().hits;
    assert_eq!(listed, std::slice::from_ref(&foreign));
    let accepted = node
        .decide_hit(foreign.id.clone(), HitDecision::Accept, by("beheer-nl"))
        .await
        .unwrap();
    assert_eq!(accepted.state, HitState::Accepted);
    assert!(node.list_hits(pending).await.unwrap().hits.is_empty());
    let error = node
        .decide_hit(foreign.id.clone(), HitDecision::Accept, by("beheer-nl"))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, NodeError::FailedPrecondition(m) if m.contains("already ACCEPTED")),
        "{error}"
    );
    let error = node
        .decide_hit(
            "HIT-NL-1-77".to_string(),
            HitDecision::Accept,
            by("beheer-nl"),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&error, NodeError::HitNotFound(m) if m.starts_with("hit_id: ")),
        "{error}"
    );

    let (read, alert) = node.hit_with_alert(foreign.id.clone()).await.unwrap();
    assert_eq!((read, alert.id.as_str()), (accepted, "NL-1"));
    node.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hits_are_filtered_before_paging() {
    let dir = tempfile::tempdir().unwrap();
    let node = open(&dir, NodeOptions::default());
    for (id, hin) in [("NL-1", "ABC12345D404"), ("NL-2", "XYZ12345D404")] {
        node.put_alert(boat(id, hin), None, None, op())
            .await
            .unwrap();
    }
    let mut nl1 = Vec::new();
    for n in 0..9 {
        // Two of every three hits are on NL-2.
        let id = if n % 3 == 0 { "NL-1" } else { "NL-2" };
        let (report, _) = node.report_hit(hit(id), by("politie-be")).await.unwrap();
        if id == "NL-1" {
            nl1.push(report.id);
        }
    }
    nl1.reverse();
    let mut pages = Vec::new();
    let mut query = HitQuery {
        alert_id: Some("NL-1".to_string()),
        page_size: 2,
        ..HitQuery::default()
    };
    loop {
        let page = node.list_hits(query.clone()).await.unwrap();
        pages.push(page.hits.into_iter().map(|h| h.id).collect::<Vec<_>>());
        match page.next_page_token {
            Some(token) => query.page_token = Some(token),
            None => break,
        }
    }
    assert_eq!(pages, [nl1[..2].to_vec(), nl1[2..].to_vec()]);

    // Page size 0 is the default page; a huge one is lowered, not refused.
    for page_size in [0, 5_000] {
        let all = HitQuery {
            page_size,
            ..HitQuery::default()
        };
        let page = node.list_hits(all).await.unwrap();
        assert_eq!((page.hits.len(), page.next_page_token), (9, None));
    }
    let future = HitQuery {
        since: Some(Timestamp::now() + 1.hour()),
        ..HitQuery::default()
    };
    assert!(node.list_hits(future).await.unwrap().hits.is_empty());
    let bad = HitQuery {
        page_token: Some("page two".to_string()),
        ..HitQuery::default()
    };
    let error = node.list_hits(bad).await.unwrap_err();
    assert!(matches!(error, NodeError::Invalid(invalid) if invalid.field == "page_token"));
    node.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_reports_names_counts_and_index_sizes() {
    let dir = tempfile::tempdir().unwrap();
    let opened_at = Timestamp::now();
    let options = NodeOptions {
        name: Some("NL-2".to_string()),
        ..NodeOptions::default()
    };
    let node = open(&dir, options);
    let mut expired = boat("NL-1", "ABC12345D404");
    expired.expires_at = Some(Timestamp::now() - 1.hour());
    let mut later = boat("NL-2", "XYZ12345D404");
    later.expires_at = Some(Timestamp::now() + 24.hours());
    let mut unreadable = boat("NL-3", "UNKNOWN");
    unreadable
        .identifiers
        .push(entry(IdentifierKind::EngineSerial, "6CJ-1013456", None));
    for alert in [expired, later, unreadable] {
        node.put_alert(alert, None, None, op()).await.unwrap();
    }
    node.report_hit(hit("NL-2"), by("politie-be"))
        .await
        .unwrap();
    node.report_hit(hit("NL-2"), by("politie-be"))
        .await
        .unwrap();
    assert!(node.wait_indexed(Duration::from_secs(30)).await);

    let status = node.status().await.unwrap();
    assert_eq!(
        (status.country.as_str(), status.name.as_str()),
        ("NL", "NL-2")
    );
    assert!(status.started_at >= opened_at && status.started_at <= Timestamp::now());
    assert_eq!(status.alerts_expired, 1);
    assert_eq!(status.hits_received, 2);
    // The sentinel `UNKNOWN` is not indexed.
    assert_eq!(status.identifiers_indexed, 3);
    assert_eq!(status.alerts[&Status::HitConfirmed], 1);
    assert_eq!(status.store_sequence, status.index_sequence);
    assert!(!status.rebuilding);
    assert_eq!(status.rebuild_progress, 0.0);
    node.shutdown();
}

#[test]
fn options_that_cannot_work_are_refused_with_their_name() {
    let dir = tempfile::tempdir().unwrap();
    let config = NodeConfig {
        country: "NL".to_string(),
        data_dir: dir.path().to_path_buf(),
    };
    for (options, field) in [
        (
            NodeOptions {
                name: Some(String::new()),
                ..NodeOptions::default()
            },
            "name",
        ),
        (
            NodeOptions {
                name: Some("NL 2".to_string()),
                ..NodeOptions::default()
            },
            "name",
        ),
        (
            NodeOptions {
                compact_after: 0,
                ..NodeOptions::default()
            },
            "compact_after",
        ),
    ] {
        match Node::open_with(config.clone(), options) {
            Err(NodeError::Invalid(invalid)) => assert_eq!(invalid.field, field),
            Err(other) => panic!("{field}: {other}"),
            Ok(_) => panic!("{field}: accepted"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_alert_is_read_at_every_version_it_had_and_no_other() {
    let dir = tempfile::tempdir().unwrap();
    let node = open(&dir, NodeOptions::default());
    node.put_alert(boat("NL-1", "ABC12345D404"), None, None, op())
        .await
        .unwrap();
    let reason = Some("owner found it".to_string());
    node.set_status("NL-1".to_string(), Status::Recovered, reason, None, op())
        .await
        .unwrap();
    let first = node.get_alert_at("NL-1".to_string(), Some(1)).await;
    assert_eq!(first.unwrap().status, Status::Active);
    let current = node.get_alert_at("NL-1".to_string(), None).await.unwrap();
    assert_eq!((current.version, current.status), (2, Status::Recovered));
    let missing = node.get_alert_at("NL-1".to_string(), Some(7)).await;
    assert_eq!(
        missing.unwrap_err().to_string(),
        "alert 'NL-1' has no version 7"
    );
    let unknown = node.get_alert_at("NL-404".to_string(), Some(1)).await;
    assert!(matches!(unknown, Err(NodeError::NotFound(id)) if id == "NL-404"));
    node.shutdown();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_numbers_its_batches_from_one() {
    let dir = tempfile::tempdir().unwrap();
    let node = std::sync::Arc::new(open(&dir, NodeOptions::default()));
    let mut import = Import::new(std::sync::Arc::clone(&node), op());
    for (number, id) in [(1, "NL-1"), (2, "NL-2")] {
        let items = vec![ImportItem {
            line: 1,
            alert: Ok(boat(id, &format!("ABC1234{number}D404"))),
        }];
        let report = import.batch(items).await.unwrap();
        assert_eq!((report.batch, report.outcome.created), (number, 1));
    }
    let mut other = Import::new(std::sync::Arc::clone(&node), op());
    let report = other.batch(Vec::new()).await.unwrap();
    assert_eq!((report.batch, report.outcome.received), (1, 0));
    node.shutdown();
}

/// The ids found for `value` with the given switches, best first.
async fn search_with(
    node: &Node,
    value: &str,
    include_expired: bool,
    include_inactive: bool,
) -> Vec<String> {
    let request = SearchRequest {
        queries: vec![SearchQuery::new(value, None)],
        include_expired,
        include_inactive,
        ..SearchRequest::default()
    };
    let result = node.search(request).await.unwrap();
    result.matches.into_iter().map(|m| m.alert.id).collect()
}

/// A recovered alert and an expired one leave searches; each comes back only when asked for
/// (`include_inactive`, `include_expired`), and an alert set ACTIVE again is found again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recovered_and_expired_alerts_are_found_only_when_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let node = open(&dir, NodeOptions::default());
    let mut expired = boat("NL-EXPIRED", "ABC12345D405");
    expired.expires_at = Some(Timestamp::now() - 1.hour());
    for alert in [boat("NL-RECOVERED", "ABC12345D404"), expired] {
        node.put_alert(alert, None, None, op()).await.unwrap();
    }
    node.set_status(
        "NL-RECOVERED".to_string(),
        Status::Recovered,
        Some("found at a marina".to_string()),
        None,
        op(),
    )
    .await
    .unwrap();
    // Both are within one edit of the query; the index has them, the search leaves them out.
    let query = "ABC12345D40";
    assert!(search_with(&node, query, false, false).await.is_empty());
    assert_eq!(
        search_with(&node, query, false, true).await,
        ["NL-RECOVERED"]
    );
    assert_eq!(search_with(&node, query, true, false).await, ["NL-EXPIRED"]);
    let mut both = search_with(&node, query, true, true).await;
    both.sort();
    assert_eq!(both, ["NL-EXPIRED", "NL-RECOVERED"]);

    node.set_status("NL-RECOVERED".to_string(), Status::Active, None, None, op())
        .await
        .unwrap();
    assert_eq!(search(&node, query).await, ["NL-RECOVERED"]);
    node.shutdown();
}
