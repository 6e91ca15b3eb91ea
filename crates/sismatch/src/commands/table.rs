//! Plain-text tables that fit a terminal. An officer reads `sismatch search` on whatever screen
//! is at hand, and a table that wraps is unreadable, so every line is kept within [`WIDTH`]
//! columns: the widest columns give way first, down to their minimum, and a cell that does not
//! fit ends in `…`. Widths count characters, which is what a terminal shows for the Latin,
//! Greek and Cyrillic text of alerts.

/// The widest line printed: wider than the classic 80 columns, narrower than a split screen.
pub const WIDTH: usize = 100;

/// Spaces between two columns.
const GAP: usize = 2;

/// One column: its header, how narrow it may become and how wide it may grow.
pub struct Column {
    /// The header, also the column's narrowest width when longer than `min`.
    pub header: &'static str,
    /// Narrowest width, when the line is too long.
    pub min: usize,
    /// Widest width, whatever the cells hold.
    pub max: usize,
}

/// `text` in at most `width` characters: cut, with `…` as the last character, when longer.
pub fn fit(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut cut: String = text.chars().take(width - 1).collect();
    cut.push('…');
    cut
}

/// The width of each column: as wide as its widest cell (within its `max`), then narrowed
/// widest first until the line fits in `width` or every column is at its minimum.
fn widths(columns: &[Column], rows: &[Vec<String>], width: usize) -> Vec<usize> {
    let mut widths: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(i, column)| {
            let widest = rows
                .iter()
                .filter_map(|row| row.get(i))
                .map(|cell| cell.chars().count())
                .chain([column.header.chars().count()])
                .max()
                .unwrap_or(0);
            widest.min(column.max)
        })
        .collect();
    let floor = |i: usize| columns[i].min.max(columns[i].header.chars().count());
    let gaps = GAP * columns.len().saturating_sub(1);
    while widths.iter().sum::<usize>() + gaps > width {
        let narrowable = (0..widths.len())
            .filter(|&i| widths[i] > floor(i))
            .max_by_key(|&i| widths[i] - floor(i));
        let Some(i) = narrowable else { break };
        widths[i] -= 1;
    }
    widths
}

/// The header line and one line per row, each within `width` characters (unless the
/// columns' minimums alone are wider), with no trailing spaces.
pub fn render(columns: &[Column], rows: &[Vec<String>], width: usize) -> Vec<String> {
    let widths = widths(columns, rows, width);
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(cell, &w)| format!("{:<w$}", fit(cell, w)))
            .collect();
        padded.join(&" ".repeat(GAP)).trim_end().to_string()
    };
    let mut lines = vec![line(columns.iter().map(|c| c.header).collect())];
    for row in rows {
        lines.push(line(row.iter().map(String::as_str).collect()));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn columns() -> Vec<Column> {
        vec![
            Column {
                header: "id",
                min: 4,
                max: 10,
            },
            Column {
                header: "object",
                min: 6,
                max: 30,
            },
        ]
    }

    #[test]
    fn fit_cuts_with_an_ellipsis_only_when_needed() {
        assert_eq!(fit("Bayliner", 8), "Bayliner");
        assert_eq!(fit("Bayliner", 5), "Bayl…");
        assert_eq!(fit("bleu foncé", 10), "bleu foncé");
        assert_eq!(fit("abc", 0), "");
    }

    #[test]
    fn short_cells_keep_their_text_and_columns_align() {
        let rows = vec![vec!["NL-1".to_string(), "Bayliner VR5, white".to_string()]];
        let lines = render(&columns(), &rows, 100);
        assert_eq!(lines, ["id    object", "NL-1  Bayliner VR5, white"]);
    }

    #[test]
    fn the_widest_column_gives_way_first_and_no_line_passes_the_width() {
        let rows = vec![vec![
            "NL-01JABCDEFGH".to_string(),
            "Sunseeker Manhattan 52 Flybridge, dark blue".to_string(),
        ]];
        let lines = render(&columns(), &rows, 24);
        assert!(lines.iter().all(|l| l.chars().count() <= 24), "{lines:?}");
        assert_eq!(lines[1], "NL-01JABC…  Sunseeker M…");
    }
}
