//! The layers of ARCHITECTURE.md, checked: reads every `crate::`/`super::` path in `src/` (test
//! modules aside), works out which module each one names, and fails on an import that points up
//! a layer, on anything but `main`, `admin` and `demo` reaching into `server`, on those reaching
//! past its public API into route modules, and on any circle of modules.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layers, lowest first. A module may import its own layer and the ones below it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Layer {
    /// Pure rules of the trade: no database, no network, no wall clock.
    Domain,
    /// Queries on domain types.
    Db,
    /// I/O around the domain: ingest, ticket lifecycle, alert engine, delivery, timers.
    Services,
    /// HTTP: routes, extractors, the listener.
    Server,
    /// The agent: the domain's protocol and its own collectors, nothing of the server side.
    Agent,
    /// The executable's entry points.
    Top,
}

fn layer_of(module: &str) -> Layer {
    let root = module.split("::").next().unwrap_or("");
    match root {
        "main" | "lib" | "admin" | "demo" | "cli" => Layer::Top,
        "server" => Layer::Server,
        "services" => Layer::Services,
        "db" | "backup" => Layer::Db,
        "agent" => Layer::Agent,
        _ => Layer::Domain,
    }
}

fn allowed(from: &str, to: &str) -> Result<(), String> {
    let (lf, lt) = (layer_of(from), layer_of(to));
    let root_to = to.split("::").next().unwrap_or("");
    match (lf, lt) {
        (_, _) if from.split("::").next() == Some(root_to) => Ok(()),
        (Layer::Top, Layer::Server) if to.starts_with("server::routes") => {
            Err("goes past the server's public API into a route module".into())
        }
        (Layer::Top, _) => Ok(()),
        (Layer::Agent, Layer::Domain) => Ok(()),
        (Layer::Agent, _) => Err(format!("the agent imports the {lt:?} layer")),
        (_, Layer::Agent) => Err("imports the agent".into()),
        (_, Layer::Top) => Err(format!("imports the entry point `{root_to}`")),
        (f, t) if t <= f => Ok(()),
        (f, t) => Err(format!("{f:?} imports {t:?}, a higher layer")),
    }
}

/// Every `.rs` file of `src/`, as (module path, source without comments and test modules).
fn modules(src: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                out.insert(module_name(src, &path), strip(&text));
            }
        }
    }
    out
}

fn module_name(src: &Path, file: &Path) -> String {
    let rel: PathBuf = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts.join("::")
}

/// The code without comments, string literals and `#[cfg(test)]` modules.
fn strip(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let t = line.trim_start();
        if t.starts_with("#[cfg(test)]") && lines.peek().is_some_and(|n| n.trim_start().starts_with("mod ")) {
            // Skip the test module: to the line that closes it at the same indentation.
            let indent = line.len() - t.len();
            lines.next();
            for l in lines.by_ref() {
                if l.len() - l.trim_start().len() == indent && l.trim_start().starts_with('}') {
                    break;
                }
            }
            continue;
        }
        let code = match line.find("//") {
            Some(i) if !line[..i].contains('"') => &line[..i],
            _ => line,
        };
        let mut in_str = false;
        let mut prev = ' ';
        for c in code.chars() {
            if c == '"' && prev != '\\' {
                in_str = !in_str;
            } else if !in_str {
                out.push(c);
            }
            prev = c;
        }
        out.push('\n');
    }
    out
}

