//! The 32-bit keys of the posting lists: a hash of what a look-up asks for (which kind of key,
//! the stored length, an exact part and a variant).
//!
//! 32 bits are enough because a key only proposes: every candidate it yields is verified on
//! its characters before anything else happens, so a collision costs one verification and
//! never a wrong answer. At 10 M alerts (some 600 M keys) a probe meets a foreign key about
//! once in seven look-ups.

/// What a key stands for; part of the hash so that keys of different kinds never meet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tag {
    /// A deletion variant of a whole short value.
    Deletion = 1,
    /// First third exact, a variant of the second (`keys::Cut::Thirds`).
    FirstSecond = 2,
    /// Second third exact, a variant of the third.
    SecondThird = 3,
    /// Third third exact, a variant of the first.
    ThirdFirst = 4,
    /// A 4-gram of a value's skeleton.
    Gram = 5,
    /// As `FirstSecond`, `SecondThird`, `ThirdFirst`, for the parts of the short-tail cut
    /// (`keys::Cut::ShortTail`).
    TailFirstSecond = 6,
    TailSecondThird = 7,
    TailThirdFirst = 8,
}

const MULTIPLIER: u64 = 0x9E37_79B9_7F4A_7C15;

/// The key of `(tag, len, exact, variant)`.
pub(crate) fn key(tag: Tag, len: usize, exact: &[char], variant: &[char]) -> u32 {
    key_of(tag, len, exact, variant.iter().copied())
}

/// [`key`] with the variant given as characters, so that a deletion variant is hashed without
/// being built.
pub(crate) fn key_of(
    tag: Tag,
    len: usize,
    exact: &[char],
    variant: impl Iterator<Item = char>,
) -> u32 {
    let mut h = (tag as u64) << 56 | (len as u64) << 40 | (exact.len() as u64) << 20;
    for c in exact
        .iter()
        .copied()
        .chain(std::iter::once('\u{0}'))
        .chain(variant)
    {
        h = (h ^ u64::from(c)).wrapping_mul(MULTIPLIER).rotate_left(23);
    }
    finish(h)
}

/// SplitMix64's finaliser: every input bit reaches the top bits, which pick the bucket.
fn finish(mut z: u64) -> u32 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    ((z ^ (z >> 31)) >> 32) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chars(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    #[test]
    fn parts_do_not_run_into_each_other() {
        let a = key(Tag::FirstSecond, 12, &chars("AB"), &chars("C"));
        let b = key(Tag::FirstSecond, 12, &chars("A"), &chars("BC"));
        let c = key(Tag::FirstSecond, 13, &chars("AB"), &chars("C"));
        let d = key(Tag::SecondThird, 12, &chars("AB"), &chars("C"));
        assert_ne!(a, b);
        assert_ne!(a, c);
        assert_ne!(a, d);
        assert_eq!(a, key(Tag::FirstSecond, 12, &chars("AB"), &chars("C")));
    }
}
