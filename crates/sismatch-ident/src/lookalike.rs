//! Look-alike characters: the pairs an officer misreads on a worn plate by torchlight, or a
//! clerk mistypes from a handwritten report (DESIGN §3).
//!
//! The relation is symmetric and grouped into classes; the *skeleton* of a value replaces every
//! character by its class representative, so that look-alike variants of one value share one
//! skeleton and can be found by exact skeleton look-up in the index.

/// The look-alike classes; the first character of each class is its representative.
const CLASSES: [&str; 7] = ["0OQD", "1IL", "2Z", "5S", "6G", "8B", "VU"];

/// The representative of `c`'s look-alike class, or `c` itself when it has no look-alike.
///
/// Expects an upper-case character, as produced by [`crate::normalise`].
pub fn skeleton_char(c: char) -> char {
    match c {
        'O' | 'Q' | 'D' => '0',
        'I' | 'L' => '1',
        'Z' => '2',
        'S' => '5',
        'G' => '6',
        'B' => '8',
        'U' => 'V',
        c => c,
    }
}

/// The look-alike skeleton of a normalised value: every character replaced by its class
/// representative: `B0STON` and `8OSTON` both give `805T0N`.
pub fn skeleton(normalised: &str) -> String {
    normalised.chars().map(skeleton_char).collect()
}

/// Whether `a` and `b` are different characters that are easily mistaken for each other.
pub fn is_lookalike(a: char, b: char) -> bool {
    a != b && skeleton_char(a) == skeleton_char(b)
}

/// The character allowed by a format at some position (`allowed`) that `c` is most likely a
/// misreading of: the first member of `c`'s look-alike class, in class order, that `allowed`
/// contains. `0` where a letter is required is read as `O`, `O` where a digit is required as `0`.
pub(crate) fn correct(c: char, allowed: impl Fn(char) -> bool) -> Option<char> {
    let class = CLASSES.iter().find(|class| class.contains(c))?;
    class
        .chars()
        .find(|candidate| *candidate != c && allowed(*candidate))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_agree_with_skeleton_char() {
        for class in CLASSES {
            let mut chars = class.chars();
            let representative = chars.next().unwrap_or_default();
            for c in chars {
                assert_eq!(skeleton_char(c), representative, "{c}");
            }
        }
    }

    #[test]
    fn lookalikes_are_symmetric_and_irreflexive() {
        assert!(is_lookalike('O', '0'));
        assert!(is_lookalike('0', 'O'));
        assert!(is_lookalike('Q', 'D'));
        assert!(is_lookalike('U', 'V'));
        assert!(!is_lookalike('O', 'O'));
        assert!(!is_lookalike('A', 'B'));
        assert!(!is_lookalike('8', '9'));
    }

    #[test]
    fn positional_corrections() {
        let digit = |c: char| c.is_ascii_digit();
        let letter = |c: char| c.is_ascii_uppercase();
        assert_eq!(correct('O', digit), Some('0'));
        assert_eq!(correct('D', digit), Some('0'));
        assert_eq!(correct('B', digit), Some('8'));
        assert_eq!(correct('A', digit), None);
        assert_eq!(correct('0', letter), Some('O'));
        assert_eq!(correct('5', letter), Some('S'));
        assert_eq!(correct('7', letter), None);
        assert_eq!(skeleton("B0STON"), skeleton("8OSTON"));
    }
}
