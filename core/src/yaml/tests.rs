use super::*;
use serde_json::json;

fn parse(text: &str) -> Stream {
    parse_stream(text, ParseOptions::default())
}

fn slice(text: &str, span: Span) -> &str {
    &text[span.range()]
}

#[test]
fn keys_and_values_keep_their_spans() {
    let text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: app\n    image: \"nginx:1\"\n";
    let s = parse(text);
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    let doc = &s.documents[0];
    let found = s
        .tree
        .lookup(doc.root, &doc.value, "/spec/containers/0/image")
        .unwrap();
    assert_eq!(slice(text, found.key.unwrap()), "image");
    assert_eq!(slice(text, found.value), "\"nginx:1\"");
    let meta = s.tree.lookup(doc.root, &doc.value, "/metadata").unwrap();
    assert_eq!(slice(text, meta.key.unwrap()), "metadata");
    assert_eq!(slice(text, meta.value), "name: web");
    let item = s
        .tree
        .lookup(doc.root, &doc.value, "/spec/containers/0")
        .unwrap();
    assert_eq!(item.key, None);
    assert!(slice(text, item.value).starts_with("name: app"));
    assert!(
        s.tree
            .lookup(doc.root, &doc.value, "/spec/missing")
            .is_none()
    );
}

#[test]
fn multi_byte_text_gives_byte_offsets() {
    let text = "a: \"héllo wörld\"\nb: ünïcode\n";
    let s = parse(text);
    let doc = &s.documents[0];
    let b = s.tree.lookup(doc.root, &doc.value, "/b").unwrap();
    assert_eq!(slice(text, b.key.unwrap()), "b");
    assert_eq!(slice(text, b.value), "ünïcode");
}

#[test]
fn flow_collections_span_their_brackets() {
    let text = "a: {x: 1, z: [1, 2]}\n";
    let s = parse(text);
    let doc = &s.documents[0];
    let a = s.tree.lookup(doc.root, &doc.value, "/a").unwrap();
    assert_eq!(slice(text, a.value), "{x: 1, z: [1, 2]}");
    let y1 = s.tree.lookup(doc.root, &doc.value, "/a/z/1").unwrap();
    assert_eq!(slice(text, y1.value), "2");
}

#[test]
fn documents_and_empty_documents() {
    let text = "---\n# only a comment\n---\na: 1\n---\n---\nb: 2\n...\n";
    let s = parse(text);
    assert_eq!(s.documents.len(), 2);
    assert_eq!(s.documents[0].value, json!({"a": 1}));
    assert_eq!(s.documents[1].value, json!({"b": 2}));
    assert!(s.documents[1].index > s.documents[0].index);
}

#[test]
fn duplicate_keys_are_errors_and_the_last_one_wins() {
    let text = "a: 1\nb: 2\na: 3\n";
    let s = parse(text);
    assert_eq!(s.errors.len(), 1);
    let e = &s.errors[0];
    assert_eq!(e.rule, "yaml-duplicate-key");
    assert_eq!(e.span, Span::new(10, 11));
    assert_eq!(e.related, Some(Span::new(0, 1)));
    let doc = &s.documents[0];
    assert_eq!(doc.value, json!({"a": 3, "b": 2}));
    let a = s.tree.lookup(doc.root, &doc.value, "/a").unwrap();
    assert_eq!(slice(text, a.value), "3");
}

#[test]
fn anchors_aliases_and_merge_keys() {
    let text = "base: &b\n  x: 1\n  z: 2\nchild:\n  <<: *b\n  z: 3\nlist: [*b]\n";
    let s = parse(text);
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    let doc = &s.documents[0];
    assert_eq!(doc.value["child"], json!({"x": 1, "z": 3}));
    assert_eq!(doc.value["list"], json!([{"x": 1, "z": 2}]));
    // A merged key points at where it was written, in the anchor.
    let x = s.tree.lookup(doc.root, &doc.value, "/child/x").unwrap();
    assert_eq!(x.key.map(|k| slice(text, k)), Some("x"));
    assert_eq!(x.value, Span::new(14, 15));
    // The explicit key wins over the merged one, without a duplicate-key error.
    let z = s.tree.lookup(doc.root, &doc.value, "/child/z").unwrap();
    assert_eq!(slice(text, z.value), "3");
}

