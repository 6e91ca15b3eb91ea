//! The stored alerts as the oracle needs them, compactly: per alert its id, country, status,
//! category and expiry, and per indexable identifier its position, declared kind and
//! normalised value, exactly what the node's identifier index keeps to filter and score.
//!
//! Why compact: the oracle holds a whole country's (or federation's) alerts in memory to score
//! every one of them per query. Ids and normalised values live in two shared strings addressed
//! by 32-bit offsets, so a million alerts take tens of megabytes, not the gigabyte that a
//! million `Alert`s would. The files are read a line at a time: memory holds the table, never
//! the alerts.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use jiff::Timestamp;
use sismatch_alert::{Alert, Category, Status, from_ndjson};
use sismatch_ident::{IdentifierKind, parse};

use crate::error::{BenchError, Result};
use crate::progress::Progress;

/// One alert: where its id and identifiers are, and what searches filter on.
#[derive(Debug, Clone)]
struct Row {
    id_at: u32,
    id_len: u16,
    first_identifier: u32,
    identifiers: u16,
    country: u8,
    status: Status,
    category: Category,
    expires_at: Option<Timestamp>,
}

/// One indexable identifier of an alert.
#[derive(Debug, Clone)]
struct Stored {
    at: u32,
    len: u16,
    /// Position in the alert's identifiers.
    ordinal: u16,
    kind: IdentifierKind,
}

/// The alerts of one or more countries.
#[derive(Debug, Default)]
pub struct Table {
    countries: Vec<String>,
    ids: String,
    values: String,
    rows: Vec<Row>,
    identifiers: Vec<Stored>,
}

/// An offset or length that must fit the compact layout, or the error that says it does not.
fn fits<T: TryFrom<usize>>(value: usize, what: &str) -> Result<T> {
    T::try_from(value).map_err(|_| {
        BenchError::Invalid(format!(
            "the oracle's table cannot hold this corpus: too large a {what} ({value})"
        ))
    })
}

impl Table {
    /// An empty table.
    pub fn new() -> Table {
        Table::default()
    }

    /// Adds `alert`, keeping only its indexable identifiers, parsed as the node parses them.
    pub fn push(&mut self, alert: &Alert) -> Result<()> {
        let country = match self.countries.iter().position(|c| *c == alert.country) {
            Some(at) => at,
            None => {
                self.countries.push(alert.country.clone());
                self.countries.len() - 1
            }
        };
        let first_identifier = fits(self.identifiers.len(), "number of identifiers")?;
        for (ordinal, entry) in alert.identifiers.iter().enumerate() {
            let parsed = parse(&entry.value, Some(entry.kind));
            if !parsed.is_indexable() {
                continue;
            }
            self.identifiers.push(Stored {
                at: fits(self.values.len(), "total of identifier characters")?,
                len: fits(parsed.normalised.len(), "identifier")?,
                ordinal: fits(ordinal, "number of identifiers in an alert")?,
                kind: entry.kind,
            });
            self.values.push_str(&parsed.normalised);
        }
        let identifiers = self.identifiers.len() - first_identifier as usize;
        self.rows.push(Row {
            id_at: fits(self.ids.len(), "total of id characters")?,
            id_len: fits(alert.id.len(), "alert id")?,
            first_identifier,
            identifiers: fits(identifiers, "number of identifiers in an alert")?,
            country: fits(country, "number of countries")?,
            status: alert.status,
            category: alert.category,
            expires_at: alert.expires_at,
        });
        self.ids.push_str(&alert.id);
        Ok(())
    }

    /// Reads the NDJSON import file at `path` (one alert per line) into the table, advancing
    /// `progress` by the bytes read.
    pub fn load(&mut self, path: &Path, progress: &Progress) -> Result<()> {
        let file = File::open(path).map_err(BenchError::io(path))?;
        let mut reader = BufReader::new(file);
        let mut line = String::new();
        let mut number = 0;
        loop {
            line.clear();
            let read = reader.read_line(&mut line).map_err(BenchError::io(path))?;
            if read == 0 {
                return Ok(());
            }
            number += 1;
            progress.inc(read as u64);
            if line.trim().is_empty() {
                continue;
            }
            let imported = from_ndjson(&line).map_err(|e| BenchError::Line {
                path: path.to_path_buf(),
                line: number,
                message: e.to_string(),
            })?;
            self.push(&imported.alert)?;
        }
    }

