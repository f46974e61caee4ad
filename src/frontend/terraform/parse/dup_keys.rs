//! Repeated object keys: renaming the later one to a same-length placeholder so hcl-edit
//! parses the text, and remembering what it was called.

use std::collections::HashMap;

use crate::model::{Problem, ProblemKind, Severity};
use crate::source::{FileId, Span};

/// Most repeated keys renamed in one file; past that the syntax error stands, so a hostile
/// file cannot make parsing quadratic without bound.
const MAX_RENAMES: usize = 256;

/// Keys renamed so far: byte offset of the key → its name as written.
#[derive(Debug, Default)]
pub struct Renamed {
    keys: HashMap<usize, (String, usize)>,
}

impl Renamed {
    /// The name of a key renamed at `offset` (the key's first byte).
    pub fn original(&self, offset: usize) -> Option<&str> {
        self.keys.get(&offset).map(|(name, _)| name.as_str())
    }

    /// `text` with the key at `offset` renamed, or `None` when it cannot be (not a plain
    /// identifier or string key, no free placeholder, too many renames).
    pub fn rename(&mut self, text: &str, offset: usize) -> Option<String> {
        if self.keys.len() >= MAX_RENAMES || self.keys.contains_key(&offset) {
            return None;
        }
        let rest = text.get(offset..)?;
        let (start, len, quoted) = if let Some(inner) = rest.strip_prefix('"') {
            let end = inner.find('"')?;
            let name = inner.get(..end)?;
            if name.contains(['\\', '$', '%', '\n']) {
                return None;
            }
            (offset + 1, end, true)
        } else {
            let len = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
                .unwrap_or(rest.len());
            (offset, len, false)
        };
        let name = text.get(start..start + len)?.to_string();
        if name.is_empty() {
            return None;
        }
        let placeholder = (0..4096)
            .map(|k| placeholder(k, len, quoted))
            .find(|p| !contains_word(text, p))?;
        let mut out = String::with_capacity(text.len());
        out.push_str(text.get(..start)?);
        out.push_str(&placeholder);
        out.push_str(text.get(start + len..)?);
        self.keys
            .insert(offset, (name, len + 2 * usize::from(quoted)));
        Some(out)
    }

    /// A note for every renamed key, in file order.
    pub fn notes(&self, file: FileId) -> Vec<Problem> {
        let mut keys: Vec<_> = self.keys.iter().collect();
        keys.sort_by_key(|(offset, _)| **offset);
        keys.into_iter()
            .map(|(offset, (name, len))| {
                Problem::new(
                    ProblemKind::Note,
                    Severity::Note,
                    format!(
                        "object key `{name}` is set more than once; Terraform uses the last value"
                    ),
                    Span::new(file, *offset, offset + len),
                )
            })
            .collect()
    }
}

/// The `k`-th placeholder of `len` bytes: an identifier (`_`, letters and digits), or any
/// ASCII inside quotes.
fn placeholder(k: usize, len: usize, quoted: bool) -> String {
    const FIRST: &[u8] = b"_QXZJKqxzjkVWYvwy";
    const REST: &[u8] = b"0123456789_QXZJKqxzjkVWYvwyABCDEFGHILMNOPRSTUabcdefghilmnoprstu";
    let mut out = String::with_capacity(len);
    let mut n = k;
    for i in 0..len {
        let alphabet = if i == 0 && !quoted { FIRST } else { REST };
        let digit = n % alphabet.len();
        n /= alphabet.len();
        out.push(char::from(alphabet.get(digit).copied().unwrap_or(b'_')));
    }
    out
}

/// Whether `word` occurs in `text` as a whole identifier.
fn contains_word(text: &str, word: &str) -> bool {
    let is_ident = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    text.match_indices(word).any(|(i, _)| {
        let before = text.get(..i).and_then(|s| s.chars().next_back());
        let after = text.get(i + word.len()..).and_then(|s| s.chars().next());
        !before.is_some_and(is_ident) && !after.is_some_and(is_ident)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_later_key_is_renamed_in_place_and_remembered() {
        let text = "x = {\n  env = 1\n  env = 2\n}\n";
        let at = text.rfind("env").unwrap();
        let mut r = Renamed::default();
        let out = r.rename(text, at).unwrap();
        assert_eq!(out.len(), text.len());
        assert_ne!(out.get(at..at + 3), Some("env"));
        assert_eq!(r.original(at), Some("env"));
    }

    #[test]
    fn quoted_keys_keep_their_quotes() {
        let text = "x = { \"a b\" = 1, \"a b\" = 2 }";
        let at = text.rfind("\"a b\"").unwrap();
        let mut r = Renamed::default();
        let out = r.rename(text, at).unwrap();
        assert_eq!(out.len(), text.len());
        assert_eq!(out.get(at..at + 1), Some("\""));
        assert_eq!(out.get(at + 4..at + 5), Some("\""));
    }

    #[test]
    fn one_letter_keys_find_a_free_placeholder() {
        let text = "x = { _ = 0, a = 1, a = 2 }";
        let at = text.rfind('a').unwrap();
        let out = Renamed::default().rename(text, at).unwrap();
        assert_eq!(out.get(at..at + 1), Some("Q"));
    }
}
