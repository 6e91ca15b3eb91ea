//! What the index keeps of each alert: the few fields a search filters on, and each indexable
//! identifier pre-parsed (its kind, normalised value and skeletons), so that candidates are
//! verified, filtered and scored without reading or parsing anything from the store.
//!
//! Rows are appended and never moved: an id in a posting list stays valid. A changed alert
//! gets new identifier rows only when its identifiers changed (a status change keeps them), and
//! the old rows are marked dead; merges drop dead rows' postings.

use std::collections::HashMap;
use std::ops::Range;

use jiff::Timestamp;
use sismatch_alert::{Alert, Category, IdentifierEntry, Legibility, Status};
use sismatch_ident::{IdentifierKind, Query, maker_key, parse, skeleton, without_droppable_head};

use crate::keys::GRAM_LENGTHS;
use crate::patterns::{self, StoredPatterns};
use crate::symbols::{Slot, symbols};
use crate::verify::Census;

/// One alert.
#[derive(Debug)]
pub(crate) struct AlertRow {
    pub id: Box<str>,
    pub status: Status,
    pub category: Category,
    pub expires_at: Option<Timestamp>,
    /// Its identifier rows.
    pub idents: Range<u32>,
    /// False once the alert is gone from the store.
    pub live: bool,
}

/// One indexable identifier of an alert.
#[derive(Debug)]
pub(crate) struct IdentRow {
    pub alert: u32,
    /// Position in the alert's identifier list (at most `Limits::IDENTIFIERS`, 64).
    pub ordinal: u8,
    /// The kind the alert declares.
    pub kind: IdentifierKind,
    /// Its maker, as a number in [`Table::makers`]; 0 for none.
    pub maker: u16,
    /// The normalised value, in `text`.
    pub normalised: Range<u32>,
    /// Its first whole-value form row: its forms are appended right after it, so they end
    /// where the next identifier's begin.
    pub forms: u32,
    /// The skeleton of the normalised value, as bytes: what fragments and patterns are
    /// checked on.
    pub skeleton: Slot,
}

/// One whole-value skeleton of an identifier (of its key, of its normalised value, without a
/// droppable head): what whole-value keys point to.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FormRow {
    pub ident: u32,
    /// The skeleton, as bytes: what whole values are checked on.
    pub text: Slot,
    /// Its bytes counted by class: most rows are refused on it, before the distance.
    pub census: Census,
}

// A search gathers whole-value rows by the hundred: each must stay within half a cache line.
const _: () = assert!(std::mem::size_of::<FormRow>() == 32);
// One per identifier, 14 M at 10 M alerts: the maker fits where a wider ordinal was.
const _: () = assert!(std::mem::size_of::<IdentRow>() == 40);
const _: () = assert!(sismatch_alert::Limits::IDENTIFIERS <= u8::MAX as usize);

/// An identifier of an alert about to be added, with what its keys are made from.
pub(crate) struct NewIdent {
    pub ordinal: u8,
    pub kind: IdentifierKind,
    /// `sismatch_ident::maker_key` of its manufacturer.
    pub maker: Option<String>,
    /// Whether it was recorded as a pattern (`patterns`): then `normalised` and `skeleton`
    /// hold the pattern, and it has no whole-value forms.
    pub pattern: bool,
    pub normalised: String,
    pub skeleton: Vec<char>,
    pub forms: Vec<Vec<char>>,
}

impl NewIdent {
    /// The indexable identifiers of `alert`.
    pub(crate) fn of(alert: &Alert) -> Vec<NewIdent> {
        alert
            .identifiers
            .iter()
            .enumerate()
            .filter_map(|(ordinal, entry)| {
                let ordinal = u8::try_from(ordinal).unwrap_or(u8::MAX);
                let maker = entry.manufacturer.as_deref().and_then(maker_key);
                if let Some(pattern) = recorded_pattern(entry) {
                    return Some(NewIdent {
                        ordinal,
                        kind: entry.kind,
                        maker,
                        pattern: true,
                        skeleton: skeleton(&pattern).chars().collect(),
                        normalised: pattern,
                        forms: Vec::new(),
                    });
                }
                let id = parse(&entry.value, Some(entry.kind));
                if !id.is_indexable() {
                    return None;
                }
                let forms = whole_value_skeletons(&id.key, &id.normalised)
                    .into_iter()
                    .map(|form| form.chars().collect())
                    .collect();
                Some(NewIdent {
                    ordinal,
                    kind: entry.kind,
                    maker,
                    pattern: false,
                    skeleton: skeleton(&id.normalised).chars().collect(),
                    normalised: id.normalised,
                    forms,
                })
            })
            .collect()
    }
}

