//! The query set with its ground truth: `queries.ndjson`, one query per line.
//!
//! ```json
//! {"id":"q000001","corruption":"two_edits","values":[{"kind":"HIN","value":"BAY1Z345D404"}],"expected":["NL-S00000012","BE-S00000013"],"sources":[{"kind":"HIN","value":"BAY 12345 D404"}]}
//! ```
//!
//! `values` are what the officer typed (and `text`, optional, the description words typed
//! with them or alone: `"text":"weisse boote hafen"`), `expected` the alerts the search must
//! find (every
//! searchable alert of the object, and any other alert carrying the very same number), and
//! `sources` the stored identifiers the values were made from, in the same order: what the
//! generator's tests and the quality run's miss analysis check against. A negative has
//! `"corruption":"negative"`, `"expected":[]` and no sources.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use serde::{Deserialize, Serialize};
use sismatch_ident::IdentifierKind;

use crate::error::{BenchError, Result};
use crate::target::Search;

/// The corruption label of a query of several identifiers of one object, one of them misread.
pub const SEVERAL: &str = "several_identifiers";
/// The corruption label of a negative: numbers of objects never reported stolen.
pub const NEGATIVE: &str = "negative";

/// Where a corruption label sorts in reports: the corruptions in `Corruption::ALL` order,
/// then [`SEVERAL`], then anything else (a hand-written query set may have its own labels).
pub fn label_order(label: &str) -> usize {
    let corruptions = sismatch_sample::Corruption::ALL;
    match corruptions.iter().position(|c| c.as_str() == label) {
        Some(at) => at,
        None if label == SEVERAL => corruptions.len(),
        None => corruptions.len() + 1,
    }
}

/// One value of a query, as typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueryValue {
    /// The kind the officer declared (`HIN`, `ENGINE_SERIAL`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The value as typed.
    pub value: String,
}

impl QueryValue {
    /// A value of a known kind.
    pub fn new(kind: IdentifierKind, value: impl Into<String>) -> QueryValue {
        QueryValue {
            kind: Some(kind.as_str().to_string()),
            value: value.into(),
        }
    }

    /// The declared kind, or why it is not one.
    pub fn identifier_kind(&self) -> std::result::Result<Option<IdentifierKind>, String> {
        match &self.kind {
            None => Ok(None),
            Some(name) => name
                .parse()
                .map(Some)
                .map_err(|_| format!("unknown kind '{name}'")),
        }
    }
}

/// One query with its ground truth.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueryRecord {
    /// `q000001`, unique in the set.
    pub id: String,
    /// How the values differ from the stored ones: a `sismatch_sample::Corruption` name,
    /// [`SEVERAL`] or [`NEGATIVE`].
    pub corruption: String,
    /// What the officer typed: one value, or several read on one object; none with `text`.
    #[serde(default)]
    pub values: Vec<QueryValue>,
    /// Description words typed with the values, or alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Ids of the alerts the search must find; empty for a negative.
    pub expected: Vec<String>,
    /// The stored identifiers the values were made from, one per value; empty for a negative.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<QueryValue>,
}

impl QueryRecord {
    /// Whether this is a negative: nothing should be found.
    pub fn is_negative(&self) -> bool {
        self.expected.is_empty()
    }

    /// The search this query makes: its values with their kinds, checked, and its text.
    pub fn search(&self) -> std::result::Result<Search, String> {
        Ok(Search {
            values: self.typed_values()?,
            text: self.text.clone().unwrap_or_default(),
        })
    }

    /// The values with their kinds, checked.
    pub fn typed_values(
        &self,
    ) -> std::result::Result<Vec<(Option<IdentifierKind>, String)>, String> {
        self.values
            .iter()
            .map(|v| Ok((v.identifier_kind()?, v.value.clone())))
            .collect()
    }
}

/// Reads a query set, checking every line (a value and known kinds). Query sets are small
/// (thousands of lines) and read whole.
pub fn read_queries(path: &Path) -> Result<Vec<QueryRecord>> {
    let file = File::open(path).map_err(BenchError::io(path))?;
    let mut queries = Vec::new();
    for (number, line) in BufReader::new(file).lines().enumerate() {
        let line = line.map_err(BenchError::io(path))?;
        if line.trim().is_empty() {
            continue;
        }
        let bad = |message: String| BenchError::Line {
            path: path.to_path_buf(),
            line: number as u64 + 1,
            message,
        };
        let query: QueryRecord = serde_json::from_str(&line).map_err(|e| bad(e.to_string()))?;
        if query.values.is_empty() && query.text.as_deref().is_none_or(|t| t.trim().is_empty()) {
            return Err(bad(
                "values: at least one value is required (or a text)".to_string()
            ));
        }
        query.typed_values().map_err(bad)?;
        queries.push(query);
    }
    if queries.is_empty() {
        return Err(BenchError::Invalid(format!(
            "{}: no queries in the file",
            path.display()
        )));
    }
    Ok(queries)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_checks_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("q.ndjson");
        std::fs::write(
            &path,
            "{\"id\":\"q1\",\"corruption\":\"clean\",\"values\":[{\"kind\":\"HIN\",\"value\":\"BAY12345D404\"}],\"expected\":[\"NL-1\"]}\n\n",
        )
        .unwrap();
        let queries = read_queries(&path).unwrap();
        assert_eq!(queries.len(), 1);
        assert!(!queries[0].is_negative());
        assert_eq!(
            queries[0].typed_values().unwrap(),
            vec![(Some(IdentifierKind::Hin), "BAY12345D404".to_string())]
        );
        std::fs::write(
            &path,
            "{\"id\":\"q1\",\"corruption\":\"clean\",\"values\":[{\"kind\":\"BOAT\",\"value\":\"X\"}],\"expected\":[]}\n",
        )
        .unwrap();
        let error = read_queries(&path).unwrap_err().to_string();
        assert!(error.ends_with("line 1: unknown kind 'BOAT'"), "{error}");
        std::fs::write(
            &path,
            "{\"id\":\"q1\",\"corruption\":\"text\",\"text\":\"weisse boote\",\"expected\":[\"DE-1\"]}\n",
        )
        .unwrap();
        let text = read_queries(&path).unwrap();
        let search = text[0].search().unwrap();
        assert!(search.values.is_empty());
        assert_eq!(search.text, "weisse boote");
        std::fs::write(
            &path,
            "{\"id\":\"q1\",\"corruption\":\"text\",\"text\":\" \",\"expected\":[]}\n",
        )
        .unwrap();
        let error = read_queries(&path).unwrap_err().to_string();
        assert!(
            error.contains("line 1: values: at least one value"),
            "{error}"
        );
    }
}
