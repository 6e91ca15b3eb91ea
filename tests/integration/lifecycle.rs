//! A server's life as operators drive it: configuration from file, environment and flags
//! (and a clear error naming the key when it is wrong), and SIGTERM under load.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use sismatch_grpc::convert::alert_out;
use sismatch_proto::v1;

use crate::support::{NodeProcess, Running, client, sismatch, terminate};
use sismatch_sample::fixture::alerts;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_during_load_loses_no_acknowledged_write() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("nl");
    let mut node = NodeProcess::spawn("NL", &data);
    let sample = alerts("NL", 5000, 29);
    let acknowledged = Arc::new(Mutex::new(Vec::new()));
    let mut writers = Vec::new();
    for share in sample.chunks(sample.len() / 4) {
        let share = share.to_vec();
        let acknowledged = Arc::clone(&acknowledged);
        let mut writer = client(node.addr).await;
        writers.push(tokio::spawn(async move {
            for alert in share {
                let id = alert.id.clone();
                let written = writer
                    .put_alert(v1::PutAlertRequest {
                        alert: Some(alert_out(alert)),
                        ..v1::PutAlertRequest::default()
                    })
                    .await;
                match written {
                    Ok(_) => acknowledged.lock().unwrap().push(id),
                    // Refused or cut off by the shutdown: not acknowledged, may or may not
                    // be stored.
                    Err(_) => break,
                }
            }
        }));
    }
    while acknowledged.lock().unwrap().len() < 200 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let status = terminate(&mut node.child).await;
    for writer in writers {
        writer.await.unwrap();
    }
    assert!(status.success(), "exit after SIGTERM: {status}");
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(
        acknowledged.len() < sample.len(),
        "the shutdown came after the load had ended: nothing was tested"
    );
    let log = std::fs::read_to_string(data.with_extension("log")).unwrap();
    assert!(
        log.contains("node closed"),
        "no clean close in the log:\n{log}"
    );

    let node = NodeProcess::spawn("NL", &data);
    let mut reader = client(node.addr).await;
    for id in &acknowledged {
        let found = reader
            .get_alert(v1::GetAlertRequest {
                id: id.clone(),
                version: 0,
            })
            .await;
        assert!(found.is_ok(), "acknowledged alert {id} lost");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn environment_overrides_the_config_file_and_flags_override_both() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("node.toml");
    std::fs::write(
        &config,
        "country = \"BE\"\nname = \"FROM-FILE\"\nlisten = \"127.0.0.1:0\"\n",
    )
    .unwrap();
    let data = dir.path().join("node");
    let log = std::fs::File::create(dir.path().join("node.log")).unwrap();
    let mut child = Running(
        std::process::Command::new(env!("CARGO_BIN_EXE_sismatch"))
            .args(["node", "--name", "FROM-FLAG"])
            .env("SISMATCH_CONFIG", &config)
            .env("SISMATCH_COUNTRY", "NL")
            .env("SISMATCH_NAME", "FROM-ENV")
            .env("SISMATCH_DATA", &data)
            .stdout(std::process::Stdio::piped())
            .stderr(log)
            .spawn()
            .unwrap(),
    );
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(child.0.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    let addr = line.trim().parse().expect("the bound address");
    let status = client(addr)
        .await
        .get_node_status(v1::GetNodeStatusRequest {})
        .await
        .unwrap()
        .into_inner();
    drop(child);
    assert_eq!(status.country, "NL", "the variable beats the file");
    assert_eq!(status.node, "FROM-FLAG", "the flag beats the variable");
    assert!(
        data.join("store").is_dir(),
        "data folder from SISMATCH_DATA"
    );
}

#[test]
fn a_bad_setting_fails_at_start_with_its_key_named() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("node");
    let data = data.to_str().unwrap();
    let cases = [
        ("compact_after = \"many\"\n", "compact_after"),
        ("listne = \"127.0.0.1:0\"\n", "listne"),
        ("compact_after = 0\n", "compact_after"),
        ("shutdown_grace_ms = 0\n", "shutdown_grace_ms"),
        ("metrics = \"localhost\"\n", "metrics"),
    ];
    for (text, key) in cases {
        let config = dir.path().join("node.toml");
        std::fs::write(&config, text).unwrap();
        let config = config.to_str().unwrap();
        let output = sismatch(&[
            "node",
            "--country",
            "NL",
            "--data",
            data,
            "--config",
            config,
        ]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{text} accepted");
        assert!(
            stderr.contains(key),
            "{text}: the error does not name {key}: {stderr}"
        );
        assert!(output.stdout.is_empty(), "{text}: the node started");
    }

    let output = std::process::Command::new(env!("CARGO_BIN_EXE_sismatch"))
        .args(["node", "--country", "NL", "--data", data])
        .env("SISMATCH_METRICS", "not-an-address")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(stderr.contains("--metrics"), "{stderr}");
    assert!(stderr.contains("not-an-address"), "{stderr}");
}
