//! The demo's closing "try it yourself" block: commands a new user can paste while the demo
//! serves, built from the addresses it bound and the alerts it loaded, so that the first
//! command one types oneself works. They tell one story on one alert: an officer's search, a
//! dealer's check, the hit report, after which the same search shows the alert HIT_CONFIRMED.
//!
//! Commands are argument vectors, shown shell-quoted after the program as it was invoked
//! (`target/debug/sismatch` under `make demo`, `sismatch` from the PATH), so what is printed
//! is what runs; the demo's integration test runs each printed line.

use std::net::SocketAddr;

use sismatch_alert::Alert;
use sismatch_ident::parse;
use sismatch_sample::{ExampleQuery, Sample};

/// One command to try and what it shows.
pub struct TryIt {
    /// One line saying what the command shows.
    pub what: &'static str,
    /// The arguments after the program's name.
    pub args: Vec<String>,
}

/// The program as this process was started, to begin a pasteable line with.
pub fn program() -> String {
    std::env::args_os()
        .next()
        .map_or("sismatch".to_string(), |p| p.to_string_lossy().into_owned())
}

/// `word` as a POSIX shell reads it back: as is when it holds nothing the shell interprets,
/// else in single quotes (`*2345D4*` would otherwise be a glob).
fn quote(word: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_./:=,+@%".contains(c);
    if !word.is_empty() && word.chars().all(plain) {
        return word.to_string();
    }
    format!("'{}'", word.replace('\'', r"'\''"))
}

/// `program args...`, quoted for a shell.
pub fn shell_line(program: &str, args: &[String]) -> String {
    let words: Vec<String> = std::iter::once(program)
        .chain(args.iter().map(String::as_str))
        .map(quote)
        .collect();
    words.join(" ")
}

/// `search --core CORE [--kind K] VALUE...`: the example's search as the command line runs it,
/// with `--kind` when every value has the same known kind (the flag applies to all values).
pub fn search_args(core: SocketAddr, example: &ExampleQuery) -> Vec<String> {
    let mut args = vec!["search".to_string(), "--core".to_string(), core.to_string()];
    let first = example.values.first().and_then(|(kind, _)| *kind);
    if let Some(kind) = first
        && example.values.iter().all(|(k, _)| *k == Some(kind))
    {
        args.extend(["--kind".to_string(), kind.to_string()]);
    }
    args.extend(example.values.iter().map(|(_, value)| value.clone()));
    args
}

/// The commands to try against the core at `core`, on the first alert the first of `examples`
/// must find: none when there is no example. The hit is reported by another of `countries`
/// than the alert's, as it would be across a border.
pub fn commands(
    core: SocketAddr,
    countries: &[String],
    examples: &[ExampleQuery],
    samples: &[Sample],
) -> Vec<TryIt> {
    let Some(example) = examples.first() else {
        return Vec::new();
    };
    let Some(alert) = example
        .expected_alert_ids
        .first()
        .and_then(|id| samples.iter().find(|s| &s.alert.id == id))
        .map(|s| &s.alert)
    else {
        return Vec::new();
    };
    let mut tries = vec![TryIt {
        what: "an officer's search of every country, misreadings and all (add --json for every field):",
        args: search_args(core, example),
    }];
    if let Some(value) = stored_value(alert) {
        tries.push(TryIt {
            what: "a dealer's check of the number as stored: HIT or NO HIT and a reference, nothing more:",
            args: vec!["check".into(), "--core".into(), core.to_string(), value],
        });
    }
    let by = countries
        .iter()
        .find(|c| **c != alert.country)
        .unwrap_or(&alert.country);
    let mut report = vec![
        "report-hit".to_string(),
        "--core".to_string(),
        core.to_string(),
        alert.id.clone(),
        "--by".to_string(),
        by.clone(),
        "--note".to_string(),
        "found during a check".to_string(),
    ];
    if let Some((_, read)) = example.values.first() {
        report.extend(["--matched-value".to_string(), read.clone()]);
    }
    tries.push(TryIt {
        what: "report the object found: its country records the hit; search again to see HIT_CONFIRMED:",
        args: report,
    });
    tries
}

/// The alert's first identifier that searches can find, as stored.
fn stored_value(alert: &Alert) -> Option<String> {
    alert
        .identifiers
        .iter()
        .find(|entry| parse(&entry.value, Some(entry.kind)).is_indexable())
        .map(|entry| entry.value.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_the_shell_would_change_are_single_quoted() {
        assert_eq!(quote("NL-ABC12345D404"), "NL-ABC12345D404");
        assert_eq!(quote("127.0.0.1:7500"), "127.0.0.1:7500");
        assert_eq!(quote("*2345D4*"), "'*2345D4*'");
        assert_eq!(quote("QKS X5179 F424"), "'QKS X5179 F424'");
        assert_eq!(quote("it's"), r"'it'\''s'");
        assert_eq!(quote(""), "''");
        assert_eq!(
            shell_line("target/debug/sismatch", &["check".into(), "A B".into()]),
            "target/debug/sismatch check 'A B'"
        );
    }
}
