//! YAML text to a node tree (first document only, as go-yaml v2's `Unmarshal` reads),
//! using saphyr-parser's event stream, with errors reworded as go-yaml words them; the
//! plain block YAML that templates produce is read by [`super::fast`] instead.

use std::borrow::Cow;
use std::collections::HashMap;
use std::rc::Rc;

use saphyr_parser::{Event, Parser, ScalarStyle, ScanError};

use super::YamlError;

/// A parsed YAML node (aliases already expanded).
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// A scalar: text, whether it was plain, and its tag (`!!str`, `!foo`, ...).
    Scalar {
        /// The scalar's text.
        value: String,
        /// Plain (unquoted, not a block scalar).
        plain: bool,
        /// Explicit tag, in short form (`!!int`, `!custom`), if any.
        tag: Option<String>,
    },
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in document order.
    Map(Vec<(Node, Node)>),
    /// An alias (kept for the merge-key check; holds the expanded node).
    Alias(Rc<Node>),
}

fn tag_string(tag: Option<Cow<'_, saphyr_parser::Tag>>) -> Option<String> {
    let t = tag?;
    if t.handle == "tag:yaml.org,2002:" {
        Some(format!("!!{}", t.suffix))
    } else if t.handle == "!" {
        Some(format!("!{}", t.suffix))
    } else {
        Some(format!("{}{}", t.handle, t.suffix))
    }
}

enum Frame {
    Seq(usize, Vec<Node>),
    Map(usize, Vec<(Node, Node)>, Option<Node>),
}

/// Parses every document of the stream.
///
/// # Errors
/// Malformed YAML, worded as go-yaml words it.
pub fn parse_documents(text: &str) -> Result<Vec<Option<Node>>, YamlError> {
    parse_inner(text, usize::MAX)
}

/// Parses the first document (`None` when the stream holds no content).
///
/// # Errors
/// Malformed YAML, worded as go-yaml words it.
pub fn parse_first(text: &str) -> Result<Option<Node>, YamlError> {
    let body = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    if let Some(doc) = super::fast::parse_first(body) {
        return Ok(doc);
    }
    parse_first_full(text)
}

/// [`parse_first`] through saphyr-parser's events only (no fast path).
///
/// # Errors
/// Malformed YAML, worded as go-yaml words it.
pub fn parse_first_full(text: &str) -> Result<Option<Node>, YamlError> {
    Ok(parse_inner(text, 1)?.into_iter().next().flatten())
}

fn parse_inner(text: &str, max_docs: usize) -> Result<Vec<Option<Node>>, YamlError> {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let mut patched: Option<String> = None;
    for _ in 0..64 {
        let cur = patched.as_deref().unwrap_or(text);
        match parse_events(cur, max_docs) {
            Err(Retry::TabAfterColon(char_index)) => {
                // libyaml accepts a tab as the separator after ':'; saphyr does not.
                let mut chars: Vec<char> = cur.chars().collect();
                let start = chars.len().min(char_index + 1);
                let colon = (0..start).rev().find(|&i| chars[i] == ':').unwrap_or(0);
                let tab = (colon..chars.len()).find(|&i| chars[i] == '\t');
                match tab {
                    Some(i) => chars[i] = ' ',
                    None => break,
                }
                patched = Some(chars.into_iter().collect());
            }
            Err(Retry::Fail(e)) => return Err(e),
            Ok(d) => return Ok(d),
        }
    }
    Err(YamlError::new(
        "yaml: mapping values are not allowed in this context",
    ))
}

enum Retry {
    TabAfterColon(usize),
    Fail(YamlError),
}

