//! `.bicepparam` files: `using './main.bicep'` and `param x = <expression>`.
//!
//! Values are Bicep expressions, evaluated with the same evaluator (variables and functions
//! of the file are in scope; `readEnvironmentVariable` reads the process environment, else
//! its default, else Unknown).

use std::path::{Path, PathBuf};

/// The grammar knows `param x <type> = …` but not the typeless `param x = …` of parameters
/// files: each such `param` keyword becomes `var  ` (same length, so every offset and span
/// stays valid), and the names it declared are returned.
pub fn rewrite(text: &str) -> (String, Vec<String>) {
    let mut out = String::with_capacity(text.len());
    let mut names = Vec::new();
    for line in text.split_inclusive('\n') {
        let body = line.trim_start();
        let indent = line.len() - body.len();
        let rest = body.strip_prefix("param ").map(str::trim_start);
        let name: Option<&str> = rest.and_then(|r| {
            let end = r
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(r.len());
            let (name, after) = r.split_at(end);
            (!name.is_empty() && after.trim_start().starts_with('=')).then_some(name)
        });
        match name {
            Some(n) => {
                names.push(n.to_string());
                out.push_str(line.get(..indent).unwrap_or(""));
                out.push_str("var  ");
                out.push_str(body.get(5..).unwrap_or(""));
            }
            None => out.push_str(line),
        }
    }
    (out, names)
}

/// The path a `.bicepparam` file's `using` names, resolved from its folder.
pub fn using_target(path: &Path) -> Option<PathBuf> {
    let text = crate::frontend::read::read_text(path).ok()?;
    let tree = super::syntax::parse(&text).ok()?;
    let root = tree.root_node();
    let mut cursor = root.walk();
    let using = root
        .named_children(&mut cursor)
        .find(|n| n.kind() == "using_statement")?;
    let s = using.named_child(0)?;
    let lit = text.get(s.start_byte()..s.end_byte())?.trim_matches('\'');
    Some(super::dir_of(path).join(lit))
}

/// A `.bicepparam` file beside `entry` whose `using` names it.
pub fn beside(entry: &Path) -> Option<PathBuf> {
    let dir = super::dir_of(entry);
    let me = std::fs::canonicalize(entry).ok()?;
    let mut candidates: Vec<PathBuf> = std::fs::read_dir(&dir)
        .ok()?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "bicepparam"))
        .collect();
    candidates.sort();
    candidates.into_iter().find(|p| {
        using_target(p)
            .and_then(|t| std::fs::canonicalize(t).ok())
            .is_some_and(|t| t == me)
    })
}
