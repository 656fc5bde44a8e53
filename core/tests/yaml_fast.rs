//! The fast YAML path and the general parser agree: same documents, values, spans, key spans,
//! indexes and errors, on every file of the shared corpus (when `../shared/corpus` exists), on
//! the generated benchmark set (when `bench/generate.py` has made `bench-data/generated`), on
//! every fixture of the repository, and on the edge cases of `fixtures/yaml-fast/`. The fast
//! path must also take most documents, or these checks would prove nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use plimsoll_core::yaml::{ParseOptions, fast, parse_stream_general};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files(&path, out);
        } else if path
            .extension()
            .is_some_and(|e| e == "yaml" || e == "yml" || e == "json")
        {
            out.push(path);
        }
    }
    out.sort();
}

/// How many files and documents of a set the fast path took.
#[derive(Debug, Default)]
struct Share {
    files: usize,
    fast_files: usize,
    documents: usize,
    fast_documents: usize,
    left: Vec<String>,
}

impl Share {
    fn document_percent(&self) -> f64 {
        100.0 * self.fast_documents as f64 / self.documents.max(1) as f64
    }
}

/// Checks every file of `dir`; panics on the first disagreement.
fn check(dir: &Path) -> Share {
    let mut paths = Vec::new();
    files(dir, &mut paths);
    let mut share = Share::default();
    let mut failures = Vec::new();
    for path in &paths {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        let documents = parse_stream_general(&text, ParseOptions::default())
            .documents
            .len();
        share.files += 1;
        share.documents += documents;
        match fast::agreement(&text, ParseOptions::default()) {
            Ok(taken) => {
                share.fast_documents += taken;
                if taken == documents && documents > 0 {
                    share.fast_files += 1;
                } else {
                    share.left.push(path.display().to_string());
                }
            }
            Err(difference) => failures.push(format!("{}: {difference}", path.display())),
        }
    }
    assert!(
        failures.is_empty(),
        "{} files disagree:\n{}",
        failures.len(),
        failures.join("\n")
    );
    share
}

#[test]
fn fast_path_agrees_on_the_corpus_and_takes_most_of_it() {
    let corpus = std::env::var_os("PLIMSOLL_CORPUS")
        .map_or_else(|| root().join("../shared/corpus"), PathBuf::from);
    if !corpus.is_dir() {
        eprintln!("no corpus at {}: skipped", corpus.display());
        return;
    }
    let share = check(&corpus);
    eprintln!(
        "corpus: the fast path took {} of {} files, {} of {} documents ({:.1} %)",
        share.fast_files,
        share.files,
        share.fast_documents,
        share.documents,
        share.document_percent()
    );
    assert!(share.files > 500, "{share:?}");
    // Helm chart templates are not YAML and JSON is flow style: those files are left to the
    // general parser. Plain manifests are nearly all taken.
    assert!(share.document_percent() >= 80.0, "{share:?}");
    let mut plain = Share::default();
    for folder in [
        "kube-prometheus",
        "argo-cd",
        "microservices-demo",
        "kubernetes-examples",
        "helm-rendered",
    ] {
        let s = check(&corpus.join(folder));
        plain.documents += s.documents;
        plain.fast_documents += s.fast_documents;
    }
    eprintln!(
        "plain manifest folders: {} of {} documents ({:.1} %)",
        plain.fast_documents,
        plain.documents,
        plain.document_percent()
    );
    assert!(plain.document_percent() >= 90.0, "{plain:?}");
}

#[test]
fn fast_path_agrees_on_the_generated_set() {
    let generated = root().join("bench-data/generated");
    if !generated.is_dir() {
        eprintln!("no generated set (python3 bench/generate.py): skipped");
        return;
    }
    let share = check(&generated);
    eprintln!(
        "generated set: the fast path took {} of {} documents ({:.1} %)",
        share.fast_documents,
        share.documents,
        share.document_percent()
    );
    assert!(share.document_percent() >= 90.0, "{share:?}");
}

#[test]
fn fast_path_agrees_on_every_fixture() {
    let share = check(&root().join("fixtures"));
    assert!(share.files > 100, "{share:?}");
    assert!(share.fast_files * 2 > share.files, "{share:?}");
}

/// `fixtures/yaml-fast/taken/`: manifests and edge cases the fast path must take (and get
/// right); `fixtures/yaml-fast/general/`: constructs it must leave to the general parser.
#[test]
fn fast_path_takes_what_it_should_and_leaves_the_rest() {
    let dir = root().join("fixtures/yaml-fast");
    let taken = check(&dir.join("taken"));
    assert!(taken.files >= 10, "{taken:?}");
    assert!(
        taken.left.is_empty(),
        "left to the general parser: {:?}",
        taken.left
    );
    let general = check(&dir.join("general"));
    assert!(general.files >= 10, "{general:?}");
    assert_eq!(general.fast_documents, 0, "{general:?}");
}

