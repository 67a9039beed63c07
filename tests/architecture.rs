//! Dependencies point one way (`shared/style.md`, practice 13): the import
//! graph of `src/` has no cycle, between files (inside a folder too) or
//! between top-level modules, and the models depend on nothing outside
//! `models/`. Read from the source files themselves: every path that
//! starts with `crate::`, `super::` or `self::` (in `use` lines and in code
//! alike, groups included), so a new import that breaks the rule fails
//! here.

use std::{
    collections::{BTreeMap, BTreeSet},
    path::{Path, PathBuf},
};

/// A module's path below the crate root: `src/models/tasks.rs` and
/// `src/models/tasks/mod.rs` are `["models", "tasks"]`; `None` for the
/// crate root and the binaries.
fn module_of(path: &Path, src: &Path) -> Option<Vec<String>> {
    let relative = path.strip_prefix(src).ok()?;
    let mut segments: Vec<String> = relative
        .components()
        .filter_map(|c| c.as_os_str().to_str().map(str::to_string))
        .collect();
    if segments.first().is_some_and(|s| s == "bin") {
        return None;
    }
    let last = segments.pop()?;
    let name = last.strip_suffix(".rs")?;
    if !matches!(name, "mod" | "lib") {
        segments.push(name.to_string());
    }
    (!segments.is_empty()).then_some(segments)
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src").flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// A file's code: no comment lines (docs may name anything) and no test
/// module (it sits at the end of a file, and its `super::` is the file).
fn code_of(text: &str) -> String {
    let code = text.split("#[cfg(test)]").next().unwrap_or_default();
    code.lines()
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The paths named from `text` (which starts just after a `crate::`,
/// `super::` or `self::`), as segment lists, `{a, b::{c, d}}` groups
/// expanded.
fn expand(text: &str) -> Vec<Vec<String>> {
    fn path(text: &str, at: &mut usize) -> Vec<Vec<String>> {
        let bytes = text.as_bytes();
        let mut prefix = Vec::new();
        loop {
            while *at < bytes.len() && bytes[*at].is_ascii_whitespace() {
                *at += 1;
            }
            if *at < bytes.len() && bytes[*at] == b'{' {
                *at += 1;
                let mut all = Vec::new();
                loop {
                    for tail in path(text, at) {
                        let mut full = prefix.clone();
                        full.extend(tail);
                        all.push(full);
                    }
                    while *at < bytes.len() && bytes[*at].is_ascii_whitespace() {
                        *at += 1;
                    }
                    match bytes.get(*at) {
                        Some(b',') => *at += 1,
                        Some(b'}') => {
                            *at += 1;
                            return all;
                        }
                        _ => return all,
                    }
                    while *at < bytes.len() && bytes[*at].is_ascii_whitespace() {
                        *at += 1;
                    }
                    if bytes.get(*at) == Some(&b'}') {
                        *at += 1;
                        return all;
                    }
                }
            }
            let start = *at;
            while *at < bytes.len() && (bytes[*at].is_ascii_alphanumeric() || bytes[*at] == b'_') {
                *at += 1;
            }
            if start == *at {
                return vec![prefix];
            }
            prefix.push(text[start..*at].to_string());
            if text[*at..].starts_with("::") {
                *at += 2;
            } else {
                return vec![prefix];
            }
        }
    }
    path(text, &mut 0)
}

/// Every module path `code` names, resolved from `module` (the file's
/// own path): `crate::a::b`, `super::a`, `self::a`, `super::super::a`.
fn named_paths(code: &str, module: &[String]) -> Vec<Vec<String>> {
    let mut found = Vec::new();
    let bytes = code.as_bytes();
    for start in ["crate::", "super::", "self::"] {
        for (i, _) in code.match_indices(start) {
            // A path's first segment: not the tail of another name or path.
            if i > 0
                && (bytes[i - 1].is_ascii_alphanumeric()
                    || bytes[i - 1] == b'_'
                    || bytes[i - 1] == b':')
            {
                continue;
            }
            let mut base: Vec<String> = match start {
                "crate::" => Vec::new(),
                "self::" => module.to_vec(),
                _ => module[..module.len().saturating_sub(1)].to_vec(),
            };
            let mut rest = &code[i + start.len()..];
            while let Some(after) = rest.strip_prefix("super::").filter(|_| start == "super::") {
                base.pop();
                rest = after;
            }
            for tail in expand(rest) {
                let mut full = base.clone();
                full.extend(tail.into_iter().filter(|s| s != "self"));
                found.push(full);
            }
        }
    }
    found
}

/// The graph of files: each module and the modules it names (the longest
/// known module path that each named path starts with).
fn file_graph() -> BTreeMap<Vec<String>, BTreeSet<Vec<String>>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let modules: BTreeMap<Vec<String>, PathBuf> = files
        .iter()
        .filter_map(|f| module_of(f, &src).map(|m| (m, f.clone())))
        .collect();
    let mut graph = BTreeMap::new();
    for (module, file) in &modules {
        let code = code_of(&std::fs::read_to_string(file).expect("read a source file"));
        let mut edges = BTreeSet::new();
        for path in named_paths(&code, module) {
            let target = (1..=path.len())
                .rev()
                .map(|n| path[..n].to_vec())
                .find(|prefix| modules.contains_key(prefix));
            if let Some(target) = target.filter(|t| t != module) {
                edges.insert(target);
            }
        }
        graph.insert(module.clone(), edges);
    }
    graph
}

/// Panics with the cycle, if the graph has one.
fn assert_no_cycle<N: Ord + Clone + std::fmt::Debug>(graph: &BTreeMap<N, BTreeSet<N>>) {
    fn visit<N: Ord + Clone + std::fmt::Debug>(
        node: &N,
        graph: &BTreeMap<N, BTreeSet<N>>,
        path: &mut Vec<N>,
        done: &mut BTreeSet<N>,
    ) {
        if done.contains(node) {
            return;
        }
        if let Some(at) = path.iter().position(|n| n == node) {
            panic!("import cycle: {:?} -> {node:?}", &path[at..]);
        }
        path.push(node.clone());
        for next in graph.get(node).into_iter().flatten() {
            visit(next, graph, path, done);
        }
        path.pop();
        done.insert(node.clone());
    }
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        visit(node, graph, &mut Vec::new(), &mut done);
    }
}

#[test]
fn no_file_imports_in_a_circle() {
    let graph = file_graph();
    assert!(graph.len() > 40, "the files were read: {}", graph.len());
    assert_no_cycle(&graph);
}

#[test]
fn no_top_level_module_imports_in_a_circle() {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, edges) in file_graph() {
        let top = module[0].clone();
        let entry = graph.entry(top.clone()).or_default();
        entry.extend(
            edges
                .into_iter()
                .map(|e| e[0].clone())
                .filter(|e| *e != top),
        );
    }
    assert!(graph.contains_key("models") && graph.contains_key("controllers"));
    assert_no_cycle(&graph);
}

