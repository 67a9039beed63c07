//! Dependencies point one way (`shared/style.md`, practice 13): the import
//! graph of `src/`'s top-level modules has no cycle, and the models reach
//! up into no transport. Read from the source files themselves, so a new
//! `use crate::...` that breaks the rule fails here.

use std::collections::{BTreeMap, BTreeSet};

/// The top-level module a file under `src/` belongs to.
fn module_of(path: &std::path::Path, src: &std::path::Path) -> Option<String> {
    let relative = path.strip_prefix(src).ok()?;
    let first = relative.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (!matches!(name, "lib" | "bin")).then(|| name.to_string())
}

fn rust_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src").flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code of a file without its comment lines (docs may name anything).
fn code_of(text: &str) -> String {
    text.lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every `crate::<module>` a file names (in `use` lines and paths alike),
/// `crate::{a, b}` groups included.
fn named_modules(text: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for (i, _) in text.match_indices("crate::") {
        let rest = &text[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // `crate::{a, b::c, d::{e, f}}`: the first segment of each item
            // at the top level of the group.
            let mut depth = 0;
            let mut item = String::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        names.insert(item.trim().split("::").next().unwrap_or("").to_string());
                        item.clear();
                        continue;
                    }
                    _ => {}
                }
                if depth == 0 {
                    item.push(c);
                }
            }
            names.insert(item.trim().split("::").next().unwrap_or("").to_string());
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            names.insert(name);
        }
    }
    names.retain(|n| !n.is_empty());
    names
}

#[test]
fn the_module_graph_has_no_cycle_and_models_know_no_transport() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let Some(module) = module_of(file, &src) else {
            continue;
        };
        let text = code_of(&std::fs::read_to_string(file).expect("read a source file"));
        let edges = graph.entry(module.clone()).or_default();
        for name in named_modules(&text) {
            if name != module {
                edges.insert(name);
            }
        }
    }
    assert!(graph.contains_key("models") && graph.contains_key("controllers"));

    // The models reach nothing above them.
    for upward in [
        "app",
        "controllers",
        "edge",
        "errors",
        "extractors",
        "auth",
        "views",
    ] {
        assert!(
            !graph["models"].contains(upward),
            "models depend on {upward}: {:?}",
            graph["models"]
        );
    }
    for file in files
        .iter()
        .filter(|f| module_of(f, &src).as_deref() == Some("models"))
    {
        let text = code_of(&std::fs::read_to_string(file).expect("read"));
        for transport in ["axum::", "rmcp::", "http::"] {
            assert!(
                !text.contains(transport),
                "{} names {transport}",
                file.display()
            );
        }
    }

    // No cycle: a depth-first search that never meets a module on its path.
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) {
        if done.contains(node) {
            return;
        }
        if let Some(at) = path.iter().position(|n| n == node) {
            panic!("import cycle: {} -> {node}", path[at..].join(" -> "));
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            visit(next, graph, path, done);
        }
        path.pop();
        done.insert(node.to_string());
    }
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        visit(node, &graph, &mut Vec::new(), &mut done);
    }
}