#[test]
fn merge_of_a_list_gives_precedence_to_the_first() {
    let text = "a: &a {k: 1}\nb: &b {k: 2, m: 2}\nc:\n  <<: [*a, *b]\n";
    let s = parse(text);
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    assert_eq!(s.documents[0].value["c"], json!({"k": 1, "m": 2}));
}

#[test]
fn merge_of_a_scalar_is_an_error() {
    let s = parse("a:\n  <<: 3\n");
    assert_eq!(s.errors[0].rule, "yaml-invalid-value");
}

#[test]
fn billion_laughs_stops_at_the_alias_limit() {
    let mut text = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        let p = i - 1;
        text.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    text.push_str("---\nkept: yes\n");
    let s = parse(&text);
    assert!(s.errors.iter().any(|e| e.rule == "yaml-alias-limit"));
    // The hostile document is dropped; the next one is still read.
    assert_eq!(s.documents.len(), 1);
    assert_eq!(s.documents[0].value, json!({"kept": true}));
}

#[test]
fn a_syntax_error_does_not_hide_later_documents() {
    let text = "a: 1\n---\nb: [1, 2\nc: 3\n---\nd: 4\n";
    let s = parse(text);
    assert_eq!(s.errors.len(), 1, "{:?}", s.errors);
    assert_eq!(s.errors[0].rule, "yaml-syntax");
    let values: Vec<_> = s.documents.iter().map(|d| d.value.clone()).collect();
    assert_eq!(values, vec![json!({"a": 1}), json!({"d": 4})]);
}

#[test]
fn scalars_resolve_as_kubernetes_reads_them() {
    let text = "a: yes\nb: '0777'\nc: 0777\nd: ~\ne: 1e3\nf: 2024-01-02\ng: !!str 12\nh: .inf\n";
    let s = parse(text);
    let v = &s.documents[0].value;
    assert_eq!(v["a"], json!(true));
    assert_eq!(v["b"], json!("0777"));
    assert_eq!(v["c"], json!(511));
    assert_eq!(v["d"], json!(null));
    assert_eq!(v["e"], json!(1000));
    assert_eq!(v["f"], json!("2024-01-02"));
    assert_eq!(v["g"], json!("12"));
    assert_eq!(s.errors.len(), 1);
    assert_eq!(s.errors[0].rule, "yaml-invalid-value");
    assert_eq!(slice(text, s.errors[0].span), ".inf");
}

#[test]
fn non_string_keys_become_strings() {
    // YAML 1.1 reads a bare `y` or `on` key as a boolean, and the JSON key becomes "true".
    let s = parse("1: a\nyes: b\ny: c\nOff: d\n");
    assert_eq!(
        s.documents[0].value,
        json!({"1": "a", "true": "c", "false": "d"})
    );
    assert_eq!(s.errors[0].rule, "yaml-duplicate-key");
}

#[test]
fn json_is_read_with_spans() {
    let text = "{\n  \"kind\": \"List\",\n  \"items\": [{\"a\": 1}]\n}\n";
    let s = parse(text);
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    let doc = &s.documents[0];
    let a = s.tree.lookup(doc.root, &doc.value, "/items/0/a").unwrap();
    assert_eq!(slice(text, a.key.unwrap()), "\"a\"");
    assert_eq!(slice(text, a.value), "1");
}

