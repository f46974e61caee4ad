//! Terraform HCL front end: a root module directory (`.tf`, `.tf.json`, tfvars, local
//! modules) to an unlinked [`Network`] fragment with spans and Unknowns.
//!
//! Pipeline, one concern per module:
//! - [`fs`], [`files`]: read a directory; [`parse`] (hcl-edit, with spans) and
//!   [`json_syntax`] (`.tf.json`) produce one small [`ast`]; [`config`] indexes a module's
//!   declarations.
//! - [`vars`]: root variables with Terraform's precedence; [`types`]: type constraints.
//! - [`context`], [`eval`], [`funcs`], [`modules`]: a lazy, memoised evaluator whose
//!   [`value::Value`]s include Unknown (reason + span) and keep the span where each value was
//!   written; local modules are instantiated recursively, remote ones are not fetched.
//! - [`lower`]: azurerm resources to the model; [`keys`]: link keys.
//!
//! Keys this front end gives resources (see `frontend/mod.rs`): `tf:<module path>.<address>`
//! (e.g. `tf:module.net.azurerm_subnet.this["a"]`), plus the name pair
//! (`name:nsg:<rg>/<name>`, `name:subnet:<rg>/<vnet>/<name>`, …) when name and resource group
//! are known. Terraform never knows a resource's full Azure id (no subscription), so no `id:`
//! key is synthesised. References (`azurerm_subnet.roles.id`, also through variables, locals and
//! module outputs) link by the `tf:` key; literal Azure ids and `data.*` lookups link by the
//! name pair they spell; `*_name` arguments link by the resource the name was read from, else
//! by name pair.

pub mod ast;
pub mod config;
pub mod context;
pub mod eval;
pub mod files;
pub mod fs;
pub mod funcs;
pub mod installed;
pub mod json_syntax;
pub mod keys;
pub mod lower;
pub mod modules;
pub mod parse;
pub mod types;
pub mod value;
pub mod vars;

use std::path::{Path, PathBuf};
use std::rc::Rc;

use self::config::ModuleConfig;
use self::context::{Evaluator, Instance};
use self::files::{config_file_kind, parse_config_text, FileKind};
use self::fs::{display, normalize, Fs, MemFs, RealFs};
use crate::frontend::{Input, InputError, InputKind, LoadOptions, Loaded};
use crate::model::Network;
use crate::source::Sources;

/// Whether `path` is Terraform input: a `.tf`/`.tf.json` file, or a directory holding one.
pub fn detect(path: &Path) -> bool {
    if path.is_dir() {
        return has_config_files(&RealFs, path);
    }
    is_config_file(path)
}

/// Whether text read from standard input looks like Terraform HCL (a top-level `resource`,
/// `variable`, `module`, `data`, `locals`, `output`, `provider` or `terraform` block).
pub fn sniff(text: &str) -> bool {
    text.lines().any(|line| {
        let t = line.trim_start();
        [
            "resource ",
            "variable ",
            "module ",
            "data ",
            "output ",
            "provider ",
        ]
        .iter()
        .any(|k| t.starts_with(k) && t.contains('"') && t.trim_end().ends_with('{'))
            || ["locals", "terraform"]
                .iter()
                .any(|k| t.starts_with(k) && t.trim_end().ends_with('{'))
    })
}

/// Whether a file name is a Terraform configuration file (`.tf`, `.tf.json`).
pub fn is_config_file(path: &Path) -> bool {
    path.file_name()
        .map(|n| config_file_kind(&n.to_string_lossy()).is_some())
        .unwrap_or(false)
}

fn has_config_files(fs: &dyn Fs, dir: &Path) -> bool {
    fs.list(dir)
        .map(|files| files.iter().any(|p| is_config_file(p)))
        .unwrap_or(false)
}

/// Load the root module at `path` (a directory, or a `.tf` file standing for its directory).
pub fn load(path: &Path, opts: &LoadOptions, sources: &mut Sources, out: &mut Loaded) {
    if !path.exists() {
        out.inputs.push(Input {
            path: display(path),
            kind: InputKind::Terraform,
        });
        out.errors.push(InputError {
            message: format!("{} does not exist", display(path)),
            span: None,
            path: display(path),
            help: None,
        });
        return;
    }
    let dir = if path.is_dir() {
        path.to_path_buf()
    } else {
        match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        }
    };
    load_dir(&RealFs, &dir, opts, sources, out);
}

