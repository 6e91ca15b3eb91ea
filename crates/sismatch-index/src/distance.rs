//! Unit-cost optimal-string-alignment distance (Levenshtein plus adjacent transpositions) on
//! skeletons, to rank the terms a Levenshtein automaton returns. The identifier core's weighted
//! distance decides the score; this one only orders candidates.

/// The OSA distance between `a` and `b`, or `None` when it exceeds `max`.
pub(crate) fn bounded_osa(a: &[char], b: &[char], max: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    let width = b.len() + 1;
    // Three rolling rows: i - 2, i - 1 and i.
    let mut rows = vec![0usize; 3 * width];
    for (j, cell) in rows.iter_mut().take(width).enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        let (cur, prev, prev2) = (
            (i % 3) * width,
            ((i - 1) % 3) * width,
            ((i + 1) % 3) * width,
        );
        rows[cur] = i;
        let mut row_min = i;
        for j in 1..=b.len() {
            let substitution = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (rows[prev + j - 1] + substitution)
                .min(rows[prev + j] + 1)
                .min(rows[cur + j - 1] + 1);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[prev2 + j - 2] + 1);
            }
            rows[cur + j] = best;
            row_min = row_min.min(best);
        }
        if row_min > max {
            return None;
        }
    }
    let distance = rows[(a.len() % 3) * width + b.len()];
    (distance <= max).then_some(distance)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn osa(a: &str, b: &str) -> Option<usize> {
        let a: Vec<char> = a.chars().collect();
        let b: Vec<char> = b.chars().collect();
        bounded_osa(&a, &b, 2)
    }

    #[test]
    fn distances() {
        assert_eq!(osa("A8C123450404", "A8C123450404"), Some(0));
        assert_eq!(osa("A8C123540404", "A8C123450404"), Some(1));
        assert_eq!(osa("A8C12450404", "A8C123450404"), Some(1));
        assert_eq!(osa("A8C12X4Y0404", "A8C123450404"), Some(2));
        assert_eq!(osa("A8CX2X4Y0404", "A8C123450404"), None);
        assert_eq!(osa("AB", "BA"), Some(1));
        assert_eq!(osa("", "AB"), Some(2));
        assert_eq!(osa("", "ABC"), None);
        assert_eq!(osa("ABCDEF", "ABDEF"), Some(1));
    }
}
