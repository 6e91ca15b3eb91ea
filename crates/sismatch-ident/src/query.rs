//! Queries: what an officer typed, as a value to compare whole or a wildcard pattern.

use crate::error::{Error, Result};
use crate::kind::IdentifierKind;
use crate::normalise::normalise_pattern;
use crate::parse::{Identifier, parse};

/// The fewest literal (non-wildcard) characters a pattern must have: fewer would match a large
/// share of all stored values and tell the officer nothing.
pub const MIN_PATTERN_LITERALS: usize = 4;

/// A query value, ready to be compared with stored values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Query {
    /// A whole value (possibly a bare fragment of one), parsed like a stored value.
    Value(Box<Identifier>),
    /// A pattern with `*` and `?` wildcards, normalised.
    Pattern(String),
}

impl Query {
    /// Parses what an officer typed. A value containing `*` or `?` is a pattern.
    ///
    /// Fails only when nothing is left to search for: an empty value, or a pattern with fewer
    /// than [`MIN_PATTERN_LITERALS`] literal characters.
    pub fn parse(raw: &str, kind: Option<IdentifierKind>) -> Result<Query> {
        if raw.contains(['*', '?']) {
            let pattern = normalise_pattern(raw);
            let literals = pattern.chars().filter(|c| !matches!(c, '*' | '?')).count();
            if literals < MIN_PATTERN_LITERALS {
                return Err(Error::PatternTooVague {
                    pattern: raw.to_string(),
                    literals,
                    min: MIN_PATTERN_LITERALS,
                });
            }
            return Ok(Query::Pattern(pattern));
        }
        let value = parse(raw, kind);
        if value.normalised.is_empty() {
            return Err(Error::EmptyQuery);
        }
        Ok(Query::Value(Box::new(value)))
    }

    /// The normalised form that is compared: the normalised value or pattern.
    pub fn normalised(&self) -> &str {
        match self {
            Query::Value(value) => &value.normalised,
            Query::Pattern(pattern) => pattern,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_and_values() {
        assert_eq!(
            Query::parse("*2345-d4*", None),
            Ok(Query::Pattern("*2345D4*".to_string()))
        );
        let value = Query::parse("NL-ABC12345D404", None).unwrap();
        assert_eq!(value.normalised(), "NLABC12345D404");
        assert!(matches!(
            Query::parse("*12*", None),
            Err(Error::PatternTooVague { literals: 2, .. })
        ));
        assert_eq!(Query::parse(" - ", None), Err(Error::EmptyQuery));
    }
}
