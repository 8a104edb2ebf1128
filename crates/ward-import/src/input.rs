//! Reading bytes into records with bounded memory: a per-record byte budget, JSON record
//! streams (a single document, JSON lines, or an array read element by element), and CSV with
//! BOM sniffing and a Windows-1252 fallback for fields that are not UTF-8.

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::fmt;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::rc::Rc;

use serde::de::{DeserializeSeed, SeqAccess, Visitor};
use serde_json::Value;

/// Is the file a zip archive (local-file-header magic)? Leaves the position at the start.
pub(crate) fn is_zip<R: Read + Seek>(r: &mut R) -> io::Result<bool> {
    let mut magic = [0u8; 4];
    let mut n = 0;
    while n < 4 {
        let k = r.read(&mut magic[n..])?;
        if k == 0 {
            break;
        }
        n += k;
    }
    r.seek(SeekFrom::Start(0))?;
    Ok(n == 4 && magic == *b"PK\x03\x04")
}

/// A reader that fails once more than `limit` bytes have been read since the last
/// [`Budget::reset`]. Records are read through it so that one huge record (an unterminated CSV
/// quote, a giant JSON value) is refused instead of filling memory. The check is on bytes
/// pulled from the inner reader, so it is exact to within one read buffer.
pub(crate) struct Budget<R> {
    inner: R,
    used: Rc<Cell<u64>>,
    limit: u64,
    /// When set, the offsets of newlines read, for [`LineIndex`].
    newlines: Option<Rc<RefCell<LineIndex>>>,
}

/// Line numbers from byte offsets: the CSV parser reports where a record starts in bytes, and
/// its own line count skips newlines inside quoted fields. Newline offsets are queued as they
/// are read and dropped once passed, so memory stays bounded by the read-ahead.
#[derive(Default)]
pub(crate) struct LineIndex {
    offset: u64,
    pending: VecDeque<u64>,
    passed: u64,
}

impl LineIndex {
    /// The 1-based line of a record starting at byte `offset` (offsets must not go backwards).
    /// After a CRLF the parser puts the next record's start on the LF, so a newline at the
    /// offset itself ends the previous line.
    pub(crate) fn line_at(&mut self, offset: u64) -> u64 {
        while self.pending.front().is_some_and(|nl| *nl <= offset) {
            self.pending.pop_front();
            self.passed += 1;
        }
        self.passed + 1
    }
}

/// The handle that resets a [`Budget`] between records.
#[derive(Clone)]
pub(crate) struct BudgetHandle(Rc<Cell<u64>>);

impl BudgetHandle {
    pub(crate) fn reset(&self) {
        self.0.set(0);
    }
}

impl<R: Read> Budget<R> {
    pub(crate) fn new(inner: R, limit: u64) -> (Self, BudgetHandle) {
        let used = Rc::new(Cell::new(0));
        (Budget { inner, used: used.clone(), limit, newlines: None }, BudgetHandle(used))
    }

    fn with_line_index(mut self) -> (Self, Rc<RefCell<LineIndex>>) {
        let index = Rc::new(RefCell::new(LineIndex::default()));
        self.newlines = Some(index.clone());
        (self, index)
    }
}

/// The io error kind/message a [`Budget`] fails with, recognised by [`is_over_budget`].
const OVER_BUDGET: &str = "record is larger than the limit of";

impl<R: Read> Read for Budget<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.used.get() > self.limit {
            return Err(io::Error::new(io::ErrorKind::InvalidData, format!("{OVER_BUDGET} {} bytes", self.limit)));
        }
        let n = self.inner.read(buf)?;
        self.used.set(self.used.get() + n as u64);
        if let Some(index) = &self.newlines {
            let mut index = index.borrow_mut();
            let base = index.offset;
            for (i, b) in buf[..n].iter().enumerate() {
                if *b == b'\n' {
                    index.pending.push_back(base + i as u64);
                }
            }
            index.offset += n as u64;
        }
        Ok(n)
    }
}

pub(crate) fn is_over_budget(message: &str) -> bool {
    message.contains(OVER_BUDGET)
}

/// One JSON record from a stream, or why it could not be read.
pub(crate) struct JsonItem {
    /// 1-based line where the record starts, when known (JSON lines, single documents).
    pub(crate) line: Option<u64>,
    /// 1-based position among the stream's records.
    pub(crate) index: u64,
    pub(crate) value: Result<Value, String>,
}

/// What the record callback tells the stream reader.
pub(crate) type Flow = Result<(), crate::ImportError>;