fn parse_events(text: &str, max_docs: usize) -> Result<Vec<Option<Node>>, Retry> {
    let fail = |m: &str| Retry::Fail(YamlError::new(m));
    let mut parser = Parser::new_from_str(text);
    let mut docs: Vec<Option<Node>> = Vec::new();
    let mut anchors: HashMap<usize, Rc<Node>> = HashMap::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut flow_maps: Vec<bool> = Vec::new();
    let mut root: Option<Node> = None;
    let mut in_doc = false;
    let mut char_at = CharAt::new(text);
    while let Some(ev) = parser.next_event() {
        let (ev, span) = ev.map_err(|e| {
            if e.info() == "':' must be followed by a valid YAML whitespace" {
                Retry::TabAfterColon(e.marker().index())
            } else {
                Retry::Fail(scan_error(text, &e))
            }
        })?;
        let node = match ev {
            Event::StreamStart | Event::Nothing => continue,
            Event::StreamEnd => break,
            Event::DocumentStart(_) => {
                in_doc = true;
                root = None;
                continue;
            }
            Event::DocumentEnd => {
                if in_doc {
                    docs.push(root.take());
                    in_doc = false;
                    if docs.len() >= max_docs {
                        return Ok(docs);
                    }
                }
                continue;
            }
            Event::Alias(id) => match anchors.get(&id) {
                Some(n) => Node::Alias(Rc::clone(n)),
                None => {
                    let name = alias_name_at(text, span.start.index());
                    return Err(Retry::Fail(YamlError::new(format!(
                        "yaml: anchor '{name}' value contains itself"
                    ))));
                }
            },
            Event::Scalar(v, style, anchor, tag) => {
                let awaiting_key = matches!(stack.last(), Some(Frame::Map(_, _, None)));
                let in_flow = flow_maps.last().copied().unwrap_or(false);
                if awaiting_key
                    && v == "~"
                    && style == ScalarStyle::Plain
                    && span.start.index() == span.end.index()
                    && char_at.get(span.start.index()) == Some(':')
                    && !explicit_key_before(text, span.start.index())
                {
                    // libyaml has no implicit empty key.
                    let line = span.start.line().saturating_sub(1);
                    let msg = if in_flow {
                        "yaml: did not find expected node content".to_string()
                    } else if line == 0 {
                        "yaml: did not find expected key".to_string()
                    } else {
                        format!("yaml: line {line}: did not find expected key")
                    };
                    return Err(Retry::Fail(YamlError::new(msg)));
                }
                let n = Node::Scalar {
                    value: v.into_owned(),
                    plain: style == ScalarStyle::Plain,
                    tag: tag_string(tag),
                };
                if anchor > 0 {
                    anchors.insert(anchor, Rc::new(n.clone()));
                }
                n
            }
            Event::SequenceStart(anchor, tag) => {
                let _ = tag;
                stack.push(Frame::Seq(anchor, Vec::new()));
                continue;
            }
            Event::MappingStart(anchor, tag) => {
                let _ = tag;
                flow_maps.push(char_at.get(span.start.index()) == Some('{'));
                stack.push(Frame::Map(anchor, Vec::new(), None));
                continue;
            }
            Event::SequenceEnd => match stack.pop() {
                Some(Frame::Seq(anchor, items)) => {
                    let n = Node::Seq(items);
                    if anchor > 0 {
                        anchors.insert(anchor, Rc::new(n.clone()));
                    }
                    n
                }
                _ => return Err(fail("yaml: unexpected sequence end")),
            },
            Event::MappingEnd => match stack.pop() {
                Some(Frame::Map(anchor, pairs, _)) => {
                    flow_maps.pop();
                    let n = Node::Map(pairs);
                    if anchor > 0 {
                        anchors.insert(anchor, Rc::new(n.clone()));
                    }
                    n
                }
                _ => return Err(fail("yaml: unexpected mapping end")),
            },
        };
        match stack.last_mut() {
            None => root = Some(node),
            Some(Frame::Seq(_, items)) => items.push(node),
            Some(Frame::Map(_, pairs, key)) => match key.take() {
                None => *key = Some(node),
                Some(k) => pairs.push((k, node)),
            },
        }
    }
    if in_doc {
        docs.push(root.take());
    }
    Ok(docs)
}

/// Rewords a saphyr error as go-yaml (libyaml) reports it: `yaml: line N: problem`.
fn scan_error(text: &str, e: &ScanError) -> YamlError {
    let info = e.info();
    let mut line = e.marker().line(); // 1-based
    let (msg, parser_error) = reword(info);
    if msg == "unknown anchor" {
        let name = alias_name_at(text, e.marker().index());
        return YamlError::new(format!("yaml: unknown anchor '{name}' referenced"));
    }
    if msg == "found a tab character that violates indentation" {
        let idx = e.marker().index();
        let before: String = text.chars().take(idx).collect();
        let after: String = text.chars().skip(idx).collect();
        let tab_line = after
            .find('\t')
            .map(|p| before.matches('\n').count() + after[..p].matches('\n').count() + 1);
        line = tab_line.unwrap_or(line);
    }
    if msg == "found unexpected end of stream" {
        line = text.matches('\n').count() + 1;
    }
    // go-yaml: scanner errors print problem_mark.line+1, parser errors problem_mark.line
    // (0-based); a 0 line prints nothing.
    let zero_based = line.saturating_sub(1);
    let shown = if parser_error {
        zero_based
    } else if zero_based == 0 {
        0
    } else {
        zero_based + 1
    };
    if shown == 0 {
        YamlError::new(format!("yaml: {msg}"))
    } else {
        YamlError::new(format!("yaml: line {shown}: {msg}"))
    }
}