/// Load the root module in `dir` through any [`Fs`] (tests and the fuzzer use [`MemFs`]).
pub fn load_dir(
    fs: &dyn Fs,
    dir: &Path,
    opts: &LoadOptions,
    sources: &mut Sources,
    out: &mut Loaded,
) {
    let dir = normalize(dir);
    out.inputs.push(Input {
        path: display(&dir),
        kind: InputKind::Terraform,
    });
    if !has_config_files(fs, &dir) {
        out.errors.push(InputError {
            message: format!(
                "no Terraform configuration (.tf or .tf.json) in {}",
                display(&dir)
            ),
            span: None,
            path: display(&dir),
            help: Some("pass a directory that holds .tf files".into()),
        });
        return;
    }
    let mut ev = Evaluator::new(fs, sources);
    match installed::Manifest::read(fs, &dir) {
        Ok(m) => ev.manifest = m,
        Err(e) => out.errors.push(InputError {
            message: format!("cannot read the modules `terraform init` installed: {e}"),
            span: None,
            path: display(&dir.join(installed::MANIFEST)),
            help: Some("run `terraform init` again to rewrite it".into()),
        }),
    }
    let config = ev.module_config(&dir);
    run(ev, config, Some(dir), opts, out);
}

/// Load one configuration file given as text (standard input, tests, the fuzzer). Local
/// modules cannot be read this way: they become notes and Unknowns.
pub fn load_text(
    name: &str,
    text: &str,
    opts: &LoadOptions,
    sources: &mut Sources,
    out: &mut Loaded,
) {
    out.inputs.push(Input {
        path: name.to_string(),
        kind: InputKind::Terraform,
    });
    let fs = MemFs::new();
    let mut ev = Evaluator::new(&fs, sources);
    let file = ev.sources.add(name, text);
    let kind = if name.ends_with(".json") {
        FileKind::Json
    } else {
        FileKind::Hcl
    };
    let mut config = ModuleConfig::default();
    if let Some(body) = parse_config_text(file, text, kind, name, &mut ev.errors) {
        config.add_file(body);
    }
    ev.problems.append(&mut config.problems);
    run(ev, Rc::new(config), None, opts, out);
}

