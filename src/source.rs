//! Loaded source files and byte spans into them.
//!
//! Every user-visible value in the model keeps a [`Span`] into the file it was read from, so a
//! finding can always point at the line to change. Things nobody wrote (Azure's default rules)
//! live in a synthetic file, [`DEFAULT_RULES_NAME`], whose text documents them; spans into it
//! let reports label default rules like any other.

use std::fmt;
use std::sync::{Arc, OnceLock};

/// Index of a file in [`Sources`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileId(pub u32);

/// A byte range in one source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: FileId, start: usize, end: usize) -> Span {
        let clamp = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        Span {
            file,
            start: clamp(start),
            end: clamp(end.max(start)),
        }
    }

    pub fn len(&self) -> usize {
        (self.end - self.start) as usize
    }

    pub fn is_empty(&self) -> bool {
        self.end == self.start
    }

    /// The smallest span covering both (same file), or `self` when files differ.
    pub fn to(self, other: Span) -> Span {
        if self.file != other.file {
            return self;
        }
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

/// Whether a file was read from disk (or stdin) or made up by nsgate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    User,
    Synthetic,
}

/// One loaded file: its display name, its text and a line index for reporters.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub name: String,
    /// Shared, never copied: `Arc<String>` takes a read file's buffer as it is, where
    /// `Arc<str>` would copy it (briefly holding a 100 MB plan twice).
    pub text: Arc<String>,
    pub origin: Origin,
    line_starts: Vec<u32>,
    /// Characters before every [`CHECKPOINT`]-th byte, built on first use, so a column costs at
    /// most one block of counting even on a 100 MB single-line plan.
    char_checkpoints: OnceLock<Vec<u32>>,
}

/// Bytes between character-count checkpoints.
const CHECKPOINT: usize = 4096;

/// Characters in a byte slice (UTF-8 continuation bytes do not start a character).
fn count_chars(bytes: &[u8]) -> u32 {
    // `is_ascii` reads a word at a time: plans and templates are mostly ASCII.
    if bytes.is_ascii() {
        return bytes.len() as u32;
    }
    bytes.iter().filter(|b| (**b & 0xC0) != 0x80).count() as u32
}

/// 1-based line and column (column counted in characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    pub line: u32,
    pub column: u32,
}

impl fmt::Display for LineCol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

impl SourceFile {
    fn new(name: String, text: Arc<String>, origin: Origin) -> SourceFile {
        let mut line_starts = vec![0u32];
        line_starts.extend(
            memchr::memchr_iter(b'\n', text.as_bytes())
                .map(|i| u32::try_from(i + 1).unwrap_or(u32::MAX)),
        );
        SourceFile {
            name,
            text,
            origin,
            line_starts,
            char_checkpoints: OnceLock::new(),
        }
    }

    /// Characters before byte `offset`.
    fn chars_before(&self, offset: usize) -> u32 {
        let bytes = self.text.as_bytes();
        let checkpoints = self.char_checkpoints.get_or_init(|| {
            let mut total = 0u32;
            let mut out = vec![0u32];
            for block in bytes.chunks(CHECKPOINT) {
                total += count_chars(block);
                out.push(total);
            }
            out
        });
        let block = offset / CHECKPOINT;
        let base = checkpoints.get(block).copied().unwrap_or(0);
        base + count_chars(bytes.get(block * CHECKPOINT..offset).unwrap_or(&[]))
    }

    /// Line and column of a byte offset (clamped to the text, snapped to a char boundary).
    pub fn line_col(&self, offset: u32) -> LineCol {
        let mut offset = (offset as usize).min(self.text.len());
        while offset > 0 && !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line_index = match self.line_starts.binary_search(&(offset as u32)) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let line_start = self.line_starts.get(line_index).copied().unwrap_or(0) as usize;
        // A short line is counted directly; only a long one (a one-line plan) pays for the
        // checkpoints, which count every character of the file once.
        let column = match self.text.as_bytes().get(line_start..offset) {
            Some(line) if line.len() <= CHECKPOINT => count_chars(line),
            _ => self.chars_before(offset) - self.chars_before(line_start),
        };
        LineCol {
            line: line_index as u32 + 1,
            column: column + 1,
        }
    }

    /// Bytes in the longest line that a span touches, counting `around` lines of context on
    /// each side: reporters that print whole lines check it before printing.
    pub fn widest_line(&self, span: Span, around: usize) -> usize {
        let line_of = |offset: u32| match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let first = line_of(span.start).saturating_sub(around);
        let last = line_of(span.end).saturating_add(around);
        let text_end = u32::try_from(self.text.len()).unwrap_or(u32::MAX);
        (first..=last.min(self.line_starts.len().saturating_sub(1)))
            .map(|i| {
                let start = self.line_starts.get(i).copied().unwrap_or(text_end);
                let end = self.line_starts.get(i + 1).copied().unwrap_or(text_end);
                end.saturating_sub(start) as usize
            })
            .max()
            .unwrap_or(0)
    }

