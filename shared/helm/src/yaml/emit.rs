//! A libyaml-style emitter (as go-yaml v2/v3 port it): scalar analysis, style choice,
//! plain/single/double/literal writers with folding at the best width, block and
//! empty-flow collections, simple and complex keys.

/// Scalar style requested by the encoder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Let the emitter write it plain if it can.
    Plain,
    /// `'...'`
    Single,
    /// `"..."`
    Double,
    /// `|`
    Literal,
}

/// A node to emit.
#[derive(Debug, Clone)]
pub enum ENode {
    /// A scalar with the style the encoder asked for.
    Scalar(String, Style),
    /// A sequence.
    Seq(Vec<ENode>),
    /// A mapping in output order.
    Map(Vec<(ENode, ENode)>),
}

/// Emitter settings.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Indentation step.
    pub indent: i32,
    /// Line width for folding (`None`: never fold).
    pub width: Option<usize>,
    /// Sequences inside mappings not indented (go-yaml v2); v3 indents them.
    pub indentless_seq: bool,
}

#[derive(Default, Clone, Copy, Debug, PartialEq)]
struct Analysis {
    multiline: bool,
    flow_plain_allowed: bool,
    block_plain_allowed: bool,
    single_quoted_allowed: bool,
    block_allowed: bool,
}

fn is_printable(c: char) -> bool {
    let u = c as u32;
    u == 0x0A
        || (0x20..=0x7E).contains(&u)
        || (0xA0..=0xD7FF).contains(&u)
        || ((0xE000..=0xFFFD).contains(&u) && u != 0xFEFF)
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn is_blankz(c: Option<char>) -> bool {
    match c {
        None => true,
        Some(c) => c == ' ' || c == '\t' || c == '\0' || is_break(c),
    }
}

fn analyze(value: &str) -> Analysis {
    if value.is_empty() {
        return Analysis {
            multiline: false,
            flow_plain_allowed: false,
            block_plain_allowed: true,
            single_quoted_allowed: true,
            block_allowed: false,
        };
    }
    // the common case, a word such as a name, a number or a path: an alphanumeric first
    // byte, then alphanumerics and `_ . / -` only; nothing in it needs quoting
    let b = value.as_bytes();
    if b[0].is_ascii_alphanumeric()
        && b[1..]
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'/' | b'-'))
    {
        return Analysis {
            multiline: false,
            flow_plain_allowed: true,
            block_plain_allowed: true,
            single_quoted_allowed: true,
            block_allowed: true,
        };
    }
    analyze_chars(value)
}

/// [`analyze`] character by character (libyaml's `yaml_emitter_analyze_scalar`).
fn analyze_chars(value: &str) -> Analysis {
    let mut block_ind = false;
    let mut flow_ind = false;
    let mut line_breaks = false;
    let mut special = false;
    let (mut leading_space, mut leading_break, mut trailing_space, mut trailing_break) =
        (false, false, false, false);
    let (mut break_space, mut space_break) = (false, false);
    let (mut prev_space, mut prev_break) = (false, false);
    if value.starts_with("---") || value.starts_with("...") {
        block_ind = true;
        flow_ind = true;
    }
    let mut preceded_by_ws = true;
    // one pass over the characters with one of lookahead (no collected copy)
    let mut chars = value.chars().peekable();
    let mut i = 0usize;
    while let Some(c) = chars.next() {
        let next = chars.peek().copied();
        let last = next.is_none();
        let followed_by_ws = is_blankz(next);
        if i == 0 {
            match c {
                '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\'' | '"'
                | '%' | '@' | '`' => {
                    flow_ind = true;
                    block_ind = true;
                }
                '?' | ':' => {
                    flow_ind = true;
                    if followed_by_ws {
                        block_ind = true;
                    }
                }
                '-' if followed_by_ws => {
                    flow_ind = true;
                    block_ind = true;
                }
                _ => {}
            }
        } else {
            match c {
                ',' | '?' | '[' | ']' | '{' | '}' => flow_ind = true,
                ':' => {
                    flow_ind = true;
                    if followed_by_ws {
                        block_ind = true;
                    }
                }
                '#' if preceded_by_ws => {
                    flow_ind = true;
                    block_ind = true;
                }
                _ => {}
            }
        }
        if !is_printable(c) {
            special = true;
        }
        if c == ' ' {
            if i == 0 {
                leading_space = true;
            }
            if last {
                trailing_space = true;
            }
            if prev_break {
                break_space = true;
            }
            prev_space = true;
            prev_break = false;
        } else if is_break(c) {
            line_breaks = true;
            if i == 0 {
                leading_break = true;
            }
            if last {
                trailing_break = true;
            }
            if prev_space {
                space_break = true;
            }
            prev_space = false;
            prev_break = true;
        } else {
            prev_space = false;
            prev_break = false;
        }
        preceded_by_ws = is_blankz(Some(c));
        i += 1;
    }
    let mut a = Analysis {
        multiline: line_breaks,
        flow_plain_allowed: true,
        block_plain_allowed: true,
        single_quoted_allowed: true,
        block_allowed: true,
    };
    if leading_space || leading_break || trailing_space || trailing_break {
        a.flow_plain_allowed = false;
        a.block_plain_allowed = false;
    }
    if trailing_space {
        a.block_allowed = false;
    }
    if break_space {
        a.flow_plain_allowed = false;
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
    }
    if space_break || special {
        a.flow_plain_allowed = false;
        a.block_plain_allowed = false;
        a.single_quoted_allowed = false;
        a.block_allowed = false;
    }
    if line_breaks {
        a.flow_plain_allowed = false;
        a.block_plain_allowed = false;
    }
    if flow_ind {
        a.flow_plain_allowed = false;
    }
    if block_ind {
        a.block_plain_allowed = false;
    }
    a
}

