//! A byte-preserving pre-pass over native HCL that takes large tuples of plain literals out of
//! the text hcl-edit parses.
//!
//! hcl-edit builds a decorated node for every element of a tuple (about 40× the text for a
//! list of numbers) and nsgate's AST another, so a `locals` block of megabytes of numbers, or
//! an NSG rule with 4,000 prefixes, made parsing dominate the time and memory of a run. A tuple
//! `[ … ]` whose elements are only numbers, quoted strings without templates, `true`, `false`
//! or `null` (with whitespace and comments between them) is validated here, and its interior
//! is replaced by spaces in the copy hcl-edit parses — newlines kept, so every byte offset and
//! line stays where it was. hcl-edit then sees an empty tuple at exactly that range, the AST
//! records [`ExprKind::Literals`](crate::frontend::terraform::ast::ExprKind::Literals), and the
//! evaluator reads the elements back from the original text ([`read_back`]), with their exact
//! spans, only when the tuple is evaluated.
//!
//! The scan only has to find candidates: the caller checks that hcl-edit parsed an empty tuple
//! at every range taken, and parses the original text when it did not (or when the blanked text
//! has a syntax error), so a misjudged string or comment boundary costs a second parse, never a
//! different tree. Anything unusual inside a tuple (a template, an expression, a lone `\r`, a
//! raw newline in a string, an invalid escape) leaves the tuple to hcl-edit.

use std::ops::Range;

/// Fewest elements for a tuple to be taken out: smaller ones cost hcl-edit little.
pub const MIN_ELEMENTS: u32 = 64;

/// One literal element, as hcl-edit would have parsed it.
#[derive(Debug, Clone, PartialEq)]
pub enum Lit {
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
}

/// A tuple taken out of the text: its range (brackets included) and how many elements it has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Taken {
    pub range: Range<usize>,
    pub count: u32,
}

/// The text for hcl-edit, with every taken tuple blanked, and what was taken.
#[derive(Debug)]
pub struct Blanked {
    pub text: String,
    /// Sorted by start and disjoint.
    pub taken: Vec<Taken>,
    /// Comments inside the taken tuples (hcl-edit no longer sees them).
    pub comments: Vec<Range<usize>>,
}

/// Blank every tuple of `min_elements` or more plain literals; `None` when there is none (the
/// text is then parsed as it is, without a copy).
pub fn blank(text: &str, min_elements: u32) -> Option<Blanked> {
    let b = text.as_bytes();
    let mut taken = Vec::new();
    let mut comments = Vec::new();
    // Open template interpolations (`${`/`%{` inside a quoted string): each counts the `{`
    // opened inside it; empty means code outside any string.
    let mut interps: Vec<u32> = Vec::new();
    let mut in_string = false;
    let mut at = 0;
    while let Some(&c) = b.get(at) {
        if in_string {
            at = match (c, b.get(at + 1), b.get(at + 2)) {
                (b'\\', _, _) => at + 2,
                (b'"', _, _) => {
                    in_string = false;
                    at + 1
                }
                (b'$', Some(b'$'), Some(b'{')) | (b'%', Some(b'%'), Some(b'{')) => at + 3,
                (b'$' | b'%', Some(b'{'), _) => {
                    in_string = false;
                    interps.push(0);
                    at + 2
                }
                _ => at + 1,
            };
            continue;
        }
        at = match (c, b.get(at + 1)) {
            (b'#', _) | (b'/', Some(b'/')) => line_end(b, at),
            (b'/', Some(b'*')) => block_comment_end(b, at).unwrap_or(b.len()),
            (b'"', _) => {
                in_string = true;
                at + 1
            }
            (b'<', Some(b'<')) => heredoc_end(b, at).unwrap_or(at + 2),
            (b'{', _) => {
                if let Some(depth) = interps.last_mut() {
                    *depth += 1;
                }
                at + 1
            }
            (b'}', _) => {
                match interps.last_mut() {
                    Some(0) => {
                        interps.pop();
                        in_string = true;
                    }
                    Some(depth) => *depth -= 1,
                    None => {}
                }
                at + 1
            }
            (b'[', _) if follows_expression(b, at) => at + 1,
            (b'[', _) => {
                let before = comments.len();
                match scan_tuple(b, at, &mut |_, _| {}, &mut comments) {
                    Some((end, count)) if count >= min_elements.max(1) => {
                        taken.push(Taken {
                            range: at..end,
                            count,
                        });
                        end
                    }
                    _ => {
                        comments.truncate(before);
                        at + 1
                    }
                }
            }
            _ => at + 1,
        };
    }
    if taken.is_empty() {
        return None;
    }
    let mut out = Vec::with_capacity(b.len());
    let mut from = 0;
    for t in &taken {
        // Keep the brackets; blank what is between them except line breaks.
        let inner = t.range.start + 1..t.range.end - 1;
        out.extend_from_slice(b.get(from..inner.start).unwrap_or_default());
        out.extend(b.get(inner.clone()).unwrap_or_default().iter().map(|&c| {
            if c == b'\n' {
                b'\n'
            } else {
                b' '
            }
        }));
        from = inner.end;
    }
    out.extend_from_slice(b.get(from..).unwrap_or_default());
    // Only ASCII bytes replaced whole UTF-8 sequences (a taken tuple starts and ends on ASCII
    // brackets), so the text stays valid; a failure would be a bug, and then nothing is taken.
    let text = String::from_utf8(out).ok()?;
    Some(Blanked {
        text,
        taken,
        comments,
    })
}

