//! A fast path for the block YAML that templates and values files are made of: block
//! mappings with plain or one-line quoted keys, block sequences (with compact `- k: v`
//! and `- - x` entries), one-line plain and quoted scalars, `[]`, `{}` and one-line
//! flow sequences of scalars, literal block scalars (`|`, `|-`, `|+`, `|2`), comments,
//! blank lines, and `---` before the document or after it (the rest of a stream is not
//! read). It reads the lines straight into what saphyr-parser's events give (see
//! [`super::parse`]): the same [`Node`] tree ([`parse_first`]), or at once the value
//! that tree decodes to ([`parse_value`]).
//!
//! It never words an error: anything outside that subset, or anything that looks
//! malformed (tabs, `\r`, control characters, other flow collections, anchors, aliases,
//! tags, folded scalars, `?` keys, plain or quoted scalars over several lines, `...`,
//! directives...), makes it answer "not handled", and the caller parses with
//! saphyr-parser, which reads it (or words its error) as before.

use std::marker::PhantomData;
use std::rc::Rc;

use super::parse::Node;
use super::resolve::{resolve_v2, Resolved};
use crate::value::{Map, Value};
use scalar::{flow, leading_scalar};

mod block;
mod scalar;

/// How deep collections may nest here; deeper documents go to the full parser.
const MAX_DEPTH: usize = 200;

/// Longest implicit key read here, in bytes (YAML caps implicit keys at 1024
/// characters).
const MAX_KEY_LEN: usize = 1000;

/// The first document of `text` (BOM already removed) as saphyr-parser's events build
/// it: `Some(None)` when the stream holds no node, `None` when the fast path does not
/// handle the text.
pub(super) fn parse_first(text: &str) -> Option<Option<Node>> {
    read::<Tree>(text)
}

/// The value Helm reads from `text` (BOM already removed), as [`super::parse`] gives
/// it, or `None` when the fast path does not handle the text. Besides the syntax, it
/// leaves to the full path mappings with keys that do not read as strings (`1:`,
/// `true:`, `~:`, `<<:`) and the NaN and infinite numbers JSON refuses.
pub(super) fn parse_value(text: &str) -> Option<Value> {
    Some(read::<Json>(text)?.unwrap_or(Value::Nil))
}

/// What the fast path makes of what it reads; `None` from a scalar or key declines the
/// whole document.
trait Build {
    /// A scalar or collection.
    type Out;
    /// A mapping key.
    type Key;
    /// A scalar: its text, and whether it was plain (unquoted).
    fn scalar(text: &str, plain: bool) -> Option<Self::Out>;
    /// A mapping key.
    fn key(text: &str, plain: bool) -> Option<Self::Key>;
    /// A sequence.
    fn seq(items: Vec<Self::Out>) -> Self::Out;
    /// A mapping, pairs in document order.
    fn map(pairs: Vec<(Self::Key, Self::Out)>) -> Self::Out;
}

/// Builds saphyr-parser's [`Node`] tree.
struct Tree;

impl Build for Tree {
    type Out = Node;
    type Key = Node;

    fn scalar(text: &str, plain: bool) -> Option<Node> {
        Some(Node::Scalar {
            value: text.to_string(),
            plain,
            tag: None,
        })
    }

    fn key(text: &str, plain: bool) -> Option<Node> {
        Self::scalar(text, plain)
    }

    fn seq(items: Vec<Node>) -> Node {
        Node::Seq(items)
    }

    fn map(pairs: Vec<(Node, Node)>) -> Node {
        Node::Map(pairs)
    }
}

/// Builds the value `decode::decode` then `decode::to_json_value` give for the tree:
/// plain scalars resolved as go-yaml v2 resolves them, numbers as floats. Keys must
/// resolve to strings, so that the last of equal keys wins as in the decoder.
struct Json;

impl Build for Json {
    type Out = Value;
    type Key = Rc<str>;

    fn scalar(text: &str, plain: bool) -> Option<Value> {
        if !plain {
            return Some(Value::str(text));
        }
        Some(match resolve_v2(text) {
            Resolved::Null => Value::Nil,
            Resolved::Bool(b) => Value::Bool(b),
            Resolved::Int(i) => Value::Float(i as f64),
            Resolved::Uint(u) => Value::Float(u as f64),
            Resolved::Float(f) if f.is_finite() => Value::Float(f),
            Resolved::Float(_) => return None,
            Resolved::Timestamp | Resolved::Merge | Resolved::Str => Value::str(text),
        })
    }

    fn key(text: &str, plain: bool) -> Option<Rc<str>> {
        // a plain `<<` is a merge key, whatever it resolves to
        let string = !plain
            || (text != "<<" && matches!(resolve_v2(text), Resolved::Str | Resolved::Timestamp));
        string.then(|| Rc::from(text))
    }

