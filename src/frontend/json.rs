//! JSON with byte positions, shared by the plan and ARM front ends.
//!
//! `serde_json::Value` keeps no positions, and findings must point into the file, so this is a
//! small recursive-descent parser producing a tree whose every node carries its byte range.
//! Comments (`//`, `/* */`) are accepted when asked for (ARM templates allow them). Nesting is
//! bounded so hostile input cannot overflow the stack; errors carry the offset where parsing
//! stopped. Object members keep their order and duplicates (the last one wins on lookup, as in
//! most JSON readers).
//!
//! [`parse_lazy`] is for documents that may be large (ARM templates): it validates the whole
//! text first without building anything, then builds only the root, keeping every container of
//! at least [`LAZY_MIN_LEN`] bytes below it as a [`Json::Lazy`] byte range that is built the
//! first time it is read (through [`Node::resolved`] or any accessor). A 200 MB variable
//! nobody references then costs its text and nothing else.

use std::fmt;
use std::sync::{Arc, OnceLock};

/// Deepest nesting accepted; real templates and plans stay far below.
pub const MAX_DEPTH: usize = 256;

#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    /// The number as written (parsed on demand, so large integers keep their digits).
    Number(Box<str>),
    String(Box<str>),
    Array(Vec<Node>),
    Object(Vec<Member>),
    /// A large array or object of a validated document, built when first read (only
    /// [`parse_lazy`] makes these; read it through [`Node::resolved`]).
    Lazy(Arc<Lazy>),
}

/// A container of a validated document that is not built yet.
pub struct Lazy {
    doc: Arc<LazyDoc>,
    mark: Mark,
    node: OnceLock<Node>,
}

/// The text of a document [`parse_lazy`] validated, and its large containers.
struct LazyDoc {
    text: Arc<String>,
    comments: bool,
    /// Sorted by start.
    marks: Vec<Mark>,
}

/// A large container: its byte range, the nodes building it makes (its descendants, a large
/// descendant counting as one node) and the nodes of its whole subtree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Mark {
    start: u32,
    end: u32,
    own: u32,
    total: u32,
}

impl Lazy {
    /// The built container (built now if it was not yet).
    pub fn node(&self) -> &Node {
        self.node.get_or_init(|| {
            let mut p = Parser::new(&self.doc.text, self.doc.comments);
            p.lazy = Some(&self.doc);
            p.pos = self.mark.start as usize;
            let whole = self.mark.start;
            p.value_skipping(0, whole).unwrap_or(Node {
                // Unreachable: the range was validated with the same grammar.
                value: Json::Null,
                start: self.mark.start,
                end: self.mark.end,
            })
        })
    }

    pub fn is_built(&self) -> bool {
        self.node.get().is_some()
    }

    /// How many nodes building it makes (a large container inside counts as one).
    pub fn own_nodes(&self) -> u64 {
        u64::from(self.mark.own)
    }

    /// How many nodes its whole subtree has.
    pub fn total_nodes(&self) -> u64 {
        u64::from(self.mark.total)
    }
}

impl fmt::Debug for Lazy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.node(), f)
    }
}

impl PartialEq for Lazy {
    fn eq(&self, other: &Lazy) -> bool {
        self.node() == other.node()
    }
}

/// A JSON value and its byte range `[start, end)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Json,
    pub start: u32,
    pub end: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    pub key: Box<str>,
    pub key_start: u32,
    pub key_end: u32,
    pub value: Node,
}

impl Node {
    /// The node itself, or the built container when it is [`Json::Lazy`].
    pub fn resolved(&self) -> &Node {
        match &self.value {
            Json::Lazy(l) => l.node(),
            _ => self,
        }
    }

    /// The value, built first when it is [`Json::Lazy`] (never `Json::Lazy` itself).
    pub fn json(&self) -> &Json {
        &self.resolved().value
    }

    /// Member `key` of an object (exact match; the last duplicate wins).
    pub fn get(&self, key: &str) -> Option<&Node> {
        match self.json() {
            Json::Object(members) => members
                .iter()
                .rev()
                .find(|m| &*m.key == key)
                .map(|m| &m.value),
            _ => None,
        }
    }

    /// Member `key` compared case-insensitively (ARM property names are case-insensitive).
    pub fn get_ci(&self, key: &str) -> Option<&Node> {
        match self.json() {
            Json::Object(members) => members
                .iter()
                .rev()
                .find(|m| m.key.eq_ignore_ascii_case(key))
                .map(|m| &m.value),
            _ => None,
        }
    }