/// The elements of a taken tuple, read back from its original text `tuple` (brackets
/// included) which starts at byte `base` of the file: each literal with its byte range in the
/// file. `None` when the text is not such a tuple (a bug: the pre-pass validated it).
pub fn read_back(tuple: &str, base: usize) -> Option<Vec<(Lit, Range<usize>)>> {
    let b = tuple.as_bytes();
    let mut out = Vec::new();
    let mut failed = false;
    let (end, _) = scan_tuple(
        b,
        0,
        &mut |kind, range| match literal(b, kind, range.clone()) {
            Some(lit) => out.push((lit, base + range.start..base + range.end)),
            None => failed = true,
        },
        &mut Vec::new(),
    )?;
    (end == b.len() && !failed).then_some(out)
}

/// Whether the `[` at `at` follows an expression (`x[0]`, `f(a)[0]`, `"s"[0]`), so it is an
/// index rather than a tuple. Only a guess from the byte before (a wrong one costs a second
/// parse, see the module documentation): `in` and `if` end no expression.
fn follows_expression(b: &[u8], at: usize) -> bool {
    let before = b.get(..at).unwrap_or_default();
    let Some(end) = before.iter().rposition(|c| !c.is_ascii_whitespace()) else {
        return false;
    };
    let word = |c: &u8| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'-';
    match before.get(end) {
        Some(b')' | b']' | b'}' | b'"') => true,
        Some(c) if word(c) => {
            let start = before
                .get(..=end)
                .map_or(0, |w| w.iter().rposition(|c| !word(c)).map_or(0, |i| i + 1));
            !matches!(before.get(start..=end), Some(b"in" | b"if"))
        }
        _ => false,
    }
}

/// What an element is, found by [`scan_tuple`] (its value is decoded only when read back).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Null,
    True,
    False,
    Num,
    Str,
}

fn literal(b: &[u8], kind: Kind, range: Range<usize>) -> Option<Lit> {
    Some(match kind {
        Kind::Null => Lit::Null,
        Kind::True => Lit::Bool(true),
        Kind::False => Lit::Bool(false),
        Kind::Num => Lit::Num(number_value(b.get(range)?)?),
        Kind::Str => {
            let mut s = String::new();
            string_end(b, range.start, Some(&mut s))?;
            Lit::Str(s)
        }
    })
}

