//! Parsing Bicep with the `tree-sitter-bicep` grammar: the tree, its syntax errors with spans,
//! and its comments (for `// nsgate:ignore` suppressions).

use tree_sitter::{Node, Parser, Tree};

/// A syntax error: what the parser expected or found, and where (byte range).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub message: String,
    pub start: usize,
    pub end: usize,
}

/// Errors reported per file at most; the rest follow from the first ones.
const MAX_ERRORS: usize = 20;

/// Parse a Bicep file. `None` only when the grammar could not be loaded (a build problem).
pub fn parse(text: &str) -> Option<Tree> {
    let mut parser = Parser::new();
    parser
        .set_language(&tree_sitter_bicep::LANGUAGE.into())
        .ok()?;
    parser.parse(text, None)
}

/// The syntax errors of a tree: `ERROR` nodes (unexpected text) and `MISSING` nodes (a token
/// the parser had to assume), outermost first, in source order.
pub fn errors(tree: &Tree, text: &str) -> Vec<SyntaxError> {
    let mut out = Vec::new();
    if !tree.root_node().has_error() {
        return out;
    }
    let mut stack = vec![tree.root_node()];
    while let Some(node) = stack.pop() {
        if out.len() >= MAX_ERRORS {
            break;
        }
        if node.is_missing() {
            out.push(SyntaxError {
                message: format!("syntax error: expected `{}` here", node.kind()),
                start: node.start_byte(),
                end: node.end_byte(),
            });
            continue;
        }
        if node.is_error() {
            let snippet: String = text
                .get(node.start_byte()..node.end_byte())
                .unwrap_or("")
                .chars()
                .take(40)
                .collect();
            let snippet = snippet.lines().next().unwrap_or("").trim().to_string();
            out.push(SyntaxError {
                message: if snippet.is_empty() {
                    "syntax error".to_string()
                } else {
                    format!("syntax error: unexpected `{snippet}`")
                },
                start: node.start_byte(),
                end: node.end_byte(),
            });
            continue;
        }
        if !node.has_error() {
            continue;
        }
        let mut cursor = node.walk();
        let children: Vec<Node> = node.children(&mut cursor).collect();
        stack.extend(children.into_iter().rev());
    }
    out.sort_by_key(|e| (e.start, e.end));
    out
}

/// A comment and its byte range; `text` includes the `//` or `/* */` markers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub text: String,
    pub start: usize,
    pub end: usize,
}

