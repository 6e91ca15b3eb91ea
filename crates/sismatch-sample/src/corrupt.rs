//! Misreadings: what an officer types for a stored identifier (DESIGN §3), for the demo's
//! example searches and the benchmark's query sets.
//!
//! Every corruption stays within what the scorer is meant to forgive, so that a benchmark miss
//! is the engine's fault and never the generator's: edits respect the tolerance by length (none
//! up to 3 characters, one up to 5, two from 6), fragments keep at least 5 characters, patterns
//! at least 4 literals, and no result is a placeholder such as `000000`.

use std::fmt;

use sismatch_ident::{Format, IdentifierKind, is_sentinel, normalise, parse, skeleton_char};

use crate::rng::{DIGITS, LETTERS, Rng};

/// One way a query differs from the stored value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Corruption {
    /// The value as stored: the baseline.
    Clean,
    /// Other separators, spaces or case (`abc-12345 d4 04`).
    Separators,
    /// One or two look-alike characters misread (`O` for `0`, `8` for `B`).
    LookAlike,
    /// One substitution, insertion or deletion.
    OneEdit,
    /// Two substitutions, insertions or deletions at distinct places.
    TwoEdits,
    /// Two adjacent different characters swapped.
    Transposition,
    /// 5 to 8 consecutive characters from anywhere in the value, without wildcards: all that
    /// could be read of a ground-off number.
    Fragment,
    /// A pattern with wildcards: `*2345D4*`, `*345D404`, `ABC123??D404`.
    Pattern,
    /// A CIN typed without its country prefix.
    PrefixDropped,
    /// A HIN typed with a country prefix, as the CIN of the boat.
    PrefixAdded,
    /// The value as stored, meant to be queried as another kind (see [`mistaken_kind`]).
    WrongKind,
}

impl Corruption {
    /// Every corruption, in declaration order.
    pub const ALL: [Corruption; 11] = [
        Corruption::Clean,
        Corruption::Separators,
        Corruption::LookAlike,
        Corruption::OneEdit,
        Corruption::TwoEdits,
        Corruption::Transposition,
        Corruption::Fragment,
        Corruption::Pattern,
        Corruption::PrefixDropped,
        Corruption::PrefixAdded,
        Corruption::WrongKind,
    ];

    /// A stable snake_case name, for benchmark reports and the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Corruption::Clean => "clean",
            Corruption::Separators => "separators",
            Corruption::LookAlike => "look_alike",
            Corruption::OneEdit => "one_edit",
            Corruption::TwoEdits => "two_edits",
            Corruption::Transposition => "transposition",
            Corruption::Fragment => "fragment",
            Corruption::Pattern => "pattern",
            Corruption::PrefixDropped => "prefix_dropped",
            Corruption::PrefixAdded => "prefix_added",
            Corruption::WrongKind => "wrong_kind",
        }
    }
}

impl fmt::Display for Corruption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The kind an officer plausibly mistakes a number of `kind` for, to query a
/// [`Corruption::WrongKind`] value with: an engine serial typed as a hull number, a hull number
/// as an engine serial, a VIN as a frame number.
pub fn mistaken_kind(kind: IdentifierKind) -> IdentifierKind {
    match kind {
        IdentifierKind::Hin | IdentifierKind::Cin => IdentifierKind::EngineSerial,
        IdentifierKind::EngineSerial => IdentifierKind::Hin,
        IdentifierKind::Vin => IdentifierKind::FrameNumber,
        IdentifierKind::FrameNumber | IdentifierKind::Registration => IdentifierKind::Vin,
        IdentifierKind::SerialNumber => IdentifierKind::EngineSerial,
        _ => IdentifierKind::SerialNumber,
    }
}

/// Tries with another draw when a result is not [`findable`], at most this often.
const ATTEMPTS: u64 = 8;

/// A misreading of the stored `value` by `corruption`, deterministic for `seed`; `None` when the
/// corruption does not apply to the value (a fragment of a value too short to have one, a
/// prefix dropped from a value without one) or the value is itself a placeholder.
pub fn corrupt(value: &str, corruption: Corruption, seed: u64) -> Option<String> {
    let base = normalise(value);
    if is_sentinel(&base) {
        return None;
    }
    for attempt in 0..ATTEMPTS {
        let mut rng = Rng::keyed(&[seed, fingerprint(value), attempt]);
        let out = apply(value, &base, corruption, &mut rng)?;
        if findable(&out, &base, corruption) {
            return Some(out);
        }
    }
    None
}