/// Reads JSON records from `reader`, whatever the layout: a JSON array (elements read one by
/// one), JSON lines (one value per line; a bad line is reported and the next one read), or one
/// document spread over many lines. A syntax error inside an array ends the stream, since
/// nothing after it can be located; it is reported as the record where it happened.
pub(crate) fn for_each_json_record(reader: &mut dyn Read, file: &str, record_limit: u64, f: &mut dyn FnMut(JsonItem) -> Flow) -> Flow {
    let (budget, handle) = Budget::new(reader, record_limit);
    let mut r = BufReader::with_capacity(64 * 1024, budget);
    let mut line = 1u64;
    // Skip a UTF-8 BOM and leading whitespace, counting newlines.
    let first = loop {
        let buf = match r.fill_buf() {
            Ok(b) => b,
            Err(e) => return f(JsonItem { line: Some(line), index: 1, value: Err(format!("cannot read: {e}")) }),
        };
        if buf.is_empty() {
            return Ok(());
        }
        if buf.starts_with(b"PK\x03\x04") {
            return Err(crate::ImportError::Format {
                path: file.to_owned(),
                reason: "this is a zip archive; read it from a path (read_path), not a stream".to_owned(),
            });
        }
        let skip_bom = if buf.starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 };
        let rest = &buf[skip_bom..];
        let ws = rest.iter().take_while(|b| b.is_ascii_whitespace()).count();
        line += rest[..ws].iter().filter(|b| **b == b'\n').count() as u64;
        let done = ws < rest.len();
        let first = rest.get(ws).copied();
        r.consume(skip_bom + ws);
        if done {
            break first;
        }
    };
    handle.reset();
    if first == Some(b'[') {
        return json_array(&mut r, &handle, line, f);
    }
    // A `.jsonl` file is lines even when its first line is cut short (which would otherwise
    // look like the start of a pretty-printed document).
    let lower = file.to_ascii_lowercase();
    let lines_only = lower.ends_with(".jsonl") || lower.ends_with(".ndjson");
    json_lines_or_document(&mut r, &handle, line, record_limit, lines_only, f)
}

/// `first_line` is the line the array starts on (the parser counts from there).
fn json_array(r: &mut dyn BufRead, handle: &BudgetHandle, first_line: u64, f: &mut dyn FnMut(JsonItem) -> Flow) -> Flow {
    let count = Cell::new(0u64);
    let mut flow: Flow = Ok(());
    let mut de = serde_json::Deserializer::from_reader(r);
    let seed = ArraySeed { count: &count, handle, f: &mut *f, flow: &mut flow };
    let result = seed.deserialize(&mut de).and_then(|()| de.end());
    flow?;
    match result {
        Ok(()) => Ok(()),
        Err(e) => {
            let reason = if is_over_budget(&e.to_string()) {
                format!("array element is too large: {e}; the rest of the file cannot be read")
            } else {
                format!("not valid JSON: {e}; the rest of the file cannot be read")
            };
            let line = Some(e.line() as u64).filter(|l| *l > 0).map(|l| l + first_line - 1);
            f(JsonItem { line, index: count.get() + 1, value: Err(reason) })
        }
    }
}

struct ArraySeed<'a, 'f> {
    count: &'a Cell<u64>,
    handle: &'a BudgetHandle,
    f: &'a mut (dyn FnMut(JsonItem) -> Flow + 'f),
    flow: &'a mut Flow,
}

impl<'de> DeserializeSeed<'de> for ArraySeed<'_, '_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for ArraySeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON array of records")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        loop {
            self.handle.reset();
            let Some(value) = seq.next_element::<Value>()? else { return Ok(()) };
            let index = self.count.get() + 1;
            self.count.set(index);
            if let Err(e) = (self.f)(JsonItem { line: None, index, value: Ok(value) }) {
                *self.flow = Err(e);
                return Err(serde::de::Error::custom("import stopped"));
            }
        }
    }
}

