//! Explanations: the edit operations that turn the query into the stored value, in words an
//! officer can check against the plate in front of them.

use std::fmt;

/// One step from the query to the stored value.
///
/// Positions are 1-based. They count in the normalised query, except for insertions, which give
/// the position the inserted character has in the stored value, and for fragment and pattern
/// spans, which are positions in the stored value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditOp {
    /// A character misread for its look-alike (`O` for `0`): a quarter of an edit.
    LookAlike {
        /// Position in the query.
        at: usize,
        /// The character in the query.
        query: char,
        /// The character in the stored value.
        stored: char,
    },
    /// A character replaced by an unrelated one.
    Substituted {
        /// Position in the query.
        at: usize,
        /// The character in the query.
        query: char,
        /// The character in the stored value.
        stored: char,
    },
    /// A character of the stored value missing from the query.
    Inserted {
        /// Position in the stored value.
        at: usize,
        /// The missing character.
        stored: char,
    },
    /// A character of the query that the stored value does not have.
    Deleted {
        /// Position in the query.
        at: usize,
        /// The extra character.
        query: char,
    },
    /// Two adjacent characters swapped: the query's `at` and `at + 1`.
    Transposed {
        /// Position of the first of the two in the query.
        at: usize,
    },
    /// The query was found as a fragment inside the stored value, at `start..=end`.
    Fragment {
        /// First position in the stored value.
        start: usize,
        /// Last position in the stored value.
        end: usize,
    },
    /// A wildcard pattern matched the stored value's span `start..=end`.
    Pattern {
        /// First position in the stored value.
        start: usize,
        /// Last position in the stored value.
        end: usize,
    },
    /// A prefix officers add or drop (a CIN country code, `IMO`) found on one side only and
    /// ignored, at no cost.
    PrefixIgnored {
        /// The prefix as written.
        prefix: String,
        /// Whether it was on the query (otherwise on the stored value).
        in_query: bool,
    },
}

impl EditOp {
    /// A stable name for the kind of operation, for JSON and the wire format.
    pub fn name(&self) -> &'static str {
        match self {
            EditOp::LookAlike { .. } => "look-alike",
            EditOp::Substituted { .. } => "substituted",
            EditOp::Inserted { .. } => "inserted",
            EditOp::Deleted { .. } => "deleted",
            EditOp::Transposed { .. } => "transposed",
            EditOp::Fragment { .. } => "fragment",
            EditOp::Pattern { .. } => "pattern",
            EditOp::PrefixIgnored { .. } => "prefix-ignored",
        }
    }
}

impl fmt::Display for EditOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EditOp::LookAlike { at, query, stored } => {
                write!(f, "look-alike {query}→{stored} at {at}")
            }
            EditOp::Substituted { at, query, stored } => {
                write!(f, "substituted {query}→{stored} at {at}")
            }
            EditOp::Inserted { at, stored } => write!(f, "inserted '{stored}' at {at}"),
            EditOp::Deleted { at, query } => write!(f, "deleted '{query}' at {at}"),
            EditOp::Transposed { at } => write!(f, "transposed {at}–{}", at + 1),
            EditOp::Fragment { start, end } => write!(f, "fragment matched at {start}..{end}"),
            EditOp::Pattern { start, end } => write!(f, "pattern matched at {start}..{end}"),
            EditOp::PrefixIgnored { prefix, in_query } => {
                let side = if *in_query { "query" } else { "stored value" };
                write!(f, "prefix '{prefix}' of the {side} ignored")
            }
        }
    }
}

/// Joins operations into one line (`look-alike O→0 at 4, transposed 7–8`); `exact` when none.
pub fn describe(ops: &[EditOp]) -> String {
    if ops.is_empty() {
        return "exact".to_string();
    }
    ops.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wording() {
        let ops = [
            EditOp::LookAlike {
                at: 4,
                query: 'O',
                stored: '0',
            },
            EditOp::Transposed { at: 7 },
            EditOp::Inserted { at: 3, stored: '5' },
            EditOp::Fragment { start: 2, end: 9 },
        ];
        assert_eq!(
            describe(&ops),
            "look-alike O→0 at 4, transposed 7–8, inserted '5' at 3, fragment matched at 2..9"
        );
        assert_eq!(describe(&[]), "exact");
    }
}
