//! Log inputs: files, directories (recursively), glob patterns and stdin; compression
//! is recognised by magic bytes, not by file name.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use crate::error::MatchError;

/// One log source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    Stdin,
    File(PathBuf),
}

impl Input {
    /// The name used in match records (`-` for stdin).
    pub fn name(&self) -> String {
        match self {
            Input::Stdin => "-".to_string(),
            Input::File(p) => p.display().to_string(),
        }
    }

    fn path(&self) -> PathBuf {
        match self {
            Input::Stdin => PathBuf::from("-"),
            Input::File(p) => p.clone(),
        }
    }
}

/// Compression of an input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

impl Compression {
    pub(crate) fn detect(head: &[u8]) -> Compression {
        if head.starts_with(&[0x1f, 0x8b]) {
            Compression::Gzip
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Compression::Zstd
        } else {
            Compression::None
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Compression::None => "none",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        }
    }
}

fn has_glob_meta(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

fn walk_dir(dir: &Path, out: &mut Vec<Result<Input, MatchError>>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            out.push(Err(MatchError::io(dir, e)));
            return;
        }
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        // Follow no symlinked directories: avoids cycles.
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.is_dir() => walk_dir(&p, out),
            Ok(m) if m.is_file() || m.file_type().is_symlink() && p.is_file() => out.push(Ok(Input::File(p))),
            Ok(_) => {}
            Err(e) => out.push(Err(MatchError::io(&p, e))),
        }
    }
}

/// Expands command-line log arguments: `-` is stdin, directories are walked recursively
/// (sorted), glob patterns are expanded. Each argument that names nothing is an error
/// in its place, so that the others are still scanned (like grep).
pub fn expand_inputs(args: &[String]) -> Vec<Result<Input, MatchError>> {
    let mut out = Vec::new();
    for arg in args {
        if arg == "-" {
            out.push(Ok(Input::Stdin));
            continue;
        }
        let path = Path::new(arg);
        if path.is_dir() {
            walk_dir(path, &mut out);
        } else if path.exists() {
            out.push(Ok(Input::File(path.to_path_buf())));
        } else if has_glob_meta(arg) {
            match glob::glob(arg) {
                Ok(paths) => {
                    let before = out.len();
                    for p in paths {
                        match p {
                            Ok(p) if p.is_dir() => walk_dir(&p, &mut out),
                            Ok(p) => out.push(Ok(Input::File(p))),
                            Err(e) => out.push(Err(MatchError::io(e.path().to_path_buf(), e.into()))),
                        }
                    }
                    if out.len() == before {
                        out.push(Err(MatchError::Input { input: arg.clone(), reason: "pattern matched no files".into() }));
                    }
                }
                Err(e) => out.push(Err(MatchError::Input { input: arg.clone(), reason: format!("bad glob pattern: {e}") })),
            }
        } else {
            out.push(Err(MatchError::Input { input: arg.clone(), reason: "no such file or directory".into() }));
        }
    }
    out
}

/// An opened input: a plain file (memory-mapped in windows by the engine) or a stream.
pub(crate) enum Opened {
    Mappable { file: File, len: u64 },
    Stream(Box<dyn Read + Send>),
}

/// A reader that turns decoder errors into [`MatchError::Decompress`]-friendly errors
/// and counts decompressed bytes.
pub(crate) struct Decoded {
    pub(crate) compression: Compression,
    pub(crate) reader: Box<dyn Read + Send>,
}

pub(crate) fn open(input: &Input) -> Result<(Opened, Compression), MatchError> {
    match input {
        Input::Stdin => {
            let reader = BufReader::with_capacity(1 << 20, std::io::stdin());
            let d = decoder(Box::new(reader), input)?;
            Ok((Opened::Stream(d.reader), d.compression))
        }
        Input::File(path) => {
            let mut file = File::open(path).map_err(|e| MatchError::io(path, e))?;
            let meta = file.metadata().map_err(|e| MatchError::io(path, e))?;
            let mut head = [0u8; 4];
            let n = read_head(&mut file, &mut head).map_err(|e| MatchError::io(path, e))?;
            let compression = Compression::detect(&head[..n]);
            if compression == Compression::None && meta.is_file() {
                return Ok((Opened::Mappable { file, len: meta.len() }, compression));
            }
            let reader: Box<dyn Read + Send> =
                Box::new(BufReader::with_capacity(1 << 20, std::io::Cursor::new(head[..n].to_vec()).chain(file)));
            let d = decoder(reader, input)?;
            Ok((Opened::Stream(d.reader), d.compression))
        }
    }
}

fn read_head(file: &mut File, head: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < head.len() {
        let k = file.read(&mut head[n..])?;
        if k == 0 {
            break;
        }
        n += k;
    }
    Ok(n)
}

fn decoder(mut reader: Box<dyn Read + Send>, input: &Input) -> Result<Decoded, MatchError> {
    // Peek without consuming: wrap what we read back in front of the stream.
    let mut head = [0u8; 4];
    let mut n = 0;
    while n < head.len() {
        let k = reader.read(&mut head[n..]).map_err(|e| MatchError::io(input.path(), e))?;
        if k == 0 {
            break;
        }
        n += k;
    }
    let compression = Compression::detect(&head[..n]);
    let rejoined: Box<dyn Read + Send> = Box::new(std::io::Cursor::new(head[..n].to_vec()).chain(reader));
    let reader: Box<dyn Read + Send> = match compression {
        Compression::None => rejoined,
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(rejoined)),
        Compression::Zstd => Box::new(
            zstd::stream::read::Decoder::new(rejoined).map_err(|e| MatchError::Decompress {
                path: input.path(),
                compression: "zstd",
                bytes_read: 0,
                reason: e.to_string(),
            })?,
        ),
    };
    Ok(Decoded { compression, reader })
}
