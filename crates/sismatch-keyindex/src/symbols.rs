//! Skeletons as bytes, held inline in their row: what candidates are checked on.
//!
//! A search checks up to tens of thousands of candidates; decoding each one's UTF-8 into
//! `char`s and following a second pointer to it cost more than the check itself. Identifier
//! skeletons are ASCII letters and digits in practice (formats are Latin, and `sismatch-ident`
//! folds look-alike scripts); a character outside ASCII becomes one byte from 128 up, chosen by
//! a hash, so two different such characters may share a byte. That makes checks lenient, never
//! strict: equal characters always give equal bytes, so a skeleton within `k` edits of the
//! query stays within `k`, and a bound computed on bytes is never below the one on characters.
//! Keys are still made from the characters (`keys`), so nothing is missed either way.
//!
//! A [`Slot`] holds up to 19 bytes in the row itself (a VIN's 17 fit), so that a whole-value
//! row with its census (`verify::Census`) is 32 bytes and a candidate costs one cache line;
//! longer skeletons (rare: no format is that long) spill into a buffer the table keeps.

/// The byte a skeleton character is checked as.
pub(crate) fn symbol(c: char) -> u8 {
    if c.is_ascii() {
        c as u8
    } else {
        0x80 | ((u32::from(c).wrapping_mul(0x9E37_79B1) >> 25) as u8)
    }
}

/// The bytes of a skeleton.
pub(crate) fn symbols(skeleton: &[char]) -> Vec<u8> {
    skeleton.iter().map(|&c| symbol(c)).collect()
}

/// Bytes held inline.
const INLINE: usize = 19;

/// The length byte of a spilled slot; the offset and length follow it.
const SPILLED: u8 = u8::MAX;

/// A skeleton's bytes: inline when short, else where they are in the spill buffer.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Slot([u8; INLINE + 1]);

impl Slot {
    /// A slot holding `bytes`, spilled into `spill` when they do not fit.
    pub(crate) fn new(bytes: &[u8], spill: &mut Vec<u8>) -> Slot {
        let mut slot = [0u8; INLINE + 1];
        if bytes.len() <= INLINE {
            slot[0] = bytes.len() as u8;
            slot[1..=bytes.len()].copy_from_slice(bytes);
        } else {
            slot[0] = SPILLED;
            slot[1..5].copy_from_slice(&(spill.len() as u32).to_le_bytes());
            slot[5..9].copy_from_slice(&(bytes.len() as u32).to_le_bytes());
            spill.extend_from_slice(bytes);
        }
        Slot(slot)
    }

    /// The bytes, reading `spill` when they were spilled.
    pub(crate) fn get<'a>(&'a self, spill: &'a [u8]) -> &'a [u8] {
        if self.0[0] != SPILLED {
            return &self.0[1..=usize::from(self.0[0])];
        }
        let start = u32::from_le_bytes([self.0[1], self.0[2], self.0[3], self.0[4]]) as usize;
        let len = u32::from_le_bytes([self.0[5], self.0[6], self.0[7], self.0[8]]) as usize;
        spill.get(start..start + len).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_long_skeletons_round_trip() {
        let mut spill = Vec::new();
        let short = Slot::new(b"6AH1047386", &mut spill);
        let long = Slot::new(b"WVWZZZ1JZ3W386752AND1MORE", &mut spill);
        let empty = Slot::new(b"", &mut spill);
        assert_eq!(short.get(&spill), b"6AH1047386");
        assert_eq!(long.get(&spill), b"WVWZZZ1JZ3W386752AND1MORE");
        assert_eq!(empty.get(&spill), b"");
        assert_eq!(spill.len(), 25);
    }

    #[test]
    fn equal_characters_give_equal_bytes() {
        assert_eq!(
            symbols(&['6', 'A', 'Ø', 'Ж']),
            symbols(&['6', 'A', 'Ø', 'Ж'])
        );
        assert!(symbol('Ø') >= 0x80 && symbol('Ж') >= 0x80);
        assert_eq!(symbol('?'), b'?');
    }
}
