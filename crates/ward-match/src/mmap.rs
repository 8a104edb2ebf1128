//! The crate's only `unsafe`: mapping a read-only file range into memory.

use std::fs::File;

use memmap2::{Mmap, MmapOptions};

/// Maps `len` bytes of `file` from `offset` (a multiple of the page size) read-only.
#[allow(unsafe_code)]
pub(crate) fn map_file_range(file: &File, offset: u64, len: usize) -> std::io::Result<Mmap> {
    // SAFETY: the mapping is private and read-only, and the bytes are only ever read as
    // `&[u8]` (or cast by bytemuck after alignment checks). The remaining hazard is
    // another process truncating or rewriting the file while it is mapped, which can
    // raise SIGBUS or show changing bytes; like ripgrep, ward accepts that for log files
    // and compiled sets it was asked to read, and never maps files it writes itself.
    unsafe { MmapOptions::new().offset(offset).len(len).map(file) }
}
