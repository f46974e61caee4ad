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

/// The parser reads its input in chunks of this size, so the bytes it asks for count the
/// lexer's real work (a scan ahead that runs to the end of the file reads every chunk again).
const CHUNK: usize = 4096;

/// Bytes the lexer may read per byte of input, and a floor for small files. Well-formed and
/// malformed files of the corpus read about 1-2× their size; the limit stops a grammar
/// pathology (an external scanner that scans to the end of the file on every error-recovery
/// attempt was quadratic: 100 KB took 10 s) with a clear error instead of a long stall.
const READ_FACTOR: usize = 64;
const READ_FLOOR: usize = 1 << 20;

/// Why a Bicep file could not be parsed into a tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseFailure {
    /// The grammar could not be loaded (a build problem).
    Grammar,
    /// The lexer read more than the work budget allows for the file's size.
    Budget { read: usize, limit: usize },
}

impl ParseFailure {
    pub fn message(&self) -> String {
        match self {
            ParseFailure::Grammar => "the Bicep grammar could not be loaded".to_string(),
            ParseFailure::Budget { read, limit } => format!(
                "parsing stopped at its work budget: the parser read {read} bytes (limit {limit}, \
                 {READ_FACTOR}× the file); the file is most likely malformed"
            ),
        }
    }
}

/// Parse a Bicep file, within a work budget counted in bytes the lexer reads.
pub fn parse(text: &str) -> Result<Tree, ParseFailure> {
    let limit = text.len().saturating_mul(READ_FACTOR).max(READ_FLOOR);
    parse_within(text, limit).map(|(tree, _)| tree)
}

/// Parse with an explicit read limit; also returns the bytes read (for tests of the budget).
fn parse_within(text: &str, limit: usize) -> Result<(Tree, usize), ParseFailure> {
    let mut parser = Parser::new();
    parser
        .set_language(&tree_sitter_bicep::LANGUAGE.into())
        .map_err(|_| ParseFailure::Grammar)?;
    let bytes = text.as_bytes();
    let read = std::cell::Cell::new(0usize);
    // Past the limit the input ends early (so a scan in progress stops) and the next progress
    // check cancels the parse.
    let mut chunk = |offset: usize, _| -> &[u8] {
        if read.get() > limit {
            return &[];
        }
        let end = offset.saturating_add(CHUNK).min(bytes.len());
        let piece = bytes.get(offset..end).unwrap_or_default();
        read.set(read.get() + piece.len());
        piece
    };
    let mut over_budget = |_: &tree_sitter::ParseState| {
        if read.get() > limit {
            std::ops::ControlFlow::Break(())
        } else {
            std::ops::ControlFlow::Continue(())
        }
    };
    let options = tree_sitter::ParseOptions::new().progress_callback(&mut over_budget);
    let tree = parser.parse_with_options(&mut chunk, None, Some(options));
    if read.get() > limit {
        return Err(ParseFailure::Budget {
            read: read.get(),
            limit,
        });
    }
    // Without cancellation tree-sitter always returns a tree once the language is set.
    tree.map(|t| (t, read.get())).ok_or(ParseFailure::Grammar)
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

    /// The vendored grammar's scanner refuses during error recovery (vendor/tree-sitter-bicep/
    /// NSGATE-PATCH.md). Unpatched, this 12 KB file made the lexer read more than 64× its size
    /// (scanning to the end of the file at every recovery attempt); patched, about once.
    #[test]
    fn malformed_input_is_read_about_once() {
        for shape in ["}}}\n", "@@ $\n", "var x = [\n ? :\n", "x '''a'' }\n"] {
            let text = shape.repeat(3000);
            let (tree, read) = parse_within(&text, usize::MAX).unwrap();
            assert!(tree.root_node().has_error(), "{shape:?}");
            assert!(
                read <= 3 * text.len(),
                "{shape:?}: read {read} of {}",
                text.len()
            );
        }
    }

    #[test]
    fn the_read_budget_stops_the_parse_with_a_reason() {
        let text = "var x = 1\n".repeat(2000);
        let failure = parse_within(&text, text.len() / 2).unwrap_err();
        let ParseFailure::Budget { read, limit } = failure.clone() else {
            panic!("{failure:?}");
        };
        assert_eq!(limit, text.len() / 2);
        // Stopped within a chunk of the limit, not at the end of the file.
        assert!(read > limit && read <= limit + CHUNK, "{read}");
        assert!(failure.message().contains("work budget"));
        // The default budget is far above what a well-formed file reads.
        let (_, read) = parse_within(&text, usize::MAX).unwrap();
        assert!(read < 2 * text.len());
        assert!(parse(&text).is_ok());
    }

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