/// The module paths a file names: `use` trees expanded, plus inline `crate::a::b::c` paths.
fn paths(module: &str, is_mod_rs: bool, code: &str) -> BTreeSet<Vec<String>> {
    let mut found = BTreeSet::new();
    // `use` statements, braces expanded.
    let mut rest = code;
    while let Some(i) = find_word(rest, "use ") {
        let after = &rest[i + 4..];
        let end = after.find(';').unwrap_or(after.len());
        for p in expand(after[..end].trim()) {
            if let Some(abs) = absolute(module, is_mod_rs, &p) {
                found.insert(abs);
            }
        }
        rest = &after[end..];
    }
    // Inline paths.
    for start in ["crate::", "super::"] {
        let mut rest = code;
        while let Some(i) = rest.find(start) {
            let before = rest[..i].chars().last();
            let tail = &rest[i..];
            let len = tail.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':')).unwrap_or(tail.len());
            if !before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                let segs: Vec<String> = tail[..len].split("::").filter(|s| !s.is_empty()).map(str::to_string).collect();
                if let Some(abs) = absolute(module, is_mod_rs, &segs) {
                    found.insert(abs);
                }
            }
            rest = &rest[i + len.max(1)..];
        }
    }
    found
}

fn find_word(text: &str, word: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = text[from..].find(word) {
        let at = from + i;
        let before = text[..at].chars().last();
        if !before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            return Some(at);
        }
        from = at + word.len();
    }
    None
}

/// `a::{b, c::{d, e as f}}` → [a::b, a::c::d, a::c::e].
fn expand(tree: &str) -> Vec<Vec<String>> {
    let tree: String = tree.split_whitespace().collect::<Vec<_>>().join(" ").replace(" as ", "@");
    let tree: String = tree.chars().filter(|c| !c.is_whitespace()).collect();
    let mut out = Vec::new();
    expand_into(&tree, Vec::new(), &mut out);
    out
}

fn expand_into(tree: &str, prefix: Vec<String>, out: &mut Vec<Vec<String>>) {
    if let Some(open) = tree.find('{') {
        let mut base = prefix.clone();
        base.extend(tree[..open].split("::").filter(|s| !s.is_empty()).map(str::to_string));
        let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
        let mut depth = 0;
        let mut start = 0;
        for (i, c) in inner.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    expand_into(&inner[start..i], base.clone(), out);
                    start = i + 1;
                }
                _ => {}
            }
        }
        if start < inner.len() {
            expand_into(&inner[start..], base, out);
        }
    } else {
        let tree = tree.split('@').next().unwrap_or(tree);
        let mut p = prefix;
        p.extend(tree.split("::").filter(|s| !s.is_empty() && *s != "self" && *s != "*").map(str::to_string));
        out.push(p);
    }
}

/// A path as seen from `module`, made absolute from the crate root; `None` for other crates.
fn absolute(module: &str, is_mod_rs: bool, segs: &[String]) -> Option<Vec<String>> {
    let first = segs.first()?;
    let mut base: Vec<String> = module.split("::").filter(|s| !s.is_empty()).map(str::to_string).collect();
    let rest: &[String];
    if first == "crate" {
        base.clear();
        rest = &segs[1..];
    } else if first == "super" {
        // In `a/mod.rs` (module `a`) `super` is the parent of `a`; in `a/b.rs` it is `a`.
        let mut i = 0;
        while segs.get(i).is_some_and(|s| s == "super") {
            base.pop();
            i += 1;
        }
        let _ = is_mod_rs;
        rest = &segs[i..];
    } else if first == "self" {
        rest = &segs[1..];
    } else {
        return None;
    }
    base.extend(rest.iter().cloned());
    Some(base)
}

/// The longest prefix of `path` that is a module of the crate.
fn resolve(known: &BTreeSet<String>, path: &[String]) -> Option<String> {
    (1..=path.len()).rev().map(|n| path[..n].join("::")).find(|m| known.contains(m))
}