#[test]
fn an_unclosed_bracket_does_not_hide_the_next_document() {
    for open in ["{", "["] {
        let text = format!("a: {open}1, 2\n---\nb: 2\n---\nc: 3\n");
        let s = parse(&text);
        assert_eq!(s.errors.len(), 1, "{:?}", s.errors);
        let values: Vec<_> = s.documents.iter().map(|d| d.value.clone()).collect();
        assert_eq!(values, vec![json!({"b": 2}), json!({"c": 3})], "{open}");
    }
}

#[test]
fn nesting_past_the_depth_limit_drops_the_document() {
    for (open, close) in [("- ", ""), ("a:\n", ""), ("[", "]")] {
        let mut text = String::new();
        for i in 0..60_000 {
            if open == "a:\n" {
                text.push_str(&" ".repeat(i % 2));
            }
            text.push_str(open);
        }
        text.push('x');
        text.push_str(&close.repeat(60_000));
        text.push_str("\n---\nkept: 1\n");
        let s = parse(&text);
        assert!(
            s.errors
                .iter()
                .any(|e| e.rule == "yaml-depth-limit" || e.rule == "yaml-syntax"),
            "{:?}",
            s.errors
        );
        assert_eq!(s.documents.len(), 1, "{open:?}");
        assert_eq!(s.documents[0].value, json!({"kept": 1}));
    }
    let options = ParseOptions {
        max_depth: 3,
        ..ParseOptions::default()
    };
    let s = parse_stream("a: {b: [1]}\n---\na: {b: [[1]]}\n", options);
    assert_eq!(s.documents.len(), 1);
    assert_eq!(s.errors.len(), 1);
    assert_eq!(s.errors[0].rule, "yaml-depth-limit");
}

#[test]
fn aliases_are_limited_per_file_too() {
    let options = ParseOptions {
        alias_node_limit: 100,
        alias_file_limit: 250,
        ..ParseOptions::default()
    };
    let doc = format!("a: &a [{}]\nb: [*a]\n", vec!["x"; 89].join(", "));
    let text = [doc.as_str(); 4].join("---\n");
    let s = parse_stream(&text, options);
    // Each document adds 90 nodes: the first two fit in the file's budget, the rest do not.
    assert_eq!(s.documents.len(), 2, "{:?}", s.errors);
    assert_eq!(s.errors.len(), 2);
    assert!(s.errors.iter().all(|e| e.rule == "yaml-alias-limit"));
    assert!(s.errors[0].message.contains("this file"));
}

#[test]
fn keys_of_a_large_mapping_are_found_by_their_index() {
    let text: String = (0..100).map(|i| format!("k{i}: {i}\n")).collect();
    let s = parse(&text);
    let doc = &s.documents[0];
    let found = s.tree.lookup(doc.root, &doc.value, "/k77").unwrap();
    assert_eq!(slice(&text, found.key.unwrap()), "k77");
    assert_eq!(slice(&text, found.value), "77");
    assert!(s.tree.lookup(doc.root, &doc.value, "/k100").is_none());
}

#[test]
fn positions_stay_right_after_a_syntax_error_in_non_ascii_text() {
    let text = "a: é\nb: [\n---\nc: ü\n---\nd: \"ß\n---\ne: ñ\n";
    let s = parse(text);
    let last = s.documents.last().unwrap();
    let found = s.tree.lookup(last.root, &last.value, "/e").unwrap();
    assert_eq!(slice(text, found.value), "ñ");
    assert_eq!(s.documents.len(), 2, "{:?}", s.errors);
    let c = &s.documents[0];
    assert_eq!(c.value, json!({"c": "ü"}));
    let found = s.tree.lookup(c.root, &c.value, "/c").unwrap();
    assert_eq!(slice(text, found.value), "ü");
}

// go-yaml v2's leniencies (lenient.rs): each read as kubectl reads it, positions exact, and
// the neighbouring construct go-yaml rejects still a `yaml-syntax` error at its place.

/// The document's value and the text at a pointer's value.
fn read_at<'t>(text: &'t str, pointer: &str) -> (Value, &'t str) {
    let s = parse(text);
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    let doc = &s.documents[0];
    let found = s.tree.lookup(doc.root, &doc.value, pointer).unwrap();
    (doc.value.clone(), slice(text, found.value))
}