/// The pattern an identifier was recorded as: a GROUND_OFF or PARTIAL value with `?` or `*`
/// that `Query::parse` takes as a pattern and that [`patterns::is_fileable`]; `None` for any
/// other (a value with a wildcard but no such run is kept without it, as any value).
pub fn recorded_pattern(entry: &IdentifierEntry) -> Option<String> {
    if !matches!(
        entry.legibility,
        Some(Legibility::GroundOff | Legibility::Partial)
    ) {
        return None;
    }
    match Query::parse(&entry.value, Some(entry.kind)) {
        Ok(Query::Pattern(pattern))
            if patterns::is_fileable(&skeleton(&pattern).chars().collect::<Vec<_>>()) =>
        {
            Some(pattern)
        }
        _ => None,
    }
}

/// The skeletons under which a whole value is looked up, deduplicated: of the key, of the
/// normalised form, and of the normalised form without a droppable head (a CIN country code,
/// `IMO`), so that a value stored with a prefix is found by a query without, and the reverse.
pub(crate) fn whole_value_skeletons(key: &str, normalised: &str) -> Vec<String> {
    let mut out = vec![skeleton(key), skeleton(normalised)];
    if let Some(rest) = without_droppable_head(normalised) {
        out.push(skeleton(rest));
    }
    out.retain(|s| !s.is_empty());
    out.sort();
    out.dedup();
    out
}

/// All rows, and the text they point into.
#[derive(Debug, Default)]
pub(crate) struct Table {
    pub alerts: Vec<AlertRow>,
    pub idents: Vec<IdentRow>,
    pub forms: Vec<FormRow>,
    /// Which identifier rows are live, a bit each: read for every candidate, so kept small.
    live: Vec<u64>,
    /// Normalised values, one after the other.
    pub text: String,
    /// Skeletons too long for their slot.
    pub spill: Vec<u8>,
    /// Makers of identifiers (`maker_key`s), numbered from 1 in the order met; a maker past
    /// the 65,535th is not kept (its identifiers score as if none was given).
    makers: Vec<Box<str>>,
    /// Maker key → its number.
    maker_numbers: HashMap<Box<str>, u16>,
    /// The identifiers recorded as patterns.
    pub patterns: StoredPatterns,
    /// Alert id → row.
    pub by_id: HashMap<Box<str>, u32>,
    /// Live alerts.
    pub live_alerts: usize,
    /// Live identifiers.
    pub live_idents: usize,
    /// The skeleton lengths filed so far.
    pub lengths: Lengths,
    /// Bytes of the alert ids (held twice: in the row and as the map's key).
    id_bytes: usize,
    /// The identifier rows below this belong to alert rows in strictly ascending id order (see
    /// [`Table::in_id_order`]).
    ordered_idents: u32,
    /// Whether an alert row was appended out of id order (then `ordered_idents` stays).
    out_of_order: bool,
}

/// How many values were ever filed per skeleton length, so that a search skips the lengths
/// nobody filed: a 17-character VIN reads no keys of 15-, 16-, 18- or 19-character values
/// when the node holds none, a fragment no gram of a length class that is empty. Most nodes
/// hold a few kinds of number, each of a few fixed lengths. Never decremented: a length only
/// removed values had is probed for nothing, which costs look-ups and loses nothing.
#[derive(Debug, Default)]
pub(crate) struct Lengths {
    /// Whole-value forms per length.
    forms: Vec<u32>,
    /// Identifier skeletons per gram length class (`keys::gram`: longer ones in the last).
    classes: Vec<u32>,
}

impl Lengths {
    fn count(counts: &mut Vec<u32>, len: usize) {
        if counts.len() <= len {
            counts.resize(len + 1, 0);
        }
        counts[len] = counts[len].saturating_add(1);
    }

    /// Whether a whole-value form of `len` characters was ever filed.
    pub(crate) fn form(&self, len: usize) -> bool {
        self.forms.get(len).is_some_and(|&n| n > 0)
    }

    /// Whether an identifier was ever filed under the gram length class `class`.
    pub(crate) fn class(&self, class: usize) -> bool {
        self.classes.get(class).is_some_and(|&n| n > 0)
    }
}

