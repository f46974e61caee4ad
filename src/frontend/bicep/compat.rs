//! Newer Bicep that the `tree-sitter-bicep` 1.1.0 grammar (the newest release) rejects,
//! rewritten to what it accepts without moving a single byte, so every node's range is a range
//! of the source and spans stay valid. The grammar parses the rewritten text; the evaluator
//! reads the source text over the same ranges (string contents are the source's), and is told
//! where the rewrites changed meaning (nullable parameters, spreads).
//!
//! - `param x T?` at the end of a line (nullable parameter): the `?` is blanked and `x` is
//!   returned as nullable (the grammar reads `?` as the start of a `? :` across lines);
//! - `var x T = …` (typed variable): the type is blanked;
//! - `param x resourceInput<'…'>.tags = …` (resource-derived types): the type becomes `object`;
//! - `x!` (non-null assertion, no effect on values) outside strings: the `!` is blanked;
//! - spread `...x`: in an object it becomes `s_:x` (a property whose position is returned in
//!   [`Compat::spreads`]), in an array it is blanked (the item's position is returned);
//! - `//` or `/*` inside a string (the grammar's lexer starts a comment there when it begins a
//!   run of string text, as in `'//'` or `'${a}//b'`): the `/` becomes `_` for the parser.
//!
//! A newer grammar does not exist (1.1.0 is the latest `tree-sitter-bicep`); a fork with its
//! generated parser would be a 2 MB C file to keep in step with Bicep by hand.

/// The text to parse and what the rewrites mean for evaluation.
#[derive(Debug, Clone, Default)]
pub struct Compat {
    /// The source with the rewrites: same length, same offsets.
    pub text: String,
    /// Parameters declared nullable (`param x T?`).
    pub nullable: Vec<String>,
    /// Byte offsets of spreads, sorted: the `object_property` that stands for `...x` in an
    /// object (its start), or the item expression after `...` in an array (its start).
    pub spreads: Vec<usize>,
}

/// Rewrite `text` for the grammar (see the module documentation).
pub fn compat(text: &str) -> Compat {
    let mut lines = String::with_capacity(text.len());
    let mut nullable = Vec::new();
    for line in text.split_inclusive('\n') {
        lines.push_str(&compat_line(line, &mut nullable));
    }
    let (text, spreads) = rewrite_tokens(&lines);
    Compat {
        text,
        nullable,
        spreads,
    }
}

fn ident_end(s: &str) -> usize {
    s.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(s.len())
}

fn compat_line(line: &str, nullable: &mut Vec<String>) -> String {
    let body = line.trim_start();
    let indent = line.len() - body.len();
    let (kw, rest) = match (body.strip_prefix("param "), body.strip_prefix("var ")) {
        (Some(r), _) => ("param", r),
        (_, Some(r)) => ("var", r),
        _ => return line.to_string(),
    };
    let name_at = indent + kw.len() + 1 + (rest.len() - rest.trim_start().len());
    let rest = rest.trim_start();
    let name_len = ident_end(rest);
    let name = rest.get(..name_len).unwrap_or("");
    let type_at = name_at + name_len;
    let after = rest.get(name_len..).unwrap_or("");
    let eq = after.find('=');
    let mut bytes: Vec<u8> = line.as_bytes().to_vec();
    let blank = |bytes: &mut Vec<u8>, from: usize, to: usize| {
        for b in bytes.iter_mut().take(to).skip(from) {
            *b = b' ';
        }
    };
    match kw {
        "var" => {
            // `var x T = …`: a type between the name and `=`.
            if let Some(e) = eq {
                if !after.get(..e).unwrap_or("").trim().is_empty() {
                    blank(&mut bytes, type_at, type_at + e);
                }
            }
        }
        _ => {
            let ty_end = eq.unwrap_or(after.trim_end().len());
            let ty = after.get(..ty_end).unwrap_or("");
            if eq.is_none() && ty.trim_end().ends_with('?') {
                let q = type_at + ty.trim_end().len() - 1;
                blank(&mut bytes, q, q + 1);
                nullable.push(name.to_string());
            }
        }
    }
    String::from_utf8(bytes).unwrap_or_else(|_| line.to_string())
}

/// What encloses the scanner's position in code.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Open {
    Brace,
    Bracket,
    Paren,
    /// `${` inside a string: its `}` returns to the string.
    Interp,
    /// `import {` … `}`: names may be separated by line breaks.
    Import,
}

