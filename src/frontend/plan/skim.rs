//! Lazy access to a large JSON document: validate it once without building a tree, then find
//! the byte ranges of members and items, and parse only the parts the plan front end reads.
//!
//! A plan of 20,000 NSGs is ~100 MB of compact JSON, and a spanned tree of all of it (which
//! [`json::parse`] builds) takes several times the file size. Most of a plan is never needed
//! (`before`, `after_sensitive`, `planned_values` duplicates of `resource_changes`,
//! `relevant_attributes`…), so the front end skims: [`validate`] checks the grammar of the
//! whole text in one pass (the same grammar and depth limit as [`json::parse`]), and
//! [`Doc::members`]/[`Doc::items`] then walk already-validated ranges quickly. Validation
//! remembers where each large container ends, so walking into `resource_changes[i].change.after`
//! does not scan the same bytes again at every level. [`parse_range`] builds a spanned tree for
//! one range with positions relative to the whole file.

use std::borrow::Cow;
use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use crate::frontend::json::{self, JsonError, Node};

/// One object member found by [`Doc::members`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkimMember<'a> {
    pub key: Cow<'a, str>,
    pub key_range: Range<usize>,
    pub value: Range<usize>,
}

fn error(message: &str, offset: usize) -> JsonError {
    JsonError {
        message: message.to_string(),
        offset: u32::try_from(offset).unwrap_or(u32::MAX),
    }
}

fn skip_ws(bytes: &[u8], mut pos: usize) -> usize {
    while matches!(bytes.get(pos), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        pos += 1;
    }
    pos
}

/// Members room is made for up front (a planned security rule has 17).
const MEMBERS_GUESS: usize = 24;

/// Containers at least this long have their end remembered.
const MARK_MIN_LEN: usize = 256;

/// A validated document: its text, the range of its value, and the ends of its large
/// containers (sorted by start). `Sync`: threads that walk parts of one document each take a
/// [`Doc::fork`], which shares the marks and keeps its own lookup hint.
#[derive(Debug)]
pub struct Doc<'a> {
    pub text: &'a str,
    pub root: Range<usize>,
    marks: Arc<[(u32, u32)]>,
    /// Index into `marks` where the next lookup probably is (relaxed: only a guess, checked
    /// before use).
    hint: AtomicUsize,
}

/// Check that `text` is one JSON value (strict JSON: no comments, no trailing commas): the
/// validating pass of [`json`] (its grammar, errors, offsets and depth limit), remembering the
/// end of every container of at least [`MARK_MIN_LEN`] bytes. The value's range excludes a
/// leading byte-order mark and surrounding whitespace.
pub fn validate(text: &str) -> Result<Doc<'_>, JsonError> {
    let options = json::Validation {
        comments: false,
        mark_min_len: MARK_MIN_LEN,
    };
    let mut marks: Vec<(u32, u32)> = Vec::new();
    let root = json::validate_with(text, options, &mut marks, None)?;
    Ok(Doc {
        text,
        root,
        marks: marks.into(),
        hint: AtomicUsize::new(0),
    })
}

/// End of the (already validated) container or scalar starting at `pos`, scanning.
fn scan_end(bytes: &[u8], pos: usize) -> usize {
    match bytes.get(pos) {
        Some(b'"') => string_end(bytes, pos),
        Some(b'{' | b'[') => {
            let mut depth = 0usize;
            let mut p = pos;
            while let Some(b) = bytes.get(p) {
                match b {
                    b'"' => {
                        p = string_end(bytes, p);
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            return p + 1;
                        }
                    }
                    _ => {}
                }
                p += 1;
            }
            p
        }
        _ => {
            let mut p = pos;
            while let Some(b) = bytes.get(p) {
                if matches!(b, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r') {
                    break;
                }
                p += 1;
            }
            p
        }
    }
}

fn string_end(bytes: &[u8], open: usize) -> usize {
    string_end_escaped(bytes, open).0
}

/// [`string_end`], and whether the string holds an escape (so must be decoded).
fn string_end_escaped(bytes: &[u8], open: usize) -> (usize, bool) {
    let mut p = open + 1;
    let mut escaped = false;
    loop {
        let rest = bytes.get(p..).unwrap_or(&[]);
        match memchr::memchr2(b'"', b'\\', rest) {
            Some(i) => match rest.get(i) {
                Some(b'"') => return (p + i + 1, escaped),
                _ => {
                    escaped = true;
                    p += i + 2;
                }
            },
            None => return (bytes.len(), escaped),
        }
    }
}