    pub fn members(&self) -> &[Member] {
        match self.json() {
            Json::Object(m) => m,
            _ => &[],
        }
    }

    pub fn items(&self) -> &[Node] {
        match self.json() {
            Json::Array(a) => a,
            _ => &[],
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self.json() {
            Json::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match self.json() {
            Json::Number(n) => n.parse().ok(),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.json() {
            Json::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.json(), Json::Null)
    }

    /// Convert to `serde_json::Value` (positions dropped), for code that only needs values.
    pub fn to_value(&self) -> serde_json::Value {
        use serde_json::Value;
        match self.json() {
            Json::Null => Value::Null,
            Json::Bool(b) => Value::Bool(*b),
            Json::Number(n) => serde_json::from_str(n).unwrap_or(Value::Null),
            Json::String(s) => Value::String(s.to_string()),
            Json::Array(items) => Value::Array(items.iter().map(Node::to_value).collect()),
            Json::Object(members) => Value::Object(
                members
                    .iter()
                    .map(|m| (m.key.to_string(), m.value.to_value()))
                    .collect(),
            ),
            Json::Lazy(l) => l.node().to_value(),
        }
    }
}

/// Why parsing stopped, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError {
    pub message: String,
    pub offset: u32,
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.message, self.offset)
    }
}

/// Parse a whole document. `comments`: accept `//` and `/* */` comments.
pub fn parse(text: &str, comments: bool) -> Result<Node, JsonError> {
    Parser::new(text, comments).document()
}

/// The byte ranges of the comments of a JSON-with-comments document, as its parser skips them
/// (never text inside a string). Empty when the document does not parse.
pub fn comments(text: &str) -> Vec<std::ops::Range<usize>> {
    let mut found = Vec::new();
    match validate(text, true, Some(&mut found)) {
        Ok(_) => found,
        Err(_) => Vec::new(),
    }
}

/// Containers at least this long are kept unbuilt by [`parse_lazy`] until read: big enough
/// that the ranges remembered cost little beside the text, small enough that what a template
/// reads is built in small pieces.
pub const LAZY_MIN_LEN: usize = 4096;

/// Parse a whole document lazily: validate all of it (the same grammar, errors and depth limit
/// as [`parse`]), build the root, and leave each container of at least [`LAZY_MIN_LEN`] bytes
/// below it as [`Json::Lazy`], built on first read with exact positions.
pub fn parse_lazy(text: &Arc<String>, comments: bool) -> Result<Node, JsonError> {
    let marks = validate(text, comments, None)?;
    let doc = Arc::new(LazyDoc {
        text: Arc::clone(text),
        comments,
        marks,
    });
    let mut p = Parser::new(&doc.text, comments);
    p.lazy = Some(&doc);
    p.document()
}

/// Check that `text` is one JSON value without building it, and return its large containers
/// (sorted by start). `found`: where to put the comments skipped.
fn validate(
    text: &str,
    comments: bool,
    found: Option<&mut Vec<std::ops::Range<usize>>>,
) -> Result<Vec<Mark>, JsonError> {
    let options = Validation {
        comments,
        mark_min_len: LAZY_MIN_LEN,
    };
    let mut marks = Vec::new();
    validate_with(text, options, &mut marks, found)?;
    Ok(marks)
}

/// How [`validate_with`] reads a document: the one validating pass behind [`parse_lazy`] and
/// [`root_member`] (JSON with comments, 4 KB marks: ARM templates) and the plan front end's
/// skim (strict JSON, 256-byte marks).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Validation {
    /// Accept `//` and `/* */` comments and trailing commas (JSONC); strict JSON otherwise.
    pub comments: bool,
    /// Containers at least this long are reported to the [`MarkSink`].
    pub mark_min_len: usize,
}

/// Where [`validate_with`] puts the large containers it finds (in the order they close).
pub(crate) trait MarkSink {
    /// A container `[start, end)`; `own`/`total`: the nodes building it makes and the nodes
    /// of its whole subtree (see [`Mark`]).
    fn mark(&mut self, start: u32, end: u32, own: u32, total: u32);
    /// Called once at the end: order the marks by start.
    fn finish(&mut self);
}

impl MarkSink for Vec<Mark> {
    fn mark(&mut self, start: u32, end: u32, own: u32, total: u32) {
        self.push(Mark {
            start,
            end,
            own,
            total,
        });
    }
    fn finish(&mut self) {
        self.sort_unstable_by_key(|m| m.start);
    }
}

