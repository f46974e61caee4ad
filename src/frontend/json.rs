//! JSON with byte positions, shared by the plan and ARM front ends.
//!
//! `serde_json::Value` keeps no positions, and findings must point into the file, so this is a
//! small recursive-descent parser producing a tree whose every node carries its byte range.
//! Comments (`//`, `/* */`) are accepted when asked for (ARM templates allow them). Nesting is
//! bounded so hostile input cannot overflow the stack; errors carry the offset where parsing
//! stopped. Object members keep their order and duplicates (the last one wins on lookup, as in
//! most JSON readers).

use std::fmt;

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
    /// Member `key` of an object (exact match; the last duplicate wins).
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
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
        match &self.value {
            Json::Object(members) => members
                .iter()
                .rev()
                .find(|m| m.key.eq_ignore_ascii_case(key))
                .map(|m| &m.value),
            _ => None,
        }
    }

    pub fn members(&self) -> &[Member] {
        match &self.value {
            Json::Object(m) => m,
            _ => &[],
        }
    }

    pub fn items(&self) -> &[Node] {
        match &self.value {
            Json::Array(a) => a,
            _ => &[],
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Json::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_f64(&self) -> Option<f64> {
        match &self.value {
            Json::Number(n) => n.parse().ok(),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match &self.value {
            Json::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.value, Json::Null)
    }

    /// Convert to `serde_json::Value` (positions dropped), for code that only needs values.
    pub fn to_value(&self) -> serde_json::Value {
        use serde_json::Value;
        match &self.value {
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
    parse_collecting(text, comments, &mut Vec::new())
}

/// The byte ranges of the comments of a JSON-with-comments document, as its parser skips them
/// (never text inside a string). Empty when the document does not parse.
pub fn comments(text: &str) -> Vec<std::ops::Range<usize>> {
    let mut found = Vec::new();
    match parse_collecting(text, true, &mut found) {
        Ok(_) => found,
        Err(_) => Vec::new(),
    }
}

fn parse_collecting(
    text: &str,
    comments: bool,
    found: &mut Vec<std::ops::Range<usize>>,
) -> Result<Node, JsonError> {
    let mut p = Parser {
        bytes: text.as_bytes(),
        text,
        pos: 0,
        comments,
        items: Vec::new(),
        members: Vec::new(),
        found_comments: std::mem::take(found),
    };
    // A UTF-8 byte-order mark is common in files saved by Windows tools.
    if text.starts_with('\u{feff}') {
        p.pos = 3;
    }
    p.skip_ws()?;
    let node = p.value(0)?;
    p.skip_ws()?;
    if p.pos < p.bytes.len() {
        return Err(p.error("unexpected text after the JSON value"));
    }
    *found = p.found_comments;
    Ok(node)
}

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
}

impl Parser<'_> {
    fn error(&self, message: impl Into<String>) -> JsonError {
        JsonError {
            message: message.into(),
            offset: u32::try_from(self.pos).unwrap_or(u32::MAX),
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_ws(&mut self) -> Result<(), JsonError> {
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
        Ok(Json::Number(
            self.text.get(start..self.pos).unwrap_or("0").into(),
        ))
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

    #[test]
    fn case_insensitive_lookup_and_conversion() {
        let root = parse(r#"{"Properties": {"x": [true, 2.5]}}"#, false).unwrap();
        let props = root.get_ci("properties").unwrap();
        assert_eq!(props.to_value(), serde_json::json!({"x": [true, 2.5]}));
    }
}