/// The character at a char index (the parser's marks count chars, not bytes): read
/// directly in ASCII text, else found by walking on from the last index asked for (marks
/// mostly increase), so a document is not rescanned from its start for every mapping.
struct CharAt<'t> {
    text: &'t str,
    ascii: bool,
    /// the last char index reached and its byte offset
    ci: usize,
    bi: usize,
}

impl<'t> CharAt<'t> {
    fn new(text: &'t str) -> Self {
        CharAt {
            text,
            ascii: text.is_ascii(),
            ci: 0,
            bi: 0,
        }
    }

    fn get(&mut self, index: usize) -> Option<char> {
        if self.ascii {
            return self.text.as_bytes().get(index).map(|b| char::from(*b));
        }
        if index < self.ci {
            self.ci = 0;
            self.bi = 0;
        }
        let mut chars = self.text.get(self.bi..)?.chars();
        for _ in self.ci..index {
            chars.next()?;
        }
        self.ci = index;
        self.bi = self.text.len() - chars.as_str().len();
        chars.next()
    }
}

/// Whether the last non-blank character before a char index is an explicit `?` key.
fn explicit_key_before(text: &str, char_index: usize) -> bool {
    let before: Vec<char> = text.chars().take(char_index).collect();
    before
        .iter()
        .rev()
        .find(|c| !c.is_whitespace())
        .is_some_and(|&c| c == '?')
}

/// The alias name (`*name`) at or after a char index.
fn alias_name_at(text: &str, char_index: usize) -> String {
    let rest: String = text.chars().skip(char_index).collect();
    let from = rest.find('*').map_or(rest.as_str(), |i| &rest[i + 1..]);
    from.chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '-')
        .collect()
}

/// Maps saphyr's message to libyaml's problem text; the flag tells a parser error.
fn reword(info: &str) -> (String, bool) {
    let parser_prefixes = [
        "while parsing a block mapping, ",
        "while parsing a flow mapping, ",
        "while parsing a flow sequence, ",
        "while parsing a block collection, ",
        "while parsing a node, ",
        "while parsing node, ",
    ];
    for p in parser_prefixes {
        if let Some(rest) = info.strip_prefix(p) {
            let rest = match rest {
                "expected ',' or ']'" => "did not find expected ',' or ']'",
                "found unknown anchor" => "unknown anchor",
                other => other,
            };
            return (rest.to_string(), true);
        }
    }
    let mut msg = info;
    for p in [
        "while scanning a quoted scalar, ",
        "while parsing a quoted scalar, ",
        "while scanning a block scalar, ",
        "while scanning an anchor or alias, ",
        "while scanning a plain scalar, ",
        "while scanning a tag, ",
        "while parsing a tag, ",
        "while scanning a directive, ",
    ] {
        if let Some(rest) = msg.strip_prefix(p) {
            msg = rest;
        }
    }
    let msg = match msg {
        "simple key expect ':'" => "could not find expected ':'",
        "invalid indentation" => "did not find expected key",
        "did not find expected hexadecimal number" => "did not find expected hexdecimal number",
        "found a tab" => "found a tab character that violates indentation",
        "tabs disallowed within this context (block indentation)" => {
            "found character that cannot start any token"
        }
        m if m.starts_with("unexpected character: ") => {
            "found character that cannot start any token"
        }
        other => other,
    };
    let (msg, parser) = match msg {
        "invalid trailing content after double-quoted scalar" => {
            ("did not find expected key", true)
        }
        m => (m, m == "did not find expected <document start>"),
    };
    (msg.to_string(), parser)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_document_only_is_read() {
        let n = parse_first("a: 1\n---\nb: 2\n").unwrap().unwrap();
        match n {
            Node::Map(p) => assert_eq!(p.len(), 1),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn empty_stream_has_no_node() {
        assert!(parse_first("").unwrap().is_none());
        assert!(parse_first("# only a comment\n").unwrap().is_none());
    }

    #[test]
    fn char_indexes_find_the_same_char_in_any_order() {
        let text = "a: é\nb: {c: ü}\nd: ß";
        let chars: Vec<char> = text.chars().collect();
        let mut at = CharAt::new(text);
        for i in [0, 3, 7, 12, 2, 15, chars.len() - 1, 1] {
            assert_eq!(at.get(i), Some(chars[i]), "index {i}");
        }
        assert_eq!(at.get(chars.len()), None);
        let mut ascii = CharAt::new("x: {y: 1}");
        assert_eq!(ascii.get(3), Some('{'));
        assert_eq!(ascii.get(40), None);
    }

    #[test]
    fn flow_maps_after_non_ascii_text_parse() {
        let doc = "é: 1\nm: {a: ü, b: [1, 2]}\nn:\n  k: v\n";
        assert!(parse_first(doc).unwrap().is_some());
    }
}