    fn seq(items: Vec<Value>) -> Value {
        Value::from_list(items)
    }

    fn map(pairs: Vec<(Rc<str>, Value)>) -> Value {
        let mut m = Map::with_capacity(pairs.len());
        for (k, v) in pairs {
            m.insert(k, v);
        }
        Value::from_map(m)
    }
}

/// The first document, built by `B`; see [`parse_first`].
fn read<B: Build>(text: &str) -> Option<Option<B::Out>> {
    if has_odd_chars(text) {
        return None;
    }
    let mut lines = Vec::new();
    let (mut explicit_start, mut has_content) = (false, false);
    let mut doc_end = usize::MAX;
    let mut start = 0;
    let ends = memchr::memchr_iter(b'\n', text.as_bytes()).chain([text.len()]);
    for end in ends {
        let raw = &text[start..end];
        start = end + 1;
        let body = raw.trim_start_matches(' ');
        if body.starts_with("---") || body.starts_with("...") {
            // A document marker (or a first token the scanner takes for one): a lone
            // `---` may start the document, and a `---` after content starts the next
            // one, which the scanner does not reach before the first document is read.
            let marker =
                raw.starts_with("---") && matches!(raw.as_bytes().get(3), None | Some(b' '));
            if marker && has_content {
                // kept as the line that ends a block scalar, never read as content
                doc_end = lines.len();
                lines.push(Line { indent: 0, raw });
                break;
            }
            let lone = raw.len() == body.len() && body.trim_end_matches(' ') == "---";
            if !lone || explicit_start {
                return None;
            }
            explicit_start = true;
            continue;
        }
        let line = Line {
            indent: raw.len() - body.len(),
            raw,
        };
        has_content |= line.has_content();
        lines.push(line);
    }
    let mut p = Parser::<B> {
        end: doc_end.min(lines.len()),
        lines: &lines,
        pos: 0,
        build: PhantomData,
    };
    let Some(first) = p.peek() else {
        // An empty stream has no document; `---` alone is an empty document.
        return if explicit_start { None } else { Some(None) };
    };
    p.pos += 1;
    if matches!(first.body().as_bytes()[0], b'|' | b'>') {
        return None;
    }
    // A lone scalar or flow collection must be the only line (any other continues it).
    let root = p.entry(first.indent, first.body(), first.indent, 0)?;
    p.peek().is_none().then_some(Some(root))
}

/// Characters the fast path leaves to the full parser: tabs, carriage returns and other
/// control characters, and the Unicode line separators, BOM and non-characters.
fn has_odd_chars(text: &str) -> bool {
    // branch-free over blocks, so that the compiler can check many bytes at once
    let odd = |b: u8| ((b < 0x20) & (b != b'\n')) | (b == 0x7f);
    let odd_byte = text
        .as_bytes()
        .chunks(64)
        .any(|block| block.iter().fold(false, |seen, &b| seen | odd(b)));
    if odd_byte {
        return true;
    }
    !text.is_ascii()
        && text.chars().any(|c| {
            matches!(
                c,
                '\u{80}'
                    ..='\u{9f}' | '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{fffe}' | '\u{ffff}'
            )
        })
}

/// One line of the text (without its `\n`) and its indentation (leading spaces).
#[derive(Debug, Clone, Copy)]
struct Line<'t> {
    indent: usize,
    raw: &'t str,
}

impl<'t> Line<'t> {
    /// The line after its indentation.
    fn body(&self) -> &'t str {
        &self.raw[self.indent..]
    }

    /// Neither blank nor a comment.
    fn has_content(&self) -> bool {
        !matches!(self.body().as_bytes().first(), None | Some(b'#'))
    }
}
/// Reads block collections from the lines; every method answers `None` for "not
/// handled".
struct Parser<'l, 't, B> {
    /// the lines of the text, up to a `---` line that starts the next document
    lines: &'l [Line<'t>],
    /// the index of that `---` line, else the number of lines
    end: usize,
    /// the next line not yet read
    pos: usize,
    build: PhantomData<B>,
}

