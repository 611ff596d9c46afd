//! The fast path against saphyr-parser: wherever the fast path reads a document, the
//! full parser reads the very same node tree, and the value read at once is the value
//! that tree decodes to; on the Helm corpus, on tricky hand-written cases and on
//! generated documents. Typical template output does take the fast path.

use std::path::{Path, PathBuf};

use super::{parse_first as fast_first, parse_value as fast_value};
use crate::yaml::doc_to_value;
use crate::yaml::parse::parse_first_full;

/// How far the fast path read a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Read {
    /// left to the full parser
    No,
    /// the node tree only (the value is left to the decoder)
    Tree,
    /// the tree, and the value at once
    Value,
}

/// Parses `text` both ways and asserts they agree wherever the fast path answers.
fn read_both_ways(text: &str) -> Read {
    let body = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let value = fast_value(body);
    let Some(fast) = fast_first(body) else {
        assert!(value.is_none(), "only the value was read from {text:?}");
        return Read::No;
    };
    let full = match parse_first_full(text) {
        Ok(full) => full,
        Err(e) => panic!(
            "the fast path reads {text:?}, which the full parser refuses: {}",
            e.message
        ),
    };
    assert_eq!(fast, full, "the fast path reads {text:?} differently");
    if let Some(value) = value {
        let decoded = doc_to_value(full.as_ref()).unwrap_or_else(|e| {
            panic!(
                "a value was read from {text:?}, whose tree fails: {}",
                e.message
            )
        });
        // `==` holds 0.0 == -0.0; the debug text tells them apart
        assert_eq!(value, decoded, "the value read from {text:?} differs");
        assert_eq!(format!("{value:?}"), format!("{decoded:?}"));
        return Read::Value;
    }
    Read::Tree
}

/// Whether the fast path read `text` (checked against the full parser).
fn agree(text: &str) -> bool {
    read_both_ways(text) != Read::No
}

#[test]
fn template_output_takes_the_fast_path() {
    let typical = [
        // prometheus-node-exporter.defaultAffinity
        "nodeAffinity:\n  requiredDuringSchedulingIgnoredDuringExecution:\n    nodeSelectorTerms:\n    - matchExpressions:\n      - key: eks.amazonaws.com/compute-type\n        operator: NotIn # codespell:ignore\n        values:\n        - fargate\n      - key: type\n        operator: NotIn # codespell:ignore\n        values:\n        - virtual-kubelet",
        // kube-state-metrics.collectors (toYaml of a list, nindent 0)
        "\n- certificatesigningrequests\n- configmaps\n- cronjobs\n- daemonsets\n- deployments",
        // labels
        "helm.sh/chart: grafana-8.5.1\napp.kubernetes.io/name: grafana\napp.kubernetes.io/instance: release-name\napp.kubernetes.io/version: \"11.3.0\"\napp.kubernetes.io/managed-by: Helm\n",
        // toYaml output with empty collections and quoted strings
        "annotations: {}\nargs: []\nenv:\n- name: A\n  value: \"1\"\n- name: B\n  value: 'x: y'\nresources:\n  limits:\n    cpu: 100m\n    memory: 128Mi\nsecurityContext:\n  runAsNonRoot: true\n  runAsUser: 65534\n",
        // grafana.assertNoLeakedSecrets
        "\nsensitiveKeys:\n- path: [\"database\", \"password\"]\n- path: [\"auth.basic\", \"password\"]\n",
        // a configmap read back for its checksum (bitnami common.utils.checksumTemplate)
        "\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: release-name-redis\n  namespace: \"default\"\ndata:\n  redis.conf: |-\n    # User-supplied configuration:\n    appendonly yes\n    save \"\"\n  start.sh: |\n    #!/bin/bash\n\n    exec redis-server \"${ARGS[@]}\"\n  users.acl: |-\n",
        // a pod template with an empty map on its own line (traefik.podTemplate)
        "\n    metadata:\n      labels:\n        app: x\n    spec:\n      volumes:\n        - name: data\n          emptyDir:\n            {}\n",
        // an empty list, and an empty document
        "[]",
        "",
        "---\nkind: ConfigMap\nmetadata:\n  name: x\n",
    ];
    for text in typical {
        assert_eq!(read_both_ways(text), Read::Value, "{text:?}");
    }
}

