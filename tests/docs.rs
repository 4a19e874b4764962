//! The documentation's cross-references resolve. Every relative link in
//! README.md and docs/*.md names a file that exists and, with a `#fragment`,
//! a heading of that file (GitHub's anchor for it); every section reference
//! in the form the repository writes in comments, messages and the docs —
//! a file, a comma, then the heading in `*…*` or `"…"`, as in
//! `(docs/deploy.md, *Start-up*)` — names a heading of that file. A renamed
//! or moved section fails here, not in a reader's hands.

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
    sync::LazyLock,
};

use regex::Regex;

/// The checkout: this crate lives in `tests/`.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// README.md and every docs/*.md, as paths relative to the checkout.
fn markdown_files(root: &Path) -> Vec<PathBuf> {
    let mut files = vec![PathBuf::from("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root.join("docs"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
        .map(|path| path.strip_prefix(root).unwrap().to_path_buf())
        .collect();
    docs.sort();
    files.extend(docs);
    files
}

/// `text` without its fenced code blocks (their lines become empty, so line
/// numbers still count).
fn without_fences(text: &str) -> String {
    let mut fence: Option<&str> = None;
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let trimmed = line.trim_start();
        let marker = ["```", "~~~"].into_iter().find(|m| trimmed.starts_with(m));
        match (fence, marker) {
            (None, Some(m)) => fence = Some(m),
            (Some(open), Some(m)) if open == m => fence = None,
            (None, None) => out.push_str(line),
            _ => {}
        }
        out.push('\n');
    }
    out
}

/// A heading's text as GitHub renders it: links become their text, code
/// and emphasis marks go.
fn rendered(heading: &str) -> String {
    static LINK: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\[([^\]]*)\]\([^)]*\)").unwrap());
    let text = LINK.replace_all(heading, "$1");
    text.chars()
        .filter(|c| !matches!(c, '`' | '*'))
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// GitHub's anchor for a heading's rendered text: lower case, letters,
/// digits, `-` and `_` kept, spaces to `-`, everything else dropped.
fn slug(rendered: &str) -> String {
    rendered
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

/// Each heading of a markdown text (ATX headings outside code blocks),
/// rendered.
fn headings(text: &str) -> Vec<String> {
    static HEADING: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^ {0,3}#{1,6}[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$").unwrap());
    without_fences(text).lines().filter_map(|line| HEADING.captures(line)).map(|c| rendered(&c[1])).collect()
}

/// The anchors of a markdown text's headings; a repeated heading gets
/// `-1`, `-2`, … as on GitHub.
fn anchors(text: &str) -> Vec<String> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    headings(text)
        .iter()
        .map(|heading| {
            let base = slug(heading);
            let count = seen.entry(base.clone()).or_insert(0);
            let anchor = if *count == 0 { base.clone() } else { format!("{base}-{count}") };
            *count += 1;
            anchor
        })
        .collect()
}

/// Problems with the relative links of `file` (its text `text`), each as
/// `file:line: what`.
fn check_links(root: &Path, file: &Path, text: &str) -> Vec<String> {
    static CODE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"`[^`]*`").unwrap());
    static LINK: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r#"\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)"#).unwrap());
    static SCHEME: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^(?:[A-Za-z][A-Za-z0-9+.-]*:|//)").unwrap());
    // Code spans may wrap; blanking them keeps their line breaks, so line numbers hold.
    let unfenced = without_fences(text);
    let prose = CODE.replace_all(&unfenced, |c: &regex::Captures<'_>| {
        c[0].chars().map(|ch| if ch == '\n' { '\n' } else { ' ' }).collect::<String>()
    });
    let mut problems = Vec::new();
    for link in LINK.captures_iter(&prose) {
        let target = &link[1];
        if SCHEME.is_match(target) {
            continue;
        }
        let line = prose[..link.get(0).unwrap().start()].matches('\n').count() + 1;
        let at = format!("{}:{line}: link {target:?}", file.display());
        let (path, fragment) = match target.split_once('#') {
            Some((path, fragment)) => (path, Some(fragment)),
            None => (target, None),
        };
        let resolved = if path.is_empty() { file.to_path_buf() } else { file.parent().unwrap().join(path) };
        if path.starts_with('/') || !root.join(&resolved).exists() {
            problems.push(format!("{at}: no file {}", resolved.display()));
            continue;
        }
        let Some(fragment) = fragment else { continue };
        if resolved.extension().is_none_or(|ext| ext != "md") {
            problems.push(format!("{at}: a fragment into a file that is not markdown"));
            continue;
        }
        let target_text = std::fs::read_to_string(root.join(&resolved)).unwrap();
        if !anchors(&target_text).iter().any(|anchor| anchor == fragment) {
            problems.push(format!("{at}: {} has no heading with the anchor #{fragment}", resolved.display()));
        }
    }
    problems
}