impl<'t, B: Build> Parser<'_, 't, B> {
    /// The next line with content (skipping blank and comment lines), not yet read.
    fn peek(&mut self) -> Option<Line<'t>> {
        while self.pos < self.end {
            let l = self.lines[self.pos];
            if l.has_content() {
                return Some(l);
            }
            self.pos += 1;
        }
        None
    }

    /// The node that starts at column `col` with `content` (the rest of a line already
    /// read, not empty) and may go on over the following lines: a sequence, a mapping,
    /// or a scalar or flow collection filling the line, or a literal block scalar,
    /// inside a collection at column `parent` (any more indented line would continue
    /// a scalar).
    fn entry(
        &mut self,
        col: usize,
        content: &'t str,
        parent: usize,
        depth: usize,
    ) -> Option<B::Out> {
        if is_entry(content) {
            return self.sequence(col, content, depth);
        }
        if matches!(content.as_bytes()[0], b'[' | b'{' | b'|') {
            return self.value(content, parent);
        }
        let (text, plain, after_colon) = leading_scalar(content)?;
        match after_colon {
            Some(rest) => self.mapping(col, B::key(&text, plain)?, rest, depth),
            None => self.no_continuation(B::scalar(&text, plain)?, parent),
        }
    }

    /// A block sequence at column `col`; `first` is its first `-` entry. It ends at a
    /// line less indented, or at a line of the same indentation that is no entry (the
    /// caller decides whether that line may follow).
    fn sequence(&mut self, col: usize, mut first: &'t str, depth: usize) -> Option<B::Out> {
        if depth > MAX_DEPTH {
            return None;
        }
        let mut items = Vec::new();
        loop {
            let after_dash = &first[1..];
            let content = after_dash.trim_start_matches(' ');
            let item = if is_empty_value(content) {
                self.nested_or_null(col, false, depth)?
            } else {
                let content_col = col + 1 + (after_dash.len() - content.len());
                self.entry(content_col, content, col, depth + 1)?
            };
            items.push(item);
            match self.peek() {
                Some(l) if l.indent == col && is_entry(l.body()) => {
                    first = l.body();
                    self.pos += 1;
                }
                Some(l) if l.indent > col => return None,
                _ => return Some(B::seq(items)),
            }
        }
    }

    /// A block mapping at column `col` whose first key (already split off its line) is
    /// `key`, followed by `rest` (what follows its `:`).
    fn mapping(
        &mut self,
        col: usize,
        mut key: B::Key,
        mut rest: &'t str,
        depth: usize,
    ) -> Option<B::Out> {
        if depth > MAX_DEPTH {
            return None;
        }
        let mut pairs = Vec::new();
        loop {
            let content = rest.trim_start_matches(' ');
            let value = if is_empty_value(content) {
                self.nested_or_null(col, true, depth)?
            } else {
                self.value(content, col)?
            };
            pairs.push((key, value));
            match self.peek() {
                Some(l) if l.indent == col && !is_entry(l.body()) => {
                    let (text, plain, after_colon) = leading_scalar(l.body())?;
                    (key, rest) = (B::key(&text, plain)?, after_colon?);
                    self.pos += 1;
                }
                Some(l) if l.indent >= col => return None,
                _ => return Some(B::map(pairs)),
            }
        }
    }

    /// A value in a collection at column `col` that starts on the line just read: a
    /// scalar or flow collection filling the line (a key there is an error, left to
    /// the full parser), or a literal block scalar.
    fn value(&mut self, content: &str, col: usize) -> Option<B::Out> {
        let node = match content.as_bytes()[0] {
            b'[' | b'{' => flow::<B>(content)?,
            b'|' => {
                let (text, next) = block::literal(self.lines, self.pos, content, col)?;
                self.pos = next;
                B::scalar(&text, false)?
            }
            _ => match leading_scalar(content)? {
                (text, plain, None) => B::scalar(&text, plain)?,
                (_, _, Some(_)) => return None,
            },
        };
        self.no_continuation(node, col)
    }

    /// The value of an entry or key at column `col` written on the following lines: a
    /// more indented node (or, after a key, a sequence at the key's own column), else
    /// null.
    fn nested_or_null(&mut self, col: usize, after_key: bool, depth: usize) -> Option<B::Out> {
        match self.peek() {
            Some(l) if l.indent > col || (after_key && l.indent == col && is_entry(l.body())) => {
                self.pos += 1;
                self.entry(l.indent, l.body(), col, depth + 1)
            }
            // saphyr-parser reports a missing value as a plain `~`
            _ => B::scalar("~", true),
        }
    }

    /// `node`, which ended its line, unless the next line is indented more than `col`
    /// (that would continue it).
    fn no_continuation(&mut self, node: B::Out, col: usize) -> Option<B::Out> {
        match self.peek() {
            Some(l) if l.indent > col => None,
            _ => Some(node),
        }
    }
}

/// A `-` entry indicator: `-` followed by a space or the end of the line.
fn is_entry(s: &str) -> bool {
    let b = s.as_bytes();
    b.first() == Some(&b'-') && matches!(b.get(1), None | Some(b' '))
}

/// Nothing but (space-separated) comment after an indicator; `content` starts at a
/// non-space character or is empty.
fn is_empty_value(content: &str) -> bool {
    content.is_empty() || content.starts_with('#')
}
#[cfg(test)]
mod tests;
