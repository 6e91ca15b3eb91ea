//! Test support: a seeded generator of identifiers and alerts, and the corruptions of DESIGN §3
//! that an officer's query suffers. Deterministic, so failures reproduce.
//!
//! The random numbers come from `sismatch-sample` (a dev-dependency: this crate stays free of
//! IO either way). The corruptions stay here: unlike the sample crate's, which stay within what
//! the scorer forgives so that a benchmark miss is the engine's fault, these also go past it
//! (two edits and a look-alike, two look-alikes), because the index must propose whatever the
//! scorer accepts, at the edge as well.

use sismatch_alert::{Alert, Category, IdentifierEntry};
use sismatch_ident::IdentifierKind;

/// The workspace's one seeded generator: values differ from seed to seed, never from machine
/// to machine, so a failure reproduces.
pub(crate) use sismatch_sample::Rng;

const DIGITS: &str = "0123456789";
const LETTERS: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const ALNUM: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const VIN_CHARS: &str = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789";
const COUNTRIES: [&str; 8] = ["NL", "BE", "FR", "DE", "PL", "SE", "IT", "ES"];

/// The look-alike classes of the identifier core.
const LOOKALIKES: [&str; 7] = ["0OQD", "1IL", "2Z", "5S", "6G", "8B", "VU"];

/// A generated identifier: its kind and value as an importer would give it.
pub(crate) fn identifier(rng: &mut Rng) -> (IdentifierKind, String) {
    match rng.index(10) {
        0..=2 => {
            let value = format!(
                "{}{}{}",
                rng.string(VIN_CHARS, 3),
                rng.string(VIN_CHARS, 8),
                rng.string(DIGITS, 6)
            );
            (IdentifierKind::Vin, value)
        }
        3..=4 => (IdentifierKind::Hin, hin(rng)),
        5 => {
            let country = COUNTRIES[rng.index(COUNTRIES.len())];
            (IdentifierKind::Cin, format!("{country}-{}", hin(rng)))
        }
        6 => {
            let digits = 4 + rng.index(5);
            let value = format!("{}{}", rng.string(LETTERS, 2), rng.string(DIGITS, digits));
            (IdentifierKind::EngineSerial, value)
        }
        7 => {
            let len = 6 + rng.index(5);
            (IdentifierKind::FrameNumber, rng.string(ALNUM, len))
        }
        8 => {
            let len = 6 + rng.index(3);
            (IdentifierKind::SerialNumber, rng.string(DIGITS, len))
        }
        _ if rng.index(3) == 0 => {
            let prefix = if rng.index(2) == 0 { "IMO " } else { "" };
            (
                IdentifierKind::Imo,
                format!("{prefix}9{}", rng.string(DIGITS, 6)),
            )
        }
        _ => {
            let digits = 4 + rng.index(4);
            let value = format!("{}-{}", rng.string(ALNUM, 3), rng.string(DIGITS, digits));
            (IdentifierKind::EngineSerial, value)
        }
    }
}

/// A HIN of the current layout: maker code, serial, month letter, year digit, model year.
fn hin(rng: &mut Rng) -> String {
    format!(
        "{}{}{}{}{}",
        rng.string(LETTERS, 3),
        rng.string(ALNUM, 5),
        rng.char_of("ABCDEFGHIJKL"),
        rng.string(DIGITS, 1),
        rng.string(DIGITS, 2)
    )
}

/// An alert with the given identifiers and no text.
pub(crate) fn alert(id: &str, identifiers: Vec<(IdentifierKind, String)>) -> Alert {
    let identifiers = identifiers
        .into_iter()
        .map(|(kind, value)| IdentifierEntry::new(kind, value))
        .collect();
    Alert {
        version: 1,
        ..Alert::new(id, "NL", Category::Boat, identifiers)
    }
}

/// `count` alerts `NL-<n>`, with 1 to 3 identifiers each (about 1.4 on average).
pub(crate) fn alerts(rng: &mut Rng, count: usize) -> Vec<Alert> {
    (0..count)
        .map(|n| {
            let identifiers = match rng.index(10) {
                0..=6 => 1,
                7..=8 => 2,
                _ => 3,
            };
            let ids = (0..identifiers).map(|_| identifier(rng)).collect();
            alert(&format!("NL-{n:07}"), ids)
        })
        .collect()
}

/// The ways a query differs from the stored value (DESIGN §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Corruption {
    Separators,
    LookAlike,
    TwoLookAlikes,
    OneEdit,
    TwoEdits,
    Transposition,
    LookAlikeAndTransposition,
    TwoEditsAndLookAlike,
    Fragment,
    Pattern,
    Prefix,
    WrongKind,
}

impl Corruption {
    pub(crate) const ALL: [Corruption; 12] = [
        Corruption::Separators,
        Corruption::LookAlike,
        Corruption::TwoLookAlikes,
        Corruption::OneEdit,
        Corruption::TwoEdits,
        Corruption::Transposition,
        Corruption::LookAlikeAndTransposition,
        Corruption::TwoEditsAndLookAlike,
        Corruption::Fragment,
        Corruption::Pattern,
        Corruption::Prefix,
        Corruption::WrongKind,
    ];