    /// The text a span covers ("" when out of range).
    pub fn slice(&self, span: Span) -> &str {
        self.text
            .get(span.start as usize..span.end as usize)
            .unwrap_or("")
    }
}

/// Display name of the synthetic file holding Azure's default rules.
pub const DEFAULT_RULES_NAME: &str = "<azure-default-rules>";

/// All files of one run. Index 0 is always the synthetic default-rules file.
#[derive(Debug, Clone)]
pub struct Sources {
    files: Vec<SourceFile>,
}

impl Default for Sources {
    fn default() -> Self {
        Sources::new()
    }
}

impl Sources {
    pub fn new() -> Sources {
        let defaults = SourceFile::new(
            DEFAULT_RULES_NAME.to_string(),
            Arc::new(crate::model::defaults::DEFAULT_RULES_TEXT.to_string()),
            Origin::Synthetic,
        );
        Sources {
            files: vec![defaults],
        }
    }

    /// The synthetic file of Azure's default rules.
    pub fn defaults_file() -> FileId {
        FileId(0)
    }

    pub fn add(&mut self, name: impl Into<String>, text: impl Into<String>) -> FileId {
        let id = FileId(u32::try_from(self.files.len()).unwrap_or(u32::MAX));
        self.files.push(SourceFile::new(
            name.into(),
            Arc::new(text.into()),
            Origin::User,
        ));
        id
    }

    /// The text of a file, shared (empty for an id from another run).
    pub fn text(&self, id: FileId) -> Arc<String> {
        self.get(id)
            .map(|f| Arc::clone(&f.text))
            .unwrap_or_default()
    }

    pub fn get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.0 as usize)
    }

    /// Display name of a file ("<unknown>" for an id from another run).
    pub fn name(&self, id: FileId) -> &str {
        self.get(id).map(|f| f.name.as_str()).unwrap_or("<unknown>")
    }

    pub fn line_col(&self, span: Span) -> (LineCol, LineCol) {
        match self.get(span.file) {
            Some(f) => (f.line_col(span.start), f.line_col(span.end)),
            None => (
                LineCol { line: 1, column: 1 },
                LineCol { line: 1, column: 1 },
            ),
        }
    }

    pub fn slice(&self, span: Span) -> &str {
        self.get(span.file).map(|f| f.slice(span)).unwrap_or("")
    }

    pub fn iter(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(i as u32), f))
    }

    /// A span covering the first occurrence of `needle` in a file, for synthetic sources.
    pub fn find(&self, file: FileId, needle: &str) -> Option<Span> {
        let f = self.get(file)?;
        let start = f.text.find(needle)?;
        Some(Span::new(file, start, start + needle.len()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_are_one_based_and_count_characters() {
        let mut s = Sources::new();
        let id = s.add("a.tf", "ab\ncé d\n");
        let f = s.get(id).unwrap();
        assert_eq!(f.line_col(0), LineCol { line: 1, column: 1 });
        assert_eq!(f.line_col(3), LineCol { line: 2, column: 1 });
        // 'é' is two bytes; the space after it is the third character.
        assert_eq!(f.line_col(6), LineCol { line: 2, column: 3 });
        // Offsets past the end clamp instead of panicking.
        assert_eq!(f.line_col(999).line, 3);
    }

    #[test]
    fn columns_on_a_long_line_cross_checkpoints() {
        let mut s = Sources::new();
        let text = format!("{}é{}x\ncé dy", "a".repeat(5000), "b".repeat(9000));
        let id = s.add("long", text.clone());
        let offset = text.find('x').unwrap() as u32;
        assert_eq!(
            s.get(id).unwrap().line_col(offset),
            LineCol {
                line: 1,
                column: 14002
            }
        );
        // A short line after it is counted directly, the same way.
        let offset = text.find('y').unwrap() as u32;
        assert_eq!(
            s.get(id).unwrap().line_col(offset),
            LineCol { line: 2, column: 5 }
        );
    }

    #[test]
    fn offsets_inside_a_multibyte_char_snap_back() {
        let mut s = Sources::new();
        let id = s.add("a", "é");
        assert_eq!(s.get(id).unwrap().line_col(1).column, 1);
    }

    #[test]
    fn default_rules_file_is_always_first() {
        let s = Sources::new();
        assert_eq!(s.name(Sources::defaults_file()), DEFAULT_RULES_NAME);
        assert!(s.find(Sources::defaults_file(), "DenyAllInBound").is_some());
    }
}
