//! The scan driver: splits an input into newline-aligned chunks, scans chunks in
//! parallel (rayon), and hands matches to the caller in input order with global line
//! numbers. Memory stays bounded whatever the input size: plain files are mapped one
//! window at a time, streams (stdin, gzip, zstd) are read one batch of chunks at a time.

use std::io::Read;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use rayon::prelude::*;

use crate::compiled::{IndicatorSet, View};
use crate::error::MatchError;
use crate::format::{self, Format, FormatChoice};
use crate::input::{self, Compression, Input, Opened};
use crate::output::Match;
use crate::scan::{self, Hit};
use crate::MAX_LINE_BYTES;

/// Bytes at the start of each chunk checked for NUL bytes (binary input).
pub const BINARY_SAMPLE_BYTES: usize = 64 << 10;

/// How to scan.
#[derive(Clone, Debug)]
pub struct ScanOptions {
    pub format: FormatChoice,
    /// Undo defanging (`hxxp`, `[.]`, …) in log lines before matching (slower).
    pub refang_logs: bool,
    /// Worker threads; 0 means all cores.
    pub threads: usize,
    /// Incremented by the number of input bytes scanned (decompressed), for progress bars.
    pub progress: Option<Arc<AtomicU64>>,
    /// Chunk size for parallel scanning.
    pub chunk_bytes: usize,
    /// Bytes of a plain file mapped at once (bounds memory whatever the file size).
    pub window_bytes: usize,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            format: FormatChoice::Auto,
            refang_logs: false,
            threads: 0,
            progress: None,
            chunk_bytes: 4 << 20,
            window_bytes: 64 << 20,
        }
    }
}

/// What scanning one input did.
#[derive(Debug)]
pub struct FileReport {
    pub name: String,
    pub format: Format,
    pub compression: Compression,
    /// Bytes scanned (after decompression).
    pub bytes: u64,
    pub lines: u64,
    pub matches: u64,
    /// Lines over [`MAX_LINE_BYTES`] skipped by the JSON/CSV parsers.
    pub lines_too_long: u64,
    /// JSON lines that did not parse (scanned as plain text instead).
    pub lines_unparsed: u64,
    /// NUL bytes seen in the first [`BINARY_SAMPLE_BYTES`] of each chunk: binary input is
    /// scanned like text, but flagged.
    pub binary_bytes: u64,
    /// The error that stopped this input early, if any (matches before it were reported).
    pub error: Option<MatchError>,
}

#[derive(Default)]
struct ChunkResult {
    matches: Vec<Match>,
    /// Number of `\n` in the chunk.
    newlines: u64,
    too_long: u64,
    unparsed: u64,
    binary: u64,
}

/// Scans inputs with one pool of `opts.threads` worker threads, made once.
pub struct Scanner<'s> {
    set: &'s IndicatorSet,
    opts: ScanOptions,
    pool: Option<rayon::ThreadPool>,
}

impl std::fmt::Debug for Scanner<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scanner").field("opts", &self.opts).finish()
    }
}

