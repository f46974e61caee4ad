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