/// Ranges only, for walkers that need where containers end and no node counts.
impl MarkSink for Vec<(u32, u32)> {
    fn mark(&mut self, start: u32, end: u32, _: u32, _: u32) {
        self.push((start, end));
    }
    fn finish(&mut self) {
        self.sort_unstable();
    }
}

/// Check that `text` is one JSON value under `options` without building anything: the
/// grammar, errors, offsets and depth limit of [`parse`]. Returns the value's range (a leading
/// byte-order mark and surrounding whitespace and comments excluded); large containers go to
/// `marks` (sorted by start), skipped comments to `found`.
pub(crate) fn validate_with(
    text: &str,
    options: Validation,
    marks: &mut impl MarkSink,
    found: Option<&mut Vec<std::ops::Range<usize>>>,
) -> Result<std::ops::Range<usize>, JsonError> {
    let mut v = Validator {
        p: Parser::new(text, options.comments),
        marks,
        mark_min_len: options.mark_min_len,
    };
    v.p.skip_bom();
    v.p.skip_ws()?;
    let start = v.p.pos;
    v.value(0)?;
    let end = v.p.pos;
    v.p.skip_ws()?;
    if v.p.pos < v.p.bytes.len() {
        return Err(v.p.error("unexpected text after the JSON value"));
    }
    if let Some(found) = found {
        *found = std::mem::take(&mut v.p.found_comments);
    }
    v.marks.finish();
    Ok(start..end)
}

/// The member `key` (case-insensitive) of the root object of `text`, found without building
/// the rest of the document (the whole text is validated). For sniffing a file's kind.
pub fn root_member(text: &str, comments: bool, key: &str) -> Option<Node> {
    let marks = validate(text, comments, None).ok()?;
    // Large containers below the root stay unbuilt (as `null`); the member found is then
    // built on its own when it is one of them.
    let mut p = Parser::new(text, comments);
    p.skip = Some(&marks);
    let root = p.document().ok()?;
    let member = root.get_ci(key)?;
    let mut p = Parser::new(text, comments);
    p.pos = member.start as usize;
    p.value(0).ok()
}

/// A validating pass over a document that builds nothing: the [`Parser`]'s grammar, errors and
/// offsets, counting nodes and remembering where large containers end.
struct Validator<'a, M: MarkSink> {
    p: Parser<'a>,
    marks: &'a mut M,
    mark_min_len: usize,
}

impl<M: MarkSink> Validator<'_, M> {
    /// Validate one value; returns the nodes its parent builds for it (1 for a scalar or a
    /// large container, its whole subtree otherwise) and the nodes of its subtree.
    fn value(&mut self, depth: usize) -> Result<(u32, u32), JsonError> {
        if depth > MAX_DEPTH {
            return Err(self
                .p
                .error(format!("nesting deeper than {MAX_DEPTH} levels")));
        }
        let start = self.p.pos;
        let (own, total) = match self.p.peek() {
            Some(b'{') => self.container(depth, true)?,
            Some(b'[') => self.container(depth, false)?,
            Some(b'"') => {
                self.p.skip_string()?;
                return Ok((1, 1));
            }
            Some(b't' | b'f' | b'n' | b'-' | b'0'..=b'9') => {
                // Scalars other than strings: the parser's own code, which allocates nothing
                // but the number's text.
                self.p.scalar()?;
                return Ok((1, 1));
            }
            Some(_) => return Err(self.p.error("expected a JSON value")),
            None => {
                return Err(self
                    .p
                    .error("unexpected end of input, expected a JSON value"))
            }
        };
        let end = self.p.pos;
        if end - start >= self.mark_min_len {
            if let (Ok(s), Ok(e)) = (u32::try_from(start), u32::try_from(end)) {
                self.marks.mark(s, e, own, total);
                return Ok((1, total));
            }
        }
        Ok((own, total))
    }

    fn container(&mut self, depth: usize, object: bool) -> Result<(u32, u32), JsonError> {
        let close = if object { b'}' } else { b']' };
        let (mut own, mut total) = (1u32, 1u32);
        self.p.pos += 1;
        self.p.skip_ws()?;
        if self.p.peek() == Some(close) {
            self.p.pos += 1;
            return Ok((own, total));
        }
        loop {
            self.p.skip_ws()?;
            if object {
                if self.p.peek() != Some(b'"') {
                    return Err(self.p.error("expected a quoted member name"));
                }
                self.p.skip_string()?;
                self.p.skip_ws()?;
                if self.p.peek() != Some(b':') {
                    return Err(self.p.error("expected `:` after a member name"));
                }
                self.p.pos += 1;
                self.p.skip_ws()?;
            }
            let (o, t) = self.value(depth + 1)?;
            own = own.saturating_add(o);
            total = total.saturating_add(t);
            self.p.skip_ws()?;
            match self.p.peek() {
                Some(b',') => {
                    self.p.pos += 1;
                    self.p.skip_ws()?;
                    if self.p.comments && self.p.peek() == Some(close) {
                        self.p.pos += 1;
                        return Ok((own, total));
                    }
                }
                Some(c) if c == close => {
                    self.p.pos += 1;
                    return Ok((own, total));
                }
                _ if object => return Err(self.p.error("expected `,` or `}` in an object")),
                _ => return Err(self.p.error("expected `,` or `]` in an array")),
            }
        }
    }
}

