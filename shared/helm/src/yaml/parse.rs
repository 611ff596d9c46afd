//! YAML text to a node tree (first document only, as go-yaml v2's `Unmarshal` reads),
//! using saphyr-parser's event stream, with errors reworded as go-yaml words them.

use std::borrow::Cow;
use std::collections::HashMap;
use std::rc::Rc;

use saphyr_parser::{Event, Parser, ScalarStyle, ScanError};

use super::YamlError;

/// A parsed YAML node (aliases already expanded).
#[derive(Debug, Clone)]
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
    Ok(parse_inner(text, 1)?.into_iter().next().flatten())
}

fn parse_inner(text: &str, max_docs: usize) -> Result<Vec<Option<Node>>, YamlError> {
    let mut parser = Parser::new_from_str(text);
    let mut docs: Vec<Option<Node>> = Vec::new();
    let mut anchors: HashMap<usize, Rc<Node>> = HashMap::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut root: Option<Node> = None;
    let mut in_doc = false;
    loop {
        let Some(ev) = parser.next_event() else { break };
        let (ev, _span) = ev.map_err(|e| scan_error(text, &e))?;
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
                    return Err(YamlError::new("yaml: anchor value contains itself"));
                }
            },
            Event::Scalar(v, style, anchor, tag) => {
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
                _ => return Err(YamlError::new("yaml: unexpected sequence end")),
            },
            Event::MappingEnd => match stack.pop() {
                Some(Frame::Map(anchor, pairs, _)) => {
                    let n = Node::Map(pairs);
                    if anchor > 0 {
                        anchors.insert(anchor, Rc::new(n.clone()));
                    }
                    n
                }
                _ => return Err(YamlError::new("yaml: unexpected mapping end")),
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
    let line = e.marker().line(); // 1-based
    let (msg, parser_error) = reword(info);
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
    let _ = text;
    if shown == 0 {
        YamlError::new(format!("yaml: {msg}"))
    } else {
        YamlError::new(format!("yaml: line {shown}: {msg}"))
    }
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
                other => other,
            };
            return (rest.to_string(), true);
        }
    }
    let msg = match info {
        "did not find expected <document start>" => "did not find expected <document start>",
        "simple key expect ':'" => "could not find expected ':'",
        "invalid indentation" => "did not find expected key",
        other => other,
    };
    let parser = matches!(msg, "did not find expected <document start>");
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
}