fn syntax_error_at(text: &str) -> &str {
    let s = parse(text);
    let e = s
        .errors
        .iter()
        .find(|e| e.rule == "yaml-syntax")
        .unwrap_or_else(|| panic!("no yaml-syntax error: {:?}", s.documents));
    &text[e.span.start as usize..]
}

#[test]
fn a_quoted_scalar_may_continue_at_its_key_indentation() {
    let text = "data:\n  a: \"first line\n  continued\"\n  b: 'single\n  quoted'\n  c: after\n";
    let (value, a) = read_at(text, "/data/a");
    assert_eq!(
        value,
        json!({"data": {"a": "first line continued", "b": "single quoted", "c": "after"}})
    );
    assert_eq!(a, "\"first line\n  continued\"");
    let (_, b) = read_at(text, "/data/b");
    assert_eq!(b, "'single\n  quoted'");
    let (_, c) = read_at(text, "/data/c");
    assert_eq!(c, "after");
}

#[test]
fn a_quoted_scalar_may_continue_anywhere_left_of_its_key() {
    // Column 0, a blank line (a line break in the value), an escaped line break, a tab.
    let text = "spec:\n  x:\n    a: \"one\ntwo\n\n three \\\nfour\n\tfive\"\n    b: 2\n";
    let (value, a) = read_at(text, "/spec/x/a");
    assert_eq!(value["spec"]["x"]["a"], json!("one two\nthree four five"));
    assert!(a.starts_with("\"one\n") && a.ends_with("five\""), "{a}");
    let (_, b) = read_at(text, "/spec/x/b");
    assert_eq!(b, "2");
}

#[test]
fn positions_after_repairs_stay_exact_in_non_ascii_text() {
    let text = "a: \"héllo\nwörld\"\nb: [ü,\nv]\nc: \"x\"#note\nd: é\n";
    let s = parse(text);
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    let doc = &s.documents[0];
    assert_eq!(
        doc.value,
        json!({"a": "héllo wörld", "b": ["ü", "v"], "c": "x", "d": "é"})
    );
    for (pointer, want) in [
        ("/a", "\"héllo\nwörld\""),
        ("/b", "[ü,\nv]"),
        ("/b/1", "v"),
        ("/c", "\"x\"#note"),
        ("/d", "é"),
    ] {
        let found = s.tree.lookup(doc.root, &doc.value, pointer).unwrap();
        assert_eq!(slice(text, found.value), want, "{pointer}");
    }
    let d = s.tree.lookup(doc.root, &doc.value, "/d").unwrap();
    assert_eq!(slice(text, d.key.unwrap()), "d");
}

#[test]
fn a_document_marker_still_ends_a_quoted_scalar() {
    // go-yaml stops at `---` or `...` in column 0: the scalar is unclosed.
    let text = "a: \"first\n---\nb: 1\n";
    assert!(syntax_error_at(text).starts_with("\"first"));
    let text = "a: 'first\n... \n";
    assert!(syntax_error_at(text).starts_with("'first"));
    // An unclosed quote is an error where it opens.
    let text = "a: 1\nb: \"never\nclosed\n";
    assert!(syntax_error_at(text).starts_with("\"never"));
}

#[test]
fn a_flow_collection_may_continue_at_its_key_indentation() {
    let text = "spec:\n  args: [\"--a\",\n  --b,\n--c]\n  env: {a: 1,\nb: 2}\n  after: x\n";
    let (value, args) = read_at(text, "/spec/args");
    assert_eq!(
        value,
        json!({"spec": {"args": ["--a", "--b", "--c"], "env": {"a": 1, "b": 2}, "after": "x"}})
    );
    assert_eq!(args, "[\"--a\",\n  --b,\n--c]");
    assert_eq!(read_at(text, "/spec/args/2").1, "--c");
    assert_eq!(read_at(text, "/spec/env/b").1, "2");
    assert_eq!(read_at(text, "/spec/after").1, "x");
}