#[test]
fn tricky_scalars_and_keys_read_the_same_both_ways() {
    let handled = [
        "key: 'it''s'",
        "key: \"a\\\"b\"",
        "key: \"a: b\"",
        "key: 'a: b # c'",
        "key: \"# not a comment\"",
        "key: a#b",
        "key: a #b",
        "key: a:b",
        "key: http://x.y/z?a=b#c",
        "key: trailing   \nnext: x",
        "key:    spaced   out   ",
        "key: \"  kept  \"",
        "'quoted key': v",
        "\"dq key\": v",
        "\"a\\\"b\": v",
        "\"k\"   : v",
        "a b c: d",
        "a   : b",
        "on: yes",
        "1: x\n2.5: y\n0x1F: z\n2001-12-14: t",
        "a: .nan\nb: 1",
        "values: [yes, ~, 0x1F, 1e3, .inf, -.inf, 2001-12-14, null, 0o17, +12, 1_000]",
        "a: yes\nb: ~\nc: 0x1F\nd: 1e3\ne: .inf\nf: -.inf\ng: 2001-12-14\nh: 1_000\ni: 0b101\nj: -0\n",
        "<<: x",
        "~: x",
        "key:",
        "key:\n",
        "key:   # only a comment",
        "a:\nb:\n",
        "- - nested\n  - more\n- - again",
        "- - - deep",
        "-\n- x\n-   \n- # c",
        "- a: 1\n  b: 2\n- c: 3",
        "-   a: 1\n    b:\n    - x\n    - y\n    c: 3",
        "a:\n- x\n- y\nb: z",
        "a:\n  - x\n  - y\nb: z",
        "- a:\n  - x\n  b: 1",
        "- a:\n- b",
        "a:\n    b:\n      c: 1\n    d: 2\ne: 3",
        "a:\n# comment at column 0\n  b: 1\n     # indented comment\n  c: 2\n",
        "a: b\n    # more indented comment\nc: d",
        "  a: 1\n  b: 2\n",
        "é: ü\n日本: 語\nemoji: 😀\n",
        "k: \"\\x41\\u00e9\\U0001F600\\t\\n\\/\\\\\\0\\a\\b\\e\\f\\r\\v\\ \\N\\_\\L\\P\"",
        "k: --- x\nl: ...\nm: ---",
        "- ---\n- ...",
        "k: -1\nl: -x\nm: :x\nn: ?x",
        "k: a,b[c]{d}",
        "k: [ ]\nl: { }\nm: [a b , c ]\nn: [a, b] # c\no: ['x', \"y\"]",
        "\u{FEFF}a: 1",
        "a: 1\n\n\n",
        "# just a comment\n# and another\n",
        "just a scalar",
        "\"quoted root\"",
        "- 'a' # c\n- \"b\"   ",
        "a:\n  scalar on its own line\nb:\n  'quoted'\nc:\n  []\nd:\n- x\n-\n  y",
        // literal block scalars: chomping, indentation indicators, blank and
        // whitespace-only lines, comments inside and after, and every way to end
        "a: |\n  one\n  two\nb: x",
        "a: |-\n  one\n\n  two\n\n\nb: x",
        "a: |+\n  one\n\n\nb: x",
        "a: |\n  one\n    indented\n  # not a comment\n# a comment\nb: x",
        "a: |\n\n  after a blank line\n",
        "a: |\n  text\n     \n  more\n",
        "a: |2\n    two extra\n  base\n",
        "a: |-2\n    x\nb: |+1\n  y\n",
        "a: |2-\n   x\n",
        "a: |   # header comment\n  x\n",
        "a: |\n  no newline at the end",
        "a: |-\n  no newline at the end",
        "a: |+\n  no newline at the end",
        "a: |\n  text\n  ",
        "a: |\n  text\n    ",
        "a: |+\n  text\n\n  ",
        "a: |\n",
        "a: |-\n",
        "a: |+\n",
        "a: |+\n\n\n",
        "a: |",
        "a: |-",
        "a: |\nb: x",
        "a: |+\n\nb: x",
        "- |\n  in a list\n- |-\n  x\n-   |\n    wide\n",
        "- a: |\n    in a compact map\n  b: 1",
        "a:\n  |\n    on its own line\n",
        "a: |\n  é ü 日本\n",
        // later documents are not read
        "a: 1\n---\nb: 2",
        "a: 1\n--- {unclosed\n  : junk\n",
        "a: |\n  x\n---\n",
        "- x\n---   \n- y",
        "# c\n---\na: 1\n---\nb: 2",
        "- |+\n   text\n  \n---\n- x",
        "a: |\n---\n",
        "root scalar\n---\nnext",
        "'quoted root'\n---\n",
    ];
    for text in handled {
        assert!(agree(text), "not on the fast path: {text:?}");
    }
    let left_to_the_full_parser = [
        "a: &x 1\nb: *x",
        "a: !!str 1",
        "a: >-\n  text",
        "? a\n: b",
        "a: b\n  continued",
        "a: 'two\n  lines'",
        "a: {b: 1}",
        "a: [b, [c]]",
        "a: [b: c]",
        "a: [b,]",
        "a:\tb",
        "a: b\r\nc: d\r\n",
        "%YAML 1.1\n---\na: 1",
        "a: 1\n...\n",
        "---\n",
        "---\n---\na: 1",
        "a: 1\n---x\n",
        "a: 1\n  ---\n",
        "--- a: 1\n",
        "a: b: c",
        "a: b:",
        "- a\n  - b",
        "a: 1\n- b",
        "a:\n  b: 1\n c: 2",
        "- a: 1\n b: 2",
        "a: \"b\" c",
        "a: \"b\"#c",
        "a: \"\\q\"",
        "a: \"\\ud800\"",
        "a: @x",
        "a: `x",
        "a: %x",
        "a: ,x",
        ": x",
        "a\nb",
        "a: \u{85}",
        "a: >\n  folded",
        "a: |0\n  x",
        "a: |x\n  x",
        "a: |#c\n  x",
        "a: |\n\ttab",
        "a: |\n    \n  less indented than a blank line\n",
        "a: |\n    x\n  y\n",
        "a: |\n  x\n  ---\n",
        "|\n  root",
    ];
    for text in left_to_the_full_parser {
        assert!(!agree(text), "unexpectedly on the fast path: {text:?}");
    }
}