/// Bytes that end a run of plain string content: `"`, `\\` and control characters.
// Indexing in a constant: an index out of range fails the build, it cannot panic.
#[allow(clippy::indexing_slicing)]
static STRING_STOP: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        t[b] = true;
        b += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

struct Parser<'a> {
    bytes: &'a [u8],
    text: &'a str,
    pos: usize,
    comments: bool,
    /// Items and members of the containers being parsed, moved into an exactly sized `Vec`
    /// when their container closes (no grow-and-copy per container).
    items: Vec<Node>,
    members: Vec<Member>,
    /// Comments skipped so far (for suppressions).
    found_comments: Vec<std::ops::Range<usize>>,
    /// Lazy parsing: large containers of this document (other than the one at `whole`) become
    /// [`Json::Lazy`].
    lazy: Option<&'a Arc<LazyDoc>>,
    /// Sniffing: large containers are skipped (built as `null`).
    skip: Option<&'a [Mark]>,
    /// Where the container being built starts (never made lazy itself).
    whole: usize,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str, comments: bool) -> Parser<'a> {
        Parser {
            bytes: text.as_bytes(),
            text,
            pos: 0,
            comments,
            items: Vec::new(),
            members: Vec::new(),
            found_comments: Vec::new(),
            lazy: None,
            skip: None,
            whole: usize::MAX,
        }
    }

    /// A UTF-8 byte-order mark is common in files saved by Windows tools.
    fn skip_bom(&mut self) {
        if self.pos == 0 && self.text.starts_with('\u{feff}') {
            self.pos = 3;
        }
    }

    /// The whole document: one value, with only whitespace and comments around it.
    fn document(&mut self) -> Result<Node, JsonError> {
        self.skip_bom();
        self.skip_ws()?;
        // The root is always built.
        self.whole = self.pos;
        let node = self.value(0)?;
        self.skip_ws()?;
        if self.pos < self.bytes.len() {
            return Err(self.error("unexpected text after the JSON value"));
        }
        Ok(node)
    }

    /// Build the container at `whole` (the current position), large ones inside it lazily.
    fn value_skipping(&mut self, depth: usize, whole: u32) -> Result<Node, JsonError> {
        self.whole = whole as usize;
        self.value(depth)
    }

    /// The large container starting here, if lazy parsing or sniffing keeps it unbuilt.
    fn unbuilt(&mut self) -> Option<Node> {
        if self.pos == self.whole {
            return None;
        }
        let marks: &[Mark] = match (self.lazy, self.skip) {
            (Some(doc), _) => &doc.marks,
            (None, Some(marks)) => marks,
            (None, None) => return None,
        };
        let at = u32::try_from(self.pos).ok()?;
        let i = marks.binary_search_by_key(&at, |m| m.start).ok()?;
        let mark = *marks.get(i)?;
        self.pos = mark.end as usize;
        let value = match self.lazy {
            Some(doc) => Json::Lazy(Arc::new(Lazy {
                doc: Arc::clone(doc),
                mark,
                node: OnceLock::new(),
            })),
            None => Json::Null,
        };
        Some(Node {
            value,
            start: mark.start,
            end: mark.end,
        })
    }

    /// A number, `true`, `false` or `null` (validation: nothing kept).
    fn scalar(&mut self) -> Result<(), JsonError> {
        match self.peek() {
            Some(b't') => self.keyword("true", Json::Null).map(drop),
            Some(b'f') => self.keyword("false", Json::Null).map(drop),
            Some(b'n') => self.keyword("null", Json::Null).map(drop),
            _ => self.number_end().map(drop),
        }
    }

    /// Validate a string without decoding it: the errors and offsets of [`Parser::string`].
    fn skip_string(&mut self) -> Result<(), JsonError> {
        let open = self.pos;
        self.pos += 1;
        loop {
            // To the next quote, backslash or control character, one table lookup per byte
            // (most strings are short keys, where a memchr call costs more than it saves).
            let rest = self.bytes.get(self.pos..).unwrap_or(&[]);
            let run = rest
                .iter()
                .position(|&b| STRING_STOP.get(usize::from(b)) != Some(&false))
                .unwrap_or(rest.len());
            self.pos += run;
            match self.peek() {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(());
                }
                Some(b'\\') => {
                    self.pos += 1;
                    let c = self
                        .peek()
                        .ok_or_else(|| self.error("unterminated escape"))?;
                    self.pos += 1;
                    match c {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => {}
                        b'u' => {
                            self.hex4()?;
                        }
                        _ => return Err(self.error("invalid escape in a string")),
                    }
                }
                Some(_) => return Err(self.error("control character in a string")),
                None => {
                    self.pos = open;
                    return Err(self.error("unterminated string"));
                }
            }
        }
    }

    fn error(&self, message: impl Into<String>) -> JsonError {
        JsonError {
            message: message.into(),
            offset: u32::try_from(self.pos).unwrap_or(u32::MAX),
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    /// Called before and after every token: the common case (compact JSON, no whitespace
    /// here) is one inlined comparison.
    #[inline(always)]
    fn skip_ws(&mut self) -> Result<(), JsonError> {
        match self.peek() {
            Some(b' ' | b'\t' | b'\n' | b'\r' | b'/') => self.skip_ws_slow(),
            _ => Ok(()),
        }
    }

    fn skip_ws_slow(&mut self) -> Result<(), JsonError> {
        loop {
            match self.peek() {
                Some(b' ' | b'\t' | b'\n' | b'\r') => self.pos += 1,
                Some(b'/') if self.comments => match self.bytes.get(self.pos + 1) {
                    Some(b'/') => {
                        let start = self.pos;
                        while !matches!(self.peek(), None | Some(b'\n')) {
                            self.pos += 1;
                        }
                        self.found_comments.push(start..self.pos);
                    }
                    Some(b'*') => {
                        let start = self.pos;
                        self.pos += 2;
                        loop {
                            match self.peek() {
                                None => {
                                    self.pos = start;
                                    return Err(self.error("unterminated /* comment"));
                                }
                                Some(b'*') if self.bytes.get(self.pos + 1) == Some(&b'/') => {
                                    self.pos += 2;
                                    self.found_comments.push(start..self.pos);
                                    break;
                                }
                                Some(_) => self.pos += 1,
                            }
                        }
                    }
                    _ => return Ok(()),
                },
                _ => return Ok(()),
            }
        }
    }

    fn value(&mut self, depth: usize) -> Result<Node, JsonError> {
        if depth > MAX_DEPTH {
            return Err(self.error(format!("nesting deeper than {MAX_DEPTH} levels")));
        }
        if matches!(self.peek(), Some(b'{' | b'[')) {
            if let Some(node) = self.unbuilt() {
                return Ok(node);
            }
        }
        let start = self.pos;
        let value = match self.peek() {
            Some(b'{') => self.object(depth)?,
            Some(b'[') => self.array(depth)?,
            Some(b'"') => Json::String(self.string()?),
            Some(b't') => self.keyword("true", Json::Bool(true))?,
            Some(b'f') => self.keyword("false", Json::Bool(false))?,
            Some(b'n') => self.keyword("null", Json::Null)?,
            Some(b'-' | b'0'..=b'9') => self.number()?,
            Some(_) => return Err(self.error("expected a JSON value")),
            None => return Err(self.error("unexpected end of input, expected a JSON value")),
        };
        Ok(Node {
            value,
            start: start as u32,
            end: self.pos as u32,
        })
    }

    fn keyword(&mut self, word: &str, value: Json) -> Result<Json, JsonError> {
        if self.bytes.get(self.pos..self.pos + word.len()) == Some(word.as_bytes()) {
            self.pos += word.len();
            Ok(value)
        } else {
            Err(self.error("expected a JSON value"))
        }
    }

    fn number(&mut self) -> Result<Json, JsonError> {
        let start = self.number_end()?;
        Ok(Json::Number(
            self.text.get(start..self.pos).unwrap_or("0").into(),
        ))
    }

    /// Move past a number; returns where it started.
    fn number_end(&mut self) -> Result<usize, JsonError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        let digits = |p: &mut Self| {
            let s = p.pos;
            while matches!(p.peek(), Some(b'0'..=b'9')) {
                p.pos += 1;
            }
            p.pos > s
        };
        if !digits(self) {
            return Err(self.error("expected digits"));
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if !digits(self) {
                return Err(self.error("expected digits after the decimal point"));
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if !digits(self) {
                return Err(self.error("expected exponent digits"));
            }
        }
        Ok(start)
    }

    fn string(&mut self) -> Result<Box<str>, JsonError> {
        let open = self.pos;
        self.pos += 1; // opening quote
                       // Most strings have no escape: take them in one exact allocation.
        let rest = self.bytes.get(self.pos..).unwrap_or(&[]);
        if let Some(run) = rest
            .iter()
            .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
        {
            if rest.get(run) == Some(&b'"') {
                let plain = self.text.get(self.pos..self.pos + run).unwrap_or("");
                self.pos += run + 1;
                return Ok(Box::from(plain));
            }
        }
        let mut out = String::new();
        loop {
            // Copy the run of plain characters in one go.
            let run_start = self.pos;
            while let Some(b) = self.peek() {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            out.push_str(self.text.get(run_start..self.pos).unwrap_or(""));
            match self.peek() {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out.into_boxed_str());
                }
                Some(b'\\') => {
                    self.pos += 1;
                    self.escape(&mut out)?;
                }
                Some(_) => return Err(self.error("control character in a string")),
                None => {
                    self.pos = open;
                    return Err(self.error("unterminated string"));
                }
            }
        }
    }

    fn escape(&mut self, out: &mut String) -> Result<(), JsonError> {
        let c = self
            .peek()
            .ok_or_else(|| self.error("unterminated escape"))?;
        self.pos += 1;
        match c {
            b'"' => out.push('"'),
            b'\\' => out.push('\\'),
            b'/' => out.push('/'),
            b'b' => out.push('\u{8}'),
            b'f' => out.push('\u{c}'),
            b'n' => out.push('\n'),
            b'r' => out.push('\r'),
            b't' => out.push('\t'),
            b'u' => {
                let first = self.hex4()?;
                let code = if (0xD800..0xDC00).contains(&first) {
                    // A surrogate pair: expect the low half.
                    if self.bytes.get(self.pos..self.pos + 2) == Some(b"\\u") {
                        self.pos += 2;
                        let second = self.hex4()?;
                        0x10000 + ((first - 0xD800) << 10) + (second.wrapping_sub(0xDC00) & 0x3FF)
                    } else {
                        0xFFFD
                    }
                } else {
                    first
                };
                out.push(char::from_u32(code).unwrap_or('\u{FFFD}'));
            }
            _ => return Err(self.error("invalid escape in a string")),
        }
        Ok(())
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let digits = self
            .text
            .get(self.pos..self.pos + 4)
            .ok_or_else(|| self.error("truncated \\u escape"))?;
        // `from_str_radix` alone would take a sign (`\\u+123`), which JSON does not.
        if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(self.error("invalid \\u escape"));
        }
        let code = u32::from_str_radix(digits, 16).map_err(|_| self.error("invalid \\u escape"))?;
        self.pos += 4;
        Ok(code)
    }

    fn array(&mut self, depth: usize) -> Result<Json, JsonError> {
        self.pos += 1;
        let base = self.items.len();
        self.skip_ws()?;
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Json::Array(Vec::new()));
        }
        loop {
            self.skip_ws()?;
            let item = self.value(depth + 1)?;
            self.items.push(item);
            self.skip_ws()?;
            match self.peek() {
                Some(b',') => {
                    self.pos += 1;
                    self.skip_ws()?;
                    // A trailing comma is tolerated with comments (JSONC), rejected otherwise.
                    if self.comments && self.peek() == Some(b']') {
                        self.pos += 1;
                        return Ok(Json::Array(self.items.drain(base..).collect()));
                    }
                }
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Json::Array(self.items.drain(base..).collect()));
                }
                _ => return Err(self.error("expected `,` or `]` in an array")),
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<Json, JsonError> {
        self.pos += 1;
        let base = self.members.len();
        self.skip_ws()?;
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(Json::Object(Vec::new()));
        }
        loop {
            self.skip_ws()?;
            if self.peek() != Some(b'"') {
                return Err(self.error("expected a quoted member name"));
            }
            let key_start = self.pos;
            let key = self.string()?;
            let key_end = self.pos;
            self.skip_ws()?;
            if self.peek() != Some(b':') {
                return Err(self.error("expected `:` after a member name"));
            }
            self.pos += 1;
            self.skip_ws()?;
            let value = self.value(depth + 1)?;
            self.members.push(Member {
                key,
                key_start: key_start as u32,
                key_end: key_end as u32,
                value,
            });
            self.skip_ws()?;
            match self.peek() {
                Some(b',') => {
                    self.pos += 1;
                    self.skip_ws()?;
                    if self.comments && self.peek() == Some(b'}') {
                        self.pos += 1;
                        return Ok(Json::Object(self.members.drain(base..).collect()));
                    }
                }
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Json::Object(self.members.drain(base..).collect()));
                }
                _ => return Err(self.error("expected `,` or `}` in an object")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_carry_byte_ranges() {
        let text = r#"{ "a": [1, "x"], "b": {"c": null} }"#;
        let root = parse(text, false).unwrap();
        let a = root.get("a").unwrap();
        assert_eq!(&text[a.start as usize..a.end as usize], r#"[1, "x"]"#);
        let x = &a.items()[1];
        assert_eq!(&text[x.start as usize..x.end as usize], r#""x""#);
        assert!(root.get("b").unwrap().get("c").unwrap().is_null());
        assert_eq!(root.members()[1].key_start, 17);
    }

    #[test]
    fn escapes_and_unicode_decode() {
        let root = parse(r#""a\"b\\\u00e9\ud83d\ude00\n""#, false).unwrap();
        assert_eq!(root.as_str(), Some("a\"b\\é😀\n"));
    }

    #[test]
    fn comments_and_trailing_commas_only_when_asked() {
        let text = "// c\n{ /* x */ \"a\": 1, }";
        assert!(parse(text, false).is_err());
        assert_eq!(
            parse(text, true).unwrap().get("a").unwrap().as_f64(),
            Some(1.0)
        );
    }

    #[test]
    fn errors_have_offsets_and_never_panic() {
        for bad in [
            "",
            "{",
            "[1,",
            "{\"a\" 1}",
            "\"abc",
            "tru",
            "-",
            "1.",
            "{\"a\":1}x",
            "\"\\u12\"",
            "/* open",
        ] {
            let e = parse(bad, true).unwrap_err();
            assert!(e.offset as usize <= bad.len(), "{bad}: {e}");
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let text = "[".repeat(100_000);
        assert!(parse(&text, false).unwrap_err().message.contains("nesting"));
    }

    /// Build every lazy container of `node` (a copy with no `Json::Lazy` left).
    fn built(node: &Node) -> Node {
        let node = node.resolved();
        let value = match &node.value {
            Json::Array(items) => Json::Array(items.iter().map(built).collect()),
            Json::Object(members) => Json::Object(
                members
                    .iter()
                    .map(|m| Member {
                        value: built(&m.value),
                        ..m.clone()
                    })
                    .collect(),
            ),
            other => other.clone(),
        };
        Node { value, ..*node }
    }

    fn lazy(text: &str, comments: bool) -> Result<Node, JsonError> {
        parse_lazy(&Arc::new(text.to_string()), comments)
    }

    /// A document with large containers at several depths, comments and escapes.
    fn large_document() -> String {
        let numbers = (0..2000)
            .map(|i| (i % 1000).to_string())
            .collect::<Vec<_>>();
        let numbers = numbers.join(", ");
        let rules = (0..200)
            .map(|i| format!(r#"{{"name": "r\u00e9{i}", "p": [{i}, -1.5e3, true, null] /* c */}}"#))
            .collect::<Vec<_>>()
            .join(",\n");
        format!(
            "\u{feff}// head\n{{\"$schema\": \"s\", \"variables\": {{\"numbers\": [{numbers}], \"small\": [1,]}},\n\"resources\": [{rules}],\n\"outputs\": {{}}}}"
        )
    }

    #[test]
    fn lazy_parsing_builds_the_same_tree_with_the_same_positions() {
        let text = large_document();
        let eager = parse(&text, true).unwrap();
        let root = lazy(&text, true).unwrap();
        let numbers = root.get("variables").unwrap().get("numbers").unwrap();
        let Json::Lazy(l) = &numbers.value else {
            panic!("a large array is lazy: {numbers:?}")
        };
        assert!(!l.is_built());
        assert_eq!(l.own_nodes(), 2001);
        assert_eq!(&text[numbers.start as usize..][..3], "[0,");
        assert_eq!(built(&root), eager);
        assert!(l.is_built());
    }

    #[test]
    fn validation_has_the_parsers_errors_and_offsets() {
        let big = format!("[{}]", "1,".repeat(LAZY_MIN_LEN));
        for bad in [
            "",
            "{",
            "[1,",
            "[1,]",
            "{\"a\":1,}",
            "{\"a\" 1}",
            "{1: 2}",
            "\"abc",
            "\"a\u{1}\"",
            "\"\\x\"",
            "\"\\",
            "\"\\ud83d\\u12\"",
            "tru",
            "nul",
            "-",
            "1.",
            "1e",
            "01",
            "{\"a\":1}x",
            "\"\\u12\"",
            "/* open",
            "// c\n{}",
            &big,
            &format!("{big}x"),
            &format!("{{\"a\": {big}, \"b\": [1 2]}}"),
        ] {
            for comments in [false, true] {
                let eager = parse(bad, comments).map(|n| built(&n));
                let lazily = lazy(bad, comments).map(|n| built(&n));
                assert_eq!(eager, lazily, "{bad:?} comments={comments}");
            }
        }
        let deep = "[".repeat(100_000);
        assert!(lazy(&deep, false).unwrap_err().message.contains("nesting"));
    }

    /// The one validating pass serves both callers: ARM's JSONC with 4 KB marks and node
    /// counts, and the plan skim's strict JSON with 256-byte ranges. Its verdict and offset are
    /// the spanned parser's under either setting, and only the marks differ.
    #[test]
    fn one_validator_for_jsonc_and_strict_callers() {
        let long = "x".repeat(300);
        let text = format!(r#" {{"a": ["{long}"], "b": {{"c": [1, 2]}}}} "#);
        let strict = Validation {
            comments: false,
            mark_min_len: 256,
        };
        let jsonc = Validation {
            comments: true,
            mark_min_len: LAZY_MIN_LEN,
        };
        let mut ranges: Vec<(u32, u32)> = Vec::new();
        let root = validate_with(&text, strict, &mut ranges, None).unwrap();
        assert_eq!(&text[root.clone()], text.trim());
        // The root and `a` are at least 256 bytes; `b` is not.
        let a = text.find('[').unwrap() as u32;
        assert_eq!(
            ranges,
            vec![(root.start as u32, root.end as u32), (a, a + 304)]
        );
        let mut marks: Vec<Mark> = Vec::new();
        validate_with(&text, jsonc, &mut marks, None).unwrap();
        assert!(marks.is_empty());
        for bad in [
            "// c\n{}",
            "[1,]",
            "{\"a\":1,}",
            "\"\\u+123\"",
            "\"\\u12\"",
            "[1 2]",
            "\"a\u{1}\"",
        ] {
            for options in [strict, jsonc] {
                let ours = validate_with(bad, options, &mut Vec::<(u32, u32)>::new(), None);
                let theirs = parse(bad, options.comments);
                assert_eq!(
                    ours.as_ref().err(),
                    theirs.as_ref().err(),
                    "{bad:?} {options:?}"
                );
            }
        }
        // Strict rejects what JSONC accepts.
        for jsonc_only in ["// c\n{}", "[1,]", "{\"a\":1,}", "/* x */ 1"] {
            let no = &mut Vec::<(u32, u32)>::new();
            assert!(
                validate_with(jsonc_only, strict, no, None).is_err(),
                "{jsonc_only:?}"
            );
            assert!(
                validate_with(jsonc_only, jsonc, no, None).is_ok(),
                "{jsonc_only:?}"
            );
        }
    }

    #[test]
    fn sniffing_a_root_member_and_comments_build_nothing_large() {
        let text = large_document();
        let schema = root_member(&text, true, "$SCHEMA").unwrap();
        assert_eq!(schema.as_str(), Some("s"));
        // A large member is built on its own when it is the one asked for.
        let rules = root_member(&text, true, "resources").unwrap();
        assert_eq!(rules.items().len(), 200);
        assert!(root_member(&text, false, "$schema").is_none());
        assert!(root_member("[1]", true, "$schema").is_none());
        let found = comments(&text);
        assert_eq!(found.len(), 201);
        assert_eq!(&text[found[0].clone()], "// head");
    }

    #[test]
    fn case_insensitive_lookup_and_conversion() {
        let root = parse(r#"{"Properties": {"x": [true, 2.5]}}"#, false).unwrap();
        let props = root.get_ci("properties").unwrap();
        assert_eq!(props.to_value(), serde_json::json!({"x": [true, 2.5]}));
    }
}
