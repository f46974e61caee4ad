//! Parameters files (`deploymentParameters.json`): `{ "parameters": { "x": { "value": … } } }`.
//!
//! Values are literal JSON (ARM does not evaluate expressions in parameters files); a
//! `reference` to a Key Vault secret is an Unknown. Every value keeps its span in the
//! parameters file, so findings about a value point at the line that sets it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::value::{Kind, Value};
use crate::frontend::json::{Json, Node};
use crate::source::{FileId, Span};

/// Parameter values by lower-cased name: (name as written, value, span of the name).
pub type Supplied = HashMap<String, (String, Value, Span)>;

/// Whether `$schema` names a parameters file.
pub fn is_parameters_schema(schema: &str) -> bool {
    let s = schema.trim_end_matches('#').to_ascii_lowercase();
    s.ends_with("deploymentparameters.json")
}

/// The values of a parsed parameters file. `Err` when it has no `parameters` object.
pub fn read(root: &Node, file: FileId) -> Result<Supplied, String> {
    let Some(params) = root.get_ci("parameters") else {
        return Err("the parameters file has no `parameters` object".into());
    };
    if !matches!(params.json(), Json::Object(_)) {
        return Err("`parameters` must be an object".into());
    }
    let mut out = HashMap::new();
    for m in params.members() {
        let key_span = Span::new(file, m.key_start as usize, m.key_end as usize);
        let value = if let Some(v) = m.value.get_ci("value") {
            literal(v, file, 0)
        } else if m.value.get_ci("reference").is_some() {
            Value::unknown(
                format!(
                    "parameter `{}` is read from a Key Vault secret at deployment time",
                    m.key
                ),
                key_span,
            )
        } else {
            Value::unknown(
                format!("parameter `{}` has neither `value` nor `reference`", m.key),
                key_span,
            )
        };
        out.insert(
            m.key.to_ascii_lowercase(),
            (m.key.to_string(), value, key_span),
        );
    }
    Ok(out)
}

/// A JSON node as a literal value (no expression evaluation).
pub fn literal(node: &Node, file: FileId, depth: usize) -> Value {
    let span = Span::new(file, node.start as usize, node.end as usize);
    if depth > crate::frontend::json::MAX_DEPTH {
        return Value::unknown("value nested too deeply", span);
    }
    match &node.value {
        Json::Lazy(l) => literal(l.node(), file, depth),
        Json::Null => Value::null(span),
        Json::Bool(b) => Value::bool(*b, span),
        Json::Number(n) => match n.parse::<i64>() {
            Ok(i) => Value::int(i, span),
            Err(_) => n
                .parse::<f64>()
                .map(|f| Value::new(Kind::Float(f), span))
                .unwrap_or_else(|_| Value::unknown("invalid number", span)),
        },
        Json::String(s) => Value::str(s.as_ref(), span),
        Json::Array(items) => Value::array(
            items.iter().map(|i| literal(i, file, depth + 1)).collect(),
            span,
        ),
        Json::Object(members) => Value::object(
            members
                .iter()
                .map(|m| (m.key.to_string(), literal(&m.value, file, depth + 1)))
                .collect(),
            span,
        ),
    }
}

/// The parameters file beside a template: `<name>.parameters.json`, else
/// `azuredeploy.parameters.json` in the same folder.
pub fn beside(template: &Path) -> Option<PathBuf> {
    let dir = template.parent().unwrap_or_else(|| Path::new(""));
    let stem = template.file_stem()?.to_str()?;
    let own = dir.join(format!("{stem}.parameters.json"));
    if own.is_file() {
        return Some(own);
    }
    let quickstart = dir.join("azuredeploy.parameters.json");
    (quickstart.is_file() && quickstart != template).then_some(quickstart)
}