/// Whether a draw is usable: not a placeholder, and, for a regrouping, not turned into a
/// label and a value (`VIN 123...`, which the parser would strip).
fn findable(out: &str, base: &str, corruption: Corruption) -> bool {
    if is_sentinel(out) {
        return false;
    }
    corruption != Corruption::Separators || parse(out, None).normalised == base
}

/// A look-alike and a transposition at other places: the classic misreading of a worn plate
/// copied in a hurry.
pub(crate) fn lookalike_and_transposition(value: &str, seed: u64) -> Option<String> {
    let mut draft = Draft::new(&normalise(value));
    let mut rng = Rng::keyed(&[seed, fingerprint(value)]);
    (draft.chars.len() >= 6 && draft.lookalike(&mut rng) && draft.transpose(&mut rng))
        .then(|| draft.text())
        .filter(|out| !is_sentinel(out))
}

/// FNV-1a of the value, so that one seed gives different draws for different values.
fn fingerprint(value: &str) -> u64 {
    value.bytes().fold(0xCBF2_9CE4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01B3)
    })
}

fn apply(value: &str, base: &str, corruption: Corruption, rng: &mut Rng) -> Option<String> {
    let len = base.chars().count();
    let mut draft = Draft::new(base);
    match corruption {
        Corruption::Clean | Corruption::WrongKind => Some(value.to_string()),
        Corruption::Separators => Some(separators(base, rng)),
        Corruption::LookAlike => {
            let done = draft.lookalike(rng);
            if rng.chance(500) {
                draft.lookalike(rng);
            }
            done.then(|| draft.text())
        }
        Corruption::OneEdit if len >= 4 => draft.edit(rng).then(|| draft.text()),
        Corruption::TwoEdits if len >= 6 => {
            (draft.edit(rng) && draft.edit(rng)).then(|| draft.text())
        }
        Corruption::Transposition if len >= 4 => draft.transpose(rng).then(|| draft.text()),
        Corruption::Fragment if len >= 6 => Some(fragment(&draft.chars, rng)),
        Corruption::Pattern if len >= 6 => Some(pattern(&draft.chars, rng)),
        Corruption::PrefixDropped => {
            let id = parse(value, Some(IdentifierKind::Cin));
            let hull = matches!(id.format, Format::Hin(_));
            (hull && id.prefix.is_some()).then_some(id.key)
        }
        Corruption::PrefixAdded => {
            let id = parse(value, Some(IdentifierKind::Hin));
            let bare_hull = matches!(id.format, Format::Hin(_)) && id.prefix.is_none();
            let country = rng.pick(&["NL", "BE", "FR", "DE", "GB", "IT", "ES", "DK", "SE"]);
            bare_hull.then(|| format!("{country}-{base}"))
        }
        Corruption::OneEdit
        | Corruption::TwoEdits
        | Corruption::Transposition
        | Corruption::Fragment
        | Corruption::Pattern => None,
    }
}

/// The value regrouped with other separators, sometimes in lower case.
fn separators(base: &str, rng: &mut Rng) -> String {
    let separator = *rng.pick(&[" ", "-", ".", "/", " - "]);
    let lower = rng.chance(400);
    let mut out = String::with_capacity(base.len() * 2);
    let mut in_group = 0;
    let mut group = rng.between(2, 5);
    for c in base.chars() {
        if in_group == group {
            out.push_str(separator);
            in_group = 0;
            group = rng.between(2, 5);
        }
        out.push(if lower { c.to_ascii_lowercase() } else { c });
        in_group += 1;
    }
    out
}

/// 5 to 8 consecutive characters, shorter than the value.
fn fragment(chars: &[char], rng: &mut Rng) -> String {
    let longest = chars.len().saturating_sub(1).min(8) as u64;
    let len = rng.between(5, longest) as usize;
    let start = rng.index(chars.len() - len + 1);
    chars[start..start + len].iter().collect()
}

