//! Parser for ARM template expressions: the text of a JSON string `"[...]"`.
//!
//! Grammar (function names are case-insensitive, strings use single quotes with `''` as the
//! escape):
//! ```text
//! expr    := primary postfix*
//! primary := 'string' | number | true | false | null | name '(' args? ')' | ns '.' name '(' args? ')'
//! postfix := '.' name | '[' expr ']'
//! ```
//! Every node carries its byte range inside the expression text, so callers can point into the
//! JSON string when it holds no escape sequences.

/// Deepest nesting accepted, so hostile input cannot overflow the stack.
pub const MAX_DEPTH: usize = 64;

#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    /// Byte range in the expression text.
    pub start: usize,
    pub end: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    Str(String),
    Int(i64),
    Bool(bool),
    Null,
    /// A function call; `name` is lower-cased and may be `namespace.member` for user functions.
    Call {
        name: String,
        args: Vec<Expr>,
    },
    /// `.name` access.
    Member(Box<Expr>, String),
    /// `[expr]` access.
    Index(Box<Expr>, Box<Expr>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub message: String,
    pub start: usize,
    pub end: usize,
}

/// Whether a JSON string is an expression: `[...]` but not `[[...` (an escaped literal).
pub fn is_expression(s: &str) -> bool {
    s.starts_with('[') && s.ends_with(']') && !s.starts_with("[[") && s.len() >= 2
}

/// The literal a non-expression string stands for (`[[x]` is the literal `[x]`).
pub fn literal(s: &str) -> &str {
    if s.starts_with("[[") && s.ends_with(']') {
        s.get(1..).unwrap_or(s)
    } else {
        s
    }
}

/// Parse the whole string `[...]`; offsets are relative to its first byte (the `[`).
pub fn parse(text: &str) -> Result<Expr, ParseError> {
    let inner_end = text.len().saturating_sub(1);
    let mut p = Parser {
        text,
        bytes: text.as_bytes(),
        pos: 1,
        end: inner_end,
    };
    p.skip_ws();
    if p.pos >= p.end {
        return Err(p.error("empty expression", 0, text.len()));
    }
    let expr = p.expr(0)?;
    p.skip_ws();
    if p.pos < p.end {
        return Err(p.error("unexpected text after the expression", p.pos, p.end));
    }
    Ok(expr)
}

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    end: usize,
}

