//! A small seeded pseudo-random generator (SplitMix64), public because it is the one seeded
//! generator of the workspace: the sample corpora, the tests' data and the benches' corpora
//! all draw from it, so a failing test or a bench corpus reproduces from its seed alone.
//!
//! Written here rather than taken from a crate because the sample data must be the same for a
//! seed on every platform and with every dependency version: a benchmark corpus that changes
//! under a `cargo update` cannot be compared with last month's numbers. Only integer
//! arithmetic with defined wrapping is used, so the output depends on nothing but the seed.

/// The SplitMix64 finaliser: a bijection on `u64` that spreads every input bit over the output.
fn finalise(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// A seeded stream of pseudo-random numbers, the same for a seed on every platform.
#[derive(Debug, Clone)]
pub struct Rng {
    state: u64,
}

impl Rng {
    /// A stream for `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng { state: seed }
    }

    /// An independent stream for a key made of several numbers (seed, object number, part):
    /// this is what lets the generator produce object `i` without producing objects `0..i`.
    pub fn keyed(keys: &[u64]) -> Rng {
        let mut state = GOLDEN;
        for &key in keys {
            state = finalise(state ^ finalise(key.wrapping_add(GOLDEN)));
        }
        Rng::new(state)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GOLDEN);
        finalise(self.state)
    }

    /// A number in `0..n`, without the bias of `%` (multiply-shift); 0 when `n` is 0.
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// An index into a slice of `len` elements; 0 when `len` is 0.
    pub fn index(&mut self, len: usize) -> usize {
        self.below(len as u64) as usize
    }

    /// A number in `low..=high`.
    pub fn between(&mut self, low: u64, high: u64) -> u64 {
        low + self.below(high.saturating_sub(low) + 1)
    }

    /// True with a probability of `per_mille` / 1000.
    pub fn chance(&mut self, per_mille: u32) -> bool {
        self.below(1000) < u64::from(per_mille)
    }

    /// One element of a non-empty table (panics on an empty one).
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.index(items.len())]
    }

    /// One character of a non-empty ASCII alphabet (panics on an empty one).
    pub fn char_of(&mut self, alphabet: &str) -> char {
        let bytes = alphabet.as_bytes();
        char::from(bytes[self.index(bytes.len())])
    }

    /// `len` characters of an ASCII alphabet.
    pub fn string(&mut self, alphabet: &str, len: usize) -> String {
        (0..len).map(|_| self.char_of(alphabet)).collect()
    }

    /// `len` decimal digits.
    pub fn digits(&mut self, len: usize) -> String {
        self.string(DIGITS, len)
    }
}

/// Decimal digits.
pub(crate) const DIGITS: &str = "0123456789";
/// Capital letters.
pub(crate) const LETTERS: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
/// Capital letters without `I`, `O` and `Q`, which VINs and HIN serials never use.
pub(crate) const LETTERS_NO_IOQ: &str = "ABCDEFGHJKLMNPRSTUVWXYZ";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_output_for_a_seed() {
        // Pinned: a change here changes every generated corpus.
        let mut rng = Rng::new(42);
        assert_eq!(rng.next_u64(), 0xBDD7_3226_2FEB_6E95);
        assert_eq!(
            Rng::keyed(&[42, 7]).next_u64(),
            Rng::keyed(&[42, 7]).next_u64()
        );
        assert_ne!(
            Rng::keyed(&[42, 7]).next_u64(),
            Rng::keyed(&[42, 8]).next_u64()
        );
        assert_ne!(
            Rng::keyed(&[7, 42]).next_u64(),
            Rng::keyed(&[42, 7]).next_u64()
        );
    }

    #[test]
    fn ranges_hold() {
        let mut rng = Rng::new(1);
        let mut seen = [false; 6];
        for _ in 0..1000 {
            let n = rng.between(3, 8);
            assert!((3..=8).contains(&n));
            seen[(n - 3) as usize] = true;
            assert!(rng.below(7) < 7);
        }
        assert!(seen.iter().all(|s| *s));
        assert_eq!(rng.below(0), 0);
        let hits = (0..10_000).filter(|_| rng.chance(250)).count();
        assert!((2_200..2_800).contains(&hits), "{hits}");
    }
}