#[test]
fn values_are_read_at_once_unless_keys_are_not_strings_or_numbers_not_finite() {
    for text in [
        "a: 1\na: 2\nb: x\nb: null",
        "'1': x\n\"true\": y\n2001-12-14: z\nv1.2: w",
        "a: [1, -0, 0x10, 1e400, 18446744073709551615, -9223372036854775808]",
    ] {
        assert_eq!(read_both_ways(text), Read::Value, "{text:?}");
    }
    for text in [
        "1: x",
        "on: x",
        "~: x",
        "null: x",
        "2.5: x",
        "<<: x",
        "a: .nan",
        "a: .inf",
        "a:\n- -.inf",
    ] {
        assert_eq!(read_both_ways(text), Read::Tree, "{text:?}");
    }
}

/// The Helm compatibility corpus (`HELM_COMPAT_DIR`, else `../shared/helm-compat` next
/// to the repository).
fn compat_dir() -> PathBuf {
    std::env::var_os("HELM_COMPAT_DIR").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/helm-compat"),
        PathBuf::from,
    )
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries =
        std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            yaml_files(&path, out);
        } else if path.extension().is_some_and(|x| x == "yaml" || x == "yml") {
            out.push(path);
        }
    }
}

#[test]
fn corpus_yaml_files_read_the_same_both_ways() {
    let corpus = compat_dir().join("corpus");
    assert!(
        corpus.is_dir(),
        "the Helm corpus is missing at {}: set HELM_COMPAT_DIR to the helm-compat directory",
        corpus.display()
    );
    let mut files = Vec::new();
    yaml_files(&corpus, &mut files);
    assert!(files.len() > 100, "too few corpus files: {}", files.len());
    let (mut docs, mut handled, mut values) = (0, 0, 0);
    for path in &files {
        let bytes = std::fs::read(path).expect("corpus file");
        let text = String::from_utf8_lossy(&bytes);
        // The whole file, then each of its documents on its own.
        let pieces = std::iter::once(text.as_ref()).chain(text.split("\n---"));
        for piece in pieces {
            docs += 1;
            let read = read_both_ways(piece);
            handled += usize::from(read != Read::No);
            values += usize::from(read == Read::Value);
        }
    }
    eprintln!(
        "corpus: {} files, {docs} documents, {handled} on the fast path ({values} as values)",
        files.len()
    );
    assert!(handled * 5 > docs, "too few documents on the fast path");
}

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize % n
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