/// Whether the `{` at `i` opens an `import { … } from` list.
fn opens_import(b: &[u8], i: usize) -> bool {
    let before = b.get(..i).unwrap_or_default();
    let end = before
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(0, |p| p + 1);
    let word = before.get(..end).unwrap_or_default();
    word.ends_with(b"import")
        && word
            .len()
            .checked_sub(7)
            .and_then(|p| word.get(p))
            .is_none_or(|c| c.is_ascii_whitespace())
}

/// The token-level rewrites (non-null `!`, spreads, comment starts inside strings), with a
/// scanner that knows strings, interpolations, comments and brackets.
fn rewrite_tokens(text: &str) -> (String, Vec<usize>) {
    let b = text.as_bytes();
    let mut out = b.to_vec();
    let mut spreads = Vec::new();
    let mut stack: Vec<Open> = Vec::new();
    let mut in_str = false;
    let at = |i: usize| b.get(i).copied().unwrap_or(0);
    let mut i = 0;
    while i < b.len() {
        let c = at(i);
        if in_str {
            match c {
                b'\\' => i += 1,
                b'\'' => in_str = false,
                b'$' if at(i + 1) == b'{' => {
                    stack.push(Open::Interp);
                    in_str = false;
                    i += 1;
                }
                b'/' if matches!(at(i + 1), b'/' | b'*') => set(&mut out, i, b'_'),
                _ => {}
            }
            i += 1;
            continue;
        }
        if let Some(end) = resource_derived_type(b, i) {
            for k in i..end {
                set(&mut out, k, b"object".get(k - i).copied().unwrap_or(b' '));
            }
            i = end;
            continue;
        }
        match c {
            b'/' if at(i + 1) == b'/' => {
                i = memchr::memchr(b'\n', b.get(i..).unwrap_or_default())
                    .map_or(b.len(), |n| i + n);
                continue;
            }
            b'/' if at(i + 1) == b'*' => {
                i = memchr::memmem::find(b.get(i + 2..).unwrap_or_default(), b"*/")
                    .map_or(b.len(), |n| i + 2 + n + 2);
                continue;
            }
            b'\'' if b.get(i..i + 3) == Some(b"\'\'\'") => {
                i = memchr::memmem::find(b.get(i + 3..).unwrap_or_default(), b"\'\'\'")
                    .map_or(b.len(), |n| i + 3 + n + 3);
                continue;
            }
            b'\'' => in_str = true,
            b'{' if opens_import(b, i) => stack.push(Open::Import),
            b'{' => stack.push(Open::Brace),
            // `import {\n a\n b\n}`: the grammar wants commas between the names.
            b'\n' if stack.last() == Some(&Open::Import) => {
                let prev = b
                    .get(..i)
                    .and_then(|p| p.iter().rev().find(|c| !c.is_ascii_whitespace()));
                let next = b
                    .get(i + 1..)
                    .and_then(|n| n.iter().find(|c| !c.is_ascii_whitespace()));
                let name =
                    |c: Option<&u8>| c.is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_');
                if name(prev) && name(next) {
                    set(&mut out, i, b',');
                }
            }
            b'[' => stack.push(Open::Bracket),
            b'(' => stack.push(Open::Paren),
            b'}' | b']' | b')' => in_str = stack.pop() == Some(Open::Interp) && c == b'}',
            b'.' if b.get(i..i + 3) == Some(b"...") => {
                match stack.last() {
                    Some(Open::Brace) => {
                        spreads.push(i);
                        for (k, r) in b"s_:".iter().enumerate() {
                            set(&mut out, i + k, *r);
                        }
                    }
                    Some(Open::Bracket) => {
                        for k in 0..3 {
                            set(&mut out, i + k, b' ');
                        }
                        let mut j = i + 3;
                        while at(j).is_ascii_whitespace() {
                            j += 1;
                        }
                        spreads.push(j);
                    }
                    _ => {}
                }
                i += 3;
                continue;
            }
            b'!' => {
                let prev = i.checked_sub(1).map_or(b' ', at);
                if (prev.is_ascii_alphanumeric() || matches!(prev, b'_' | b')' | b']'))
                    && at(i + 1) != b'='
                {
                    set(&mut out, i, b' ');
                }
            }
            _ => {}
        }
        i += 1;
    }
    (
        String::from_utf8(out).unwrap_or_else(|_| text.to_string()),
        spreads,
    )
}