impl Parser<'_> {
    fn error(&self, message: &str, start: usize, end: usize) -> ParseError {
        ParseError {
            message: message.to_string(),
            start,
            end: end.max(start),
        }
    }

    fn peek(&self) -> Option<u8> {
        if self.pos < self.end {
            self.bytes.get(self.pos).copied()
        } else {
            None
        }
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn expect(&mut self, b: u8, what: &str) -> Result<(), ParseError> {
        self.skip_ws();
        if self.peek() == Some(b) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.error(&format!("expected {what}"), self.pos, self.pos + 1))
        }
    }

    fn expr(&mut self, depth: usize) -> Result<Expr, ParseError> {
        if depth > MAX_DEPTH {
            return Err(self.error("expression nested too deeply", self.pos, self.pos));
        }
        self.skip_ws();
        let mut e = self.primary(depth)?;
        loop {
            self.skip_ws();
            match self.peek() {
                Some(b'.') => {
                    self.pos += 1;
                    self.skip_ws();
                    let name_start = self.pos;
                    let name = self.ident();
                    if name.is_empty() {
                        return Err(self.error(
                            "expected a property name after `.`",
                            name_start,
                            name_start + 1,
                        ));
                    }
                    e = Expr {
                        start: e.start,
                        end: self.pos,
                        kind: ExprKind::Member(Box::new(e), name),
                    };
                }
                Some(b'[') => {
                    self.pos += 1;
                    let index = self.expr(depth + 1)?;
                    self.expect(b']', "`]`")?;
                    e = Expr {
                        start: e.start,
                        end: self.pos,
                        kind: ExprKind::Index(Box::new(e), Box::new(index)),
                    };
                }
                _ => return Ok(e),
            }
        }
    }

    fn ident(&mut self) -> String {
        let start = self.pos;
        while matches!(self.peek(), Some(b) if b.is_ascii_alphanumeric() || b == b'_' || b == b'$')
        {
            self.pos += 1;
        }
        self.text.get(start..self.pos).unwrap_or("").to_string()
    }

    fn primary(&mut self, depth: usize) -> Result<Expr, ParseError> {
        let start = self.pos;
        match self.peek() {
            Some(b'\'') => {
                let s = self.string()?;
                Ok(Expr {
                    kind: ExprKind::Str(s),
                    start,
                    end: self.pos,
                })
            }
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b) if b.is_ascii_alphabetic() || b == b'_' || b == b'$' => {
                let mut name = self.ident();
                self.skip_ws();
                // `namespace.member(...)`: a user-defined function.
                if self.peek() == Some(b'.') {
                    let save = self.pos;
                    self.pos += 1;
                    let member = self.ident();
                    self.skip_ws();
                    if !member.is_empty() && self.peek() == Some(b'(') {
                        name = format!("{name}.{member}");
                    } else {
                        self.pos = save;
                    }
                }
                self.skip_ws();
                if self.peek() != Some(b'(') {
                    let kind = match name.to_ascii_lowercase().as_str() {
                        "true" => ExprKind::Bool(true),
                        "false" => ExprKind::Bool(false),
                        "null" => ExprKind::Null,
                        _ => {
                            return Err(self.error(
                                &format!("expected `(` after function name `{name}`"),
                                start,
                                self.pos,
                            ))
                        }
                    };
                    return Ok(Expr {
                        kind,
                        start,
                        end: self.pos,
                    });
                }
                self.pos += 1;
                let mut args = Vec::new();
                self.skip_ws();
                if self.peek() == Some(b')') {
                    self.pos += 1;
                } else {
                    loop {
                        args.push(self.expr(depth + 1)?);
                        self.skip_ws();
                        match self.peek() {
                            Some(b',') => self.pos += 1,
                            Some(b')') => {
                                self.pos += 1;
                                break;
                            }
                            _ => {
                                return Err(self.error(
                                    "expected `,` or `)` in a function call",
                                    self.pos,
                                    self.pos + 1,
                                ))
                            }
                        }
                    }
                }
                Ok(Expr {
                    kind: ExprKind::Call {
                        name: name.to_ascii_lowercase(),
                        args,
                    },
                    start,
                    end: self.pos,
                })
            }
            Some(_) => Err(self.error("expected a value or a function call", start, start + 1)),
            None => Err(self.error("unexpected end of expression", start, start + 1)),
        }
    }

    fn string(&mut self) -> Result<String, ParseError> {
        let open = self.pos;
        self.pos += 1;
        let mut out = String::new();
        loop {
            let run = self.pos;
            while matches!(self.peek(), Some(b) if b != b'\'') {
                self.pos += 1;
            }
            out.push_str(self.text.get(run..self.pos).unwrap_or(""));
            match self.peek() {
                Some(b'\'') => {
                    self.pos += 1;
                    if self.peek() == Some(b'\'') {
                        out.push('\'');
                        self.pos += 1;
                    } else {
                        return Ok(out);
                    }
                }
                _ => return Err(self.error("unterminated string", open, self.pos)),
            }
        }
    }

    fn number(&mut self) -> Result<Expr, ParseError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
        let text = self.text.get(start..self.pos).unwrap_or("");
        match text.parse::<i64>() {
            Ok(n) => Ok(Expr {
                kind: ExprKind::Int(n),
                start,
                end: self.pos,
            }),
            Err(_) => Err(self.error("invalid integer", start, self.pos)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(e: &Expr) -> (&str, &[Expr]) {
        match &e.kind {
            ExprKind::Call { name, args } => (name, args),
            other => panic!("not a call: {other:?}"),
        }
    }

    #[test]
    fn calls_members_and_indexes_parse_with_offsets() {
        let text = "[parameters('rules')[copyIndex('securityRules')].name]";
        let e = parse(text).unwrap();
        let ExprKind::Member(inner, name) = &e.kind else {
            panic!()
        };
        assert_eq!(name, "name");
        let ExprKind::Index(base, idx) = &inner.kind else {
            panic!()
        };
        assert_eq!(call(base).0, "parameters");
        assert_eq!(&text[base.start..base.end], "parameters('rules')");
        assert_eq!(call(idx).0, "copyindex");
        assert_eq!(&text[e.start..e.end], &text[1..text.len() - 1]);
    }

    #[test]
    fn strings_escape_quotes_and_numbers_may_be_negative() {
        let e = parse("[concat('it''s', -2, true)]").unwrap();
        let (name, args) = call(&e);
        assert_eq!(name, "concat");
        assert_eq!(args[0].kind, ExprKind::Str("it's".into()));
        assert_eq!(args[1].kind, ExprKind::Int(-2));
        assert_eq!(args[2].kind, ExprKind::Bool(true));
    }

    #[test]
    fn user_functions_have_namespaced_names() {
        let e = parse("[__bicep.nsgName('x')]").unwrap();
        assert_eq!(call(&e).0, "__bicep.nsgname");
    }

    #[test]
    fn escapes_and_detection() {
        assert!(is_expression("[a()]"));
        assert!(!is_expression("[[a()]"));
        assert!(!is_expression("plain"));
        assert_eq!(literal("[[a]"), "[a]");
    }

    #[test]
    fn errors_never_panic() {
        for bad in [
            "[]",
            "[ ]",
            "[a]",
            "[a(]",
            "[a(1,]",
            "['x]",
            "[a().]",
            "[a()[1]",
            "[a() b]",
            "[99999999999999999999]",
            "[-]",
            "[é()]",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        let deep = format!("[{}1{}]", "f(".repeat(200), ")".repeat(200));
        assert!(parse(&deep).is_err());
    }
}