#[test]
fn a_flow_collection_still_needs_its_separators() {
    // Unclosed, however it is indented.
    let text = "a: [x,\ny\nb: 1\n";
    assert!(!parse(text).errors.is_empty());
    // An empty entry is an error for go-yaml too.
    let text = "a: [x, , y]\n";
    assert!(syntax_error_at(text).starts_with(", y]"));
}

#[test]
fn a_comment_may_follow_a_closing_quote_or_bracket() {
    let text = "a: \"b\"#one\nc: 'd'#two\ne: [f]#three\ng: {h: i}#four\nj: k#not-a-comment\n";
    let (value, e) = read_at(text, "/e");
    assert_eq!(
        value,
        json!({"a": "b", "c": "d", "e": ["f"], "g": {"h": "i"}, "j": "k#not-a-comment"})
    );
    // A value's span runs to the end of its line's comment, as it does with a space before `#`.
    assert_eq!(e, "[f]#three");
    assert_eq!(read_at(text, "/g/h").1, "i");
    assert_eq!(read_at(text, "/j").1, "k#not-a-comment");
    let (value, _) = read_at("a: |#one\n  x\nb: >-#two\n  y\nc: x|#three\n", "/b");
    assert_eq!(value, json!({"a": "x\n", "b": "y", "c": "x|#three"}));
}

#[test]
fn a_tab_may_separate_a_value() {
    let text = "a:\tb\nc: d\n";
    let (value, a) = read_at(text, "/a");
    assert_eq!(value, json!({"a": "b", "c": "d"}));
    assert_eq!(a, "b");
    // Not before a block sequence entry, as go-yaml.
    assert!(syntax_error_at("a:\t\t- b\n").starts_with("- b"));
}

#[test]
fn a_tab_still_cannot_indent_a_block() {
    let text = "a:\n\tb: c\n";
    assert!(syntax_error_at(text).starts_with("b: c") || syntax_error_at(text).starts_with('\t'));
}

#[test]
fn an_escaped_apostrophe_in_double_quotes_is_an_apostrophe() {
    let text = "a: \"it\\'s \\a \\x07 \\'\"\nb: \"don\\'t\nsplit\"\nc: 'plain\\'\n";
    let (value, a) = read_at(text, "/a");
    assert_eq!(
        value,
        json!({"a": "it's \u{7} \u{7} '", "b": "don't split", "c": "plain\\"})
    );
    assert_eq!(a, "\"it\\'s \\a \\x07 \\'\"");
    // Other escapes YAML 1.2 does not know stay errors, as for go-yaml.
    assert!(syntax_error_at("a: \"\\q\"\n").starts_with("\"\\q"));
}

#[test]
fn a_carriage_return_alone_breaks_a_quoted_line() {
    let (value, _) = read_at("a: \"x\ry\"\nb: 1\n", "/b");
    assert_eq!(value, json!({"a": "x y", "b": 1}));
}

#[test]
fn control_characters_drop_their_document() {
    let text = "a: 1\n---\n# a \u{1} in a comment\nb: 2\n---\nc: \"\u{7f}\"\n---\nd: é\u{86}\n---\ne: \u{85}\n";
    let s = parse(text);
    let values: Vec<_> = s.documents.iter().map(|d| d.value.clone()).collect();
    assert_eq!(values, [json!({"a": 1}), json!({"e": "\u{85}"})]);
    let at: Vec<_> = s
        .errors
        .iter()
        .map(|e| (e.rule, &text[e.span.range()]))
        .collect();
    assert_eq!(
        at,
        [
            ("yaml-syntax", "\u{1}"),
            ("yaml-syntax", "\u{7f}"),
            ("yaml-syntax", "\u{86}")
        ]
    );
    assert!(
        s.errors[0].message.contains("U+0001"),
        "{}",
        s.errors[0].message
    );
}