fn run(
    mut ev: Evaluator,
    config: Rc<ModuleConfig>,
    dir: Option<PathBuf>,
    opts: &LoadOptions,
    out: &mut Loaded,
) {
    ev.workspace = opts.workspace.clone();
    let mut root = Instance::new(Rc::clone(&config), dir.clone(), String::new());
    root.ancestors = dir.iter().map(|d| ev.fs.canonical(d)).collect();
    ev.insts.push(root);
    let vars = vars::root_vars(&mut ev, &config, dir.as_deref(), opts);
    if let Some(root) = ev.insts.first_mut() {
        root.vars = vars;
    }
    let mut fragment = Network::default();
    lower::lower(&mut ev, &mut fragment);
    let mut problems = std::mem::take(&mut ev.problems);
    problems.extend(ev.budget.problem());
    problems.append(&mut fragment.problems);
    fragment.problems = problems;
    out.errors.append(&mut ev.errors);
    out.network.merge(fragment);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Network, Val};

    fn load_mem(files: &[(&str, &str)]) -> (Network, Vec<InputError>) {
        let mut fs = MemFs::new();
        for (name, text) in files {
            fs.add(format!("root/{name}"), *text);
        }
        let mut sources = Sources::new();
        let mut out = Loaded::default();
        load_dir(
            &fs,
            Path::new("root"),
            &LoadOptions::default(),
            &mut sources,
            &mut out,
        );
        (out.network, out.errors)
    }

    /// One NSG whose single rule's source is `expr`; returns the rule's source as text.
    fn source_of(prelude: &str, expr: &str) -> String {
        let text = format!(
            "{prelude}\nresource \"azurerm_network_security_group\" \"t\" {{\n  name = \"t\"\n  resource_group_name = \"rg\"\n  security_rule {{\n    name = \"r\"\n    priority = 100\n    direction = \"Inbound\"\n    access = \"Allow\"\n    protocol = \"Tcp\"\n    source_port_range = \"*\"\n    destination_port_range = \"*\"\n    destination_address_prefix = \"*\"\n    source_address_prefix = {expr}\n  }}\n}}\n"
        );
        let (n, errors) = load_mem(&[("main.tf", &text)]);
        assert!(errors.is_empty(), "{errors:?}");
        let item = &n.nsgs[0].rules[0].source.get(0).unwrap();
        match &item.value {
            Val::Known(a) => a.to_string(),
            Val::Unknown(u) => format!("unknown: {}", u.reason),
        }
    }

    #[test]
    fn expressions_evaluate_like_terraform() {
        let locals = r#"locals {
  net   = "10.1.0.0/16"
  tiers = { web = 1, app = 2 }
  list  = ["10.0.0.0/8", "192.168.0.0/16"]
  objs  = [{ p = "10.9.0.0/16" }, { p = "10.8.0.0/16" }]
}"#;
        assert_eq!(
            source_of(locals, "cidrsubnet(local.net, 8, local.tiers[\"app\"])"),
            "10.1.2.0/24"
        );
        assert_eq!(source_of(locals, "local.list[1]"), "192.168.0.0/16");
        assert_eq!(source_of(locals, "(local.objs[*].p)[1]"), "10.8.0.0/16");
        assert_eq!(
            source_of(
                locals,
                "[for o in local.objs : o.p if o.p != \"10.9.0.0/16\"][0]"
            ),
            "10.8.0.0/16"
        );
        assert_eq!(
            source_of(
                locals,
                "{ for k, v in local.tiers : k => v * 10 }[\"web\"] == 10 ? \"Internet\" : \"*\""
            ),
            "Internet"
        );
        assert_eq!(
            source_of(
                locals,
                "\"%{ if length(local.list) > 1 }10.0.0.0/8%{ else }*%{ endif }\""
            ),
            "10.0.0.0/8"
        );
        assert_eq!(
            source_of(locals, "try(local.objs[5].p, \"VirtualNetwork\")"),
            "VirtualNetwork"
        );
        assert_eq!(
            source_of(
                locals,
                "can(local.objs[5].p) ? \"*\" : \"AzureLoadBalancer\""
            ),
            "AzureLoadBalancer"
        );
        assert_eq!(
            source_of(
                locals,
                "lookup(local.tiers, \"db\", 3) == 3 ? element(local.list, 2) : \"*\""
            ),
            "10.0.0.0/8"
        );
    }

    #[test]
    fn unknowns_propagate_and_never_become_defaults() {
        let vars = "variable \"admin\" {}\nvariable \"flag\" { type = bool }";
        let r = source_of(vars, "var.admin");
        assert_eq!(r, "unknown: variable `admin` has no value");
        assert_eq!(source_of(vars, "\"${var.admin}/32\""), r);
        assert_eq!(source_of(vars, "coalesce(var.admin, \"*\")"), r);
        assert_eq!(source_of(vars, "try(var.admin, \"*\")"), r);
        assert_eq!(
            source_of(vars, "var.flag ? \"*\" : \"Internet\""),
            "unknown: variable `flag` has no value"
        );
        assert_eq!(source_of(vars, "upper(format(\"%s\", var.admin))"), r);
        let unsupported = source_of("", "file(\"ip.txt\")");
        assert!(
            unsupported.contains("function `file` is not evaluated"),
            "{unsupported}"
        );
    }

    #[test]
    fn hostile_sizes_stop_with_unknowns() {
        let mut locals = String::from("locals {\n  s0 = \"0123456789abcdef\"\n");
        for i in 1..64 {
            locals.push_str(&format!(
                "  s{i} = \"${{local.s{}}}${{local.s{}}}\"\n",
                i - 1,
                i - 1
            ));
        }
        locals.push_str("  big = [for a in range(100000) : [for b in range(100000) : a * b]]\n}\n");
        let r = source_of(&locals, "length(local.s63) > 0 ? \"*\" : \"*\"");
        assert!(r.contains("too large"), "{r}");
        let r = source_of(&locals, "length(local.big) > 0 ? \"*\" : \"*\"");
        assert!(r.contains("evaluation budget"), "{r}");
    }

    #[test]
    fn local_cycles_are_unknown_not_hangs() {
        let r = source_of("locals {\n a = local.b\n b = local.a\n}", "local.a");
        assert!(r.contains("refers to itself"), "{r}");
    }

    #[test]
    fn module_cycles_and_depth_end_with_an_error() {
        let (_, errors) = load_mem(&[
            ("main.tf", "module \"a\" {\n  source = \"./a\"\n}\n"),
            ("a/main.tf", "module \"b\" {\n  source = \"../b\"\n}\n"),
            ("b/main.tf", "module \"a\" {\n  source = \"../a\"\n}\n"),
        ]);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(
            errors[0]
                .message
                .contains("module cycle: root/a → root/b → root/a"),
            "{}",
            errors[0].message
        );
        assert!(errors[0].span.is_some());
        // A chain deeper than the limit.
        let mut files = vec![(
            "main.tf".to_string(),
            "module \"m\" {\n  source = \"./m0\"\n}\n".to_string(),
        )];
        let mut dir = String::new();
        for i in 0..20 {
            dir.push_str(&format!("m{i}/"));
            files.push((
                format!("{dir}main.tf"),
                format!("module \"m\" {{\n  source = \"./m{}\"\n}}\n", i + 1),
            ));
        }
        let refs: Vec<(&str, &str)> = files
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        let (_, errors) = load_mem(&refs);
        assert!(
            errors
                .iter()
                .any(|e| e.message.contains("nested more than")),
            "{errors:?}"
        );
    }

    /// One input value is one unknown wherever it is used (issue 15): a variable read directly,
    /// through a local or a module input, and one attribute of an object variable; a value an
    /// expression derives from it is another unknown at each evaluation.
    #[test]
    fn unknowns_carry_the_origin_of_the_input_value_they_are() {
        let rule = |name: &str, source: &str| {
            format!(
                r#"  security_rule {{
    name = "{name}"
    priority = 100
    direction = "Inbound"
    access = "Allow"
    protocol = "Tcp"
    source_port_range = "*"
    destination_port_range = "22"
    source_address_prefix = {source}
    destination_address_prefix = "*"
  }}
"#
            )
        };
        let sources = [
            ("direct", "var.x"),
            ("local", "local.copy"),
            ("template", "\"${var.x}\""),
            ("derived", "cidrsubnet(var.x, 8, 1)"),
            ("derived_again", "cidrsubnet(var.x, 8, 1)"),
            ("local_derived", "local.derived"),
            ("local_derived_again", "local.derived"),
            ("attr_a", "var.cfg.a"),
            ("attr_b", "var.cfg.b"),
            ("attr_a_again", "var.cfg[\"a\"]"),
            ("chosen", "true ? var.x : \"10.0.0.0/8\""),
            ("undecided", "var.flag ? var.x : \"10.0.0.0/8\""),
        ];
        let rules: String = sources.iter().map(|(n, s)| rule(n, s)).collect();
        let main = format!(
            r#"variable "x" {{}}
variable "cfg" {{}}
variable "flag" {{}}
locals {{
  copy = var.x
  derived = cidrsubnet(var.x, 8, 2)
}}
module "m" {{
  source = "./m"
  y = var.x
}}
resource "azurerm_network_security_group" "t" {{
  name = "t"
  resource_group_name = "rg"
{rules}}}
"#
        );
        let module = format!(
            r#"variable "y" {{}}
variable "z" {{}}
resource "azurerm_network_security_group" "m" {{
  name = "m"
  resource_group_name = "rg"
{}{}}}
"#,
            rule("module_input", "var.y"),
            rule("module_unset", "var.z")
        );
        let (n, errors) = load_mem(&[("main.tf", main.as_str()), ("m/main.tf", module.as_str())]);
        assert!(errors.is_empty(), "{errors:?}");
        let origin = |name: &str| {
            let rule = n
                .nsgs
                .iter()
                .flat_map(|g| g.rules.iter())
                .find(|r| r.name.value == name)
                .unwrap();
            let item = rule.source.get(0).unwrap();
            let u = item.value.as_unknown().unwrap();
            u.origin.as_deref().unwrap().to_string()
        };
        let direct = origin("direct");
        for same in ["local", "template", "chosen", "module_input"] {
            assert_eq!(origin(same), direct, "{same}");
        }
        for other in [
            "derived",
            "local_derived",
            "attr_a",
            "undecided",
            "module_unset",
        ] {
            assert_ne!(origin(other), direct, "{other}");
        }
        assert_ne!(origin("derived"), origin("derived_again"));
        assert_ne!(origin("derived"), origin("local_derived"));
        assert_eq!(origin("local_derived"), origin("local_derived_again"));
        assert_eq!(origin("attr_a"), origin("attr_a_again"));
        assert_ne!(origin("attr_a"), origin("attr_b"));
    }

    #[test]
    fn unknown_for_each_gives_a_placeholder_with_unknown_fields() {
        let text = r#"variable "rules" {}
resource "azurerm_network_security_group" "t" {
  name = "t"
  resource_group_name = "rg"
  dynamic "security_rule" {
    for_each = var.rules
    content {
      name = security_rule.value.name
      priority = security_rule.value.priority
      direction = "Inbound"
      access = "Allow"
      protocol = "Tcp"
      source_port_range = "*"
      destination_port_range = "22"
      source_address_prefix = "*"
      destination_address_prefix = "*"
    }
  }
}
"#;
        let (n, _) = load_mem(&[("main.tf", text)]);
        let rule = &n.nsgs[0].rules[0];
        let u = rule.priority.value.as_unknown().unwrap();
        assert!(
            u.reason.contains("variable `rules` has no value"),
            "{}",
            u.reason
        );
        assert_eq!(
            rule.destination_ports.items[0]
                .value
                .known()
                .map(|p| p.to_string())
                .as_deref(),
            Some("22")
        );
    }

    #[test]
    fn the_attribute_form_needs_every_attribute() {
        let text = r#"resource "azurerm_network_security_group" "t" {
  name                = "t"
  resource_group_name = "rg"
  security_rule = [{
    name = "a", priority = 100, direction = "Inbound", access = "Allow", protocol = "Tcp"
    source_port_range = "*", destination_port_range = "22"
    source_address_prefix = "*", destination_address_prefix = "*"
  }]
}
"#;
        let (n, _) = load_mem(&[("main.tf", text)]);
        let p = &n.problems[0];
        assert!(
            p.message
                .contains("missing `description`, `source_port_ranges`"),
            "{}",
            p.message
        );
        assert_eq!(n.nsgs[0].rules.len(), 1);
    }

    #[test]
    fn sniffing_recognises_hcl_but_not_json() {
        assert!(sniff("# x\nresource \"azurerm_subnet\" \"a\" {\n}\n"));
        assert!(sniff("locals {\n a = 1\n}"));
        assert!(!sniff("{\"resource\": {}}"));
        assert!(!sniff("param x string"));
    }

    #[test]
    fn load_text_reads_one_file_and_notes_local_modules() {
        let mut sources = Sources::new();
        let mut out = Loaded::default();
        load_text(
            "stdin.tf",
            "module \"m\" {\n  source = \"./m\"\n}\n",
            &LoadOptions::default(),
            &mut sources,
            &mut out,
        );
        assert!(out.errors.is_empty());
        assert!(out.network.problems.iter().any(|p| p
            .message
            .contains("cannot be read when the configuration is given as text")));
    }

    /// A `locals` block holding `numbers` integers nobody reads (the `tf-numbers` shape of
    /// issue 16, small) beside a rule of `prefixes` source prefixes (the `big-nsg` shape).
    fn literal_lists(numbers: usize, prefixes: usize) -> String {
        let nums: Vec<String> = (0..numbers).map(|i| (i % 1000).to_string()).collect();
        let list: Vec<String> = (0..prefixes)
            .map(|i| format!("\"10.{}.{}.0/24\"", i / 256, i % 256))
            .collect();
        format!(
            "locals {{\n  numbers = [{}]\n  prefixes = [\n    {},\n  ]\n}}\n",
            nums.join(","),
            list.join(",\n    ")
        )
    }

    #[test]
    fn large_literal_lists_are_read_from_the_source_only_when_used() {
        let text = literal_lists(200_000, 300);
        let mut fs = MemFs::new();
        fs.add("root/main.tf", text.clone());
        let mut sources = Sources::new();
        let mut ev = Evaluator::new(&fs, &mut sources);
        let config = ev.module_config(Path::new("root"));
        // Parsing built one node for each list, not one per element.
        assert_eq!(
            config.locals["numbers"].expr.kind,
            ast::ExprKind::Literals(200_000)
        );
        assert_eq!(
            config.locals["prefixes"].expr.kind,
            ast::ExprKind::Literals(300)
        );
        ev.insts.push(Instance::new(config, None, String::new()));
        let span = crate::source::Span::new(crate::source::FileId(1), 0, 0);
        let prefixes = ev.local(0, "prefixes", span);
        // Only the list read was evaluated: one unit per element and a few for the reference.
        assert!(ev.budget.used() < 400, "{}", ev.budget.used());
        let items = prefixes.elements("prefixes").unwrap();
        assert_eq!(items.len(), 300);
        for (i, item) in items.iter().enumerate() {
            let written = format!("\"10.{}.{}.0/24\"", i / 256, i % 256);
            assert_eq!(ev.sources.slice(item.span), written);
            assert_eq!(item.to_text("x").unwrap(), written.trim_matches('"'));
        }
    }

    #[test]
    fn a_literal_list_still_held_is_read_once() {
        let mut fs = MemFs::new();
        fs.add(
            "root/main.tf",
            literal_lists(0, 300).replace("numbers = []", ""),
        );
        let mut sources = Sources::new();
        let mut ev = Evaluator::new(&fs, &mut sources);
        let config = ev.module_config(Path::new("root"));
        let expr = config.locals["prefixes"].expr.clone();
        ev.insts.push(Instance::new(config, None, String::new()));
        let scope = eval::Scope::root(0);
        let first = ev.eval(&expr, &scope);
        let used = ev.budget.used();
        let second = ev.eval(&expr, &scope);
        // Charged again (the budget counts what is produced), but the same list, not a copy.
        assert_eq!(ev.budget.used(), 2 * used);
        match (&first.v, &second.v) {
            (value::V::List(a), value::V::List(b)) => {
                assert_eq!(a.len(), 300);
                assert!(std::rc::Rc::ptr_eq(a, b));
            }
            _ => panic!("{first} {second}"),
        }
        drop((first, second));
        let third = ev.eval(&expr, &scope);
        assert_eq!(third.elements("prefixes").map(|i| i.len()).ok(), Some(300));
    }

    #[test]
    fn a_resource_id_is_read_without_evaluating_the_resource() {
        let list: Vec<String> = (0..300).map(|i| format!("\"10.0.{i}.0/24\"")).collect();
        let text = format!(
            "resource \"azurerm_network_security_group\" \"n\" {{\n  name = \"n\"\n  security_rule {{\n    source_address_prefixes = [{}]\n  }}\n}}\nlocals {{\n  id = azurerm_network_security_group.n.id\n  indexed = azurerm_network_security_group.n[\"id\"]\n}}\n",
            list.join(",")
        );
        let mut fs = MemFs::new();
        fs.add("root/main.tf", text);
        let mut sources = Sources::new();
        let mut ev = Evaluator::new(&fs, &mut sources);
        let config = ev.module_config(Path::new("root"));
        ev.insts.push(Instance::new(config, None, String::new()));
        let span = crate::source::Span::new(crate::source::FileId(1), 0, 0);
        let id = ev.local(0, "id", span);
        // The 300 prefixes were not read for it.
        assert!(ev.budget.used() < 50, "{}", ev.budget.used());
        // The same value as read from the whole object.
        let indexed = ev.local(0, "indexed", span);
        assert!(ev.budget.used() > 300, "{}", ev.budget.used());
        assert_eq!(id, indexed);
        assert_eq!(
            id.of.as_deref(),
            Some("tf:azurerm_network_security_group.n")
        );
    }

    #[test]
    fn large_literal_lists_are_charged_per_element() {
        let text = literal_lists(1_000, 0).replace("prefixes = [\n    ,\n  ]", "p = 1");
        let mut fs = MemFs::new();
        fs.add("root/main.tf", text);
        let mut sources = Sources::new();
        let mut ev = Evaluator::new(&fs, &mut sources);
        let config = ev.module_config(Path::new("root"));
        ev.insts.push(Instance::new(config, None, String::new()));
        let span = crate::source::Span::new(crate::source::FileId(1), 0, 0);
        assert!(ev.budget.charge(ev.budget.left() - 500, span, String::new));
        let numbers = ev.local(0, "numbers", span);
        assert!(numbers.is_unknown(), "{numbers}");
        let finding = ev
            .budget
            .problem()
            .expect("the budget names what it stopped");
        assert!(
            finding.message.contains("Terraform evaluation"),
            "{}",
            finding.message
        );
    }

    #[test]
    fn a_long_line_of_numbers_loads_its_network() {
        // The tf-numbers shape: one long line of integers beside an NSG.
        let text = format!(
            "{}\nresource \"azurerm_network_security_group\" \"n\" {{\n  name = \"n\"\n  resource_group_name = \"rg\"\n}}\n",
            literal_lists(100_000, 100)
        );
        let (n, errors) = load_mem(&[("main.tf", &text)]);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(n.nsgs.len(), 1);
    }
}
