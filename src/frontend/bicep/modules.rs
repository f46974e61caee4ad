//! Loading Bicep files and their modules: local `.bicep` and ARM `.json` modules, registry
//! modules (`br:` / `br/<alias>:`) from Bicep's local module cache, and which files of a run
//! are entry points.
//!
//! The cache is the folder `bicep restore` fills:
//! `<cache root>/br/<registry>/<repository with '/' as '$'>/<tag>$/main.json`, the cache root
//! being `cacheRootDirectory` of the nearest `bicepconfig.json`, else `~/.bicep`. Aliases come
//! from `moduleAliases.br` there (`public` is built in: `mcr.microsoft.com/bicep`).

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use super::compat::compat;
use super::eval::{FileEval, Host};
use super::{dir_of, emit, input_error, parse_checked, push_input};
use crate::frontend::arm::{self, Library, Supplied, Value};
use crate::frontend::json::{self, Node};
use crate::frontend::{read, service_files, Input, InputError, Loaded};
use crate::model::{Network, Problem, ProblemKind, Severity};
use crate::source::{FileId, Sources, Span};

/// Deepest module nesting followed.
const MAX_MODULE_DEPTH: usize = 32;

struct State<'s> {
    sources: &'s mut Sources,
    network: Network,
    errors: Vec<InputError>,
    inputs: Vec<Input>,
    /// Modules being evaluated, outermost first (for cycles).
    /// (canonical path, path as shown).
    stack: Vec<(PathBuf, String)>,
    /// Files already read, by canonical path: a module used many times (a module loop, or
    /// one file used by several modules) is one source, so its findings are reported once and
    /// its text is held once.
    files: HashMap<PathBuf, (FileId, Rc<str>)>,
}

pub struct Loader<'s> {
    state: RefCell<State<'s>>,
    config: Config,
}

/// What `bicepconfig.json` says about modules.
#[derive(Default)]
struct Config {
    cache_root: Option<PathBuf>,
    /// `br` aliases: name → (registry, module path).
    aliases: HashMap<String, (String, String)>,
}