#[test]
fn imports_point_down_the_layers_and_make_no_circles() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mods = modules(&src);
    let known: BTreeSet<String> = mods.keys().cloned().collect();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut wrong = Vec::new();
    for (module, code) in &mods {
        let is_mod_rs = src.join(module.replace("::", "/")).join("mod.rs").exists();
        for p in paths(module, is_mod_rs, code) {
            let Some(target) = resolve(&known, &p) else { continue };
            if &target == module || target.is_empty() {
                continue;
            }
            if let Err(why) = allowed(module, &target) {
                wrong.push(format!("{module} -> {target} ({}): {why}", p.join("::")));
            }
            edges.entry(module.clone()).or_default().insert(target);
        }
    }

    // Circles: a module and one it imports that, through others, imports it back. A folder's
    // `mod.rs` re-exporting its children is not a circle of concepts, so parent <-> child edges
    // are left out.
    let child_of = |a: &str, b: &str| b.starts_with(a) && b[a.len()..].starts_with("::");
    let graph: BTreeMap<&str, Vec<&str>> = edges
        .iter()
        .map(|(a, bs)| {
            (a.as_str(), bs.iter().map(String::as_str).filter(|b| !child_of(a, b) && !child_of(b, a)).collect())
        })
        .collect();
    for circle in circles(&graph) {
        wrong.push(format!("circle of modules: {}", circle.join(" -> ")));
    }
    assert!(wrong.is_empty(), "imports against ARCHITECTURE.md:\n  {}", wrong.join("\n  "));
}

/// Strongly connected components with more than one module (Tarjan), each listed sorted.
fn circles<'a>(graph: &BTreeMap<&'a str, Vec<&'a str>>) -> Vec<Vec<&'a str>> {
    struct St<'a> {
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        on: BTreeSet<&'a str>,
        stack: Vec<&'a str>,
        next: usize,
        out: Vec<Vec<&'a str>>,
    }
    fn visit<'a>(v: &'a str, g: &BTreeMap<&'a str, Vec<&'a str>>, s: &mut St<'a>) {
        s.index.insert(v, s.next);
        s.low.insert(v, s.next);
        s.next += 1;
        s.stack.push(v);
        s.on.insert(v);
        for &w in g.get(v).map(Vec::as_slice).unwrap_or(&[]) {
            if !s.index.contains_key(w) {
                visit(w, g, s);
                let lw = s.low[w];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(lw);
            } else if s.on.contains(w) {
                let iw = s.index[w];
                let lv = s.low.get_mut(v).unwrap();
                *lv = (*lv).min(iw);
            }
        }
        if s.low[v] == s.index[v] {
            let mut comp = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on.remove(w);
                comp.push(w);
                if w == v {
                    break;
                }
            }
            if comp.len() > 1 {
                comp.sort();
                s.out.push(comp);
            }
        }
    }
    let mut s = St {
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        on: BTreeSet::new(),
        stack: Vec::new(),
        next: 0,
        out: Vec::new(),
    };
    for &v in graph.keys() {
        if !s.index.contains_key(v) {
            visit(v, graph, &mut s);
        }
    }
    s.out
}

#[test]
fn the_checker_sees_use_trees_and_relative_paths() {
    let code = strip(
        "use crate::db::{devices, rules as stored};\nuse super::routes::agent::announce;\n\
         // use crate::server::nothing;\nfn f() { crate::notify::send(); }\n\
         #[cfg(test)]\nmod tests {\n    use crate::server::x;\n}\n",
    );
    let found = paths("server::monitor", false, &code);
    let want = |s: &str| s.split("::").map(str::to_string).collect::<Vec<_>>();
    assert!(found.contains(&want("db::devices")));
    assert!(found.contains(&want("db::rules")));
    assert!(found.contains(&want("server::routes::agent::announce")));
    assert!(found.contains(&want("notify::send")));
    assert!(!found.iter().any(|p| p.join("::").contains("nothing") || p.join("::") == "server::x"));
    assert!(allowed("notify::worker", "server::state").is_err());
    assert!(allowed("admin", "server::routes::enroll_tokens").is_err());
    assert!(allowed("server::routes::agent", "services::ingest").is_ok());
    let g: BTreeMap<&str, Vec<&str>> =
        [("a", vec!["b"]), ("b", vec!["c"]), ("c", vec!["a"]), ("d", vec!["a"])].into_iter().collect();
    assert_eq!(circles(&g), vec![vec!["a", "b", "c"]]);
}