impl Table {
    pub(crate) fn text(&self, range: &Range<u32>) -> &str {
        self.text
            .get(range.start as usize..range.end as usize)
            .unwrap_or_default()
    }

    /// The identifier rows below the returned one are in the id order of their alerts: a run
    /// of them, ascending by row, comes in ascending alert id, so a crowd of equal bounds is
    /// visited in id order without sorting it, and a search stopping early checks only its
    /// first few. True of every row of an index filled from the store (read in id order) and
    /// of appends whose ids ascend; a row appended out of order (an alert whose identifiers
    /// changed, ids that do not ascend) ends the run, and later rows are sorted when searched.
    pub(crate) fn in_id_order(&self) -> u32 {
        self.ordered_idents
    }

    /// The whole-value form rows of identifier row `ident`.
    pub(crate) fn forms_of(&self, ident: u32) -> &[FormRow] {
        let at = ident as usize;
        let Some(row) = self.idents.get(at) else {
            return &[];
        };
        let end = self
            .idents
            .get(at + 1)
            .map_or(self.forms.len(), |next| next.forms as usize);
        self.forms.get(row.forms as usize..end).unwrap_or_default()
    }

    /// Whether identifier row `ident` is live.
    pub(crate) fn ident_live(&self, ident: u32) -> bool {
        let (word, bit) = (ident as usize / 64, ident % 64);
        self.live.get(word).is_some_and(|w| w & (1 << bit) != 0)
    }

    fn set_live(&mut self, ident: u32, live: bool) {
        let (word, bit) = (ident as usize / 64, ident % 64);
        if self.live.len() <= word {
            self.live.resize(word + 1, 0);
        }
        if live {
            self.live[word] |= 1 << bit;
        } else {
            self.live[word] &= !(1 << bit);
        }
    }

    /// The maker key numbered `number` (0: none).
    pub(crate) fn maker(&self, number: u16) -> Option<&str> {
        let at = usize::from(number).checked_sub(1)?;
        self.makers.get(at).map(|m| &**m)
    }

    /// The number of maker key `maker`, numbering it when new; 0 for none (or past the last
    /// number).
    fn number_maker(&mut self, maker: Option<&str>) -> u16 {
        let Some(maker) = maker else { return 0 };
        if let Some(&number) = self.maker_numbers.get(maker) {
            return number;
        }
        let Ok(number) = u16::try_from(self.makers.len() + 1) else {
            return 0;
        };
        self.makers.push(maker.into());
        self.maker_numbers.insert(maker.into(), number);
        number
    }

    fn push_text(&mut self, s: &str) -> Range<u32> {
        let start = self.text.len() as u32;
        self.text.push_str(s);
        start..self.text.len() as u32
    }

    /// Whether the identifiers stored for alert row `row` are `new` (same order, kinds and
    /// normalised values): then a change of the alert leaves its keys alone.
    pub(crate) fn same_identifiers(&self, row: u32, new: &[NewIdent]) -> bool {
        let Some(alert) = self.alerts.get(row as usize) else {
            return false;
        };
        let old = &self.idents[alert.idents.start as usize..alert.idents.end as usize];
        old.len() == new.len()
            && old.iter().zip(new).all(|(o, n)| {
                o.ordinal == n.ordinal
                    && o.kind == n.kind
                    && self.maker(o.maker) == n.maker.as_deref()
                    && self.text(&o.normalised) == n.normalised
            })
    }

    /// Updates the fields of an existing alert row whose identifiers stay.
    pub(crate) fn refresh(&mut self, row: u32, alert: &Alert) {
        if let Some(r) = self.alerts.get_mut(row as usize) {
            r.status = alert.status;
            r.category = alert.category;
            r.expires_at = alert.expires_at;
        }
    }

    /// Marks alert row `row` and its identifiers dead.
    pub(crate) fn kill(&mut self, row: u32) {
        let Some(alert) = self.alerts.get_mut(row as usize) else {
            return;
        };
        if alert.live {
            alert.live = false;
            self.live_alerts -= 1;
        }
        for ident in alert.idents.clone() {
            if self.ident_live(ident) {
                self.set_live(ident, false);
                self.live_idents -= 1;
            }
        }
        if let Some(id) = self.alerts.get(row as usize).map(|a| a.id.clone()) {
            self.by_id.remove(&id);
        }
    }