/// A wildcard pattern: a `*`-wrapped fragment, a `*`-led tail, or one or two unreadable
/// characters as `?`.
fn pattern(chars: &[char], rng: &mut Rng) -> String {
    match rng.below(3) {
        0 => format!("*{}*", fragment(chars, rng)),
        1 => {
            let len = rng.between(5, chars.len().saturating_sub(1).min(8) as u64) as usize;
            let tail: String = chars[chars.len() - len..].iter().collect();
            format!("*{tail}")
        }
        _ => {
            let unreadable = rng.between(1, 2) as usize;
            let start = rng.index(chars.len() - unreadable + 1);
            let mut out = chars.to_vec();
            for c in &mut out[start..start + unreadable] {
                *c = '?';
            }
            out.into_iter().collect()
        }
    }
}

/// The misreadings of one look-alike class member, most likely first.
fn misreadings(c: char) -> &'static [char] {
    match c {
        '0' => &['O', 'O', 'D', 'Q'],
        'O' => &['0', '0', 'D', 'Q'],
        'D' | 'Q' => &['0', 'O'],
        '1' => &['I', 'I', 'L'],
        'I' => &['1', '1', 'L'],
        'L' => &['1', 'I'],
        '2' => &['Z'],
        'Z' => &['2'],
        '5' => &['S'],
        'S' => &['5'],
        '6' => &['G'],
        'G' => &['6'],
        '8' => &['B'],
        'B' => &['8'],
        'U' => &['V'],
        'V' => &['U'],
        _ => &[],
    }
}

/// A normalised value being misread, with the places already changed, so that two changes
/// never land on one place (or next to each other, where they could cancel out or merge into
/// one edit).
struct Draft {
    chars: Vec<char>,
    touched: Vec<bool>,
}

impl Draft {
    fn new(base: &str) -> Draft {
        let chars: Vec<char> = base.chars().collect();
        let touched = vec![false; chars.len()];
        Draft { chars, touched }
    }

    fn text(&self) -> String {
        self.chars.iter().collect()
    }

    /// A random untouched place for which `fits` holds, with its untouched neighbours.
    fn place(&self, rng: &mut Rng, fits: impl Fn(usize) -> bool) -> Option<usize> {
        let free = |i: usize| !self.touched.get(i).copied().unwrap_or(false);
        let places: Vec<usize> = (0..self.chars.len())
            .filter(|&i| free(i) && (i == 0 || free(i - 1)) && free(i + 1) && fits(i))
            .collect();
        (!places.is_empty()).then(|| places[rng.index(places.len())])
    }

    fn touch(&mut self, at: usize) {
        if let Some(flag) = self.touched.get_mut(at) {
            *flag = true;
        }
    }

    /// Misreads one character as its look-alike.
    fn lookalike(&mut self, rng: &mut Rng) -> bool {
        let Some(at) = self.place(rng, |i| !misreadings(self.chars[i]).is_empty()) else {
            return false;
        };
        self.chars[at] = *rng.pick(misreadings(self.chars[at]));
        self.touch(at);
        true
    }

    /// One substitution (by a character of the same sort that is not a look-alike),
    /// insertion or deletion.
    fn edit(&mut self, rng: &mut Rng) -> bool {
        let Some(at) = self.place(rng, |_| true) else {
            return false;
        };
        let same_sort = |c: char| if c.is_ascii_digit() { DIGITS } else { LETTERS };
        match rng.below(3) {
            0 => {
                let old = self.chars[at];
                let alphabet = same_sort(old);
                let mut new = rng.char_of(alphabet);
                while skeleton_char(new) == skeleton_char(old) {
                    new = rng.char_of(alphabet);
                }
                self.chars[at] = new;
                self.touch(at);
            }
            1 => {
                let new = rng.char_of(same_sort(self.chars[at]));
                self.chars.insert(at, new);
                self.touched.insert(at, true);
                self.touch(at + 1);
                if at > 0 {
                    self.touch(at - 1);
                }
            }
            _ => {
                self.chars.remove(at);
                self.touched.remove(at);
                self.touch(at);
                if at > 0 {
                    self.touch(at - 1);
                }
            }
        }
        true
    }