/// The tuple whose `[` is at `open`, when it holds only plain literals: the offset after its
/// `]` and its element count. `element` sees every element, `comments` gets every comment.
fn scan_tuple(
    b: &[u8],
    open: usize,
    element: &mut dyn FnMut(Kind, Range<usize>),
    comments: &mut Vec<Range<usize>>,
) -> Option<(usize, u32)> {
    let mut at = open + 1;
    let mut count = 0u32;
    loop {
        at = skip_trivia(b, at, comments)?;
        if b.get(at) == Some(&b']') {
            // `[]` has nothing to take; `[1,]` is allowed (a trailing comma).
            return (count > 0).then_some((at + 1, count));
        }
        let (kind, end) = element_at(b, at)?;
        element(kind, at..end);
        count = count.checked_add(1)?;
        at = skip_trivia(b, end, comments)?;
        match b.get(at) {
            Some(b',') => at += 1,
            Some(b']') => return Some((at + 1, count)),
            _ => return None,
        }
    }
}

/// Skip spaces, tabs, line breaks and comments.
fn skip_trivia(b: &[u8], mut at: usize, comments: &mut Vec<Range<usize>>) -> Option<usize> {
    loop {
        match (b.get(at), b.get(at + 1)) {
            (Some(b' ' | b'\t' | b'\n'), _) | (Some(b'\r'), Some(b'\n')) => at += 1,
            (Some(b'#'), _) | (Some(b'/'), Some(b'/')) => {
                let end = line_end(b, at);
                let body = b.get(at..end)?;
                // hcl-edit ends a line comment at `\n` or `\r\n` only: a lone `\r` is its error.
                if body.strip_suffix(b"\r").unwrap_or(body).contains(&b'\r') {
                    return None;
                }
                comments.push(at..end);
                at = end;
            }
            (Some(b'/'), Some(b'*')) => {
                let end = block_comment_end(b, at)?;
                comments.push(at..end);
                at = end;
            }
            _ => return Some(at),
        }
    }
}

/// One plain literal starting at `at`: its kind and where it ends.
fn element_at(b: &[u8], at: usize) -> Option<(Kind, usize)> {
    let end = match b.get(at)? {
        b'"' => return Some((Kind::Str, string_end(b, at, None)?)),
        b'0'..=b'9' => number_end(b, at)?,
        b'-' if b.get(at + 1).is_some_and(u8::is_ascii_digit) => number_end(b, at + 1)?,
        c if c.is_ascii_alphabetic() => {
            let end = at
                + b.get(at..)?
                    .iter()
                    .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_' || **c == b'-')
                    .count();
            // A non-ASCII byte may continue the identifier: leave that to hcl-edit.
            if b.get(end).is_some_and(|c| !c.is_ascii()) {
                return None;
            }
            let kind = match b.get(at..end)? {
                b"null" => Kind::Null,
                b"true" => Kind::True,
                b"false" => Kind::False,
                _ => return None,
            };
            return Some((kind, end));
        }
        _ => return None,
    };
    // hcl-edit rejects numbers it cannot represent (`1e999`): so do we.
    number_value(b.get(at..end)?)?;
    Some((Kind::Num, end))
}

/// The end of hcl-edit's number at `at` (digits, an optional fraction, an optional exponent).
fn number_end(b: &[u8], at: usize) -> Option<usize> {
    let digits = |from: usize| {
        b.get(from..)
            .map_or(0, |r| r.iter().take_while(|c| c.is_ascii_digit()).count())
    };
    let mut end = at + digits(at);
    if b.get(end) == Some(&b'.') && b.get(end + 1).is_some_and(u8::is_ascii_digit) {
        end += 1 + digits(end + 1);
    }
    if matches!(b.get(end), Some(b'e' | b'E')) {
        let mut exp = end + 1;
        if matches!(b.get(exp), Some(b'+' | b'-')) {
            exp += 1;
        }
        let n = digits(exp);
        if n == 0 {
            return None;
        }
        end = exp + n;
    }
    Some(end)
}