/// Every comment of a Bicep file, in source order, as the parser sees them (so `//` inside a
/// string is not a comment).
pub fn comments(tree: &Tree, text: &str) -> Vec<Comment> {
    let mut out = Vec::new();
    let mut cursor = tree.walk();
    let mut descend = true;
    loop {
        let node = cursor.node();
        if descend && node.kind() == "comment" {
            out.push(Comment {
                text: text
                    .get(node.start_byte()..node.end_byte())
                    .unwrap_or("")
                    .to_string(),
                start: node.start_byte(),
                end: node.end_byte(),
            });
        }
        // The grammar lexes `//` at the very start of a string as a comment (a syntax error
        // follows); nothing inside a string is a comment.
        if descend && node.kind() != "string" && cursor.goto_first_child() {
            continue;
        }
        if cursor.goto_next_sibling() {
            descend = true;
            continue;
        }
        if !cursor.goto_parent() {
            break;
        }
        descend = false;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_reports_errors_with_ranges() {
        let text = "param a string = 'x'\nresource r 'T@1' = {\n  name: \n}\n";
        let tree = parse(text).unwrap();
        let errs = errors(&tree, text);
        assert!(!errs.is_empty());
        assert!(errs[0].start >= text.find("name").unwrap());
        let ok = "var x = 1\n";
        assert!(errors(&parse(ok).unwrap(), ok).is_empty());
    }

    #[test]
    fn comments_with_spans_and_not_inside_strings() {
        let text = "// a\nvar x = 'a // not' /* b */\n";
        let tree = parse(text).unwrap();
        let c = comments(&tree, text);
        let texts: Vec<&str> = c.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(texts, ["// a", "/* b */"]);
        assert_eq!(&text[c[1].start..c[1].end], "/* b */");
    }
}

/// Newer Bicep that the `tree-sitter-bicep` 1.1.0 grammar rejects, rewritten to what it
/// accepts without moving a single byte (every offset and span stays valid):
/// - `param x T?` at the end of a line (nullable parameter): the `?` is blanked and `x` is
///   returned as nullable (the grammar reads `?` as the start of a `? :` across lines);
/// - `var x T = …` (typed variable): the type is blanked;
/// - `param x resourceInput<'…'>.tags = …` (resource-derived types): the type becomes `object`;
/// - `x!` (non-null assertion, no effect on values) outside strings: the `!` is blanked.
pub fn compat(text: &str) -> (String, Vec<String>) {
    let mut out = String::with_capacity(text.len());
    let mut nullable = Vec::new();
    for line in text.split_inclusive('\n') {
        out.push_str(&compat_line(line, &mut nullable));
    }
    (blank_non_null(&out), nullable)
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
            let t = ty.trim();
            if t.contains('<') && t.len() >= "object".len() {
                let start = type_at + (ty.len() - ty.trim_start().len());
                blank(&mut bytes, start, start + t.len());
                for (i, b) in b"object".iter().enumerate() {
                    if let Some(slot) = bytes.get_mut(start + i) {
                        *slot = *b;
                    }
                }
            }
        }
    }
    String::from_utf8(bytes).unwrap_or_else(|_| line.to_string())
}

/// Blank postfix `!` (non-null assertions) outside strings and comments.
fn blank_non_null(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = b.to_vec();
    let mut i = 0;
    let mut in_str = false;
    let mut multi = false;
    while i < b.len() {
        let c = b.get(i).copied().unwrap_or(0);
        if multi {
            if b.get(i..i + 3) == Some(b"'''") {
                multi = false;
                i += 3;
                continue;
            }
        } else if in_str {
            if c == b'\\' {
                i += 2;
                continue;
            }
            if c == b'\'' {
                in_str = false;
            }
        } else if b.get(i..i + 3) == Some(b"'''") {
            multi = true;
            i += 3;
            continue;
        } else if c == b'\'' {
            in_str = true;
        } else if b.get(i..i + 2) == Some(b"//") {
            while i < b.len() && b.get(i) != Some(&b'\n') {
                i += 1;
            }
            continue;
        } else if c == b'!' {
            let prev = i
                .checked_sub(1)
                .and_then(|p| b.get(p))
                .copied()
                .unwrap_or(b' ');
            let next = b.get(i + 1).copied().unwrap_or(b' ');
            if (prev.is_ascii_alphanumeric() || prev == b'_' || prev == b')' || prev == b']')
                && next != b'='
            {
                if let Some(slot) = out.get_mut(i) {
                    *slot = b' ';
                }
            }
        }
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_string())
}

#[cfg(test)]
mod compat_tests {
    use super::*;

    #[test]
    fn rewrites_keep_every_offset() {
        let src = "param a string?\nvar b string = 'x!'\nparam t resourceInput<'R@1'>.tags = {}\nvar c = a!.x\nvar d = a != b\n";
        let (out, nullable) = compat(src);
        assert_eq!(out.len(), src.len());
        assert_eq!(nullable, ["a"]);
        assert!(out.contains("param a string \n"));
        assert!(out.contains("var b        = 'x!'"));
        assert!(out.contains("param t object"));
        assert!(out.contains("var c = a .x"));
        assert!(out.contains("a != b"));
        let tree = parse(&out).unwrap();
        assert!(errors(&tree, &out).is_empty(), "{:?}", errors(&tree, &out));
    }
}
