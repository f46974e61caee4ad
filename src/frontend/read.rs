//! Reading input files: regular files only, bounded in size, decoded from UTF-8 or (with a
//! byte-order mark) UTF-16. A FIFO, a device or a link to one would hang or never end, and an
//! unbounded read of a hostile file exhausts memory, so each is a clear error instead.

use std::io::Read;
use std::path::Path;

/// The largest input file read: far above any real template or plan (the largest generated
/// benchmark plan, 20,000 NSGs, is 380 MB), and small enough to keep a run within memory.
pub const MAX_FILE_BYTES: u64 = 1 << 30;

/// Why a file could not be read as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// Not a regular file (a FIFO, socket or device, or a link to one).
    NotRegular(&'static str),
    TooLarge(u64),
    /// A stream (standard input) longer than a file may be.
    StreamTooLarge,
    /// A stream with a NUL byte (at this offset) outside UTF-16: no input format allows one.
    Nul(u64),
    NotText,
    Io(String),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::NotRegular(what) => write!(f, "it is {what}, not a regular file"),
            ReadError::TooLarge(n) => write!(
                f,
                "it is {n} bytes, more than the {MAX_FILE_BYTES} bytes nsgate reads from one file"
            ),
            ReadError::StreamTooLarge => write!(
                f,
                "it is longer than the {MAX_FILE_BYTES} bytes nsgate reads from one input"
            ),
            ReadError::Nul(at) => write!(
                f,
                "it holds a NUL byte (at byte {at}): binary data, not a plan, template, Bicep or HCL text"
            ),
            ReadError::NotText => f.write_str("it is neither UTF-8 nor UTF-16 text"),
            ReadError::Io(e) => f.write_str(e),
        }
    }
}

/// Read `path` as text if it is a regular file of bounded size.
pub fn read_text(path: &Path) -> Result<String, ReadError> {
    let bytes = read_bytes(path)?;
    decode(bytes).ok_or(ReadError::NotText)
}

/// Read a stream (standard input) as text, bounded like a file: an endless stream piped in
/// is an error once the bound is passed, not memory exhaustion, and binary data (`/dev/zero`)
/// is an error at its first NUL byte, before a gigabyte of it is held.
pub fn read_stream(stream: impl Read) -> Result<String, ReadError> {
    read_stream_within(stream, MAX_FILE_BYTES)
}

fn read_stream_within(mut stream: impl Read, limit: u64) -> Result<String, ReadError> {
    let mut bytes = Vec::new();
    let mut chunk = vec![0; 64 * 1024];
    loop {
        let n = match stream.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(ReadError::Io(e.to_string())),
        };
        let start = bytes.len();
        bytes.extend_from_slice(chunk.get(..n).unwrap_or_default());
        // UTF-16 text has NUL bytes; its byte-order mark comes first (read whole here, even
        // when it arrived split across two reads).
        let utf16 = bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]);
        let read = bytes.get(start..).unwrap_or_default();
        if let Some(at) = read.iter().position(|b| *b == 0).filter(|_| !utf16) {
            return Err(ReadError::Nul((start + at) as u64));
        }
        if bytes.len() as u64 > limit {
            return Err(ReadError::StreamTooLarge);
        }
    }
    decode(bytes).ok_or(ReadError::NotText)
}

/// Read `path`'s bytes if it is a regular file (following links) of bounded size.
pub fn read_bytes(path: &Path) -> Result<Vec<u8>, ReadError> {
    let meta = std::fs::metadata(path).map_err(|e| ReadError::Io(e.to_string()))?;
    regular_file(&meta)?;
    if meta.len() > MAX_FILE_BYTES {
        return Err(ReadError::TooLarge(meta.len()));
    }
    let file = std::fs::File::open(path).map_err(|e| ReadError::Io(e.to_string()))?;
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    // The file may grow between the size check and the read: never read past the bound.
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| ReadError::Io(e.to_string()))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(ReadError::TooLarge(bytes.len() as u64));
    }
    Ok(bytes)
}

