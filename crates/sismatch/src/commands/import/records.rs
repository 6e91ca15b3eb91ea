//! The records of an import file, each with the number of the line it starts on.
//!
//! A line that is not UTF-8, or a CSV record that is broken (a number of fields other than the
//! header's, a quote that never closes, a cell that is not UTF-8), is an error of that record
//! alone: the reader reports it with its line number and goes on with the next one, so that one
//! bad line never costs the lines after it (issue 16). Lines are read as bytes and decoded one
//! record at a time for that reason; only the file failing to read ends the import.
//!
//! CSV records may span lines inside a quoted field (a description with a line break). A quote
//! opened and never closed would swallow the lines after it into one record: when the record it
//! makes does not fit the header (a number of fields other than the header's, text after a
//! closing quote), or runs to the end of the file or past `MAX_RECORD`, only its first line is
//! reported and the lines after it are read again as records of their own.

use std::collections::VecDeque;
use std::io::{self, BufRead};

use anyhow::{Context, Result, anyhow};
use sismatch_alert::{Imported, Invalid, from_csv, from_ndjson};

/// One record read: the line it starts on, and the alert or what is wrong with the record.
pub type Record = (u64, Result<Imported, Invalid>);

/// The longest CSV record read before an open quote is taken for an unclosed one: far more
/// than an alert within the data model's limits takes.
const MAX_RECORD: usize = 1024 * 1024;

/// The file's lines as bytes, numbered from 1, with lines handed back to be read again.
struct Lines<R> {
    reader: R,
    number: u64,
    again: VecDeque<(u64, Vec<u8>)>,
}

impl<R: BufRead> Lines<R> {
    fn new(reader: R) -> Self {
        Lines {
            reader,
            number: 0,
            again: VecDeque::new(),
        }
    }

    /// The next line with its number and its line break; `None` at the end of the file.
    fn next(&mut self) -> io::Result<Option<(u64, Vec<u8>)>> {
        if let Some(line) = self.again.pop_front() {
            return Ok(Some(line));
        }
        let mut bytes = Vec::new();
        if self.reader.read_until(b'\n', &mut bytes)? == 0 {
            return Ok(None);
        }
        self.number += 1;
        Ok(Some((self.number, bytes)))
    }

    /// Hands `lines` back, in order, to be read before any line not yet read.
    fn read_again(&mut self, lines: Vec<(u64, Vec<u8>)>) {
        for line in lines.into_iter().rev() {
            self.again.push_front(line);
        }
    }
}

/// Whether `bytes` hold nothing but white space.
fn is_blank(bytes: &[u8]) -> bool {
    bytes.iter().all(u8::is_ascii_whitespace)
}

/// `bytes` without the line break at their end.
fn without_break(bytes: &[u8]) -> &[u8] {
    let bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    bytes.strip_suffix(b"\r").unwrap_or(bytes)
}

/// The NDJSON records of a file: one alert per line; blank lines are skipped.
pub struct NdjsonRecords<R> {
    lines: Lines<R>,
}

impl<R: BufRead> NdjsonRecords<R> {
    /// Reads NDJSON from `reader`.
    pub fn new(reader: R) -> Self {
        NdjsonRecords {
            lines: Lines::new(reader),
        }
    }
}

impl<R: BufRead> Iterator for NdjsonRecords<R> {
    type Item = io::Result<Record>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let (number, bytes) = match self.lines.next() {
                Ok(Some(line)) => line,
                Ok(None) => return None,
                Err(error) => return Some(Err(error)),
            };
            if is_blank(&bytes) {
                continue;
            }
            let read = match std::str::from_utf8(without_break(&bytes)) {
                Ok(text) => from_ndjson(text),
                Err(error) => Err(Invalid::new(
                    "alert",
                    format!(
                        "the line is not valid UTF-8 (byte {})",
                        error.valid_up_to() + 1
                    ),
                )),
            };
            return Some(Ok((number, read)));
        }
    }
}

/// Where a quote scan stands, as the `csv` crate reads quotes (RFC 4180: a quote opens a
/// quoted field only at the start of a field; `""` inside one is a quote).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum Quotes {
    #[default]
    FieldStart,
    Unquoted,
    Quoted,
    QuoteInQuoted,
}

/// A scan of one CSV record's quotes, a line at a time.
#[derive(Debug, Clone, Copy, Default)]
struct Scan {
    state: Quotes,
    /// The field being scanned, from 0.
    field: usize,
    /// The first field with text after its closing quote (`"abc"def`), which RFC 4180 does
    /// not allow and which the `csv` crate would quietly join.
    stray: Option<usize>,
}

impl Scan {
    fn feed(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.state = match (self.state, byte) {
                (Quotes::Quoted, b'"') => Quotes::QuoteInQuoted,
                (Quotes::Quoted, _) | (Quotes::QuoteInQuoted, b'"') => Quotes::Quoted,
                (_, b',') => {
                    self.field += 1;
                    Quotes::FieldStart
                }
                (_, b'\n') => Quotes::FieldStart,
                (Quotes::FieldStart, b'"') => Quotes::Quoted,
                (Quotes::QuoteInQuoted, b'\r') => Quotes::QuoteInQuoted,
                (Quotes::QuoteInQuoted, _) => {
                    self.stray.get_or_insert(self.field);
                    Quotes::Unquoted
                }
                _ => Quotes::Unquoted,
            };
        }
    }

    /// Whether a quoted field is open.
    fn open(&self) -> bool {
        self.state == Quotes::Quoted
    }
}