fn json_lines_or_document(
    r: &mut dyn BufRead,
    handle: &BudgetHandle,
    mut line: u64,
    record_limit: u64,
    lines_only: bool,
    f: &mut dyn FnMut(JsonItem) -> Flow,
) -> Flow {
    let mut buf = Vec::new();
    let mut index = 0u64;
    let mut first = true;
    loop {
        handle.reset();
        buf.clear();
        let start_line = line;
        let read = read_bounded_line(r, handle, &mut buf, record_limit);
        let outcome = match read {
            Ok(o) => o,
            Err(e) => {
                index += 1;
                return f(JsonItem { line: Some(start_line), index, value: Err(format!("cannot read: {e}")) });
            }
        };
        match outcome {
            LineRead::Eof => return Ok(()),
            LineRead::TooLong => {
                line += 1;
                index += 1;
                first = false;
                f(JsonItem {
                    line: Some(start_line),
                    index,
                    value: Err(format!("line is longer than the limit of {record_limit} bytes")),
                })?;
                continue;
            }
            LineRead::Line => line += 1,
        }
        let text = trim_ascii(&buf);
        if text.is_empty() {
            continue;
        }
        index += 1;
        match serde_json::from_slice::<Value>(text) {
            Ok(v) => f(JsonItem { line: Some(start_line), index, value: Ok(v) })?,
            Err(e) if first && !lines_only && e.classify() == serde_json::error::Category::Eof && text.first() == Some(&b'{') => {
                // Not JSON lines: one document over many lines (a file per incident).
                let mut doc = buf.clone();
                handle.reset();
                let rest = read_rest_bounded(r, &mut doc, record_limit);
                let value = match rest {
                    Ok(()) => serde_json::from_slice::<Value>(&doc).map_err(|e| format!("not valid JSON: {e}")),
                    Err(e) => Err(format!("cannot read the document: {e}")),
                };
                return f(JsonItem { line: Some(start_line), index, value });
            }
            Err(e) => f(JsonItem { line: Some(start_line), index, value: Err(format!("not valid JSON: {e}")) })?,
        }
        first = false;
    }
}

fn trim_ascii(b: &[u8]) -> &[u8] {
    let start = b.iter().position(|c| !c.is_ascii_whitespace()).unwrap_or(b.len());
    let end = b.iter().rposition(|c| !c.is_ascii_whitespace()).map_or(start, |e| e + 1);
    &b[start..end.max(start)]
}

enum LineRead {
    Line,
    TooLong,
    Eof,
}

/// Reads one line (without storing more than `limit` bytes of it) into `buf`.
fn read_bounded_line(r: &mut dyn BufRead, handle: &BudgetHandle, buf: &mut Vec<u8>, limit: u64) -> io::Result<LineRead> {
    let mut seen_any = false;
    let mut too_long = false;
    loop {
        // Lines are bounded here, by what is kept, so the byte budget must not cut one short.
        handle.reset();
        let avail = r.fill_buf()?;
        if avail.is_empty() {
            return Ok(if too_long {
                LineRead::TooLong
            } else if seen_any {
                LineRead::Line
            } else {
                LineRead::Eof
            });
        }
        seen_any = true;
        let (chunk, found) = match avail.iter().position(|b| *b == b'\n') {
            Some(i) => (i + 1, true),
            None => (avail.len(), false),
        };
        if !too_long {
            if (buf.len() + chunk) as u64 > limit + 1 {
                too_long = true;
                buf.clear();
            } else {
                buf.extend_from_slice(&avail[..chunk]);
            }
        }
        r.consume(chunk);
        if found {
            return Ok(if too_long { LineRead::TooLong } else { LineRead::Line });
        }
    }
}

fn read_rest_bounded(r: &mut dyn BufRead, doc: &mut Vec<u8>, limit: u64) -> io::Result<()> {
    let mut rest = Vec::new();
    r.take(limit + 1).read_to_end(&mut rest)?;
    doc.extend_from_slice(&rest);
    if doc.len() as u64 > limit {
        return Err(io::Error::new(io::ErrorKind::InvalidData, format!("{OVER_BUDGET} {limit} bytes")));
    }
    Ok(())
}

/// Opens CSV input: a UTF-8 or UTF-16 byte-order mark is honoured (UTF-16 is transcoded to
/// UTF-8); without one the bytes pass through and each field is decoded by [`decode_field`].
/// Headers are read as an ordinary record so that line numbers stay exact; rows may have any
/// number of fields (checked by the caller).
pub(crate) fn csv_reader(reader: &mut dyn Read, record_limit: u64) -> (csv::Reader<Budget<impl Read + '_>>, BudgetHandle, Rc<RefCell<LineIndex>>) {
    let decoded = encoding_rs_io::DecodeReaderBytesBuilder::new()
        .bom_sniffing(true)
        .strip_bom(true)
        .utf8_passthru(true)
        .build(reader);
    let (budget, handle) = Budget::new(decoded, record_limit);
    let (budget, lines) = budget.with_line_index();
    let csv = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(budget);
    (csv, handle, lines)
}