/// The end of a resource-derived type at `i` (`resourceInput<'T@v'>.a.b`, or
/// `resourceOutput<…>`), which the grammar does not know; it becomes `object`.
fn resource_derived_type(b: &[u8], i: usize) -> Option<usize> {
    let word_start = i
        .checked_sub(1)
        .and_then(|p| b.get(p))
        .is_none_or(|c| !(c.is_ascii_alphanumeric() || *c == b'_'));
    if b.get(i) != Some(&b'r') {
        return None;
    }
    let rest = b.get(i..)?;
    let head = [&b"resourceInput<"[..], b"resourceOutput<"]
        .into_iter()
        .find(|h| rest.starts_with(h))?;
    if !word_start {
        return None;
    }
    let close = memchr::memchr2(b'>', b'\n', rest.get(head.len()..)?)?;
    let mut end = i + head.len() + close;
    if b.get(end) != Some(&b'>') {
        return None;
    }
    end += 1;
    while b.get(end) == Some(&b'.') {
        let name = b
            .get(end + 1..)?
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
            .count();
        if name == 0 {
            break;
        }
        end += 1 + name;
    }
    // `object` must fit (it always does: the head alone is longer).
    (end - i >= "object".len()).then_some(end)
}

fn set(bytes: &mut [u8], i: usize, to: u8) {
    if let Some(slot) = bytes.get_mut(i) {
        *slot = to;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frontend::bicep::syntax::{errors, parse};

    fn parses(text: &str) {
        let tree = parse(text).unwrap();
        let errs = errors(&tree, text);
        assert!(errs.is_empty(), "{errs:?} in {text}");
    }

    #[test]
    fn rewrites_keep_every_offset() {
        let src = "param a string?\nvar b string = 'x!'\nparam t resourceInput<'R@1'>.tags = {}\nvar c = a!.x\nvar d = a != b\n";
        let c = compat(src);
        assert_eq!(c.text.len(), src.len());
        assert_eq!(c.nullable, ["a"]);
        assert!(c.text.contains("param a string \n"));
        assert!(c.text.contains("var b        = 'x!'"));
        assert!(c.text.contains("param t object"));
        assert!(c.text.contains("var c = a .x"));
        assert!(c.text.contains("a != b"));
        parses(&c.text);
    }

    #[test]
    fn spreads_become_properties_and_items() {
        let src = "var o = {\n  a: 1\n  ...(x ? { b: 2 } : {})\n}\nvar l = [1, ...y, 'a...b']\n";
        let c = compat(src);
        assert_eq!(c.text.len(), src.len());
        parses(&c.text);
        let obj = src.find("...(").unwrap();
        let arr = src.find("...y").unwrap() + 3;
        assert_eq!(c.spreads, [obj, arr]);
        assert!(c.text.contains("'a...b'"), "not inside strings");
    }

    #[test]
    fn comment_starts_inside_strings_are_text() {
        let src =
            "var a = '//'\nvar b = '/*'\nvar c = '${a}//x' // real\nvar d = 'https://x/${a}'\n";
        let c = compat(src);
        parses(&c.text);
        assert!(
            c.text.ends_with("// real\nvar d = 'https:_/x/${a}'\n"),
            "{}",
            c.text
        );
        assert!(!c.text.contains("'//'"));
    }

    #[test]
    fn import_names_on_separate_lines_get_commas() {
        let src = "import {\n  a\n  b as c\n  d\n} from 'x.bicep'\nvar o = {\n  a: 1\n  b: 2\n}\n";
        let c = compat(src);
        parses(&c.text);
        assert!(
            c.text.starts_with("import {\n  a,  b as c,  d\n}"),
            "{}",
            c.text
        );
        assert!(
            c.text.contains("a: 1\n  b: 2"),
            "objects keep their line breaks"
        );
    }

    #[test]
    fn resource_derived_types_become_object_anywhere() {
        let src = "type t = {\n  tags: resourceInput<'Microsoft.X/y@2024-01-01'>.tags?\n  all: resourceOutput<'Microsoft.X/y@1'>\n}\nvar myresourceInput = 1\n";
        let c = compat(src);
        parses(&c.text);
        assert!(c.text.contains("tags: object"), "{}", c.text);
        assert!(c.text.contains("all: object  "), "{}", c.text);
        assert!(c.text.contains("var myresourceInput = 1"));
    }

    #[test]
    fn non_null_is_blanked_only_outside_strings() {
        let c = compat("var a = '${x}hello!'\nvar b = f()!.y\n");
        assert!(c.text.contains("hello!'"));
        assert!(c.text.contains("f() .y"));
    }
}