#[test]
fn a_tab_after_a_dash_is_an_error() {
    let text = "a:\n- x\n-\ty\n- \t{z: 1}\n";
    let s = parse(text);
    assert!(s.documents.is_empty());
    assert_eq!(s.errors.len(), 1, "{:?}", s.errors);
    assert_eq!(s.errors[0].span, Span::new(8, 9));
    // A tab inside an item, or after `:`, stays fine.
    let (value, _) = read_at("a:\n- x\ty\n- k:\tv\n", "/a/1/k");
    assert_eq!(value, json!({"a": ["x\ty", {"k": "v"}]}));
}

#[test]
fn directives_are_errors_as_kubectl_splits_them_off() {
    let text = "%YAML 1.1\n%TAG ! tag:x,2000:\n# note\n---\nb: 2\n---\nc: 3\n";
    let s = parse(text);
    let values: Vec<_> = s.documents.iter().map(|d| d.value.clone()).collect();
    assert_eq!(values, [json!({"c": 3})]);
    let at: Vec<_> = s.errors.iter().map(|e| (e.rule, e.span)).collect();
    assert_eq!(
        at,
        [
            ("yaml-syntax", Span::new(0, 1)),
            ("yaml-syntax", Span::new(10, 11))
        ]
    );
    // After a document without `...`, the parser's own error stands alone.
    let s = parse("a: 1\n---\n%YAML 1.1\n---\nb: 2\n");
    assert_eq!(s.errors.len(), 1, "{:?}", s.errors);
    // A `%` inside a value is no directive.
    let (value, _) = read_at("a: \"x\n%YAML y\"\n", "/a");
    assert_eq!(value, json!({"a": "x %YAML y"}));
}

#[test]
fn a_long_flow_collection_left_of_its_key_is_read_in_one_repair() {
    let mut text = String::from("spec:\n  args: [\n");
    for i in 0..3000 {
        text.push_str(&format!("\"--flag-{i}\",\n"));
    }
    text.push_str("]\n  after: 1\n");
    let s = parse(&text);
    assert!(s.errors.is_empty(), "{:?}", s.errors);
    let doc = &s.documents[0];
    assert_eq!(doc.value["spec"]["args"][2999], json!("--flag-2999"));
    let found = s.tree.lookup(doc.root, &doc.value, "/spec/after").unwrap();
    assert_eq!(slice(&text, found.value), "1");
}

#[test]
fn repairs_stop_at_their_budget() {
    // Thousands of quoted values, each continued left of its key, in one large document: each
    // repair reads the document again, so they stop once the budget is spent and the
    // parser's error stands.
    let mut text = String::from("a:\n");
    for i in 0..20_000 {
        text.push_str(&format!("  k{i}: \"x\ny\"\n"));
    }
    let s = parse(&text);
    assert!(s.documents.is_empty());
    assert_eq!(s.errors.len(), 1);
    assert_eq!(s.errors[0].rule, "yaml-syntax");
    // A few of them are repaired as usual.
    let s = parse("a:\n  k1: \"x\ny\"\n  k2: \"x\ny\"\n");
    assert!(s.errors.is_empty(), "{:?}", s.errors);
}

#[test]
fn an_alias_may_be_a_key_right_before_its_colon() {
    let text = "base: &k name\nmap:\n  *k: value\n  other: 1\nflow: {*k: v}\n";
    let (value, v) = read_at(text, "/map/name");
    assert_eq!(
        value,
        json!({"base": "name", "map": {"name": "value", "other": 1}, "flow": {"name": "v"}})
    );
    assert_eq!(v, "value");
    // Without an anchor of that name it stays an error, and text that only looks like an
    // alias is left alone.
    assert!(!parse("map:\n  *k: value\n").errors.is_empty());
    let (value, _) = read_at("a: &k x\nb: \"*k: y\"\n", "/b");
    assert_eq!(value["b"], json!("*k: y"));
}