/// The text of a string literal at `range` that holds no escape, without its quotes.
fn plain_string(text: &str, range: Range<usize>) -> Cow<'_, str> {
    Cow::Borrowed(
        text.get(range.start + 1..range.end.saturating_sub(1))
            .unwrap_or(""),
    )
}

/// Decode a JSON string literal (its quotes included in `range`).
fn decode_string(text: &str, range: Range<usize>) -> Cow<'_, str> {
    let raw = text
        .get(range.start + 1..range.end.saturating_sub(1))
        .unwrap_or("");
    if !raw.contains('\\') {
        return Cow::Borrowed(raw);
    }
    match text.get(range).map(|s| json::parse(s, false)) {
        Some(Ok(node)) => Cow::Owned(node.as_str().unwrap_or("").to_string()),
        _ => Cow::Borrowed(raw),
    }
}

/// The value of the last member named `key` (JSON objects with a repeated key keep the last,
/// as serde_json does).
pub fn last_member(members: &[SkimMember<'_>], key: &str) -> Option<Range<usize>> {
    members
        .iter()
        .rev()
        .find(|m| m.key == key)
        .map(|m| m.value.clone())
}

impl<'a> Doc<'a> {
    /// A view of text that was not validated, for sniffing: walking it never fails or panics,
    /// but on malformed text the ranges it finds are meaningless.
    pub fn unchecked(text: &'a str) -> Doc<'a> {
        let bytes = text.as_bytes();
        let start = skip_ws(bytes, if text.starts_with('\u{feff}') { 3 } else { 0 });
        Doc {
            text,
            root: start..text.len(),
            marks: Arc::new([]),
            hint: AtomicUsize::new(0),
        }
    }

    /// The same document for another thread: the marks are shared, the hint is its own (one
    /// hint moved by two walks in different places would miss for both).
    pub fn fork(&self) -> Doc<'a> {
        Doc {
            text: self.text,
            root: self.root.clone(),
            marks: Arc::clone(&self.marks),
            hint: AtomicUsize::new(self.hint.load(Ordering::Relaxed)),
        }
    }

    /// End of the value starting at `pos`: remembered for large containers, scanned otherwise.
    fn end(&self, pos: usize) -> usize {
        let bytes = self.text.as_bytes();
        if let Some(open @ (b'{' | b'[')) = bytes.get(pos) {
            // `[]` and `{}` are the most common containers in a plan.
            let close = if *open == b'{' { b'}' } else { b']' };
            if bytes.get(pos + 1) == Some(&close) {
                return pos + 2;
            }
            if let Ok(p) = u32::try_from(pos) {
                // Walks go forward: try the mark after the last one found first.
                let hint = self.hint.load(Ordering::Relaxed);
                let found = match self.marks.get(hint) {
                    Some(&(s, _)) if s == p => Some(hint),
                    _ => self.marks.binary_search_by_key(&p, |m| m.0).ok(),
                };
                if let Some(i) = found {
                    self.hint.store(i + 1, Ordering::Relaxed);
                    if let Some((_, end)) = self.marks.get(i) {
                        return *end as usize;
                    }
                }
            }
        }
        scan_end(bytes, pos)
    }

    /// The members of the object at `range` (a range of this document). Anything that is not
    /// an object has no members.
    pub fn members(&self, range: Range<usize>) -> Vec<SkimMember<'a>> {
        // Sized for a typical resource or rule object: no regrowth on the common path.
        let mut out = Vec::with_capacity(MEMBERS_GUESS);
        out.extend(self.member_iter(range));
        out
    }

    /// [`Doc::members`] one at a time, so a caller that finds what it looks for early does
    /// not walk the rest.
    pub fn member_iter<'d>(
        &'d self,
        range: Range<usize>,
    ) -> impl Iterator<Item = SkimMember<'a>> + 'd {
        let mut pos = self.first_member(&range);
        std::iter::from_fn(move || {
            let (key_range, key, value_start) = self.member_head(pos, &range)?;
            let value_end = self.end(value_start);
            pos = self.next_member(value_end, &range);
            Some(SkimMember {
                key,
                key_range,
                value: value_start..value_end,
            })
        })
    }

    /// The keys of the object at `range` in order. A value is skipped only when the next key
    /// is asked for, so a caller that stops at a key never reads its value (telling a plan by
    /// its first keys does not skim the `resource_changes` after them).
    pub fn keys<'d>(&'d self, range: Range<usize>) -> impl Iterator<Item = Cow<'a, str>> + 'd {
        let mut pos = self.first_member(&range);
        let mut value_start: Option<usize> = None;
        std::iter::from_fn(move || {
            if let Some(start) = value_start.take() {
                pos = self.next_member(self.end(start), &range);
            }
            let (_, key, start) = self.member_head(pos, &range)?;
            value_start = Some(start);
            Some(key)
        })
    }

    /// Where the first member of the object at `range` starts (`range.end` if not an object).
    fn first_member(&self, range: &Range<usize>) -> usize {
        let bytes = self.text.as_bytes();
        if bytes.get(range.start) == Some(&b'{') {
            skip_ws(bytes, range.start + 1)
        } else {
            range.end
        }
    }

    /// The member at `pos`: its key's range, the key decoded (whether it needs decoding is
    /// found while finding its end: no second scan for keys without an escape, nearly all),
    /// and where its value starts (`None` past the last).
    fn member_head(
        &self,
        pos: usize,
        range: &Range<usize>,
    ) -> Option<(Range<usize>, Cow<'a, str>, usize)> {
        let bytes = self.text.as_bytes();
        if pos >= range.end || bytes.get(pos) != Some(&b'"') {
            return None;
        }
        let (key_end, escaped) = string_end_escaped(bytes, pos);
        let key = if escaped {
            decode_string(self.text, pos..key_end)
        } else {
            plain_string(self.text, pos..key_end)
        };
        let colon = skip_ws(bytes, key_end);
        Some((pos..key_end, key, skip_ws(bytes, colon + 1)))
    }

    /// Where the member after a value ending at `value_end` starts (`range.end` if none).
    fn next_member(&self, value_end: usize, range: &Range<usize>) -> usize {
        let bytes = self.text.as_bytes();
        let next = skip_ws(bytes, value_end);
        if bytes.get(next) == Some(&b',') {
            skip_ws(bytes, next + 1)
        } else {
            range.end
        }
    }

    /// The member `key` of the object at `range` (the last one when duplicated, like
    /// [`Node::get`]).
    pub fn member(&self, range: Range<usize>, key: &str) -> Option<Range<usize>> {
        last_member(&self.members(range), key)
    }

    /// The items of the array at `range`.
    pub fn items(&self, range: Range<usize>) -> Vec<Range<usize>> {
        let bytes = self.text.as_bytes();
        let mut out = Vec::new();
        if bytes.get(range.start) != Some(&b'[') {
            return out;
        }
        let mut pos = skip_ws(bytes, range.start + 1);
        while pos < range.end && bytes.get(pos) != Some(&b']') {
            let end = self.end(pos);
            if end == pos {
                break;
            }
            out.push(pos..end);
            pos = skip_ws(bytes, end);
            if bytes.get(pos) == Some(&b',') {
                pos = skip_ws(bytes, pos + 1);
            } else {
                break;
            }
        }
        out
    }

    /// The string at `range`, if it is one.
    pub fn string(&self, range: Range<usize>) -> Option<Cow<'a, str>> {
        if self.text.as_bytes().get(range.start) == Some(&b'"') {
            Some(decode_string(self.text, range))
        } else {
            None
        }
    }

    /// The exact text of `range`.
    pub fn raw(&self, range: Range<usize>) -> &'a str {
        self.text.get(range).unwrap_or("")
    }

    /// A spanned tree of the value at `range`.
    pub fn parse(&self, range: Range<usize>) -> Result<Node, JsonError> {
        parse_range(self.text, range)
    }
}