impl<'s> Loader<'s> {
    pub fn new(sources: &'s mut Sources, entry: &Path) -> Loader<'s> {
        Loader {
            state: RefCell::new(State {
                sources,
                network: Network::default(),
                errors: Vec::new(),
                inputs: Vec::new(),
                stack: Vec::new(),
                files: HashMap::new(),
            }),
            config: Config::find(&dir_of(entry)),
        }
    }

    pub fn finish(self, out: &mut Loaded) {
        let st = self.state.into_inner();
        out.inputs.extend(st.inputs);
        out.errors.extend(st.errors);
        out.network.merge(st.network);
    }

    fn error(&self, e: InputError) {
        self.state.borrow_mut().errors.push(e);
    }

    fn add_source(&self, display: &str, text: String) -> (FileId, Rc<str>) {
        let mut st = self.state.borrow_mut();
        let rc: Rc<str> = Rc::from(text.as_str());
        let id = st.sources.add(display, text);
        (id, rc)
    }

    fn read(&self, path: &Path) -> Result<(FileId, Rc<str>), std::io::Error> {
        let canon = canonical(path);
        if let Some(known) = self.state.borrow().files.get(&canon) {
            return Ok(known.clone());
        }
        // A missing file keeps its error kind (a missing module is a note, not an error).
        std::fs::metadata(path)?;
        let text = read::read_text(path).map_err(|e| std::io::Error::other(e.to_string()))?;
        let read = self.add_source(&path.display().to_string(), text);
        self.state.borrow_mut().files.insert(canon, read.clone());
        Ok(read)
    }

    /// Parameter values from a `.bicepparam` or JSON parameters file.
    pub fn read_parameters(&mut self, path: &Path) -> HashMap<String, Value> {
        let display = path.display().to_string();
        let (file, text) = match self.read(path) {
            Ok(x) => x,
            Err(e) => {
                self.error(input_error(
                    &display,
                    format!("cannot read {display}: {e}"),
                    None,
                ));
                return HashMap::new();
            }
        };
        push_input(&mut self.state.borrow_mut().inputs, &display);
        if path.extension().is_some_and(|x| x == "bicepparam") {
            return self.bicepparam(file, &text, path);
        }
        match json::parse(&text, true) {
            Ok(root) => match arm::read_parameters(&root, file) {
                Ok(s) => s.into_values().map(|(k, v, _)| (k, v)).collect(),
                Err(m) => {
                    self.error(input_error(&display, format!("{display}: {m}"), None));
                    HashMap::new()
                }
            },
            Err(e) => {
                let at = e.offset as usize;
                self.error(input_error(
                    &display,
                    format!(
                        "{display}: the parameters file is not valid JSON: {}",
                        e.message
                    ),
                    Some(Span::new(file, at, at)),
                ));
                HashMap::new()
            }
        }
    }

    fn bicepparam(&self, file: FileId, text: &str, path: &Path) -> HashMap<String, Value> {
        let (rewritten, names) = super::params::rewrite(text);
        let text = rewritten.as_str();
        let parsed = compat(text);
        let tree = {
            let mut st = self.state.borrow_mut();
            let State {
                sources, errors, ..
            } = &mut *st;
            parse_checked(sources, file, &parsed.text, text, errors)
        };
        let Some(tree) = tree else {
            return HashMap::new();
        };
        arm::with_library(file, None, |lib| {
            FileEval::new(
                file,
                text,
                tree.root_node(),
                dir_of(path),
                lib,
                self,
                HashMap::new(),
            )
            .with_rewrites(Vec::new(), parsed.spreads.clone())
            .var_values(&names)
        })
    }

    pub fn load_entry(&mut self, path: &Path, supplied: HashMap<String, Value>) {
        let display = path.display().to_string();
        match read::read_text(path) {
            Ok(text) => {
                self.state
                    .borrow_mut()
                    .stack
                    .push((canonical(path), display.clone()));
                self.load_entry_text(&display, &text, supplied);
            }
            Err(e) => {
                push_input(&mut self.state.borrow_mut().inputs, &display);
                self.error(input_error(
                    &display,
                    format!("cannot read {display}: {e}"),
                    None,
                ));
            }
        }
    }

    pub fn load_entry_text(&mut self, name: &str, text: &str, supplied: HashMap<String, Value>) {
        push_input(&mut self.state.borrow_mut().inputs, name);
        let (file, text) = self.add_source(name, text.to_string());
        arm::with_library(file, None, |lib| {
            self.eval_bicep(file, &text, dir_of(Path::new(name)), supplied, lib);
        });
    }

    /// Evaluate a Bicep file; lower its resources; return its outputs.
    fn eval_bicep(
        &self,
        file: FileId,
        text: &str,
        dir: PathBuf,
        supplied: HashMap<String, Value>,
        lib: &Library<'_, '_>,
    ) -> Value {
        let span = Span::new(file, 0, 0);
        let parsed = compat(text);
        let tree = {
            let mut st = self.state.borrow_mut();
            let State {
                sources, errors, ..
            } = &mut *st;
            parse_checked(sources, file, &parsed.text, text, errors)
        };
        let Some(tree) = tree else {
            return Value::unknown("the module has syntax errors", span);
        };
        let fe = FileEval::new(file, text, tree.root_node(), dir, lib, self, supplied)
            .with_rewrites(parsed.nullable, parsed.spreads);
        let (instances, mut problems) = fe.run();
        let outputs = fe.outputs();
        problems.extend(fe.take_problems());
        let (root, supplied) = emit::template(&instances);
        let service_files = {
            let mut st = self.state.borrow_mut();
            let State {
                sources,
                errors,
                inputs,
                ..
            } = &mut *st;
            let path = PathBuf::from(sources.name(file));
            let (found, read_with) = service_files::load(&path, text, sources, errors);
            for input in read_with {
                if !inputs.contains(&input) {
                    inputs.push(input);
                }
            }
            found
        };
        let mut net = Network::default();
        let scope = Some(lib.scope());
        arm::lower_template(file, "", &root, scope, supplied, service_files, &mut net);
        net.problems.extend(problems);
        net.problems.extend(lib.take_problems());
        self.state.borrow_mut().network.merge(net);
        Value::object(outputs, span)
    }

    fn eval_json(
        &self,
        path: &Path,
        params: Vec<(String, Value)>,
        scope: arm::Scope,
        span: Span,
    ) -> Value {
        let display = path.display().to_string();
        let (file, text) = match self.read(path) {
            Ok(x) => x,
            Err(e) => return self.unreadable_module(path, &e, span),
        };
        push_input(&mut self.state.borrow_mut().inputs, &display);
        let root = match json::parse(&text, true) {
            Ok(r) => r,
            Err(e) => {
                let at = e.offset as usize;
                self.error(input_error(
                    &display,
                    format!(
                        "{display}: the module template is not valid JSON: {}",
                        e.message
                    ),
                    Some(Span::new(file, at, at)),
                ));
                return Value::unknown("the module template is not valid JSON", span);
            }
        };
        let supplied: Supplied = params
            .into_iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), (k, v.clone(), v.span)))
            .collect();
        let mut net = Network::default();
        let outputs = arm::lower_template(
            file,
            &text,
            &root,
            Some(scope),
            supplied,
            Default::default(),
            &mut net,
        );
        self.state.borrow_mut().network.merge(net);
        Value::object(outputs, span)
    }

    fn note(&self, message: String, span: Span) -> Value {
        self.state.borrow_mut().network.problems.push(Problem::new(
            ProblemKind::Unresolved,
            Severity::Warning,
            message.clone(),
            span,
        ));
        Value::unknown(message, span)
    }

    /// A module file that cannot be read. One that does not exist (not checked out, or left
    /// out of a copy) is what a missing Terraform module directory is: a warning, and its
    /// resources and outputs unknown; any other failure to read it is an input error.
    fn unreadable_module(&self, path: &Path, e: &std::io::Error, span: Span) -> Value {
        let name = path.display().to_string();
        if e.kind() == std::io::ErrorKind::NotFound {
            return self.note(
                format!("module file `{name}` does not exist; its resources are not evaluated and what depends on its outputs is unknown"),
                span,
            );
        }
        self.error(input_error(
            &name,
            format!("cannot read module {name}: {e}"),
            Some(span),
        ));
        Value::unknown(format!("module {name} could not be read"), span)
    }

    /// Where a registry module is cached, or why it cannot be.
    fn registry_path(&self, source: &str) -> Result<PathBuf, String> {
        let (registry, repo, tag) = if let Some(rest) = source.strip_prefix("br:") {
            let (path, tag) = split_tag(rest)?;
            let (registry, repo) = path
                .split_once('/')
                .ok_or_else(|| format!("`{source}` names no repository"))?;
            (registry.to_string(), repo.to_string(), tag)
        } else if let Some(rest) = source.strip_prefix("br/") {
            let (alias, rest) = rest
                .split_once(':')
                .ok_or_else(|| format!("`{source}` is not `br/<alias>:<path>:<tag>`"))?;
            let (registry, base) = match self.config.aliases.get(alias) {
                Some(a) => a.clone(),
                None if alias == "public" => ("mcr.microsoft.com".into(), "bicep".into()),
                None => {
                    return Err(format!(
                        "module alias `{alias}` is not defined in bicepconfig.json"
                    ))
                }
            };
            let (path, tag) = split_tag(rest)?;
            let repo = if base.is_empty() {
                path.to_string()
            } else {
                format!("{}/{path}", base.trim_end_matches('/'))
            };
            (registry, repo, tag)
        } else {
            return Err(format!("`{source}` is not a registry reference"));
        };
        let root = self
            .config
            .cache_root
            .clone()
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".bicep")))
            .ok_or_else(|| "no home directory for the Bicep module cache".to_string())?;
        let dir = root
            .join("br")
            .join(registry.to_ascii_lowercase())
            .join(repo.to_ascii_lowercase().replace('/', "$"))
            .join(format!("{}$", tag));
        Ok(dir.join("main.json"))
    }
}