    /// Swaps two adjacent characters that differ, and not merely as look-alikes.
    fn transpose(&mut self, rng: &mut Rng) -> bool {
        let chars = &self.chars;
        let touched = &self.touched;
        let swappable = |i: usize| {
            i + 1 < chars.len()
                && skeleton_char(chars[i]) != skeleton_char(chars[i + 1])
                && !touched.get(i + 2).copied().unwrap_or(false)
        };
        let Some(at) = self.place(rng, swappable) else {
            return false;
        };
        self.chars.swap(at, at + 1);
        self.touch(at);
        self.touch(at + 1);
        true
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn names_are_stable_and_distinct() {
        let names: Vec<&str> = Corruption::ALL.iter().map(|c| c.as_str()).collect();
        for (i, name) in names.iter().enumerate() {
            assert!(!names[..i].contains(name), "{name}");
            assert!(name.chars().all(|c| c.is_ascii_lowercase() || c == '_'));
        }
        assert_eq!(Corruption::LookAlike.to_string(), "look_alike");
    }

    #[test]
    fn deterministic_for_a_seed() {
        for corruption in Corruption::ALL {
            let once = corrupt("NL-BAY12345D404", corruption, 9);
            assert_eq!(
                once,
                corrupt("NL-BAY12345D404", corruption, 9),
                "{corruption}"
            );
        }
        let draws: BTreeSet<Option<String>> = (0..20)
            .map(|seed| corrupt("BAY12345D404", Corruption::OneEdit, seed))
            .collect();
        assert!(draws.len() > 10, "{draws:?}");
    }

    #[test]
    fn prefixes_dropped_and_added() {
        let dropped = corrupt("NL-BAY12345D404", Corruption::PrefixDropped, 1);
        assert_eq!(dropped.as_deref(), Some("BAY12345D404"));
        assert_eq!(corrupt("BAY12345D404", Corruption::PrefixDropped, 1), None);
        let added = corrupt("BAY 12345 D404", Corruption::PrefixAdded, 1).unwrap();
        assert_eq!(&added[2..], "-BAY12345D404");
        assert!(sismatch_ident::is_country_code(&added[..2]));
        assert_eq!(corrupt("NL-BAY12345D404", Corruption::PrefixAdded, 1), None);
        assert_eq!(corrupt("6CJ-1013456", Corruption::PrefixAdded, 1), None);
    }

    #[test]
    fn fragments_and_patterns() {
        for seed in 0..50 {
            let fragment = corrupt("BAY12345D404", Corruption::Fragment, seed).unwrap();
            assert!((5..=8).contains(&fragment.len()), "{fragment}");
            assert!("BAY12345D404".contains(&fragment), "{fragment}");
            let pattern = corrupt("BAY12345D404", Corruption::Pattern, seed).unwrap();
            assert!(pattern.contains(['*', '?']), "{pattern}");
        }
        assert_eq!(corrupt("12345", Corruption::Fragment, 1), None);
        assert_eq!(corrupt("12345", Corruption::Pattern, 1), None);
    }

    #[test]
    fn edits_respect_the_tolerance_by_length() {
        assert_eq!(corrupt("ABCDE", Corruption::TwoEdits, 1), None);
        assert!(corrupt("ABCDEF", Corruption::TwoEdits, 1).is_some());
        assert_eq!(corrupt("ABC", Corruption::OneEdit, 1), None);
        assert_eq!(corrupt("ABC", Corruption::Transposition, 1), None);
        assert!(corrupt("ABCD", Corruption::OneEdit, 1).is_some());
        assert_eq!(corrupt("AAAA", Corruption::Transposition, 1), None);
        assert_eq!(corrupt("XKM", Corruption::LookAlike, 1), None);
        assert_eq!(corrupt("B", Corruption::LookAlike, 1).as_deref(), Some("8"));
    }

    #[test]
    fn never_a_placeholder() {
        assert_eq!(corrupt("N/A", Corruption::Clean, 1), None);
        for seed in 0..200 {
            if let Some(typed) = corrupt("000001", Corruption::OneEdit, seed) {
                assert!(!is_sentinel(&typed), "{typed}");
            }
        }
    }

    #[test]
    fn wrong_kinds_differ() {
        for kind in IdentifierKind::ALL {
            assert_ne!(mistaken_kind(kind), kind);
        }
        assert_eq!(
            corrupt("6CJ-1013456", Corruption::WrongKind, 1).as_deref(),
            Some("6CJ-1013456")
        );
    }

    #[test]
    fn a_lookalike_and_a_transposition_apart() {
        let typed = lookalike_and_transposition("BAY12345D404", 3).unwrap();
        let changed = typed
            .chars()
            .zip("BAY12345D404".chars())
            .filter(|(a, b)| a != b)
            .count();
        assert_eq!(changed, 3, "{typed}");
        assert_eq!(lookalike_and_transposition("12345", 3), None);
    }
}