/// Decodes one CSV field: UTF-8 when valid, else Windows-1252 (the portal's legacy encoding),
/// which maps every byte, so nothing is lost; the flag says the fallback was used.
pub(crate) fn decode_field(bytes: &[u8]) -> (Cow<'_, str>, bool) {
    match std::str::from_utf8(bytes) {
        Ok(s) => (Cow::Borrowed(s), false),
        Err(_) => {
            let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes);
            (text, true)
        }
    }
}

/// One CSV data row (the header is handed over separately), or why it could not be read.
pub(crate) struct CsvItem {
    /// 1-based line the row starts on.
    pub(crate) line: Option<u64>,
    /// 1-based position among the data rows.
    pub(crate) index: u64,
    pub(crate) fields: Result<Vec<String>, String>,
    /// 0-based positions of fields that were not UTF-8 and were read as Windows-1252.
    pub(crate) windows_1252: Vec<usize>,
}

/// Reads a CSV file: the first row goes to `header` (which may refuse the file), every later
/// row to `row`. A row over [`crate::limits::MAX_CSV_RECORD_BYTES`] (an unterminated quote
/// swallowing the file, say) is reported and ends the file, since the next row cannot be found.
pub(crate) fn for_each_csv_row(
    reader: &mut dyn Read,
    file: &str,
    header: &mut dyn FnMut(&[String]) -> Result<(), crate::ImportError>,
    row: &mut dyn FnMut(CsvItem) -> Result<(), crate::ImportError>,
) -> Result<(), crate::ImportError> {
    let (mut csv, budget, lines) = csv_reader(reader, crate::limits::MAX_CSV_RECORD_BYTES);
    let mut record = csv::ByteRecord::new();
    let mut index = 0u64;
    let mut seen_header = false;
    loop {
        budget.reset();
        match csv.read_byte_record(&mut record) {
            Ok(false) => return Ok(()),
            Ok(true) => {
                let line = record.position().map(|p| lines.borrow_mut().line_at(p.byte()));
                let mut windows_1252 = Vec::new();
                let fields: Vec<String> = record
                    .iter()
                    .enumerate()
                    .map(|(i, f)| {
                        let (text, fallback) = decode_field(f);
                        if fallback {
                            windows_1252.push(i);
                        }
                        text.into_owned()
                    })
                    .collect();
                if !seen_header {
                    seen_header = true;
                    header(&fields)?;
                    continue;
                }
                index += 1;
                let fields = if fields.len() > crate::limits::MAX_CSV_FIELDS {
                    Err(format!("row has {} fields; the limit is {}", fields.len(), crate::limits::MAX_CSV_FIELDS))
                } else {
                    Ok(fields)
                };
                row(CsvItem { line, index, fields, windows_1252 })?;
            }
            Err(e) => {
                let line = e.position().map(|p| lines.borrow_mut().line_at(p.byte()));
                let message = e.to_string();
                if !is_over_budget(&message) {
                    if let csv::ErrorKind::Io(_) = e.kind() {
                        return Err(crate::ImportError::Io { path: file.to_owned(), source: io::Error::other(message) });
                    }
                }
                index += 1;
                let reason = format!("cannot read the row: {message}; the rest of the file cannot be read");
                return row(CsvItem { line, index, fields: Err(reason), windows_1252: Vec::new() });
            }
        }
    }
}


#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn csv_lines_count_newlines_inside_quotes() {
        for data in [&b"h1,h2\r\n\"a\nb\",c\r\nd,e\r\n"[..], &b"h1,h2\n\"a\r\nb\",c\n\nd,e"[..]] {
            let mut r: &[u8] = data;
            let (mut csv, _budget, lines) = csv_reader(&mut r, 1000);
            let mut record = csv::ByteRecord::new();
            let mut got = Vec::new();
            while csv.read_byte_record(&mut record).unwrap() {
                got.push(lines.borrow_mut().line_at(record.position().unwrap().byte()));
            }
            assert_eq!(got, [1, 2, 4 + u64::from(data.ends_with(b"e"))], "{:?}", String::from_utf8_lossy(data));
        }
    }

    #[test]
    fn windows_1252_fallback() {
        assert_eq!(decode_field(b"plain"), (Cow::Borrowed("plain"), false));
        assert_eq!(decode_field(b"St. Mary\x92s"), (Cow::Owned("St. Mary\u{2019}s".to_owned()), true));
    }
}