    /// What an officer types for the stored `(kind, value)`, and the kind they declare.
    pub(crate) fn apply(
        self,
        rng: &mut Rng,
        kind: IdentifierKind,
        value: &str,
    ) -> (String, Option<IdentifierKind>) {
        let clean: Vec<char> = value
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect();
        let mut chars = clean.clone();
        let declared = Some(kind);
        match self {
            Corruption::Separators => {
                let mut out = String::new();
                for (i, c) in chars.iter().enumerate() {
                    if i > 0 && rng.index(4) == 0 {
                        out.push(if rng.index(2) == 0 { '-' } else { ' ' });
                    }
                    out.push(c.to_ascii_lowercase());
                }
                return (out, None);
            }
            Corruption::LookAlike => lookalike(rng, &mut chars),
            Corruption::TwoLookAlikes => {
                lookalike(rng, &mut chars);
                lookalike(rng, &mut chars);
            }
            Corruption::OneEdit => edit(rng, &mut chars),
            Corruption::TwoEdits => {
                edit(rng, &mut chars);
                edit(rng, &mut chars);
            }
            Corruption::Transposition => transpose(rng, &mut chars),
            Corruption::LookAlikeAndTransposition => {
                lookalike(rng, &mut chars);
                transpose(rng, &mut chars);
            }
            Corruption::TwoEditsAndLookAlike => {
                edit(rng, &mut chars);
                edit(rng, &mut chars);
                lookalike(rng, &mut chars);
            }
            Corruption::Fragment => {
                let len = 5 + rng.index(chars.len().saturating_sub(5).max(1));
                let len = len.min(chars.len().saturating_sub(1)).max(5);
                let start = rng.index(chars.len() - len + 1);
                chars = chars[start..start + len].to_vec();
                if rng.index(2) == 0 {
                    lookalike(rng, &mut chars);
                }
                return (chars.iter().collect(), None);
            }
            Corruption::Pattern => {
                let pattern: String = match rng.index(3) {
                    0 => {
                        let at = rng.index(chars.len() - 2);
                        chars[at] = '?';
                        chars[at + 1] = '?';
                        chars.iter().collect()
                    }
                    1 => {
                        let cut = chars.len() / 3;
                        format!("*{}", chars[cut..].iter().collect::<String>())
                    }
                    _ => {
                        let from = rng.index(chars.len() - 5);
                        let len = 5 + rng.index(chars.len() - from - 4);
                        format!("*{}*", chars[from..from + len].iter().collect::<String>())
                    }
                };
                return (pattern, None);
            }
            Corruption::Prefix => {
                let stored_prefixed = clean.len() == 14 && kind == IdentifierKind::Cin;
                let text: String = if stored_prefixed {
                    clean[2..].iter().collect()
                } else if kind == IdentifierKind::Imo && clean.len() == 10 {
                    clean[3..].iter().collect()
                } else if kind == IdentifierKind::Imo {
                    format!("IMO {}", clean.iter().collect::<String>())
                } else if kind == IdentifierKind::Hin {
                    format!("FR-{}", clean.iter().collect::<String>())
                } else {
                    clean.iter().collect()
                };
                let declared = match kind {
                    IdentifierKind::Cin if stored_prefixed => Some(IdentifierKind::Hin),
                    IdentifierKind::Imo => Some(IdentifierKind::Imo),
                    _ => None,
                };
                return (text, declared);
            }
            Corruption::WrongKind => {
                let wrong = match kind {
                    IdentifierKind::Hin | IdentifierKind::Cin => IdentifierKind::EngineSerial,
                    _ => IdentifierKind::Hin,
                };
                edit(rng, &mut chars);
                return (chars.iter().collect(), Some(wrong));
            }
        }
        (chars.iter().collect(), declared)
    }
}

/// Replaces one character that has a look-alike by another member of its class.
fn lookalike(rng: &mut Rng, chars: &mut [char]) {
    let candidates: Vec<usize> = (0..chars.len())
        .filter(|&i| LOOKALIKES.iter().any(|class| class.contains(chars[i])))
        .collect();
    if candidates.is_empty() {
        return;
    }
    let at = candidates[rng.index(candidates.len())];
    let Some(class) = LOOKALIKES.iter().find(|class| class.contains(chars[at])) else {
        return;
    };
    let others: Vec<char> = class.chars().filter(|c| *c != chars[at]).collect();
    chars[at] = others[rng.index(others.len())];
}

/// One substitution (by a character that is not a look-alike), insertion, deletion or adjacent
/// transposition, at a random place.
fn edit(rng: &mut Rng, chars: &mut Vec<char>) {
    match rng.index(4) {
        0 => {
            let at = rng.index(chars.len());
            let old = sismatch_ident::skeleton_char(chars[at]);
            loop {
                let c = rng.char_of(ALNUM);
                if sismatch_ident::skeleton_char(c) != old {
                    chars[at] = c;
                    break;
                }
            }
        }
        1 => {
            let at = rng.index(chars.len() + 1);
            chars.insert(at, rng.char_of(ALNUM));
        }
        2 if chars.len() > 1 => {
            let at = rng.index(chars.len());
            chars.remove(at);
        }
        _ => transpose(rng, chars),
    }
}

/// Swaps two adjacent characters, preferring different ones.
fn transpose(rng: &mut Rng, chars: &mut [char]) {
    if chars.len() < 2 {
        return;
    }
    for _ in 0..8 {
        let at = rng.index(chars.len() - 1);
        if chars[at] != chars[at + 1] {
            chars.swap(at, at + 1);
            return;
        }
    }
}