const KEYS: &[&str] = &[
    "a",
    "b c",
    "on",
    "1",
    "0x1F",
    "'it''s'",
    "\"q\\\"k\"",
    "\"a: b\"",
    "'#x'",
    "a#b",
    "-k",
    ":k",
    "?k",
    "<<",
    "~",
    "k ",
    "\"\"",
    "''",
    "é",
    "日本",
    "a[0]",
    "x,y",
    "http://h",
    "k:v",
    "null",
    "true",
    "2001-12-14",
    "app.kubernetes.io/name",
    "name",
];

const ODD_KEYS: &[&str] = &[
    "a #c", "*a", "&a", "!t", "|", "%p", "@a", "{k}", "[k]", "- k", "? k", "---", "...", "\"k\"x",
    "'k' ", "'open", "\"\\q\"", "",
];

const VALUES: &[&str] = &[
    "",
    "x",
    "yes",
    "No",
    "~",
    "null",
    "0x1F",
    "0o17",
    "1e3",
    "1_000",
    ".inf",
    "-.inf",
    ".NaN",
    "2001-12-14",
    "12:30:00",
    "'it''s'",
    "\"a\\\"b\"",
    "\"a: b\"",
    "'# x'",
    "a#b",
    "a #b",
    "a:b",
    "[]",
    "{}",
    "[a, b]",
    "[\"a\", 'b']",
    "-1",
    "--- x",
    "...",
    "\"\\x41\\u00e9\\U0001F600\"",
    "\"  spaced  \"",
    "trailing   ",
    "é ü",
    "\"\\t\"",
    "\"a\" #c",
    "x # y: z",
    "[ ]",
    "{ }",
    "[a b , c ]",
    "[a, b] # c",
    "[-a]",
    "[a#b]",
    "\"\"",
    "''",
    "a\u{a0}",
    "\u{a0}",
    "100m",
    "\"8080\"",
    "v1.2.3",
    "a b c",
    "-",
    "#",
    "|",
    "|-",
    "|+",
    "|2",
    "|-1",
    "|+ # c",
];

const ODD_VALUES: &[&str] = &[
    "a: b",
    "a:",
    "[a,]",
    "{a: 1}",
    "- x",
    "'open",
    "\"\\q\"",
    "\"\\ud800\"",
    "|",
    ">-",
    "&a x",
    "*a",
    "!!str 1",
    "'a'b",
    "\"a\"#c",
    "@x",
    "%x",
    ",x",
    "? x",
    ": x",
    "[a: b]",
    "[[a]]",
    "[a]]",
    "[a, b]x",
    "[?a]",
    "- - x",
    "?",
    ":",
    " ",
    "[a, 'b'c]",
    "[\"a\":b]",
    "[-, a]",
    "[-]",
    "{a}",
    "[a,, b]",
    "[,]",
    ">",
    ">-",
    "|0",
    "|x",
    "|#",
    "|--",
    "|12",
];

/// Lines a block scalar may hold.
const BLOCK_LINES: &[&str] = &[
    "text", "", " ", "  more", "# hash", "a: b", "- x", "'q'", "x  ",
];

const COMMENTS: &[&str] = &["", "", "", " # c", "#c", "  # c: d", " #"];

fn value(r: &mut Rng) -> &'static str {
    if r.chance(15) {
        r.pick(ODD_VALUES)
    } else {
        r.pick(VALUES)
    }
}