/// Problems with the section references in `file` (its text `text`): a
/// file, a comma and a heading in `*…*` or `"…"` (`\"…\"` in a string
/// literal), across comment line breaks.
fn check_section_references(root: &Path, file: &Path, text: &str) -> Vec<String> {
    static COMMENT_PREFIX: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?m)^[ \t]*(?://[/!]?|#+(?:[ \t]|$)|--|;+)?[ \t]*").unwrap());
    static REFERENCE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"\b(README(?:\.md)?|docs/[A-Za-z0-9_-]+\.md),[ \t\n]*(?:\*([^*\n]+(?:\n[^*\n]+)?)\*|\\?"([^"\\\n]+(?:\n[^"\\\n]+)?)\\?")"#)
            .unwrap()
    });
    // Comment markers at line starts go, so a reference wrapped over two
    // comment lines reads as one.
    let joined = COMMENT_PREFIX.replace_all(text, "");
    let mut problems = Vec::new();
    for reference in REFERENCE.captures_iter(&joined) {
        let named = match &reference[1] {
            "README" => "README.md",
            other => other,
        };
        let section =
            reference.get(2).or(reference.get(3)).unwrap().as_str().split_whitespace().collect::<Vec<_>>().join(" ");
        let at = format!("{}: reference ({}, {section:?})", file.display(), &reference[1]);
        let Ok(target) = std::fs::read_to_string(root.join(named)) else {
            problems.push(format!("{at}: no file {named}"));
            continue;
        };
        if !headings(&target).contains(&section) {
            problems.push(format!("{at}: {named} has no heading {section:?}"));
        }
    }
    problems
}

/// Every text file under `dir` (relative to `root`), skipping build output
/// and installed packages.
fn text_files(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(root.join(dir)) else { return };
    for entry in entries {
        let entry = entry.unwrap();
        let name = entry.file_name();
        let relative = dir.join(&name);
        if entry.file_type().unwrap().is_dir() {
            if !matches!(name.to_str(), Some("target" | "node_modules" | ".git")) {
                text_files(root, &relative, out);
            }
        } else {
            out.push(relative);
        }
    }
}

#[test]
fn every_relative_link_in_the_docs_resolves() {
    let root = root();
    let files = markdown_files(&root);
    assert!(files.len() > 1, "docs/ holds the documentation: {files:?}");
    let mut problems = Vec::new();
    let mut links = 0;
    for file in &files {
        let text = std::fs::read_to_string(root.join(file)).unwrap();
        links += text.matches("](").count();
        problems.extend(check_links(&root, file, &text));
    }
    assert!(links > 10, "the docs link to each other ({links} links found)");
    assert!(problems.is_empty(), "broken links:\n{}", problems.join("\n"));
}

#[test]
fn every_section_reference_names_a_heading() {
    let root = root();
    let mut files: Vec<PathBuf> = ["spin.toml", "Cargo.toml", "README.md"]
        .into_iter()
        .map(PathBuf::from)
        .filter(|f| root.join(f).exists())
        .collect();
    for dir in ["docs", "src", "tests", "deploy", "benches", ".config", ".ci", "wit"] {
        text_files(&root, Path::new(dir), &mut files);
    }
    let mut problems = Vec::new();
    let mut references = 0;
    for file in &files {
        let Ok(text) = std::fs::read_to_string(root.join(file)) else { continue };
        references += text.matches(".md,").count();
        problems.extend(check_section_references(&root, file, &text));
    }
    assert!(references > 5, "the code cites the docs' sections ({references} references found)");
    assert!(problems.is_empty(), "section references that name no heading:\n{}", problems.join("\n"));
}

#[test]
fn anchors_are_github_s() {
    let text = "# Title\n## On SpinKube's node runtime\n```sh\n# not a heading\n```\n## `verify` and *Start-up*\n\
                ## 40 ms stalls\n## Probes\n## Probes\n";
    assert_eq!(
        anchors(text),
        ["title", "on-spinkubes-node-runtime", "verify-and-start-up", "40-ms-stalls", "probes", "probes-1"]
    );
    assert_eq!(headings(text)[2], "verify and Start-up");
}

/// The checks can fail: a missing file, a missing anchor and a section no
/// heading names are each reported.
#[test]
fn broken_links_and_references_are_reported() {
    let root = root();
    let file = Path::new("docs/api.md");
    let text = "[a](api.md) [b](api.md#errors) [c](nowhere.md) [d](api.md#nowhere) [e](#nothing-here) \
                `[f](not-a-link.md)` [g](https://example.com/x.md)\n# Here\n";
    let problems = check_links(&root, file, text);
    assert_eq!(problems.len(), 3, "{problems:#?}");
    assert!(problems[0].contains("no file docs/nowhere.md"), "{problems:#?}");
    assert!(problems[1].contains("no heading with the anchor #nowhere"), "{problems:#?}");
    assert!(problems[2].contains("docs/api.md has no heading with the anchor #nothing-here"), "{problems:#?}");

    let docs = "docs/operations.md";
    let code = format!(
        "// Bounded ({docs}, *Timeouts*); wrapped ({docs},\n// \"Known\n// limits\").\n\
         # Missing ({docs}, \"Overload\"), and in a string: see {docs}, \\\"Nowhere\\\"\n"
    );
    let problems = check_section_references(&root, Path::new("src/example.rs"), &code);
    assert_eq!(problems.len(), 2, "{problems:#?}");
    assert!(problems[0].contains("\"Overload\""), "{problems:#?}");
    assert!(problems[1].contains("\"Nowhere\""), "{problems:#?}");
}