/// A number's value as hcl-edit gives it: the nearest `f64`, negated after a leading `-`, and
/// `-0` is `0` (hcl-edit holds integers as integers).
fn number_value(text: &[u8]) -> Option<f64> {
    let (negative, digits) = match text.strip_prefix(b"-") {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let n: f64 = std::str::from_utf8(digits).ok()?.parse().ok()?;
    if !n.is_finite() {
        return None;
    }
    let n = if negative { -n } else { n };
    Some(if n == 0.0 { 0.0 } else { n })
}

/// The end (after the closing quote) of the quoted string at `at`, when it is a plain string:
/// no template, valid escapes, no raw line break. `out` gets its value when given.
fn string_end(b: &[u8], at: usize, mut out: Option<&mut String>) -> Option<usize> {
    let mut i = at + 1;
    let mut run = i;
    let flush = |out: &mut Option<&mut String>, from: usize, to: usize| -> Option<()> {
        if let Some(s) = out.as_deref_mut() {
            s.push_str(std::str::from_utf8(b.get(from..to)?).ok()?);
        }
        Some(())
    };
    loop {
        // Plain bytes (nearly all of a prefix) are skipped without the checks below.
        i += b
            .get(i..)?
            .iter()
            .take_while(|c| !matches!(c, b'"' | b'\\' | b'$' | b'%' | b'\n' | b'\r'))
            .count();
        match (b.get(i)?, b.get(i + 1), b.get(i + 2)) {
            (b'"', _, _) => {
                flush(&mut out, run, i)?;
                return Some(i + 1);
            }
            (b'\n' | b'\r', _, _) => return None,
            (&m @ (b'$' | b'%'), Some(&m2), Some(b'{')) if m2 == m => {
                // `$${` is a literal `${`, `%%{` a literal `%{`.
                flush(&mut out, run, i)?;
                if let Some(s) = out.as_deref_mut() {
                    s.push(char::from(m));
                    s.push('{');
                }
                i += 3;
                run = i;
            }
            (b'$' | b'%', Some(b'{'), _) => return None,
            (b'\\', Some(&e), _) => {
                flush(&mut out, run, i)?;
                let (c, len) = match e {
                    b'n' => ('\n', 2),
                    b'r' => ('\r', 2),
                    b't' => ('\t', 2),
                    b'\\' => ('\\', 2),
                    b'"' => ('"', 2),
                    b'u' => (hex_char(b.get(i + 2..i + 6)?)?, 6),
                    b'U' => (hex_char(b.get(i + 2..i + 10)?)?, 10),
                    _ => return None,
                };
                if let Some(s) = out.as_deref_mut() {
                    s.push(c);
                }
                i += len;
                run = i;
            }
            _ => i += 1,
        }
    }
}

fn hex_char(hex: &[u8]) -> Option<char> {
    if !hex.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    let n = u32::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?;
    char::from_u32(n)
}

/// The offset of the line break ending the line comment at `at` (or the end of the text).
fn line_end(b: &[u8], at: usize) -> usize {
    b.get(at..)
        .and_then(|rest| memchr::memchr(b'\n', rest))
        .map_or(b.len(), |n| at + n)
}

/// The offset after the `*/` closing the block comment at `at`.
fn block_comment_end(b: &[u8], at: usize) -> Option<usize> {
    let rest = b.get(at + 2..)?;
    memchr::memmem::find(rest, b"*/").map(|n| at + 2 + n + 2)
}

/// The offset after the heredoc starting at `at` (`<<ID` or `<<-ID`, a line break, lines up to
/// one that is `ID` alone once trimmed); `None` when this is no heredoc.
fn heredoc_end(b: &[u8], at: usize) -> Option<usize> {
    let mut i = at + 2;
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    let id_len = b
        .get(i..)?
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_' || **c == b'-')
        .count();
    let id = b.get(i..i + id_len)?;
    if id.is_empty() {
        return None;
    }
    let mut line = match b.get(i + id_len..)? {
        [b'\n', ..] => i + id_len + 1,
        [b'\r', b'\n', ..] => i + id_len + 2,
        _ => return None,
    };
    while line < b.len() {
        let end = line_end(b, line);
        let text = b.get(line..end)?;
        if text.trim_ascii() == id {
            return Some(end);
        }
        line = end + 1;
    }
    Some(b.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn taken(text: &str, min: u32) -> Vec<&str> {
        blank(text, min)
            .map(|b| {
                assert_eq!(b.text.len(), text.len());
                b.taken
                    .iter()
                    .map(|t| text.get(t.range.clone()).unwrap())
                    .collect()
            })
            .unwrap_or_default()
    }

    #[test]
    fn plain_literal_tuples_are_taken_others_left() {
        let text = "a = [1, 2.5e3, -7, \"x\\\"y\", true, null]\nb = [1, x]\nc = [[1, 2], [3]]\nd = x[1]\ne = [for v in [4] : v]\n";
        assert_eq!(
            taken(text, 1),
            vec![
                "[1, 2.5e3, -7, \"x\\\"y\", true, null]",
                "[1, 2]",
                "[3]",
                "[4]"
            ]
        );
        assert!(taken(text, 7).is_empty());
    }

    #[test]
    fn strings_comments_heredocs_and_templates_hide_brackets() {
        let text = "a = \"[1, 2]\"\n# [3]\nb = <<EOT\n[4]\nEOT\nc = \"${[5]} $${[6]}\"\n/* [7] */ d = [8]\n";
        assert_eq!(taken(text, 1), vec!["[5]", "[8]"]);
    }

    #[test]
    fn templates_escapes_and_oddities_are_left_to_hcl_edit() {
        for inner in [
            "\"${x}\"",
            "\"%{if a}\"",
            "\"\\q\"",
            "\"a\nb\"",
            "1e",
            "1e999",
            "1.",
            "0x1",
            "truex",
            "- 1",
            "1 2",
            ",",
            "1,,2",
            "\"\\uD800\"",
            "tr\u{e9}",
        ] {
            assert!(taken(&format!("a = [{inner}]\n"), 1).is_empty(), "{inner}");
        }
    }

    #[test]
    fn blanking_keeps_offsets_and_line_breaks() {
        let text = "a = [\n  1, # one\n  \"é\",\n]\n";
        let b = blank(text, 1).unwrap();
        let blank_line = |n: usize| " ".repeat(n) + "\n";
        let expected = format!(
            "a = [\n{}{}]\n",
            blank_line("  1, # one".len()),
            blank_line("  \"é\",".len())
        );
        assert_eq!(b.text, expected);
        assert_eq!(
            b.comments
                .iter()
                .map(|r| text.get(r.clone()).unwrap())
                .collect::<Vec<_>>(),
            vec!["# one"]
        );
    }

    #[test]
    fn read_back_decodes_values_with_spans() {
        let text = "x = [\"a$${b}\\n\\u00e9\", -0, 1e2, false]";
        let t = blank(text, 1).unwrap().taken.remove(0);
        let got = read_back(text.get(t.range.clone()).unwrap(), t.range.start).unwrap();
        let lits: Vec<&Lit> = got.iter().map(|(l, _)| l).collect();
        assert_eq!(
            lits,
            vec![
                &Lit::Str("a${b}\né".into()),
                &Lit::Num(0.0),
                &Lit::Num(100.0),
                &Lit::Bool(false)
            ]
        );
        assert_eq!(text.get(got[1].1.clone()), Some("-0"));
        assert!(matches!(got[1].0, Lit::Num(n) if n.is_sign_positive()));
    }
}
