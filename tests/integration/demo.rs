//! `sismatch demo`, the README's main job: a whole federation in one process.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use crate::support::sismatch_json;

#[test]
fn the_demo_serves_a_federation_until_terminated() {
    let mut demo = Command::new(env!("CARGO_BIN_EXE_sismatch"))
        .args(["demo", "--listen", "127.0.0.1:0", "--alerts", "600"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(demo.stdout.take().unwrap()).lines();
    let mut core = String::new();
    let mut output = Vec::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(address) = line.strip_prefix("core: ") {
            core = address.to_string();
        }
        let serving = line.starts_with("serving until Ctrl-C");
        output.push(line);
        if serving {
            break;
        }
    }
    let text = output.join("\n");
    assert!(!core.is_empty(), "{text}");
    for country in ["NL", "BE", "FR"] {
        assert!(
            text.contains(&format!("node {country}: 127.0.0.1:")),
            "{text}"
        );
    }
    assert!(text.contains("loaded 600 sample alerts"), "{text}");
    // Every example search finds its expected alert first.
    let examples = text.matches("\n== ").count();
    assert!(examples >= 5, "{text}");
    assert_eq!(
        text.matches("expected alert found first").count(),
        examples,
        "{text}"
    );

    // It keeps serving: a federated search from another process gets every node's answer.
    let answer = sismatch_json(&["search", "--core", &core, "--json", "ABC12345D404"]);
    let nodes = answer["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 3);
    assert!(nodes.iter().all(|n| n["outcome"] == "OK"), "{answer}");

    // SIGTERM stops it cleanly.
    let pid = demo.id().to_string();
    let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(killed.success());
    let status = demo.wait().unwrap();
    assert!(status.success(), "{status:?}");
}
