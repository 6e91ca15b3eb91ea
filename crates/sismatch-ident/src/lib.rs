//! Identifier core of sismatch: parse, normalise, score and explain the numbers that identify
//! stolen objects (hull numbers, VINs, container codes, IMO numbers, engine and firearm serials).
//!
//! Layer: the bottom of the stack. This crate does no IO, no async and knows nothing about gRPC,
//! storage or serialisation, so that every node computes exactly the same normal forms and the
//! same scores for the same pair of values, and so that it can be tested exhaustively.
//!
//! The pieces, in the order a value flows through them:
//! - [`normalise`]: case, separators, confusable scripts, and the look-alike [`skeleton`] used
//!   for candidate search;
//! - [`parse`]: recognises the known formats (HIN, CIN, VIN, ISO 6346, IMO, MMSI), checks their
//!   check digits, extracts their parts, and never rejects a value: what does not parse is kept
//!   as a generic serial with a [`Note`] saying why;
//! - [`compare`]: a weighted Damerau-Levenshtein distance in which a look-alike substitution
//!   costs a quarter of an edit, fragment and wildcard matching, turned into a score in `[0, 1]`;
//! - [`EditOp`]: the explanation of a match, as the edit operations from query to stored value.

mod country;
mod distance;
mod error;
mod explain;
mod format;
mod fragment;
mod kind;
mod lookalike;
mod maker;
mod normalise;
mod parse;
#[cfg(test)]
mod properties;
mod query;
mod score;

pub use country::is_country_code;
pub use error::{Error, Result};
pub use explain::{EditOp, describe};
pub use format::{
    CheckDigit, ContainerParts, Correction, Format, HinLayout, HinParts, ImoParts, MmsiParts,
    VinParts, container_check_remainder, vin_check_character,
};
pub use kind::IdentifierKind;
pub use lookalike::{is_lookalike, skeleton, skeleton_char};
pub use maker::maker_key;
pub use normalise::{is_sentinel, normalise, normalise_pattern};
pub use parse::{Identifier, Note, parse};
pub use query::Query;
pub use score::{
    Comparison, DEFAULT_THRESHOLD, EDITED_FRAGMENT, MIN_FRAGMENT, MatchMode, compare, edit_scale,
    score, score_at_least, tolerated_edits, without_droppable_head,
};