fn split_tag(s: &str) -> Result<(&str, String), String> {
    if s.contains('@') {
        return Err("modules pinned by digest are not read from the cache".into());
    }
    let (path, tag) = s
        .rsplit_once(':')
        .ok_or_else(|| format!("`{s}` has no tag"))?;
    Ok((path, tag.to_string()))
}

fn canonical(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

impl Host for Loader<'_> {
    fn module(
        &self,
        from_dir: &Path,
        source: &str,
        params: Vec<(String, Value)>,
        scope: arm::Scope,
        span: Span,
    ) -> Value {
        if source.starts_with("ts:") || source.starts_with("ts/") {
            return self.note(
                format!("template spec module `{source}` is not read; its resources are not evaluated (nsgate reads registry modules restored by `bicep restore`)"),
                span,
            );
        }
        let path = if source.starts_with("br:") || source.starts_with("br/") {
            match self.registry_path(source) {
                Ok(p) if p.is_file() => p,
                Ok(p) => {
                    return self.note(
                        format!("registry module `{source}` is not in the Bicep module cache ({}); run `bicep restore` so nsgate can read it; its resources are not evaluated", p.display()),
                        span,
                    )
                }
                Err(e) => {
                    return self.note(
                        format!("registry module `{source}` could not be located: {e}; run `bicep restore`; its resources are not evaluated"),
                        span,
                    )
                }
            }
        } else {
            join(from_dir, Path::new(source))
        };
        let canon = canonical(&path);
        {
            let st = self.state.borrow();
            if let Some(at) = st.stack.iter().position(|(p, _)| *p == canon) {
                let chain: Vec<String> = st
                    .stack
                    .get(at..)
                    .unwrap_or_default()
                    .iter()
                    .map(|(_, shown)| shown.clone())
                    .chain(std::iter::once(path.display().to_string()))
                    .collect();
                drop(st);
                let name = path.display().to_string();
                self.error(input_error(
                    &name,
                    format!("module cycle: {}", chain.join(" → ")),
                    Some(span),
                ));
                return Value::unknown("the module is part of a cycle", span);
            }
            if st.stack.len() >= MAX_MODULE_DEPTH {
                drop(st);
                return self.note(
                    format!("modules nest deeper than {MAX_MODULE_DEPTH} levels; `{source}` is not evaluated"),
                    span,
                );
            }
        }
        self.state
            .borrow_mut()
            .stack
            .push((canon, path.display().to_string()));
        let out = if path
            .extension()
            .is_some_and(|x| x.eq_ignore_ascii_case("json"))
        {
            self.eval_json(&path, params, scope, span)
        } else {
            match self.read(&path) {
                Ok((file, text)) => {
                    push_input(
                        &mut self.state.borrow_mut().inputs,
                        &path.display().to_string(),
                    );
                    let supplied = params.into_iter().collect();
                    arm::with_library(file, Some(scope), |lib| {
                        self.eval_bicep(file, &text, dir_of(&path), supplied, lib)
                    })
                }
                Err(e) => self.unreadable_module(&path, &e, span),
            }
        };
        self.state.borrow_mut().stack.pop();
        out
    }

    fn read_text(&self, from_dir: &Path, path: &str) -> Result<(FileId, Rc<str>), String> {
        self.read(&join(from_dir, Path::new(path)))
            .map_err(|e| e.to_string())
    }
}

