//! Time the phases of loading one plan (`cargo run --release --example plan_phases -- FILE`).
use nsgate::frontend::{plan, LoadOptions, Loaded};
use nsgate::source::Sources;
use std::time::Instant;

fn main() {
    let path = std::env::args().nth(1).unwrap_or_default();
    let t = Instant::now();
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    eprintln!("read          {:.3}s", t.elapsed().as_secs_f64());
    let t = Instant::now();
    let mut sources = Sources::new();
    let id = sources.add("x", text.as_str());
    eprintln!("sources.add   {:.3}s", t.elapsed().as_secs_f64());
    let _ = id;
    let t = Instant::now();
    let ok = plan::skim::validate(&text).is_ok();
    eprintln!("validate      {:.3}s {ok}", t.elapsed().as_secs_f64());
    let t = Instant::now();
    let mut out = Loaded::default();
    let mut sources = Sources::new();
    plan::load_text(
        "x",
        text.as_str(),
        &LoadOptions::default(),
        &mut sources,
        &mut out,
    );
    eprintln!("load_text     {:.3}s", t.elapsed().as_secs_f64());
    let t = Instant::now();
    let n = nsgate::model::link::link(out.network);
    eprintln!("link          {:.3}s", t.elapsed().as_secs_f64());
    let t = Instant::now();
    drop(n);
    eprintln!("drop          {:.3}s", t.elapsed().as_secs_f64());
    let t = Instant::now();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    eprintln!("serde parse   {:.3}s", t.elapsed().as_secs_f64());
    let t = Instant::now();
    drop(v);
    eprintln!("serde drop    {:.3}s", t.elapsed().as_secs_f64());
}
