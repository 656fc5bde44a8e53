//! Bad input never crashes plimsoll: every fixture of the repository, cut and garbled in
//! deterministic ways, is linted with every rule on and every output format, and the run
//! must end with findings (exit 0 or 1), never with a crash.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            yaml_files(&path, out);
        } else if path
            .extension()
            .is_some_and(|e| e == "yaml" || e == "yml" || e == "json")
        {
            out.push(path);
        }
    }
}

/// A small deterministic generator (xorshift), so that a failure can be replayed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }
}

const INSERTS: &[&[u8]] = &[
    b"&a ",
    b"*a",
    b"<<: *a\n",
    b"\t",
    b"- ",
    b": ",
    b"{",
    b"[",
    b"\xff\xfe",
    b"---\n",
    b"!!int ",
    b"? ",
    b"\"",
    b"'",
    b"|\n",
    b"0x",
    b"\xc3",
    b"0\xc3\xa9 ",
    b"-\xe2\x82\xac",
    b"# plimsoll-ignore * until=2020-01-01\n",
];

fn mutate(data: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut d = data.to_vec();
    if d.is_empty() {
        return d;
    }
    let i = rng.below(d.len());
    match rng.below(4) {
        0 => d.truncate(i),
        1 => {
            const PUNCTUATION: &[u8] = b":-[]{}&*!|>'\"#\n \t%@`,?";
            d[i] = PUNCTUATION[rng.below(PUNCTUATION.len())];
        }
        2 => {
            let j = (i + 1 + rng.below(200)).min(d.len());
            let copy = d[i..j].to_vec();
            d.splice(i..i, copy);
        }
        _ => {
            let insert = INSERTS[rng.below(INSERTS.len())];
            d.splice(i..i, insert.iter().copied());
        }
    }
    d
}

#[test]
fn garbled_fixtures_never_crash_any_stage_or_format() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut sources = Vec::new();
    yaml_files(&root.join("fixtures"), &mut sources);
    sources.sort();
    assert!(sources.len() > 100, "only {} fixtures found", sources.len());
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut written = 0;
    for source in &sources {
        let data = std::fs::read(source).unwrap();
        for _ in 0..4 {
            std::fs::write(
                dir.path().join(format!("m{written:05}.yaml")),
                mutate(&data, &mut rng),
            )
            .unwrap();
            written += 1;
        }
    }
    let rules = Command::new(env!("CARGO_BIN_EXE_plimsoll"))
        .args(["rules", "--json"])
        .output()
        .unwrap();
    let ids: Vec<serde_json::Value> = serde_json::from_slice(&rules.stdout).unwrap();
    let mut args: Vec<String> = vec!["lint".into(), "--no-config".into(), "--quiet".into()];
    for id in &ids {
        args.push("--enable".into());
        args.push(id["id"].as_str().unwrap().to_owned());
    }
    args.push("--policy".into());
    args.push(
        root.join("fixtures/policies/conftest")
            .display()
            .to_string(),
    );
    for format in [
        "human", "compact", "json", "sarif", "junit", "github", "html",
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_plimsoll"))
            .current_dir(dir.path())
            .args(&args)
            .args(["--format", format, "."])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!stderr.contains("panicked"), "{format}: {stderr}");
        assert!(
            matches!(output.status.code(), Some(0 | 1)),
            "{format}: {:?} {stderr}",
            output.status
        );
    }
}