/// The lines of one CSV record and what their scan found.
struct RecordLines {
    lines: Vec<(u64, Vec<u8>)>,
    scan: Scan,
    /// The field whose quote the first line left open, when the record spans lines.
    opened: usize,
}

/// The CSV records of a file under its header line, one alert per record.
pub struct CsvRecords<R> {
    lines: Lines<R>,
    headers: Vec<String>,
}

impl<R: BufRead> CsvRecords<R> {
    /// Reads the header from `reader`; a header that cannot be read ends the import, since no
    /// record can be read without it.
    pub fn new(reader: R) -> Result<Self> {
        let mut lines = Lines::new(reader);
        let (number, mut bytes) = lines
            .next()
            .context("cannot read the CSV header")?
            .ok_or_else(|| anyhow!("the CSV file is empty: it has no header line"))?;
        if bytes.starts_with(b"\xef\xbb\xbf") {
            bytes.drain(..3);
        }
        let headers = split(&bytes)
            .iter()
            .map(|cell| std::str::from_utf8(cell).map(|name| name.trim().to_string()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| anyhow!("line {number}: the CSV header is not valid UTF-8"))?;
        Ok(CsvRecords { lines, headers })
    }

    /// The name of field `index` (from 0), for errors.
    fn header(&self, index: usize) -> String {
        match self.headers.get(index) {
            Some(name) => name.clone(),
            None => format!("field {}", index + 1),
        }
    }

    /// The lines of the next record: one, or several when a quoted field spans lines. A quote
    /// left open at the end of the file or past `MAX_RECORD` is the first line's error.
    fn next_lines(&mut self) -> io::Result<Option<Result<RecordLines, Record>>> {
        let mut record = RecordLines {
            lines: Vec::new(),
            scan: Scan::default(),
            opened: 0,
        };
        let mut size = 0;
        loop {
            let Some((number, bytes)) = self.lines.next()? else {
                if record.lines.is_empty() {
                    return Ok(None);
                }
                return Ok(Some(Err(self.unclosed(record))));
            };
            if record.lines.is_empty() && is_blank(&bytes) {
                continue;
            }
            record.scan.feed(&bytes);
            size += bytes.len();
            record.lines.push((number, bytes));
            if !record.scan.open() {
                return Ok(Some(Ok(record)));
            }
            if record.lines.len() == 1 {
                record.opened = record.scan.field;
            }
            if size > MAX_RECORD {
                return Ok(Some(Err(self.unclosed(record))));
            }
        }
    }

    /// Reports a record whose first line opens a quote that does not close as a quoted field
    /// should, and hands the lines after it back to be read as records of their own.
    fn unclosed(&mut self, mut record: RecordLines) -> Record {
        let first = record.lines.remove(0).0;
        self.lines.read_again(record.lines);
        let message = "unclosed quote; the lines after it are read as records of their own";
        (
            first,
            Err(Invalid::new(self.header(record.opened), message)),
        )
    }

    /// Reads the record made of `record`'s lines. One that spans lines but does not make a
    /// well-quoted record of the header's width was an unclosed quote on its first line.
    fn read(&mut self, record: RecordLines) -> Record {
        let first = record.lines[0].0;
        let bytes: Vec<u8> = record.lines.iter().flat_map(|(_, l)| l.clone()).collect();
        let cells = split(&bytes);
        let fits = cells.len() == self.headers.len();
        if record.lines.len() > 1 && (!fits || record.scan.stray.is_some()) {
            return self.unclosed(record);
        }
        if let Some(field) = record.scan.stray {
            let message = "text after the closing quote";
            return (first, Err(Invalid::new(self.header(field), message)));
        }
        if !fits {
            let message = format!(
                "{} fields where the header has {}",
                cells.len(),
                self.headers.len()
            );
            return (first, Err(Invalid::new("record", message)));
        }
        let mut text = Vec::with_capacity(cells.len());
        for (header, cell) in self.headers.iter().zip(&cells) {
            match std::str::from_utf8(cell) {
                Ok(cell) => text.push(cell),
                Err(_) => return (first, Err(Invalid::new(header, "not valid UTF-8"))),
            }
        }
        let headers: Vec<&str> = self.headers.iter().map(String::as_str).collect();
        (first, from_csv(&headers, &text))
    }
}

impl<R: BufRead> Iterator for CsvRecords<R> {
    type Item = io::Result<Record>;