impl Config {
    /// The nearest `bicepconfig.json` at or above `dir`.
    fn find(dir: &Path) -> Config {
        // The folders as given first (so paths in messages stay relative), then the rest.
        let start = canonical(dir);
        for d in dir.ancestors().chain(start.ancestors()) {
            let d = if d.as_os_str().is_empty() {
                Path::new(".")
            } else {
                d
            };
            let p = d.join("bicepconfig.json");
            if let Ok(text) = read::read_text(&p) {
                return Config::parse(&text, d);
            }
        }
        Config::default()
    }

    fn parse(text: &str, dir: &Path) -> Config {
        let mut c = Config::default();
        let Ok(root) = json::parse(text, true) else {
            return c;
        };
        if let Some(r) = root.get_ci("cacheRootDirectory").and_then(Node::as_str) {
            let r = expand_home(r);
            c.cache_root = Some(if r.is_absolute() { r } else { join(dir, &r) });
        }
        if let Some(br) = root.get_ci("moduleAliases").and_then(|m| m.get_ci("br")) {
            for a in br.members() {
                let registry = a.value.get_ci("registry").and_then(Node::as_str);
                let path = a
                    .value
                    .get_ci("modulePath")
                    .and_then(Node::as_str)
                    .unwrap_or("");
                if let Some(registry) = registry {
                    c.aliases
                        .insert(a.key.to_string(), (registry.to_string(), path.to_string()));
                }
            }
        }
        c
    }
}

/// `dir/rel` without `.` components (paths in messages read as the user wrote them).
fn join(dir: &Path, rel: &Path) -> PathBuf {
    let mut out = if dir == Path::new(".") {
        PathBuf::new()
    } else {
        dir.to_path_buf()
    };
    for c in rel.components() {
        if c != std::path::Component::CurDir {
            out.push(c);
        }
    }
    out
}

fn expand_home(p: &str) -> PathBuf {
    match (p.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(h)) => PathBuf::from(h).join(rest),
        _ => PathBuf::from(p),
    }
}

/// The local `.bicep` modules a Bicep file declares (paths as resolved from its folder).
fn local_modules(path: &Path) -> Vec<PathBuf> {
    let Ok(text) = read::read_text(path) else {
        return Vec::new();
    };
    let parsed = compat(&text);
    let Ok(tree) = super::syntax::parse(&parsed.text) else {
        return Vec::new();
    };
    let dir = dir_of(path);
    let root = tree.root_node();
    let mut cursor = root.walk();
    let mut out = Vec::new();
    for stmt in root.named_children(&mut cursor) {
        if stmt.kind() != "module_declaration" {
            continue;
        }
        let Some(src) = stmt.named_child(1) else {
            continue;
        };
        let lit = text
            .get(src.start_byte()..src.end_byte())
            .unwrap_or("")
            .trim_matches('\'');
        if lit.ends_with(".bicep") && !lit.contains("${") && !lit.contains(':') {
            out.push(canonical(&dir.join(lit)));
        }
    }
    out
}

/// Whether `path` is an entry point among `files` (the `.bicep` files of a run): a file that
/// no other file of the run uses as a module.
pub fn is_entry(path: &Path, files: &[PathBuf]) -> bool {
    let me = canonical(path);
    !files
        .iter()
        .filter(|f| canonical(f) != me)
        .any(|f| local_modules(f).contains(&me))
}

/// The entry points among `files`, in their order.
pub fn entry_points(files: &[PathBuf]) -> Vec<PathBuf> {
    let used: Vec<PathBuf> = files.iter().flat_map(|f| local_modules(f)).collect();
    files
        .iter()
        .filter(|f| !used.contains(&canonical(f)))
        .cloned()
        .collect()
}
