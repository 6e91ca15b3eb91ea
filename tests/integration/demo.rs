//! `sismatch demo`, the README's main job: a whole federation in one process.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use crate::support::sismatch_json;

/// The words a POSIX shell makes of `line`: split on spaces, single quotes kept together, a
/// backslash escaping the next character (enough for what the demo prints: `'it'\''s'`).
fn shell_words(line: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' => words.extend(word.take()),
            '\'' => {
                let quoted = word.get_or_insert_with(String::new);
                for q in chars.by_ref() {
                    if q == '\'' {
                        break;
                    }
                    quoted.push(q);
                }
            }
            '\\' => word.get_or_insert_with(String::new).extend(chars.next()),
            _ => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    words
}

/// Runs a command line the demo printed, as a shell would; returns its standard output.
fn run_printed(line: &str) -> String {
    let words = shell_words(line);
    assert_eq!(
        words[0],
        env!("CARGO_BIN_EXE_sismatch"),
        "the program as started: {line}"
    );
    let output = Command::new(&words[0]).args(&words[1..]).output().unwrap();
    assert!(
        output.status.success(),
        "{line}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// Starts the demo with 600 alerts on free ports and reads its output up to `serving until
/// Ctrl-C`; returns the process, the core's address and the lines.
fn start_demo() -> (std::process::Child, String, Vec<String>) {
    let mut demo = Command::new(env!("CARGO_BIN_EXE_sismatch"))
        .args([
            "demo",
            "--listen",
            "127.0.0.1:0",
            "--web",
            "127.0.0.1:0",
            "--alerts",
            "600",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let lines = BufReader::new(demo.stdout.take().unwrap()).lines();
    let mut core = String::new();
    let mut output = Vec::new();
    for line in lines {
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
    (demo, core, output)
}

#[test]
fn the_demo_serves_a_federation_until_terminated() {
    let (mut demo, core, output) = start_demo();
    let text = output.join("\n");
    assert!(!core.is_empty(), "{text}");
    for country in ["NL", "BE", "FR"] {
        assert!(
            text.contains(&format!("node {country}: 127.0.0.1:")),
            "{text}"
        );
    }
    assert!(text.contains("loaded 600 sample alerts"), "{text}");
    assert!(
        text.contains("partner YAMAHA: https://localhost:"),
        "{text}"
    );
    assert!(text.contains("core for police (mutual TLS"), "{text}");
    demo_sign_ins_work(&output);
    // Every example search finds its expected alert first.
    let examples = text.matches("\n$ ").count();
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

/// Issue 17: the demo ends by telling a new user what to type next. Every line it prints to
/// paste (the examples' `$` lines and the try-it-yourself block) runs as printed, and the block
/// tells one story: the search finds the alert, the dealer's check is a hit, the hit report
/// confirms it, the search then shows it HIT_CONFIRMED; Ctrl-C stops the demo.
#[test]
fn the_demo_tells_what_to_type_next_and_every_printed_command_works() {
    let (mut demo, core, output) = start_demo();
    let text = output.join("\n");
    let found: Vec<&str> = output
        .iter()
        .filter_map(|l| l.strip_prefix("expected alert found first: "))
        .collect();
    let examples: Vec<&str> = output.iter().filter_map(|l| l.strip_prefix("$ ")).collect();
    assert_eq!(examples.len(), found.len(), "{text}");
    for (line, alert) in examples.iter().zip(&found) {
        let table = run_printed(line);
        let first = table.lines().nth(1).unwrap_or_default();
        assert!(
            first.contains(alert),
            "{line} finds {alert} first:\n{table}"
        );
    }

    partner_example_leads_from_the_engine_to_the_boat(&core, &examples, &found);

    let block = output
        .iter()
        .position(|l| l.starts_with("== try it yourself"))
        .unwrap_or_else(|| panic!("no try-it-yourself block\n{text}"));
    let commands: Vec<&str> = output[block..]
        .iter()
        .filter_map(|l| l.strip_prefix("  "))
        .collect();
    let subcommands: Vec<String> = commands.iter().map(|c| shell_words(c)[1].clone()).collect();
    assert_eq!(subcommands, ["search", "check", "report-hit"], "{text}");
    for command in &commands {
        let words = shell_words(command);
        assert_eq!(words[2..4], ["--core", core.as_str()], "{command}");
    }
    let alert = found[0];
    let searched = run_printed(commands[0]);
    assert!(
        searched.lines().nth(1).unwrap().contains(alert),
        "{searched}"
    );
    assert!(searched.contains("ACTIVE"), "{searched}");
    let checked = run_printed(commands[1]);
    assert!(checked.starts_with("HIT: do not buy"), "{checked}");
    assert!(
        shell_words(commands[2]).contains(&alert.to_string()),
        "{text}"
    );
    let reported = run_printed(commands[2]);
    assert!(
        reported.contains(&format!("on {alert} recorded")),
        "{reported}"
    );
    assert!(reported.contains("HIT_CONFIRMED"), "{reported}");
    let searched_again = run_printed(commands[0]);
    let row = searched_again.lines().nth(1).unwrap();
    assert!(
        row.contains(alert) && row.contains("HIT_CONFIRMED"),
        "{searched_again}"
    );

    // How to stop it, and stopping it so: Ctrl-C is SIGINT.
    let last = output.last().unwrap();
    assert!(last.contains("press Ctrl-C to stop"), "{text}");
    let pid = demo.id().to_string();
    let interrupted = Command::new("kill").args(["-INT", &pid]).status().unwrap();
    assert!(interrupted.success());
    let status = demo.wait().unwrap();
    assert!(status.success(), "{status:?}");
}

/// The web page's URL and demo sign-ins are printed, and each signs in to its page; the
/// operator's status page shows every node answering.
fn demo_sign_ins_work(output: &[String]) {
    let text = output.join("\n");
    let web: std::net::SocketAddr = output
        .iter()
        .find_map(|l| l.strip_prefix("web: http://"))
        .and_then(|a| a.trim_end_matches('/').parse().ok())
        .unwrap_or_else(|| panic!("no web URL\n{text}"));
    let block = output
        .iter()
        .position(|l| l.starts_with("== the web page"))
        .unwrap_or_else(|| panic!("no sign-ins\n{text}"));
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut signed_in = Vec::new();
    for line in output[block + 1..].iter().take_while(|l| !l.is_empty()) {
        let words: Vec<&str> = line.split_whitespace().collect();
        let (name, password) = (words[words.len() - 2], words[words.len() - 1]);
        runtime.block_on(async {
            let mut browser = crate::http::Browser::new(web);
            let reply = browser.sign_in(name, password).await;
            assert_eq!(reply.status, 303, "{line}: {}", reply.body);
            let home = reply.header("location").unwrap().to_string();
            let page = browser.get(&home).await;
            assert_eq!(page.status, 200, "{line}: {}", page.body);
            if home == "/status" {
                assert_eq!(
                    page.body.matches(r#"class="outcome">OK"#).count(),
                    3,
                    "{}",
                    page.body
                );
            }
            signed_in.push(home);
        });
    }
    assert_eq!(
        signed_in,
        ["/check", "/search", "/search", "/search", "/status"],
        "{text}"
    );
}

/// Issue 14: the demo runs a manufacturer partner with its register, and one printed example
/// is the case the project exists for. Its engine serial is on no alert, and found nothing
/// without the partner; through it, the search finds the stolen boat the engine was sold
/// with and says how. The gate stays shut to the core's anonymous callers.
fn partner_example_leads_from_the_engine_to_the_boat(
    core: &str,
    examples: &[&str],
    found: &[&str],
) {
    let (position, line) = examples
        .iter()
        .enumerate()
        .find(|(_, line)| line.contains("--via-partners"))
        .unwrap_or_else(|| panic!("no partner example among {examples:#?}"));
    let printed = run_printed(line);
    assert!(
        printed.contains(&format!("{} found via partner YAMAHA: ", found[position])),
        "{line}\n{printed}"
    );
    let words = shell_words(line);
    let serial = words.last().unwrap().clone();

    let mut json = words[1..].to_vec();
    json.push("--json".to_string());
    let json: Vec<&str> = json.iter().map(String::as_str).collect();
    let answer = sismatch_json(&json);
    assert_eq!(
        answer["matches"][0]["alert_id"], found[position],
        "{answer}"
    );
    let explanation = answer["matches"][0]["identifiers"][0]["explanation"]
        .as_str()
        .unwrap();
    assert!(
        explanation.starts_with(&format!("via partner YAMAHA: {serial} → ")),
        "{answer}"
    );
    assert_eq!(answer["partners"][0]["outcome"], "OK", "{answer}");

    // Without the partner the engine serial finds nothing: no alert holds it.
    let alone: Vec<&str> = json
        .iter()
        .copied()
        .filter(|w| *w != "--via-partners")
        .collect();
    let answer = sismatch_json(&alone);
    assert_eq!(answer["matches"], serde_json::json!([]), "{answer}");

    // The core's open listener serves anonymous callers, police of no country: the partner
    // refuses them, and nothing is found through it.
    let kind = words.iter().position(|w| w == "--via-partners").unwrap();
    let mut open = vec!["search", "--core", core, "--json"];
    open.extend(words[kind..].iter().map(String::as_str));
    let answer = sismatch_json(&open);
    assert_eq!(answer["matches"], serde_json::json!([]), "{answer}");
    let refusal = answer["partners"][0]["message"].as_str().unwrap();
    assert!(refusal.contains("refused"), "{answer}");
}
