//! One alert per object per country (issue 14, DESIGN §4) through real servers: a node on a
//! loopback port with RocksDB and tantivy in a temporary folder, refusing or linking a second
//! alert of one object, under concurrent puts, in imports, across a restart, and the
//! `sismatch node --duplicates` flag with the import summary of `sismatch import`; and the
//! core telling an officer about to report an object that a country already has.

use sismatch_alert::Alert;
use sismatch_grpc::convert::alert_out;
use sismatch_node::{NodeOptions, OnDuplicate};
use sismatch_proto::v1;
use tonic::Code;

use crate::support::{InProcessCore, InProcessNode, NodeProcess, client, import, sismatch};
use sismatch_sample::fixture::alerts;

fn put(alert: &Alert) -> v1::PutAlertRequest {
    v1::PutAlertRequest {
        alert: Some(alert_out(alert.clone())),
        ..v1::PutAlertRequest::default()
    }
}

/// `alert` reported again under another id: the same object.
fn again(alert: &Alert, id: &str) -> Alert {
    Alert {
        id: id.to_string(),
        ..alert.clone()
    }
}

async fn get(node: &InProcessNode, id: &str) -> v1::Alert {
    let request = v1::GetAlertRequest {
        id: id.to_string(),
        version: 0,
    };
    let answer = node.client().await.get_alert(request).await;
    answer
        .expect("the alert exists")
        .into_inner()
        .alert
        .expect("alert")
}