    /// Alerts held.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether the table holds no alert.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Indexable identifiers held.
    pub fn identifier_count(&self) -> usize {
        self.identifiers.len()
    }

    /// The id of alert `row`.
    pub fn id(&self, row: usize) -> &str {
        let r = &self.rows[row];
        let at = r.id_at as usize;
        &self.ids[at..at + usize::from(r.id_len)]
    }

    /// The issuing country of alert `row`.
    pub fn country(&self, row: usize) -> &str {
        &self.countries[usize::from(self.rows[row].country)]
    }

    /// Whether a search with the default filters returns alert `row` at `now`: ACTIVE or
    /// HIT_CONFIRMED, not past its expiry, any category (the node's `admits`).
    pub fn admits(&self, row: usize, now: Timestamp) -> bool {
        let r = &self.rows[row];
        r.status.is_searchable() && r.expires_at.is_none_or(|at| at > now)
    }

    /// The category of alert `row`.
    pub fn category(&self, row: usize) -> Category {
        self.rows[row].category
    }

    /// The indexable identifiers of alert `row`: position, declared kind, normalised value.
    pub fn identifiers(
        &self,
        row: usize,
    ) -> impl Iterator<Item = (usize, IdentifierKind, &str)> + Clone + '_ {
        let r = &self.rows[row];
        let first = r.first_identifier as usize;
        self.identifiers[first..first + usize::from(r.identifiers)]
            .iter()
            .map(|s| {
                let at = s.at as usize;
                (
                    usize::from(s.ordinal),
                    s.kind,
                    &self.values[at..at + usize::from(s.len)],
                )
            })
    }

    /// Approximate bytes the table occupies.
    pub fn memory_bytes(&self) -> usize {
        self.ids.capacity()
            + self.values.capacity()
            + self.rows.capacity() * size_of::<Row>()
            + self.identifiers.capacity() * size_of::<Stored>()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use sismatch_alert::IdentifierEntry;

    use super::*;

    /// An ACTIVE alert without expiry, of the country its id starts with, with `identifiers`
    /// (kind, value).
    pub(crate) fn alert(id: &str, identifiers: &[(IdentifierKind, &str)]) -> Alert {
        let identifiers: Vec<IdentifierEntry> = identifiers
            .iter()
            .map(|(kind, value)| IdentifierEntry::new(*kind, *value))
            .collect();
        Alert::new(id, &id[..2], Category::Boat, identifiers)
    }

    #[test]
    fn keeps_normalised_indexable_identifiers() {
        let mut table = Table::new();
        let mut first = alert(
            "NL-1",
            &[
                (IdentifierKind::Hin, "bay 12345 d404"),
                (IdentifierKind::EngineSerial, "6CJ-1013456"),
            ],
        );
        first.status = Status::Recovered;
        table.push(&first).unwrap();
        table
            .push(&alert(
                "BE-2",
                &[(IdentifierKind::Vin, "WAUZZZ8V5KA106318")],
            ))
            .unwrap();
        assert_eq!(table.len(), 2);
        assert_eq!(table.id(0), "NL-1");
        assert_eq!(table.id(1), "BE-2");
        assert_eq!(table.country(1), "BE");
        let ids: Vec<_> = table.identifiers(0).collect();
        assert_eq!(ids.len(), 2);
        assert_eq!(ids[0].0, 0);
        assert_eq!(ids[0].1, IdentifierKind::Hin);
        assert_eq!(
            ids[0].2,
            parse("BAY12345D404", Some(IdentifierKind::Hin)).normalised
        );
        assert_eq!(ids[1].0, 1);
        assert_eq!(table.identifiers(1).count(), 1);
        let now = Timestamp::now();
        assert!(!table.admits(0, now), "recovered");
        assert!(table.admits(1, now));
    }
}