    fn next(&mut self) -> Option<Self::Item> {
        match self.next_lines() {
            Ok(Some(Ok(record))) => Some(Ok(self.read(record))),
            Ok(Some(Err(unclosed))) => Some(Ok(unclosed)),
            Ok(None) => None,
            Err(error) => Some(Err(error)),
        }
    }
}

/// The cells of the one CSV record in `bytes` (its line breaks inside quoted fields only).
fn split(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .terminator(csv::Terminator::Any(b'\n'))
        .from_reader(without_break(bytes));
    let mut record = csv::ByteRecord::new();
    // Reading from memory cannot fail, and the byte record holds any bytes.
    match reader.read_byte_record(&mut record) {
        Ok(true) => record.iter().map(<[u8]>::to_vec).collect(),
        Ok(false) | Err(_) => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;

    const HEADER: &str = "id,country,category,identifiers,description\n";

    fn alert(id: &str, extra: &str) -> String {
        format!("{id},NL,BOAT,HIN:ABC12345D404{extra}\n")
    }

    /// Each record as its line and the stored id or the error.
    fn csv(bytes: &[u8]) -> Vec<(u64, String)> {
        let records = CsvRecords::new(Cursor::new(bytes.to_vec())).unwrap();
        records.map(|record| outcome(record.unwrap())).collect()
    }

    fn ndjson(bytes: &[u8]) -> Vec<(u64, String)> {
        let records = NdjsonRecords::new(Cursor::new(bytes.to_vec()));
        records.map(|record| outcome(record.unwrap())).collect()
    }

    fn outcome((line, read): Record) -> (u64, String) {
        match read {
            Ok(imported) => (line, imported.alert.id),
            Err(error) => (line, error.to_string()),
        }
    }

    fn owned(expected: &[(u64, &str)]) -> Vec<(u64, String)> {
        expected.iter().map(|(l, s)| (*l, s.to_string())).collect()
    }

    #[test]
    fn an_ndjson_line_that_is_not_utf8_is_its_own_error() {
        let good = |id: &str| {
            format!(
                r#"{{"id":"{id}","country":"NL","category":"BOAT","identifiers":[{{"kind":"HIN","value":"ABC12345D404"}}]}}"#
            )
        };
        let mut file = format!("{}\r\n\n", good("NL-1")).into_bytes();
        file.extend_from_slice(b"{\"id\":\"NL-\xff\"}\n");
        file.extend_from_slice(good("NL-3").as_bytes());
        assert_eq!(
            ndjson(&file),
            owned(&[
                (1, "NL-1"),
                (3, "alert: the line is not valid UTF-8 (byte 11)"),
                (4, "NL-3"),
            ])
        );
    }

    #[test]
    fn broken_csv_records_are_errors_of_their_own_line() {
        let mut file = format!("\u{feff}{HEADER}").into_bytes();
        file.extend(alert("NL-1", ",ok").bytes());
        file.extend(alert("NL-2", "").bytes());
        file.extend(alert("NL-3", ",a,b").bytes());
        file.extend_from_slice(b"NL-4,NL,BOAT,HIN:ABC12345D404,caf\xe9\n");
        file.extend(alert("NL-5", ",\"two\nlines, quoted\"").bytes());
        file.extend(alert("NL-6", ",say \"\"hi\"\"").bytes());
        assert_eq!(
            csv(&file),
            owned(&[
                (2, "NL-1"),
                (3, "record: 4 fields where the header has 5"),
                (4, "record: 6 fields where the header has 5"),
                (5, "description: not valid UTF-8"),
                (6, "NL-5"),
                (8, "NL-6"),
            ])
        );
    }

    #[test]
    fn an_unclosed_quote_costs_only_its_own_line() {
        let unclosed =
            "description: unclosed quote; the lines after it are read as records of their own";
        let mut file = HEADER.to_string();
        file += &alert("NL-1", ",\"never closed");
        file += &alert("NL-2", ",fine");
        file += &alert("NL-3", ",\"quoted\"");
        file += &alert("NL-4", ",\"stray\" text");
        file += &alert("NL-5", ",\"open at the end");
        file += &alert("NL-6", ",\"\"");
        assert_eq!(
            csv(file.as_bytes()),
            owned(&[
                (2, unclosed),
                (3, "NL-2"),
                (4, "NL-3"),
                (5, "description: text after the closing quote"),
                (6, unclosed),
                (7, "NL-6"),
            ])
        );
    }

    #[test]
    fn a_header_that_is_not_utf8_ends_the_import() {
        let error = CsvRecords::new(Cursor::new(b"id,caf\xe9\n".to_vec())).err();
        assert_eq!(
            error.map(|e| e.to_string()).as_deref(),
            Some("line 1: the CSV header is not valid UTF-8")
        );
    }

    #[test]
    fn quotes_open_only_at_the_start_of_a_field() {
        let scan = |text: &str| {
            let mut scan = Scan::default();
            scan.feed(text.as_bytes());
            (scan.open(), scan.stray)
        };
        assert_eq!(scan("a,b\"c,d\r\n"), (false, None));
        assert_eq!(scan("a,\"b,c\n"), (true, None));
        assert_eq!(scan("a,\"b\"\"c\",d\n"), (false, None));
        assert_eq!(scan("a,\"b\"\r\n"), (false, None));
        assert_eq!(scan("a,\"b\"c\",\"d\"e\n"), (false, Some(1)));
    }
}