impl<'s> Scanner<'s> {
    pub fn new(set: &'s IndicatorSet, opts: ScanOptions) -> Scanner<'s> {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(opts.threads).build().ok();
        Scanner { set, opts, pool }
    }

    /// Scans one input; `sink` receives matches in input order. An error that stops the
    /// input early is in [`FileReport::error`] (matches before it were delivered).
    pub fn scan_input(&self, input: &Input, sink: &mut dyn FnMut(Match)) -> FileReport {
        scan_input_in_pool(self.set, input, &self.opts, self.pool.as_ref(), sink)
    }
}

/// Scans one input (see [`Scanner::scan_input`]); makes a thread pool for the call.
pub fn scan_input(set: &IndicatorSet, input: &Input, opts: &ScanOptions, sink: &mut dyn FnMut(Match)) -> FileReport {
    Scanner::new(set, opts.clone()).scan_input(input, sink)
}

fn par_chunks<C: AsRef<[u8]> + Sync>(
    pool: Option<&rayon::ThreadPool>,
    chunks: &[C],
    view: &View<'_>,
    file: &Arc<str>,
    format: Format,
    opts: &ScanOptions,
) -> Vec<ChunkResult> {
    let run = || chunks.par_iter().map(|c| process_chunk(view, file, c.as_ref(), format, opts)).collect();
    match pool {
        Some(p) => p.install(run),
        None => run(),
    }
}

/// Scans an in-memory buffer (one "file" named `name`); for tests and small inputs.
pub fn scan_bytes(set: &IndicatorSet, name: &str, bytes: &[u8], opts: &ScanOptions) -> (Vec<Match>, FileReport) {
    let view = set.view();
    let file: Arc<str> = Arc::from(name);
    let format = match opts.format {
        FormatChoice::Fixed(f) => f,
        FormatChoice::Auto => format::detect_format(&bytes[..bytes.len().min(64 << 10)]),
    };
    let mut report = new_report(name, format, Compression::None);
    let mut matches = Vec::new();
    if format == Format::Csv {
        scan_csv(&view, &file, bytes, opts, &mut report, &mut |m| matches.push(m));
        return (matches, report);
    }
    let mut base_line = 0;
    for chunk in split_chunks(bytes, opts.chunk_bytes) {
        let r = process_chunk(&view, &file, chunk, format, opts);
        emit(r, &mut base_line, &mut report, &mut |m| matches.push(m));
    }
    finish_lines(&mut report, bytes.last().copied(), base_line);
    (matches, report)
}

fn new_report(name: &str, format: Format, compression: Compression) -> FileReport {
    FileReport {
        name: name.to_string(),
        format,
        compression,
        bytes: 0,
        lines: 0,
        matches: 0,
        lines_too_long: 0,
        lines_unparsed: 0,
        binary_bytes: 0,
        error: None,
    }
}

fn finish_lines(report: &mut FileReport, last_byte: Option<u8>, newlines: u64) {
    report.lines = newlines + u64::from(last_byte.is_some_and(|b| b != b'\n'));
}

fn emit(r: ChunkResult, base_line: &mut u64, report: &mut FileReport, sink: &mut dyn FnMut(Match)) {
    for mut m in r.matches {
        m.line += *base_line;
        report.matches += 1;
        sink(m);
    }
    *base_line += r.newlines;
    report.too_long_add(r.too_long);
    report.lines_unparsed += r.unparsed;
    report.binary_bytes += r.binary;
}

impl FileReport {
    fn too_long_add(&mut self, n: u64) {
        self.lines_too_long += n;
    }
}

fn scan_input_in_pool(
    set: &IndicatorSet,
    input: &Input,
    opts: &ScanOptions,
    pool: Option<&rayon::ThreadPool>,
    sink: &mut dyn FnMut(Match),
) -> FileReport {
    let name = input.name();
    let file_name: Arc<str> = Arc::from(name.as_str());
    let view = set.view();
    let (opened, compression) = match input::open(input) {
        Ok(o) => o,
        Err(e) => {
            let mut r = new_report(&name, Format::Plain, Compression::None);
            r.error = Some(e);
            return r;
        }
    };
    match opened {
        Opened::Mappable { file, len } => scan_mapped(&view, &file_name, input, &file, len, opts, pool, sink),
        Opened::Stream(reader) => scan_stream(&view, &file_name, input, reader, compression, opts, pool, sink),
    }
}

const MAP_ALIGN: u64 = 64 << 10;

#[allow(clippy::too_many_arguments)]
fn scan_mapped(
    view: &View<'_>,
    file_name: &Arc<str>,
    input: &Input,
    file: &std::fs::File,
    len: u64,
    opts: &ScanOptions,
    pool: Option<&rayon::ThreadPool>,
    sink: &mut dyn FnMut(Match),
) -> FileReport {
    let path = match input {
        Input::File(p) => p.clone(),
        Input::Stdin => std::path::PathBuf::from("-"),
    };
    let window = (opts.window_bytes.max(1 << 20) as u64).next_multiple_of(MAP_ALIGN);
    let mut report = new_report(file_name, Format::Plain, Compression::None);
    if len == 0 {
        return report;
    }
    let mut format = None;
    let mut pos: u64 = 0;
    let mut base_line = 0u64;
    let mut last_byte = None;
    while pos < len {
        let map_start = pos - pos % MAP_ALIGN;
        let map_len = (len - map_start).min(window + MAP_ALIGN);
        let map = match crate::mmap::map_file_range(file, map_start, map_len as usize) {
            Ok(m) => m,
            Err(e) => {
                report.error = Some(MatchError::io(&path, e));
                break;
            }
        };
        let mut data = &map[(pos - map_start) as usize..];
        let is_last = map_start + map_len >= len;
        if !is_last {
            // Cut at the last newline; a line longer than a window is cut where it is.
            if let Some(i) = memchr::memrchr(b'\n', data) {
                data = &data[..=i];
            }
        }
        let fmt = *format.get_or_insert_with(|| match opts.format {
            FormatChoice::Fixed(f) => f,
            FormatChoice::Auto => format::detect_format(&data[..data.len().min(64 << 10)]),
        });
        report.format = fmt;
        if fmt == Format::Csv {
            // CSV records may span lines: parse the file as one stream.
            drop(map);
            let reader: Box<dyn Read + Send> = match file.try_clone().and_then(|mut f| {
                // The clone shares the offset, which is past the sniffed magic bytes.
                std::io::Seek::rewind(&mut f)?;
                Ok(f)
            }) {
                Ok(f) => Box::new(std::io::BufReader::with_capacity(1 << 20, f)),
                Err(e) => {
                    report.error = Some(MatchError::io(&path, e));
                    return report;
                }
            };
            let mut r = scan_csv_reader(view, file_name, &path, reader, opts, sink);
            r.format = fmt;
            return r;
        }
        last_byte = data.last().copied();
        let chunks = split_chunks(data, opts.chunk_bytes);
        let results = par_chunks(pool, &chunks, view, file_name, fmt, opts);
        for r in results {
            emit(r, &mut base_line, &mut report, sink);
        }
        report.bytes += data.len() as u64;
        if let Some(p) = &opts.progress {
            p.fetch_add(data.len() as u64, Ordering::Relaxed);
        }
        pos += data.len() as u64;
    }
    finish_lines(&mut report, last_byte, base_line);
    report
}

fn read_full(reader: &mut dyn Read, buf: &mut Vec<u8>, want: usize) -> std::io::Result<bool> {
    // Reads until `buf` holds `want` bytes or EOF; returns true at EOF.
    let mut tmp = vec![0u8; 256 << 10];
    while buf.len() < want {
        let room = (want - buf.len()).min(tmp.len());
        let n = match reader.read(&mut tmp[..room]) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if n == 0 {
            return Ok(true);
        }
        buf.extend_from_slice(&tmp[..n]);
    }
    Ok(false)
}

fn stream_error(path: &std::path::Path, compression: Compression, bytes_read: u64, e: std::io::Error) -> MatchError {
    match compression {
        Compression::None => MatchError::io(path, e),
        c => MatchError::Decompress {
            path: path.to_path_buf(),
            compression: c.as_str(),
            bytes_read,
            reason: e.to_string(),
        },
    }
}

#[allow(clippy::too_many_arguments)]
fn scan_stream(
    view: &View<'_>,
    file_name: &Arc<str>,
    input: &Input,
    mut reader: Box<dyn Read + Send>,
    compression: Compression,
    opts: &ScanOptions,
    pool: Option<&rayon::ThreadPool>,
    sink: &mut dyn FnMut(Match),
) -> FileReport {
    let path = std::path::PathBuf::from(input.name());
    let mut report = new_report(file_name, Format::Plain, compression);
    let chunk_bytes = opts.chunk_bytes.max(64 << 10);
    let batch_chunks = pool.map_or_else(rayon::current_num_threads, rayon::ThreadPool::current_num_threads).max(1) * 2;
    let mut carry: Vec<u8> = Vec::new();
    let mut format = None;
    let mut base_line = 0u64;
    let mut last_byte = None;
    let mut eof = false;
    while !eof {
        // Read one batch of newline-aligned chunks.
        let mut batch: Vec<Vec<u8>> = Vec::with_capacity(batch_chunks);
        while batch.len() < batch_chunks && !eof {
            let mut buf = std::mem::take(&mut carry);
            match read_full(&mut *reader, &mut buf, chunk_bytes) {
                Ok(at_eof) => eof = at_eof,
                Err(e) => {
                    report.error = Some(stream_error(&path, compression, report.bytes + buf.len() as u64, e));
                    eof = true;
                }
            }
            if !eof {
                if let Some(i) = memchr::memrchr(b'\n', &buf) {
                    carry = buf[i + 1..].to_vec();
                    buf.truncate(i + 1);
                }
            }
            if !buf.is_empty() {
                batch.push(buf);
            }
        }
        if batch.is_empty() {
            break;
        }
        let fmt = *format.get_or_insert_with(|| match opts.format {
            FormatChoice::Fixed(f) => f,
            FormatChoice::Auto => format::detect_format(&batch[0][..batch[0].len().min(64 << 10)]),
        });
        report.format = fmt;
        if fmt == Format::Csv {
            let head: Vec<u8> = batch.concat();
            let chained: Box<dyn Read + Send> = Box::new(std::io::Cursor::new(head).chain(reader));
            let mut r = scan_csv_reader(view, file_name, &path, chained, opts, sink);
            r.compression = compression;
            if r.error.is_none() {
                r.error = report.error.take();
            }
            return r;
        }
        last_byte = batch.last().and_then(|b| b.last().copied());
        let results = par_chunks(pool, &batch, view, file_name, fmt, opts);
        for r in results {
            emit(r, &mut base_line, &mut report, sink);
        }
        let n: u64 = batch.iter().map(|b| b.len() as u64).sum();
        report.bytes += n;
        if let Some(p) = &opts.progress {
            p.fetch_add(n, Ordering::Relaxed);
        }
    }
    finish_lines(&mut report, last_byte, base_line);
    report
}

/// Splits at newlines into pieces of about `target` bytes.
fn split_chunks(data: &[u8], target: usize) -> Vec<&[u8]> {
    let target = target.max(4096);
    let mut out = Vec::with_capacity(data.len() / target + 1);
    let mut start = 0;
    while start < data.len() {
        let want = start + target;
        if want >= data.len() {
            out.push(&data[start..]);
            break;
        }
        let end = match memchr::memchr(b'\n', &data[want..]) {
            Some(i) => want + i + 1,
            None => data.len(),
        };
        out.push(&data[start..end]);
        start = end;
    }
    out
}

fn process_chunk(view: &View<'_>, file: &Arc<str>, chunk: &[u8], format: Format, opts: &ScanOptions) -> ChunkResult {
    let mut result = ChunkResult {
        // NUL bytes mean binary data; sampled at the start of each chunk only (cheap).
        binary: memchr::memchr_iter(0, &chunk[..chunk.len().min(BINARY_SAMPLE_BYTES)]).count() as u64,
        ..ChunkResult::default()
    };
    if format == Format::Jsonl || opts.refang_logs {
        result.newlines = count_newlines(chunk);
        process_lines(view, file, chunk, format, opts, &mut result);
    } else {
        let mut hits = Vec::new();
        result.newlines = scan::scan(view, chunk, &mut hits);
        hits_to_matches(view, file, chunk, format, &mut hits, 0, &mut result.matches);
    }
    result
}

/// Counts `\n` bytes (a loop the compiler vectorises; memchr's count visits each match).
fn count_newlines(buf: &[u8]) -> u64 {
    let mut n = 0u64;
    let mut blocks = buf.chunks_exact(64);
    for b in &mut blocks {
        n += u64::from(b.iter().map(|&c| u8::from(c == b'\n')).sum::<u8>());
    }
    n + blocks.remainder().iter().filter(|&&c| c == b'\n').count() as u64
}

/// Converts hits in `buf` to matches: line numbers (0-based line of `buf` plus
/// `line0`... here 1-based), fields, and one match per record; a (line, group, text)
/// seen twice in the same line is reported once.
fn hits_to_matches(
    view: &View<'_>,
    file: &Arc<str>,
    buf: &[u8],
    format: Format,
    hits: &mut [Hit],
    line0: u64,
    out: &mut Vec<Match>,
) {
    if hits.is_empty() {
        return;
    }
    hits.sort_by_key(|h| (h.start, h.end, h.group));
    let mut seen: Vec<(u32, usize, usize)> = Vec::new();
    let mut seen_line = 0;
    for h in hits.iter() {
        let line = line0 + 1 + h.line;
        if seen_line != line {
            seen.clear();
            seen_line = line;
        }
        let text = &buf[h.start..h.end];
        if seen.iter().any(|&(g, s, e)| g == h.group && &buf[s..e] == text) {
            continue;
        }
        seen.push((h.group, h.start, h.end));
        let line_start = memchr::memrchr(b'\n', &buf[..h.start]).map_or(0, |i| i + 1);
        let line_end = memchr::memchr(b'\n', &buf[h.start..]).map_or(buf.len(), |i| h.start + i);
        let field = format::field_for(format, &buf[line_start..line_end], h.start - line_start);
        push_records(view, file, line, String::from_utf8_lossy(text).into_owned(), field, h.group, out);
    }
}

fn push_records(
    view: &View<'_>,
    file: &Arc<str>,
    line: u64,
    matched: String,
    field: Option<String>,
    group: u32,
    out: &mut Vec<Match>,
) {
    for &rec in view.group_records(group) {
        let r = view.record(rec);
        out.push(Match {
            file: file.clone(),
            line,
            kind: r.kind,
            indicator: r.value.to_string(),
            matched: matched.clone(),
            field: field.clone(),
            indicator_id: r.id.map(str::to_string),
            source: r.source.map(str::to_string),
        });
    }
}

/// Line-by-line processing: JSON lines, and any format when refanging logs.
fn process_lines(view: &View<'_>, file: &Arc<str>, chunk: &[u8], format: Format, opts: &ScanOptions, result: &mut ChunkResult) {
    let mut start = 0;
    let mut line_no = 0u64; // 0-based within chunk
    let mut hits = Vec::new();
    while start < chunk.len() {
        let end = memchr::memchr(b'\n', &chunk[start..]).map_or(chunk.len(), |i| start + i);
        let line = &chunk[start..end];
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.len() > MAX_LINE_BYTES {
            result.too_long += 1;
        } else if format == Format::Jsonl && line.trim_ascii_start().starts_with(b"{") {
            match serde_json::from_slice::<serde_json::Value>(line) {
                Ok(value) => scan_json(view, file, &value, line_no, opts, &mut result.matches),
                Err(_) => {
                    result.unparsed += 1;
                    scan_line_plain(view, file, line, Format::Plain, line_no, opts, &mut hits, &mut result.matches);
                }
            }
        } else {
            if format == Format::Jsonl && !line.trim_ascii().is_empty() {
                result.unparsed += 1;
            }
            let f = if format == Format::Jsonl { Format::Plain } else { format };
            scan_line_plain(view, file, line, f, line_no, opts, &mut hits, &mut result.matches);
        }
        start = end + 1;
        line_no += 1;
    }
}

#[allow(clippy::too_many_arguments)]
fn scan_line_plain(
    view: &View<'_>,
    file: &Arc<str>,
    line: &[u8],
    format: Format,
    line_no: u64,
    opts: &ScanOptions,
    hits: &mut Vec<Hit>,
    out: &mut Vec<Match>,
) {
    let refanged = if opts.refang_logs { scan::refang_line(line) } else { None };
    let text = refanged.as_deref().unwrap_or(line);
    hits.clear();
    scan::scan(view, text, hits);
    hits_to_matches(view, file, text, format, hits, line_no, out);
}

/// Zeek splits HTTP URLs into `host` and `uri`; this rebuilds the URL so that URL
/// indicators can match Zeek http.log.
fn zeek_url(obj: &serde_json::Map<String, serde_json::Value>) -> Option<String> {
    let host = obj.get("host")?.as_str()?;
    let uri = obj.get("uri")?.as_str()?;
    if !uri.starts_with('/') || host.is_empty() {
        return None;
    }
    Some(format!("http://{host}{uri}"))
}

fn scan_json(view: &View<'_>, file: &Arc<str>, value: &serde_json::Value, line_no: u64, opts: &ScanOptions, out: &mut Vec<Match>) {
    let mut hits = Vec::new();
    let mut stack: Vec<(String, &serde_json::Value)> = vec![(String::new(), value)];
    let mut seen: Vec<(u32, String)> = Vec::new();
    // `url_only`: for the URL rebuilt from Zeek's host and uri, whose host is scanned in
    // its own field already.
    let mut visit = |path: &str, s: &[u8], url_only: bool, out: &mut Vec<Match>, hits: &mut Vec<Hit>| {
        let refanged = if opts.refang_logs { scan::refang_line(s) } else { None };
        let text = refanged.as_deref().unwrap_or(s);
        hits.clear();
        scan::scan(view, text, hits);
        hits.sort_by_key(|h| (h.start, h.end, h.group));
        for h in hits.iter() {
            if url_only && !(h.start == 0 && h.end == text.len()) {
                continue;
            }
            let matched = String::from_utf8_lossy(&text[h.start..h.end]).into_owned();
            if seen.iter().any(|(g, m)| *g == h.group && *m == matched) {
                continue;
            }
            seen.push((h.group, matched.clone()));
            push_records(view, file, line_no + 1, matched, Some(path.to_string()), h.group, out);
        }
    };
    while let Some((path, v)) = stack.pop() {
        match v {
            serde_json::Value::String(s) => visit(&path, s.as_bytes(), false, out, &mut hits),
            serde_json::Value::Array(items) => {
                for item in items.iter().rev() {
                    stack.push((path.clone(), item));
                }
            }
            serde_json::Value::Object(map) => {
                if !view.url.is_empty() {
                    if let Some(url) = zeek_url(map) {
                        let p = if path.is_empty() { "host+uri".to_string() } else { format!("{path}.host+uri") };
                        visit(&p, url.as_bytes(), true, out, &mut hits);
                    }
                }
                for (k, item) in map.iter().rev() {
                    let p = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
                    stack.push((p, item));
                }
            }
            _ => {}
        }
    }
}

fn scan_csv(view: &View<'_>, file: &Arc<str>, bytes: &[u8], opts: &ScanOptions, report: &mut FileReport, sink: &mut dyn FnMut(Match)) {
    let r = scan_csv_reader(view, file, std::path::Path::new(&**file), Box::new(bytes), opts, sink);
    *report = r;
}

fn scan_csv_reader(
    view: &View<'_>,
    file: &Arc<str>,
    path: &std::path::Path,
    reader: Box<dyn Read + Send + '_>,
    opts: &ScanOptions,
    sink: &mut dyn FnMut(Match),
) -> FileReport {
    let mut report = new_report(file, Format::Csv, Compression::None);
    let mut rdr = csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(reader);
    let headers: Vec<String> = match rdr.byte_headers() {
        Ok(h) => h.iter().map(|f| String::from_utf8_lossy(f).into_owned()).collect(),
        Err(e) => {
            report.error = Some(MatchError::Csv { path: path.to_path_buf(), line: 1, reason: e.to_string() });
            return report;
        }
    };
    let mut record = csv::ByteRecord::new();
    let mut hits = Vec::new();
    let mut out = Vec::new();
    let mut last_line = 1;
    loop {
        match rdr.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(last_line, |p| p.line());
                report.error = Some(MatchError::Csv { path: path.to_path_buf(), line, reason: e.to_string() });
                break;
            }
        }
        let line = record.position().map_or(last_line + 1, |p| p.line());
        last_line = line;
        let len = record.as_slice().len();
        report.bytes = record.position().map_or(report.bytes, |p| p.byte() + len as u64);
        if len > MAX_LINE_BYTES {
            report.lines_too_long += 1;
            continue;
        }
        let mut seen: Vec<(u32, String)> = Vec::new();
        for (i, field) in record.iter().enumerate() {
            let refanged = if opts.refang_logs { scan::refang_line(field) } else { None };
            let text = refanged.as_deref().unwrap_or(field);
            hits.clear();
            scan::scan(view, text, &mut hits);
            hits.sort_by_key(|h| (h.start, h.end, h.group));
            for h in &hits {
                let matched = String::from_utf8_lossy(&text[h.start..h.end]).into_owned();
                if seen.iter().any(|(g, m)| *g == h.group && *m == matched) {
                    continue;
                }
                seen.push((h.group, matched.clone()));
                let name = headers.get(i).cloned().unwrap_or_else(|| format!("column{}", i + 1));
                push_records(view, file, line, matched, Some(name), h.group, &mut out);
            }
        }
        for m in out.drain(..) {
            report.matches += 1;
            sink(m);
        }
        if let Some(p) = &opts.progress {
            p.fetch_add(len as u64, Ordering::Relaxed);
        }
    }
    report.lines = last_line;
    report
}