fn linking() -> NodeOptions {
    NodeOptions {
        duplicates: OnDuplicate::Link,
        ..NodeOptions::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_by_default_naming_the_alert_and_free_again_once_withdrawn() {
    let dir = tempfile::tempdir().expect("temp dir");
    let node = InProcessNode::start("NL", dir.path()).await;
    let mut client = node.client().await;
    let boat = alerts("NL", 4, 7).remove(3);
    client.put_alert(put(&boat)).await.expect("first alert");
    let second = again(&boat, "NL-900001");
    let refused = client.put_alert(put(&second)).await.expect_err("refused");
    assert_eq!(refused.code(), Code::AlreadyExists);
    assert!(
        refused.message().starts_with("identifiers[0].value:")
            && refused.message().contains(&boat.id),
        "{refused:?}"
    );
    let missing = v1::GetAlertRequest {
        id: second.id.clone(),
        version: 0,
    };
    let status = client.get_alert(missing).await.expect_err("nothing stored");
    assert_eq!(status.code(), Code::NotFound);

    let withdraw = v1::WithdrawAlertRequest {
        id: boat.id.clone(),
        reason: "recorded twice".to_string(),
        expected_version: 0,
    };
    client.withdraw_alert(withdraw).await.expect("withdrawn");
    let stored = client.put_alert(put(&second)).await.expect("free again");
    assert_eq!(
        stored.into_inner().outcome,
        v1::WriteOutcome::Created as i32
    );

    // Across a restart the numbers held are still known.
    node.stop().await;
    let node = InProcessNode::start("NL", dir.path()).await;
    let third = again(&boat, "NL-900002");
    let refused = node.client().await.put_alert(put(&third)).await;
    let refused = refused.expect_err("refused after the restart");
    assert_eq!(refused.code(), Code::AlreadyExists);
    assert!(refused.message().contains("NL-900001"), "{refused:?}");
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn linked_when_configured_with_links_and_new_versions_on_both() {
    let dir = tempfile::tempdir().expect("temp dir");
    let node = InProcessNode::start_with("NL", dir.path(), linking()).await;
    let mut client = node.client().await;
    let boat = alerts("NL", 4, 8).remove(3);
    client.put_alert(put(&boat)).await.expect("first alert");
    let answer = client
        .put_alert(put(&again(&boat, "NL-900001")))
        .await
        .expect("linked")
        .into_inner();
    let stored = answer.alert.expect("alert");
    assert_eq!(
        (stored.version, stored.links.clone()),
        (1, vec![boat.id.clone()])
    );
    let shared: Vec<(String, String)> = answer
        .duplicates
        .into_iter()
        .map(|d| {
            (
                d.alert_id,
                d.identifier.map(|i| i.value).unwrap_or_default(),
            )
        })
        .collect();
    let expected: Vec<(String, String)> = boat
        .identifiers
        .iter()
        .map(|i| (boat.id.clone(), i.value.clone()))
        .collect();
    assert_eq!(shared, expected);
    let first = get(&node, &boat.id).await;
    assert_eq!(
        (first.version, first.links),
        (2, vec!["NL-900001".to_string()])
    );
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_puts_of_one_object_store_one_alert() {
    let dir = tempfile::tempdir().expect("temp dir");
    let node = InProcessNode::start("NL", dir.path()).await;
    let objects = alerts("NL", 8, 9);
    for (n, object) in objects.iter().enumerate() {
        let mut clients = Vec::new();
        for _ in 0..4 {
            clients.push(client(node.addr).await);
        }
        let puts: Vec<_> = clients
            .into_iter()
            .enumerate()
            .map(|(writer, mut client)| {
                let alert = again(object, &format!("NL-9{n}{writer}"));
                tokio::spawn(async move { client.put_alert(put(&alert)).await })
            })
            .collect();
        let mut stored = 0;
        for put in puts {
            match put.await.expect("put task") {
                Ok(_) => stored += 1,
                Err(status) => assert_eq!(status.code(), Code::AlreadyExists, "{status:?}"),
            }
        }
        assert_eq!(stored, 1, "object {n}");
    }
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_counts_refused_and_linked_duplicates_within_the_file_too() {
    let sample = alerts("NL", 6, 10);
    // Two records of the first object in the file, and one of an object already stored.
    let mut file = sample[1..].to_vec();
    file.push(again(&sample[1], "NL-900001"));
    file.push(again(&sample[0], "NL-900002"));
    for (options, linked, refused) in [(NodeOptions::default(), 0, 2), (linking(), 2, 0)] {
        let dir = tempfile::tempdir().expect("temp dir");
        let node = InProcessNode::start_with("NL", dir.path(), options).await;
        let mut client = node.client().await;
        client.put_alert(put(&sample[0])).await.expect("stored");
        let acks = import(&mut client, &file, 3).await;
        let sum = |f: fn(&v1::ImportAlertsResponse) -> u64| acks.iter().map(f).sum::<u64>();
        assert_eq!(sum(|a| a.linked), linked);
        assert_eq!(sum(|a| a.duplicates), refused);
        assert_eq!(sum(|a| a.created), 7 - refused);
        assert_eq!(sum(|a| a.rejected), refused);
        let errors: Vec<(u64, String)> = acks
            .iter()
            .flat_map(|a| a.errors.iter())
            .map(|e| (e.line, e.field.clone()))
            .collect();
        if refused > 0 {
            let field = "identifiers[0].value".to_string();
            assert_eq!(errors, [(6, field.clone()), (7, field)]);
            assert!(
                acks.iter()
                    .flat_map(|a| &a.errors)
                    .all(|e| e.message.contains("already"))
            );
        }
        node.stop().await;
    }
}

#[test]
fn the_node_flag_links_and_the_import_summary_says_so() {
    let dir = tempfile::tempdir().expect("temp dir");
    let node = NodeProcess::spawn_with(
        "NL",
        &dir.path().join("nl"),
        &["--listen", "127.0.0.1:0", "--duplicates", "link"],
    );
    let sample = alerts("NL", 3, 11);
    let mut lines = String::new();
    for alert in sample.iter().chain([&again(&sample[0], "NL-900001")]) {
        lines.push_str(&serde_json::to_string(alert).expect("json"));
        lines.push('\n');
    }
    let path = dir.path().join("alerts.ndjson");
    std::fs::write(&path, lines).expect("file written");
    let addr = node.addr.to_string();
    let path = path.display().to_string();
    let output = sismatch(&["import", "--node", &addr, "--no-wait", &path]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert!(
        stdout.contains("1 stored linked to an alert of the same object, 0 refused"),
        "{stdout}"
    );
    node.kill();

    let data = dir.path().join("other").display().to_string();
    let args = [
        "node",
        "--country",
        "NL",
        "--data",
        &data,
        "--duplicates",
        "allow",
    ];
    let refused = sismatch(&args);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success());
    assert!(
        stderr.contains("'allow' is not 'refuse' or 'link'"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_core_says_which_country_already_reported_the_number_searched() {
    let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
    let nl = InProcessNode::start("NL", dirs[0].path()).await;
    let be = InProcessNode::start("BE", dirs[1].path()).await;
    let mut boat = alerts("BE", 4, 12).remove(3);
    boat.id = "BE-900001".to_string();
    be.client()
        .await
        .put_alert(put(&boat))
        .await
        .expect("stored");
    be.wait_indexed().await;
    let members = [("NL", "NL", nl.addr), ("BE", "BE", be.addr)];
    let core = InProcessCore::start(&members, std::time::Duration::from_secs(2)).await;
    let engine = boat.identifiers[1].value.clone();
    let search = |value: String| v1::MatchingCoreSearchRequest {
        queries: vec![v1::IdentifierQuery {
            value,
            ..v1::IdentifierQuery::default()
        }],
        ..v1::MatchingCoreSearchRequest::default()
    };
    let answer = core.client().await.search(search(engine.clone())).await;
    let reported = answer.expect("search").into_inner().already_reported;
    let reported: Vec<(String, String, String)> = reported
        .into_iter()
        .map(|r| (r.country, r.alert_id, r.identifier))
        .collect();
    assert_eq!(
        reported,
        [("BE".to_string(), boat.id.clone(), engine.clone())]
    );
    // One edit away is a candidate, not the same number.
    let mut misread = engine.clone();
    misread.pop();
    let answer = core.client().await.search(search(misread)).await;
    let answer = answer.expect("search").into_inner();
    assert!(!answer.matches.is_empty() && answer.already_reported.is_empty());

    let addr = core.addr.to_string();
    let output = sismatch(&["search", "--core", &addr, &engine]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("already reported by BE (BE-900001)"),
        "{stdout}"
    );
    core.stop().await;
    nl.stop().await;
    be.stop().await;
}