/// A spanned tree of the value at `range`, with positions relative to the whole `text`.
pub fn parse_range(text: &str, range: Range<usize>) -> Result<Node, JsonError> {
    let base = range.start;
    let slice = text
        .get(range)
        .ok_or_else(|| error("range is not inside the text", base))?;
    let mut node = json::parse(slice, false).map_err(|mut e| {
        e.offset = e
            .offset
            .saturating_add(u32::try_from(base).unwrap_or(u32::MAX));
        e
    })?;
    shift(&mut node, u32::try_from(base).unwrap_or(u32::MAX));
    Ok(node)
}

fn shift(node: &mut Node, base: u32) {
    if base == 0 {
        return;
    }
    node.start = node.start.saturating_add(base);
    node.end = node.end.saturating_add(base);
    match &mut node.value {
        json::Json::Array(items) => items.iter_mut().for_each(|n| shift(n, base)),
        json::Json::Object(members) => {
            for m in members {
                m.key_start = m.key_start.saturating_add(base);
                m.key_end = m.key_end.saturating_add(base);
                shift(&mut m.value, base);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_agrees_with_the_spanned_parser() {
        for text in [
            "{}",
            "[]",
            r#"{"a": [1, -2.5e3, true, false, null, "x\"y\u00e9"], "b": {}}"#,
            "\u{feff} [ 1 ] ",
            "",
            "{",
            "[1,",
            "[1,]",
            "{\"a\":1,}",
            "{\"a\" 1}",
            "\"abc",
            "tru",
            "-",
            "1.",
            "1e",
            "01",
            "{\"a\":1}x",
            "\"\\u12\"",
            "\"\\x\"",
            "\"a\u{1}\"",
            "// c\n{}",
            "\"\\u+123\"",
            "[1 2]",
        ] {
            // One validating pass (`json::validate_with`, strict): the spanned parser's
            // verdict, message and offset.
            let ours = validate(text).err();
            let theirs = json::parse(text, false).err();
            assert_eq!(ours, theirs, "{text:?}");
            if let Some(e) = ours {
                assert!(e.offset as usize <= text.len());
            }
        }
    }

    #[test]
    fn deep_nesting_is_rejected_without_overflow() {
        let text = "[".repeat(100_000);
        assert!(validate(&text).unwrap_err().message.contains("nesting"));
    }

    /// Keys come in order, escapes decoded, the same as the members' keys; a key's value is
    /// not read until the next key is asked for (here an unterminated value after `b`).
    #[test]
    fn keys_are_the_members_keys_and_stop_before_the_next_value() {
        let text = r#"{"a": [1, {"x": "}"}], "b\u0041": {"c": null}, "d": 2}"#;
        let doc = Doc::unchecked(text);
        let keys: Vec<String> = doc.keys(doc.root.clone()).map(|k| k.into_owned()).collect();
        let members: Vec<String> = doc
            .member_iter(doc.root.clone())
            .map(|m| m.key.into_owned())
            .collect();
        assert_eq!(keys, ["a", "bA", "d"]);
        assert_eq!(keys, members);
        let cut = r#"{"a": 1, "b": [1, 2"#;
        let doc = Doc::unchecked(cut);
        assert_eq!(doc.keys(doc.root.clone()).take(2).count(), 2);
    }

    #[test]
    fn members_items_and_ranges() {
        let long = "x".repeat(MARK_MIN_LEN);
        let text = format!(
            r#" {{"a": [1, {{"x": "}}"}}, "q\"]", "{long}"], "b\u0041": {{"c": null}}, "a": 2}} "#
        );
        let text = text.as_str();
        let doc = validate(text).unwrap();
        assert!(!doc.marks.is_empty());
        let ms = doc.members(doc.root.clone());
        assert_eq!(ms.len(), 3);
        assert_eq!(ms[1].key, "bA");
        let a = ms[0].value.clone();
        assert_eq!(doc.items(a.clone()).len(), 4);
        assert_eq!(&text[doc.items(a)[2].clone()], r#""q\"]""#);
        assert_eq!(&text[doc.member(doc.root.clone(), "a").unwrap()], "2");
        let b = doc.parse(ms[1].value.clone()).unwrap();
        let c = b.get("c").unwrap();
        assert_eq!(&text[c.start as usize..c.end as usize], "null");
        assert_eq!(
            doc.string(doc.items(ms[0].value.clone())[2].clone())
                .unwrap(),
            "q\"]"
        );
        // Remembered and scanned ends agree.
        for &(s, e) in doc.marks.iter() {
            assert_eq!(scan_end(text.as_bytes(), s as usize), e as usize);
        }
    }
}