/// The emitter state (column tracking as libyaml does).
struct Emitter {
    out: String,
    opts: Options,
    best_width: usize,
    column: usize,
    whitespace: bool,
    indention: bool,
    open_ended: bool,
    indent: i32,
    indents: Vec<i32>,
    flow_level: usize,
    root_context: bool,
    mapping_context: bool,
    simple_key_context: bool,
}

impl Emitter {
    fn put(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
        self.indention = true;
    }

    fn write_char(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    fn write_break_char(&mut self, c: char) {
        if c == '\n' {
            self.put_break();
        } else {
            self.out.push(c);
            self.column = 0;
        }
    }

    fn write_indent(&mut self) {
        let indent = self.indent.max(0) as usize;
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        while self.column < indent {
            self.put(' ');
        }
        self.whitespace = true;
        self.indention = true;
    }

    fn write_indicator(&mut self, ind: &str, need_ws: bool, is_ws: bool, is_indention: bool) {
        if need_ws && !self.whitespace {
            self.put(' ');
        }
        for c in ind.chars() {
            self.write_char(c);
        }
        self.whitespace = is_ws;
        self.indention = self.indention && is_indention;
        self.open_ended = false;
    }

    fn increase_indent(&mut self, flow: bool, indentless: bool) {
        self.indents.push(self.indent);
        if self.indent < 0 {
            self.indent = if flow { self.opts.indent } else { 0 };
        } else if !indentless {
            self.indent += self.opts.indent;
        }
    }

    fn pop_indent(&mut self) {
        self.indent = self.indents.pop().unwrap_or(-1);
    }

    fn check_simple_key(node: &ENode) -> bool {
        match node {
            ENode::Scalar(v, _) => !analyze(v).multiline && v.len() <= 128,
            ENode::Seq(items) => items.is_empty(),
            ENode::Map(pairs) => pairs.is_empty(),
        }
    }

    fn emit_node(&mut self, node: &ENode, root: bool, mapping: bool, simple_key: bool) {
        self.root_context = root;
        self.mapping_context = mapping;
        self.simple_key_context = simple_key;
        match node {
            ENode::Scalar(v, style) => self.emit_scalar(v, *style),
            ENode::Seq(items) => {
                if self.flow_level > 0 || items.is_empty() {
                    self.emit_flow_seq(items);
                } else {
                    self.emit_block_seq(items);
                }
            }
            ENode::Map(pairs) => {
                if self.flow_level > 0 || pairs.is_empty() {
                    self.emit_flow_map(pairs);
                } else {
                    self.emit_block_map(pairs);
                }
            }
        }
    }

    fn emit_flow_seq(&mut self, items: &[ENode]) {
        self.write_indicator("[", true, true, false);
        self.increase_indent(true, false);
        self.flow_level += 1;
        for (i, it) in items.iter().enumerate() {
            if i > 0 {
                self.write_indicator(",", false, false, false);
            }
            if self.column > self.best_width {
                self.write_indent();
            }
            self.emit_node(it, false, false, false);
        }
        self.flow_level -= 1;
        self.pop_indent();
        self.write_indicator("]", false, false, false);
    }

    fn emit_flow_map(&mut self, pairs: &[(ENode, ENode)]) {
        self.write_indicator("{", true, true, false);
        self.increase_indent(true, false);
        self.flow_level += 1;
        for (i, (k, v)) in pairs.iter().enumerate() {
            if i > 0 {
                self.write_indicator(",", false, false, false);
            }
            if self.column > self.best_width {
                self.write_indent();
            }
            if Self::check_simple_key(k) {
                self.emit_node(k, false, true, true);
                self.write_indicator(":", false, false, false);
            } else {
                self.write_indicator("?", true, false, false);
                self.emit_node(k, false, true, false);
                self.write_indicator(":", true, false, false);
            }
            self.emit_node(v, false, true, false);
        }
        self.flow_level -= 1;
        self.pop_indent();
        self.write_indicator("}", false, false, false);
    }

    fn emit_block_seq(&mut self, items: &[ENode]) {
        let indentless = self.opts.indentless_seq && self.mapping_context && !self.indention;
        self.increase_indent(false, indentless);
        for it in items {
            self.write_indent();
            self.write_indicator("-", true, false, true);
            self.emit_node(it, false, false, false);
        }
        self.pop_indent();
    }

    fn emit_block_map(&mut self, pairs: &[(ENode, ENode)]) {
        self.increase_indent(false, false);
        for (k, v) in pairs {
            self.write_indent();
            if Self::check_simple_key(k) {
                self.emit_node(k, false, true, true);
                self.write_indicator(":", false, false, false);
            } else {
                self.write_indicator("?", true, false, true);
                self.emit_node(k, false, true, false);
                self.write_indent();
                self.write_indicator(":", true, false, true);
            }
            self.emit_node(v, false, true, false);
        }
        self.pop_indent();
    }

    fn emit_scalar(&mut self, value: &str, requested: Style) {
        let a = analyze(value);
        let mut style = requested;
        if self.simple_key_context && a.multiline {
            style = Style::Double;
        }
        if style == Style::Plain {
            if (self.flow_level > 0 && !a.flow_plain_allowed)
                || (self.flow_level == 0 && !a.block_plain_allowed)
            {
                style = Style::Single;
            }
            if value.is_empty() && (self.flow_level > 0 || self.simple_key_context) {
                style = Style::Single;
            }
        }
        if style == Style::Single && !a.single_quoted_allowed {
            style = Style::Double;
        }
        if style == Style::Literal
            && (!a.block_allowed || self.flow_level > 0 || self.simple_key_context)
        {
            style = Style::Double;
        }
        self.increase_indent(true, false);
        let allow_breaks = !self.simple_key_context;
        match style {
            Style::Plain => self.write_plain(value, allow_breaks),
            Style::Single => self.write_single(value, allow_breaks),
            Style::Double => self.write_double(value, allow_breaks),
            Style::Literal => self.write_literal(value),
        }
        self.pop_indent();
    }

    fn write_plain(&mut self, value: &str, allow_breaks: bool) {
        if !self.whitespace {
            self.put(' ');
        }
        let chars: Vec<char> = value.chars().collect();
        let (mut spaces, mut breaks) = (false, false);
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                if allow_breaks
                    && !spaces
                    && self.column > self.best_width
                    && chars.get(i + 1) != Some(&' ')
                {
                    self.write_indent();
                } else {
                    self.write_char(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break_char(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.write_char(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.whitespace = false;
        self.indention = false;
    }

    fn write_single(&mut self, value: &str, allow_breaks: bool) {
        self.write_indicator("'", true, false, false);
        let chars: Vec<char> = value.chars().collect();
        let n = chars.len();
        let (mut spaces, mut breaks) = (false, false);
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                if allow_breaks
                    && !spaces
                    && self.column > self.best_width
                    && i > 0
                    && i + 1 < n
                    && chars.get(i + 1) != Some(&' ')
                {
                    self.write_indent();
                } else {
                    self.write_char(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break_char(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                if c == '\'' {
                    self.put('\'');
                }
                self.write_char(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.write_indicator("'", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_double(&mut self, value: &str, allow_breaks: bool) {
        self.write_indicator("\"", true, false, false);
        let chars: Vec<char> = value.chars().collect();
        let n = chars.len();
        let mut spaces = false;
        for (i, &c) in chars.iter().enumerate() {
            if !is_printable(c) || c == '\u{FEFF}' || is_break(c) || c == '"' || c == '\\' {
                self.put('\\');
                let esc = match c {
                    '\0' => Some('0'),
                    '\u{7}' => Some('a'),
                    '\u{8}' => Some('b'),
                    '\t' => Some('t'),
                    '\n' => Some('n'),
                    '\u{b}' => Some('v'),
                    '\u{c}' => Some('f'),
                    '\r' => Some('r'),
                    '\u{1b}' => Some('e'),
                    '"' => Some('"'),
                    '\\' => Some('\\'),
                    '\u{85}' => Some('N'),
                    '\u{a0}' => Some('_'),
                    '\u{2028}' => Some('L'),
                    '\u{2029}' => Some('P'),
                    _ => None,
                };
                match esc {
                    Some(e) => self.put(e),
                    None => {
                        let v = c as u32;
                        let (ind, w) = if v <= 0xFF {
                            ('x', 2)
                        } else if v <= 0xFFFF {
                            ('u', 4)
                        } else {
                            ('U', 8)
                        };
                        self.put(ind);
                        for k in (0..w).rev() {
                            let d = (v >> (k * 4)) & 0xF;
                            let ch = char::from_digit(d, 16).unwrap_or('0').to_ascii_uppercase();
                            self.put(ch);
                        }
                    }
                }
                spaces = false;
            } else if c == ' ' {
                if allow_breaks && !spaces && self.column > self.best_width && i > 0 && i + 1 < n {
                    self.write_indent();
                    if chars.get(i + 1) == Some(&' ') {
                        self.put('\\');
                    }
                } else {
                    self.write_char(c);
                }
                spaces = true;
            } else {
                self.write_char(c);
                spaces = false;
            }
        }
        self.write_indicator("\"", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_block_hints(&mut self, value: &str) {
        let first = value.chars().next();
        if first.is_some_and(|c| c == ' ' || is_break(c)) {
            let hint = char::from_digit(self.opts.indent as u32, 10).unwrap_or('2');
            self.write_indicator(&hint.to_string(), false, false, false);
        }
        self.open_ended = false;
        let mut rev = value.chars().rev();
        let chomp = match rev.next() {
            None => Some('-'),
            Some(last) if !is_break(last) => Some('-'),
            Some(_) => match rev.next() {
                None => Some('+'),
                Some(prev) if is_break(prev) => Some('+'),
                Some(_) => None,
            },
        };
        if let Some(ch) = chomp {
            if ch == '+' {
                self.write_indicator("+", false, false, false);
                self.open_ended = true;
            } else {
                self.write_indicator("-", false, false, false);
            }
        }
    }

    fn write_literal(&mut self, value: &str) {
        self.write_indicator("|", true, false, false);
        self.write_block_hints(value);
        let open = self.open_ended;
        self.put_break();
        self.open_ended = open;
        self.indention = true;
        self.whitespace = true;
        let mut breaks = true;
        for c in value.chars() {
            if is_break(c) {
                self.write_break_char(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.write_char(c);
                self.indention = false;
                breaks = false;
            }
        }
    }
}

/// Emits one document (no `---`), ending with a newline as go-yaml does.
pub fn emit_document(root: &ENode, opts: Options) -> String {
    let mut e = Emitter {
        out: String::new(),
        opts,
        best_width: opts.width.unwrap_or(usize::MAX / 2),
        column: 0,
        whitespace: true,
        indention: true,
        open_ended: false,
        indent: -1,
        indents: Vec::new(),
        flow_level: 0,
        root_context: false,
        mapping_context: false,
        simple_key_context: false,
    };
    e.emit_node(root, true, false, false);
    let _ = e.root_context;
    // document end: write_indent at indent -1
    e.indent = -1;
    e.write_indent();
    e.out
}

#[cfg(test)]
mod tests {
    use super::*;

    const V2: Options = Options {
        indent: 2,
        width: Some(80),
        indentless_seq: true,
    };

    fn s(v: &str) -> ENode {
        ENode::Scalar(v.into(), Style::Plain)
    }

    #[test]
    fn sequences_in_mappings_are_indentless_in_v2() {
        let n = ENode::Map(vec![(s("a"), ENode::Seq(vec![s("x"), s("y")]))]);
        assert_eq!(emit_document(&n, V2), "a:\n- x\n- y\n");
    }

    #[test]
    fn mappings_in_sequences_share_the_dash_line() {
        let n = ENode::Seq(vec![ENode::Map(vec![(s("a"), s("1")), (s("b"), s("2"))])]);
        assert_eq!(emit_document(&n, V2), "- a: 1\n  b: 2\n");
    }

    #[test]
    fn strings_needing_quotes_are_single_quoted() {
        let n = ENode::Map(vec![(s("a"), s(" x")), (s("b"), s("x: y"))]);
        assert_eq!(emit_document(&n, V2), "a: ' x'\nb: 'x: y'\n");
    }

    #[test]
    fn literal_block_gets_chomping_indicator() {
        let n = ENode::Map(vec![(s("a"), ENode::Scalar("x\ny".into(), Style::Literal))]);
        assert_eq!(emit_document(&n, V2), "a: |-\n  x\n  y\n");
    }

    #[test]
    fn empty_collections_are_flow() {
        let n = ENode::Map(vec![
            (s("a"), ENode::Map(vec![])),
            (s("b"), ENode::Seq(vec![])),
        ]);
        assert_eq!(emit_document(&n, V2), "a: {}\nb: []\n");
    }

    #[test]
    fn plain_words_analyze_as_the_character_walk_does() {
        for w in [
            "a",
            "nginx",
            "release-name",
            "v1.2.3",
            "0",
            "1e3",
            "a_b/c.d-e",
            "Z9",
            "x-",
            "a..b",
        ] {
            assert_eq!(analyze(w), analyze_chars(w), "{w}");
        }
    }
}