/// Emits a block collection at `indent` (maybe mutated), a few entries long.
fn block(r: &mut Rng, out: &mut String, indent: usize, depth: usize) {
    let seq = r.chance(40);
    for _ in 0..=r.below(3) {
        let ind = if r.chance(5) {
            (indent + r.below(3)).saturating_sub(1)
        } else {
            indent
        };
        if r.chance(8) {
            out.push_str(&" ".repeat(r.below(6)));
            out.push_str(r.pick(&["# note", "", "#", "  "]));
            out.push('\n');
        }
        out.push_str(&" ".repeat(ind));
        if seq {
            out.push('-');
            match r.below(5) {
                0 if depth < 4 => {
                    out.push(' ');
                    let pad = r.below(3);
                    out.push_str(&" ".repeat(pad));
                    // a compact mapping or sequence: its further lines at its column
                    let inner = ind + 2 + pad;
                    let mut sub = String::new();
                    block(r, &mut sub, inner, depth + 1);
                    let spaces = sub.len() - sub.trim_start_matches(' ').len();
                    out.push_str(&sub[spaces.min(inner)..]);
                    continue;
                }
                1 if depth < 4 => {
                    out.push_str(r.pick(COMMENTS));
                    out.push('\n');
                    let nested = ind + 1 + r.below(3);
                    block(r, out, nested, depth + 1);
                    continue;
                }
                _ => {
                    out.push(' ');
                    out.push_str(value(r));
                }
            }
        } else {
            out.push_str(if r.chance(10) {
                r.pick(ODD_KEYS)
            } else {
                r.pick(KEYS)
            });
            out.push(':');
            if depth < 4 && r.chance(35) {
                out.push_str(r.pick(COMMENTS));
                out.push('\n');
                let nested = if r.chance(25) {
                    ind
                } else {
                    ind + 1 + r.below(4)
                };
                block(r, out, nested, depth + 1);
                continue;
            }
            out.push(' ');
            out.push_str(value(r));
        }
        let header = out.rsplit(' ').next().is_some_and(|w| w.starts_with('|'));
        out.push_str(r.pick(COMMENTS));
        out.push('\n');
        if header {
            for _ in 0..r.below(4) {
                out.push_str(&" ".repeat(ind + r.below(5)));
                out.push_str(r.pick(BLOCK_LINES));
                out.push('\n');
            }
        }
    }
}

#[test]
fn generated_documents_read_the_same_both_ways() {
    let mut r = Rng(0x9E37_79B9_7F4A_7C15);
    let (mut handled, mut values, total) = (0, 0, 30_000);
    for _ in 0..total {
        let mut doc = String::new();
        if r.chance(5) {
            doc.push_str("---\n");
        }
        let indent = r.below(2) * 2;
        block(&mut r, &mut doc, indent, 0);
        if r.chance(10) {
            // a second document, which only has to be told apart from the first
            doc.push_str(r.pick(&["---", "--- ", "---  # c", "--- x: [", "...", "---x", " ---"]));
            doc.push('\n');
            block(&mut r, &mut doc, 0, 2);
        }
        if r.chance(10) {
            doc.pop();
        }
        let read = read_both_ways(&doc);
        handled += usize::from(read != Read::No);
        values += usize::from(read == Read::Value);
    }
    eprintln!("generated: {handled} of {total} on the fast path ({values} as values)");
    assert!(
        handled * 5 > total,
        "too few generated documents on the fast path"
    );
}

#[test]
fn generated_block_scalars_read_the_same_both_ways() {
    let mut r = Rng(0x2545_F491_4F6C_DD1D);
    let (mut handled, total) = (0, 20_000);
    for _ in 0..total {
        let col = r.below(3);
        let mut doc = " ".repeat(col);
        doc.push_str(r.pick(&["k: ", "- ", "- k: ", "k:\n  "]));
        doc.push_str(r.pick(&["|", "|-", "|+", "|1", "|2", "|-1", "|+2", "|2-", "|3+"]));
        doc.push_str(r.pick(&["", "", " ", " # c"]));
        for _ in 0..r.below(6) {
            doc.push('\n');
            doc.push_str(&" ".repeat(r.below(6)));
            doc.push_str(r.pick(BLOCK_LINES));
        }
        doc.push_str(r.pick(&[
            "",
            "\n",
            "\n",
            "\n\n",
            "\nnext: x\n",
            "\n- y\n",
            "\n# end\n",
            "\n---\nz: 1",
            "\n  \n---",
        ]));
        handled += usize::from(agree(&doc));
    }
    eprintln!("generated block scalars: {handled} of {total} on the fast path");
    assert!(
        handled * 4 > total,
        "too few block scalars on the fast path"
    );
}