    /// Appends `alert` with its identifiers; returns, per identifier, its row and the rows of
    /// its forms.
    pub(crate) fn add(&mut self, alert: &Alert, new: &[NewIdent]) -> Vec<(u32, Range<u32>)> {
        let row = self.alerts.len() as u32;
        let first = self.idents.len() as u32;
        let mut placed = Vec::with_capacity(new.len());
        for ident in new {
            let at = self.idents.len() as u32;
            let normalised = self.push_text(&ident.normalised);
            let skeleton = Slot::new(&symbols(&ident.skeleton), &mut self.spill);
            let maker = self.number_maker(ident.maker.as_deref());
            let forms_start = self.forms.len() as u32;
            self.idents.push(IdentRow {
                alert: row,
                ordinal: ident.ordinal,
                kind: ident.kind,
                maker,
                normalised,
                forms: forms_start,
                skeleton,
            });
            self.set_live(at, true);
            if ident.pattern {
                self.patterns.file(at, &ident.skeleton);
            }
            Lengths::count(
                &mut self.lengths.classes,
                ident.skeleton.len().min(GRAM_LENGTHS),
            );
            for form in &ident.forms {
                Lengths::count(&mut self.lengths.forms, form.len());
                let bytes = symbols(form);
                let text = Slot::new(&bytes, &mut self.spill);
                let census = Census::of(&bytes);
                self.forms.push(FormRow {
                    ident: at,
                    text,
                    census,
                });
            }
            placed.push((at, forms_start..self.forms.len() as u32));
        }
        self.out_of_order = self.out_of_order
            || self
                .alerts
                .last()
                .is_some_and(|last| *last.id >= *alert.id.as_str());
        if !self.out_of_order {
            self.ordered_idents = self.idents.len() as u32;
        }
        self.alerts.push(AlertRow {
            id: alert.id.as_str().into(),
            status: alert.status,
            category: alert.category,
            expires_at: alert.expires_at,
            idents: first..self.idents.len() as u32,
            live: true,
        });
        self.by_id.insert(alert.id.as_str().into(), row);
        self.id_bytes += 2 * alert.id.len();
        self.live_alerts += 1;
        self.live_idents += new.len();
        placed
    }

    /// Bytes held, roughly.
    pub(crate) fn bytes(&self) -> usize {
        use std::mem::size_of;
        self.alerts.capacity() * size_of::<AlertRow>()
            + self.idents.capacity() * size_of::<IdentRow>()
            + self.forms.capacity() * size_of::<FormRow>()
            + self.text.capacity()
            + self.spill.capacity()
            + self.live.capacity() * size_of::<u64>()
            + self.makers.iter().map(|m| 2 * m.len()).sum::<usize>()
            + self.patterns.bytes()
            + self.by_id.capacity() * (size_of::<(Box<str>, u32)>() + 1)
            + self.id_bytes
    }
}

#[cfg(test)]
mod tests {
    use sismatch_ident::IdentifierKind;

    use super::{NewIdent, Table};
    use crate::testkit::alert;

    /// Each identifier's form rows are the ones appended with it: one for most values, more
    /// for a value with a droppable head, none for a value recorded as a pattern.
    #[test]
    fn an_identifier_finds_its_own_forms() {
        let mut table = Table::default();
        for (id, values) in [
            ("NL-1", vec!["6CJ-1013456", "NL-ABC12345D404"]),
            ("NL-2", vec!["K83921"]),
            ("NL-3", vec!["IMO 9074729", "WVWZZZ1JZXW000001", "BAZ10150"]),
        ] {
            let identifiers = values
                .into_iter()
                .map(|v| (IdentifierKind::EngineSerial, v.to_string()))
                .collect();
            let alert = alert(id, identifiers);
            table.add(&alert, &NewIdent::of(&alert));
        }
        let mut seen = 0;
        for ident in 0..table.idents.len() as u32 {
            let own: Vec<u32> = table.forms_of(ident).iter().map(|f| f.ident).collect();
            let expected = table.forms.iter().filter(|f| f.ident == ident).count();
            assert!(
                !own.is_empty() && own.iter().all(|&i| i == ident),
                "{ident}"
            );
            assert_eq!(own.len(), expected, "{ident}");
            seen += own.len();
        }
        assert_eq!(seen, table.forms.len());
        assert!(table.forms_of(table.idents.len() as u32).is_empty());
    }
}