/// Whether `meta` is a regular file, and if not, what it is.
pub fn regular_file(meta: &std::fs::Metadata) -> Result<(), ReadError> {
    let ft = meta.file_type();
    if ft.is_file() {
        return Ok(());
    }
    if ft.is_dir() {
        return Err(ReadError::NotRegular("a directory"));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return Err(ReadError::NotRegular("a FIFO (named pipe)"));
        }
        if ft.is_socket() {
            return Err(ReadError::NotRegular("a socket"));
        }
        if ft.is_char_device() || ft.is_block_device() {
            return Err(ReadError::NotRegular("a device"));
        }
    }
    Err(ReadError::NotRegular("a special file"))
}

/// UTF-8 (a byte-order mark is dropped), or UTF-16 with a byte-order mark.
pub fn decode(bytes: Vec<u8>) -> Option<String> {
    decode_or_keep(bytes).ok()
}

/// [`decode`], giving the bytes back when they are not text.
pub fn decode_or_keep(bytes: Vec<u8>) -> Result<String, Vec<u8>> {
    let decoded = match bytes.as_slice() {
        [0xEF, 0xBB, 0xBF, rest @ ..] => String::from_utf8(rest.to_vec()).ok(),
        [0xFF, 0xFE, rest @ ..] => utf16(rest, u16::from_le_bytes),
        [0xFE, 0xFF, rest @ ..] => utf16(rest, u16::from_be_bytes),
        _ => return String::from_utf8(bytes).map_err(|e| e.into_bytes()),
    };
    decoded.ok_or(bytes)
}

fn utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16) -> Option<String> {
    if bytes.len() % 2 != 0 {
        return None;
    }
    let units = bytes
        .chunks_exact(2)
        .filter_map(|c| <[u8; 2]>::try_from(c).ok())
        .map(unit);
    char::decode_utf16(units)
        .collect::<Result<String, _>>()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stream_is_read_up_to_the_bound_and_no_further() {
        // An endless stream (`/dev/zero` on standard input) ends at the bound.
        let endless = std::io::repeat(b'a');
        assert_eq!(
            read_stream_within(endless, 1000),
            Err(ReadError::StreamTooLarge)
        );
        assert_eq!(read_stream_within(&b"{}"[..], 2).as_deref(), Ok("{}"));
        assert_eq!(
            read_stream_within(&b"caf\xE9"[..], 10),
            Err(ReadError::NotText)
        );
        // Binary data ends at its first NUL byte, far below the bound; UTF-16 is still read.
        assert_eq!(
            read_stream_within(std::io::repeat(0), 1 << 30),
            Err(ReadError::Nul(0))
        );
        assert_eq!(
            read_stream_within(&b"{ \0 }"[..], 10),
            Err(ReadError::Nul(2))
        );
        let utf16: Vec<u8> = [0xFF, 0xFE, b'{', 0, b'}', 0].to_vec();
        assert_eq!(read_stream_within(&utf16[..], 10).as_deref(), Ok("{}"));
        // The same with its byte-order mark split across two reads.
        let split = (&utf16[..1]).chain(&utf16[1..]);
        assert_eq!(read_stream_within(split, 10).as_deref(), Ok("{}"));
    }

    #[test]
    fn decodes_utf8_with_and_without_bom_and_utf16_with_bom() {
        assert_eq!(decode(b"{}".to_vec()).as_deref(), Some("{}"));
        assert_eq!(decode(b"\xEF\xBB\xBF{}".to_vec()).as_deref(), Some("{}"));
        let le: Vec<u8> = [0xFF, 0xFE, b'{', 0, b'}', 0].to_vec();
        assert_eq!(decode(le).as_deref(), Some("{}"));
        let be: Vec<u8> = [0xFE, 0xFF, 0, b'{', 0, b'}'].to_vec();
        assert_eq!(decode(be).as_deref(), Some("{}"));
        assert_eq!(decode(b"caf\xE9".to_vec()), None);
        assert_eq!(decode([0xFF, 0xFE, b'{'].to_vec()), None);
    }

    #[cfg(unix)]
    #[test]
    fn refuses_devices_and_directories() {
        assert_eq!(
            read_text(Path::new("/dev/zero")),
            Err(ReadError::NotRegular("a device"))
        );
        assert_eq!(
            read_text(Path::new("/")),
            Err(ReadError::NotRegular("a directory"))
        );
    }
}