#[test]
fn the_models_depend_on_nothing_outside_models() {
    let graph = file_graph();
    let mut models = 0;
    for (module, edges) in graph.iter().filter(|(m, _)| m[0] == "models") {
        models += 1;
        for target in edges {
            assert_eq!(target[0], "models", "{module:?} depends on {target:?}");
        }
    }
    assert!(models > 10, "the models were read: {models}");
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/models");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    for file in files {
        let code = code_of(&std::fs::read_to_string(&file).expect("read"));
        for transport in ["axum::", "rmcp::", "http::", "loco_rs::controller"] {
            assert!(
                !code.contains(transport),
                "{} names {transport}",
                file.display()
            );
        }
    }
}

/// The reader itself: groups, `super::super::`, `self::`, and a name that
/// only ends in `crate` is not a path.
#[test]
fn paths_are_read_as_the_compiler_reads_them() {
    let here = vec!["models".to_string(), "tasks".to_string()];
    let read = |code: &str| {
        named_paths(code, &here)
            .into_iter()
            .map(|p| p.join("::"))
            .collect::<BTreeSet<_>>()
    };
    assert_eq!(
        read("use super::{errors::{A, B}, feed::{self, C}, clock};"),
        [
            "models::errors::A",
            "models::errors::B",
            "models::feed",
            "models::feed::C",
            "models::clock"
        ]
        .into_iter()
        .map(str::to_string)
        .collect()
    );
    assert_eq!(
        read("let x = crate::views::tasks::shown(&t);"),
        BTreeSet::from(["views::tasks::shown".to_string()])
    );
    assert_eq!(
        read("use super::super::app::App;"),
        BTreeSet::from(["app::App".to_string()])
    );
    assert_eq!(
        read("use self::inner::X;"),
        BTreeSet::from(["models::tasks::inner::X".to_string()])
    );
    assert!(read("let my_crate::x = 1; a::super::b;").is_empty());
}