/// Small texts, each a case where the fast path's spans or values could drift from the
/// general parser's: they must agree, and the fast path must take them.
#[test]
fn edge_cases_agree() {
    let taken = [
        "a: 1\n",
        "a:\n",
        "a:",
        "a: b",
        "a:   # comment\nb: 2\n",
        "a:\n  - x\n  -\n  - y: 1\n    z: \"q\"  # c\n",
        "a:\n- 1\n- 2\nb: 3\n",
        "- - a\n  - b\n- c\n",
        "-   # empty\n- x\n",
        "k: [ a , \"b\" ,c ]  # x\n",
        "k: []\nl: {}\nm: { }\nn: [a,]\n",
        "\"q k\" : v\n'it''s': 'x''y'\n",
        "a: \"\\t\\u00e9\\x41\\\\\\\"\"\n",
        "a: |\n  x\n   y\n\n  z\nb: >-\n  a\n  b\n\n  c\n\n\nc: end\n",
        "a: |+\n  x\n\n\nb: |-\n  y\n\n",
        "a: >\n  one\n   indented\n  two\n",
        "l:\n- |\n  text\n- x\n",
        "---\n---\na: 1\n---\n\n---\n# only a comment\n---\nb: 2\n",
        "# leading comment\na: 1\n---\nb: 2\n",
        "--- # comment\na: 1\n",
        "  a: 1\n  b: 2\n",
        "yes: on\n1: 0777\n~: 1e3\nx: 0x1F\n",
        "a: b:c\nd: http://x.y/z # c\ne: -1\nf: -x\n",
        "a: 'multi byte é' # ü\nb: ünïcode\n",
        "a:\n  b:\n    c:\n      d: [1, 2.5, true, null, ~]\n",
        "a: plain\n  continued\n\n   after a blank\n - and a dash\nb: 1\n",
        "- one\n  two # c\n- k: v\n    w\n",
        "a:\n  {}\nb:\n  text\n  more\nc:\n  \"q\"\n",
        "a: 'multi  \n   line''s\n\n   text  '  # c\nb: \"x\\ty  \n  z\"\n",
        // Found by the fuzz target: an indentless sequence whose first item is empty at the
        // very end of the text.
        "resources:\n- a\nnamePrefix:\n-",
    ];
    for text in taken {
        let documents = parse_stream_general(text, ParseOptions::default())
            .documents
            .len();
        assert!(documents > 0, "{text:?}");
        assert_eq!(
            fast::agreement(text, ParseOptions::default()),
            Ok(documents),
            "{text:?}"
        );
    }
    let left = [
        "a: &x 1\nb: *x\n",
        "a: !!str 1\n",
        "a: {b: 1}\n",
        "a: [[1]]\n",
        "a:\n  b: \"multi\n  line at its key's indentation\"\n",
        "- 'quoted\n  - at the item's'\n",
        "a: \"escaped \\\n  line break\"\n",
        "a:\tb\n",
        "a: 1\r\nb: 2\r\n",
        "%YAML 1.1\n---\na: 1\n",
        "a: 1\n...\n",
        "a: 1\na: 2\n",
        "a: .inf\n",
        "<<: {}\n",
        "? a\n: b\n",
        "a: |2\n   x\n",
        "a: |\n  x",
        "a: b: c\n",
        "a: 1\n b: 2\n",
        "just a scalar\n",
        "{\"json\": true}\n",
        "\u{feff}a: 1\n",
    ];
    for text in left {
        assert_eq!(
            fast::agreement(text, ParseOptions::default()),
            Ok(0),
            "{text:?}"
        );
    }
    // One document the fast path does not take goes to the general parser alone: the
    // others stay on the fast path, and everything agrees.
    let mixed = [
        ("a: 1\n---\nb: &x 2\nc: *x\n---\nd: 3\n", 0),
        ("a: 1\n---\nb: {c: [1, {d: 2}]}\n---\n---\nd: 3\n", 2),
        (
            "# c\n---\nkind: A\n---\nx: {y: 1}\n# trailing\n---\nz: [[1]]\n---\nw: 1\n",
            2,
        ),
        ("a: 1\n---\nb: |2\n   x\n---\nc: 3\n", 2),
        ("a: 1\n---\nb: 1\nb: 2\n---\nc: .inf\n---\nd: 3\n", 2),
        ("a: 1\n---\nb: \"x\n---\nc: 3\n", 0),
        ("a: 1\n---\nb: 1\n...\nc: 2\n---\nd: 3\n", 0),
        ("a: 1\n---\n%YAML 1.1\n---\nb: {}\n", 0),
        // Found by mutation: what ends where the next document starts must end there when
        // its document is read alone too.
        ("a:\n- patch: |-\n---\nb: 1\n", 1),
        ("k:\n- [a]\nz: {a: 1}\n---\nd: 1\n", 1),
        ("k:\n- {}\n---\nb: {c: 1}\nl:\n- [x]\n---\nd: 1\n", 2),
        (">-\na: 1\n---\nb: 2\n", 0),
    ];
    for (text, taken) in mixed {
        assert_eq!(
            fast::agreement(text, ParseOptions::default()),
            Ok(taken),
            "{text:?}"
        );
    }
}

/// The fast path leaves nesting past its own small limit, and anything past `max_depth`, to
/// the general parser, which reports it.
#[test]
fn depth_limits_are_the_general_parsers() {
    let mut text = String::new();
    for i in 0..100 {
        text.push_str(&" ".repeat(i));
        text.push_str("k:\n");
    }
    text.push_str(&" ".repeat(100));
    text.push_str("x\n");
    assert_eq!(fast::agreement(&text, ParseOptions::default()), Ok(0));
    let options = ParseOptions {
        max_depth: 2,
        ..ParseOptions::default()
    };
    assert_eq!(fast::agreement("a:\n  b: 1\n", options), Ok(1));
    assert_eq!(fast::agreement("a:\n  b:\n    c: 1\n", options), Ok(0));
    assert_eq!(fast::agreement("a:\n  b: []\n", options), Ok(0));
    // Past the fast path's own limit, a document of a longer text goes to the general
    // parser alone.
    text.push_str("---\na: 1\n");
    assert_eq!(fast::agreement(&text, ParseOptions::default()), Ok(1));
    let stream = plimsoll_core::yaml::parse_stream("a:\n  b:\n    c: 1\n", options);
    assert_eq!(stream.errors[0].rule, "yaml-depth-limit");
}
