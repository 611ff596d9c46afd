//! The lexer of Go's `text/template`: text, `{{`/`}}` with `-` trim markers, comments
//! and the tokens inside actions.

/// A token kind.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Tok<'a> {
    /// Plain text between actions, as a byte range of the source.
    Text(usize, usize),
    /// `{{` (after trimming)
    LeftDelim,
    /// `}}`
    RightDelim,
    /// `.Name` (one segment)
    Field(&'a str),
    /// `$name` or `$`
    Variable(&'a str),
    /// `.`
    Dot,
    /// identifier (function name)
    Ident(&'a str),
    /// `if`, `range`, `end`, ... and `nil`, `true`, `false`
    Keyword(Kw),
    /// `"..."`, `` `...` `` (already unquoted)
    Str(StrLit<'a>),
    /// `'c'`: the rune's value and its text
    Char(i32, &'a str),
    /// number literal text
    Number(&'a str),
    /// `:=`
    Declare,
    /// `=`
    Assign,
    /// `|`
    Pipe,
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `,`
    Comma,
    /// end of input
    Eof,
}

/// A string literal's text: borrowed from the source, or (when it had escapes) an
/// index into the lexer's side table of unescaped strings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StrLit<'a> {
    /// no escapes: the source text itself
    Borrowed(&'a str),
    /// unescaped text, at this index of [`Lexed::strings`]
    Owned(u32),
}

/// The tokens of a template and the unescaped string literals they refer to.
#[derive(Debug, Default)]
pub struct Lexed<'a> {
    /// tokens
    pub tokens: Vec<Token<'a>>,
    /// string literals that needed unescaping
    pub strings: Vec<String>,
}

/// A token with its byte offset in the template source (lines are counted only when
/// an error needs one: [`line_at`]).
#[derive(Clone, Copy, Debug)]
pub struct Token<'a> {
    /// kind
    pub tok: Tok<'a>,
    /// byte offset
    pub pos: u32,
    /// white space came right before this token (inside an action)
    pub space_before: bool,
}

/// Splits a template into tokens, or returns Go's lexer error text and line.
pub fn lex(src: &str) -> Result<Lexed<'_>, (String, usize)> {
    let mut lx = Lexer::new(src);
    let mut tokens = Vec::with_capacity((src.len() / 6 + 16).min(1 << 16));
    loop {
        let t = lx
            .next_token()
            .map_err(|(message, pos)| (message, line_at(src, pos)))?;
        tokens.push(t);
        if t.tok == Tok::Eof {
            break;
        }
    }
    Ok(Lexed {
        tokens,
        strings: lx.strings,
    })
}

/// The lexer: hands out one token at a time ([`Lexer::next_token`]), so that the
/// parser pulls tokens as it needs them (as Go's parser does) instead of reading a
/// buffer of all of them.
#[derive(Debug)]
pub struct Lexer<'a> {
    src: &'a str,
    b: &'a [u8],
    pos: usize,
    /// string literals that needed unescaping ([`StrLit::Owned`] indexes this)
    pub strings: Vec<String>,
    /// white space was seen since the last token
    space: bool,
    /// inside `{{ }}`
    in_action: bool,
    /// open parentheses in the current action
    paren_depth: i32,
    /// the last action ended with `-}}`: the text after it loses its leading space
    trim_next_text: bool,
    /// a token already lexed, to be handed out next (the `{{` after a text)
    pending: Option<Token<'a>>,
    /// the end of the input was reached
    done: bool,
}

/// The 1-based line of byte offset `pos` in `src`.
pub fn line_at(src: &str, pos: usize) -> usize {
    let b = src.as_bytes();
    1 + memchr::memchr_iter(b'\n', &b[..pos.min(b.len())]).count()
}

/// A keyword of the template language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kw {
    /// `block`
    Block,
    /// `break`
    Break,
    /// `continue`
    Continue,
    /// `define`
    Define,
    /// `else`
    Else,
    /// `end`
    End,
    /// `if`
    If,
    /// `range`
    Range,
    /// `nil`
    Nil,
    /// `template`
    Template,
    /// `with`
    With,
    /// `true`
    True,
    /// `false`
    False,
}

impl Kw {
    /// The keyword as written.
    pub fn as_str(self) -> &'static str {
        match self {
            Kw::Block => "block",
            Kw::Break => "break",
            Kw::Continue => "continue",
            Kw::Define => "define",
            Kw::Else => "else",
            Kw::End => "end",
            Kw::If => "if",
            Kw::Range => "range",
            Kw::Nil => "nil",
            Kw::Template => "template",
            Kw::With => "with",
            Kw::True => "true",
            Kw::False => "false",
        }
    }
}

impl std::fmt::Display for Kw {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

fn keyword(word: &str) -> Option<Kw> {
    // every keyword is 2 to 8 bytes and starts with one of these letters
    if !(2..=8).contains(&word.len())
        || !matches!(
            word.as_bytes()[0],
            b'b' | b'c' | b'd' | b'e' | b'f' | b'i' | b'n' | b'r' | b't' | b'w'
        )
    {
        return None;
    }
    Some(match word {
        "block" => Kw::Block,
        "break" => Kw::Break,
        "continue" => Kw::Continue,
        "define" => Kw::Define,
        "else" => Kw::Else,
        "end" => Kw::End,
        "if" => Kw::If,
        "range" => Kw::Range,
        "nil" => Kw::Nil,
        "template" => Kw::Template,
        "with" => Kw::With,
        "true" => Kw::True,
        "false" => Kw::False,
        _ => return None,
    })
}

/// Bytes that may continue an identifier (ASCII letters, digits, `_`).
static IDENT: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = b.is_ascii_alphanumeric() || b == b'_';
        c += 1;
    }
    t
};

fn trim_space_start(s: &str) -> &str {
    let n = s.bytes().take_while(|c| is_space(*c)).count();
    &s[n..]
}

fn trim_space_end(s: &str) -> &str {
    let n = s.bytes().rev().take_while(|c| is_space(*c)).count();
    &s[..s.len() - n]
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n')
}

fn is_alnum(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

/// The end of the identifier characters starting at `p`.
#[inline]
fn scan_alnum(src: &str, p: usize) -> usize {
    let b = src.as_bytes();
    // ASCII identifier bytes, the common case, in a tight loop
    let end = match b[p.min(b.len())..].iter().position(|&c| !IDENT[c as usize]) {
        Some(i) => p + i,
        None => return b.len(),
    };
    if b[end] < 0x80 {
        end
    } else {
        scan_alnum_unicode(src, end)
    }
}

/// [`scan_alnum`] past a non-ASCII byte: Unicode letters and digits continue a name.
#[cold]
fn scan_alnum_unicode(src: &str, mut p: usize) -> usize {
    let b = src.as_bytes();
    while let Some(&c) = b.get(p) {
        if IDENT[c as usize] {
            p += 1;
        } else if c < 0x80 {
            break;
        } else {
            match src[p..].chars().next() {
                Some(ch) if is_alnum(ch) => p += ch.len_utf8(),
                _ => break,
            }
        }
    }
    p
}

impl<'a> Lexer<'a> {
    /// A lexer at the start of `src`.
    pub fn new(src: &'a str) -> Lexer<'a> {
        Lexer {
            src,
            b: src.as_bytes(),
            pos: 0,
            strings: Vec::new(),
            space: false,
            in_action: false,
            paren_depth: 0,
            trim_next_text: false,
            pending: None,
            done: false,
        }
    }

    fn tok(&mut self, tok: Tok<'a>, pos: usize) -> Token<'a> {
        let space_before = std::mem::replace(&mut self.space, false);
        Token {
            tok,
            pos: pos as u32,
            space_before,
        }
    }

    /// The next token ([`Tok::Eof`] again and again at the end), or Go's lexer error
    /// text and the byte offset its line is counted from.
    ///
    /// # Errors
    /// Go's lexer error.
    #[inline]
    pub fn next_token(&mut self) -> Result<Token<'a>, (String, usize)> {
        if let Some(t) = self.pending.take() {
            return Ok(t);
        }
        if self.in_action {
            return self.lex_action();
        }
        self.lex_text()
    }

    /// Outside actions: text up to the next `{{` (comments are skipped); returns the
    /// text, or the `{{` or EOF that follows when there is no text.
    fn lex_text(&mut self) -> Result<Token<'a>, (String, usize)> {
        loop {
            if self.done {
                return Ok(self.tok(Tok::Eof, self.b.len()));
            }
            // text up to the next "{{"
            let start = self.pos;
            static OPEN: std::sync::OnceLock<memchr::memmem::Finder<'static>> =
                std::sync::OnceLock::new();
            let finder = OPEN.get_or_init(|| memchr::memmem::Finder::new(b"{{"));
            let next = finder.find(&self.b[start..]).map(|i| start + i);
            let end = next.unwrap_or(self.b.len());
            let mut text = &self.src[start..end];
            if std::mem::take(&mut self.trim_next_text) {
                text = trim_space_start(text);
            }
            let mut trim_left = false;
            if let Some(n) = next {
                // "{{- " trims the text before it
                if self.b.get(n + 2) == Some(&b'-')
                    && self.b.get(n + 3).is_some_and(|c| is_space(*c))
                {
                    trim_left = true;
                }
            }
            if trim_left {
                text = trim_space_end(text);
            }
            let text_tok = if text.is_empty() {
                None
            } else {
                let off = text.as_ptr() as usize - self.src.as_ptr() as usize;
                Some(self.tok(Tok::Text(off, off + text.len()), start))
            };
            let Some(n) = next else {
                self.done = true;
                let eof = self.tok(Tok::Eof, self.b.len());
                return Ok(match text_tok {
                    Some(t) => {
                        self.pending = Some(eof);
                        t
                    }
                    None => eof,
                });
            };
            self.pos = n + 2;
            if trim_left {
                self.pos += 2; // "- "... the space is consumed as action space below
                self.pos -= 1;
            }
            // comment?
            let mut p = self.pos;
            if trim_left {
                while p < self.b.len() && is_space(self.b[p]) {
                    p += 1;
                }
            }
            if self.src[p..].starts_with("/*") {
                let Some(close) = self.src[p + 2..].find("*/") else {
                    return Err(("unclosed comment".into(), n));
                };
                let cend = p + 2 + close + 2;
                let mut q = cend;
                let mut trim_right = false;
                if self.src[q..].starts_with(" -}}")
                    || (q < self.b.len()
                        && is_space(self.b[q])
                        && self.src[q + 1..].starts_with("-}}"))
                {
                    trim_right = true;
                    q += 4;
                } else if self.src[q..].starts_with("}}") {
                    q += 2;
                } else {
                    return Err(("comment ends before closing delimiter".into(), cend));
                }
                self.pos = q;
                self.trim_next_text = trim_right;
                match text_tok {
                    Some(t) => return Ok(t),
                    None => continue,
                }
            }
            let left = self.tok(Tok::LeftDelim, n);
            self.in_action = true;
            self.paren_depth = 0;
            return Ok(match text_tok {
                Some(t) => {
                    // the text now, the "{{" next
                    self.pending = Some(left);
                    t
                }
                None => left,
            });
        }
    }

    /// One token inside an action.
    ///
    /// The position and white-space flag live in locals while scanning (they are written
    /// back before the rarer literal scanners run and on the way out). Errors carry the
    /// byte offset their line is counted from.
    #[inline]
    fn lex_action(&mut self) -> Result<Token<'a>, (String, usize)> {
        let src = self.src;
        let b = self.b;
        let mut p = self.pos;
        let mut space = self.space;
        macro_rules! emit {
            ($tok:expr, $pos:expr) => {{
                self.pos = p;
                self.space = false;
                return Ok(Token {
                    tok: $tok,
                    pos: $pos as u32,
                    space_before: space,
                });
            }};
        }
        loop {
            let Some(&c) = b.get(p) else {
                self.pos = p;
                return Err(("unclosed action".into(), p));
            };
            // the common cases first, as plain branches: white space, a word, a field
            if is_space(c) {
                // a run of white space; " -}}" (space, dash, delimiter) trims what follows
                while let Some(&w) = b.get(p) {
                    if !is_space(w) {
                        break;
                    }
                    p += 1;
                }
                space = true;
                if b[p..].starts_with(b"-}}") {
                    if self.paren_depth > 0 {
                        return Err(("unclosed left paren".into(), p));
                    }
                    let at = p + 1;
                    p += 3;
                    self.in_action = false;
                    self.trim_next_text = true;
                    emit!(Tok::RightDelim, at);
                }
                continue;
            }
            let start = p;
            if IDENT[c as usize] && !c.is_ascii_digit() {
                p = scan_alnum(src, p + 1);
                let word = &src[start..p];
                match keyword(word) {
                    Some(k) => emit!(Tok::Keyword(k), start),
                    None => emit!(Tok::Ident(word), start),
                }
            }
            if c == b'.' && !b.get(p + 1).is_some_and(u8::is_ascii_digit) {
                let name_end = scan_alnum(src, p + 1);
                p = name_end;
                if name_end == start + 1 {
                    emit!(Tok::Dot, start);
                } else {
                    emit!(Tok::Field(&src[start + 1..name_end]), start);
                }
            }
            match c {
                b'}' if b.get(p + 1) == Some(&b'}') => {
                    if self.paren_depth > 0 {
                        return Err(("unclosed left paren".into(), p));
                    }
                    p += 2;
                    self.in_action = false;
                    self.trim_next_text = false;
                    emit!(Tok::RightDelim, start);
                }
                b'.' => {
                    // a number like .5
                    self.pos = p;
                    let t = self.lex_number();
                    p = self.pos;
                    emit!(Tok::Number(t), start);
                }
                b'$' => {
                    p = scan_alnum(src, p + 1);
                    emit!(Tok::Variable(&src[start..p]), start);
                }
                b'|' => {
                    p += 1;
                    emit!(Tok::Pipe, start);
                }
                b'(' => {
                    p += 1;
                    self.paren_depth += 1;
                    emit!(Tok::LParen, start);
                }
                b')' => {
                    p += 1;
                    self.paren_depth -= 1;
                    if self.paren_depth < 0 {
                        return Err(("unexpected right paren".into(), start));
                    }
                    emit!(Tok::RParen, start);
                }
                b'=' => {
                    p += 1;
                    emit!(Tok::Assign, start);
                }
                b':' => {
                    if b.get(p + 1) != Some(&b'=') {
                        return Err(("expected :=".into(), start));
                    }
                    p += 2;
                    emit!(Tok::Declare, start);
                }
                b',' => {
                    p += 1;
                    emit!(Tok::Comma, start);
                }
                b'"' | b'`' | b'\'' | b'+' | b'-' | b'0'..=b'9' => {
                    self.pos = p;
                    let t = match c {
                        b'"' => Tok::Str(self.lex_quote()?),
                        b'`' => Tok::Str(self.lex_raw()?),
                        b'\'' => {
                            let (v, text) = self.lex_char()?;
                            Tok::Char(v, text)
                        }
                        _ => {
                            let t = self.lex_number();
                            if t.is_empty() || t == "+" || t == "-" {
                                return Err((
                                    format!(
                                        "bad number syntax: {:?}",
                                        &src[start..self.pos.max(start + 1)]
                                    ),
                                    start,
                                ));
                            }
                            Tok::Number(t)
                        }
                    };
                    p = self.pos;
                    emit!(t, start);
                }
                _ => {
                    let ch = src[p..].chars().next().unwrap_or(' ');
                    if !is_alnum(ch) {
                        return Err((format!("unexpected {ch:?} in command"), start));
                    }
                    p = scan_alnum(src, p);
                    let word = &src[start..p];
                    match keyword(word) {
                        Some(k) => emit!(Tok::Keyword(k), start),
                        None => emit!(Tok::Ident(word), start),
                    }
                }
            }
        }
    }

    /// A raw (back-quoted) string at `self.pos`; carriage returns are dropped.
    fn lex_raw(&mut self) -> Result<StrLit<'a>, (String, usize)> {
        let Some(end) = memchr::memchr(b'`', &self.b[self.pos + 1..]) else {
            return Err(("unterminated raw quoted string".into(), self.pos));
        };
        let s = &self.src[self.pos + 1..self.pos + 1 + end];
        self.pos += end + 2;
        Ok(if s.contains('\r') {
            self.own(s.replace('\r', ""))
        } else {
            StrLit::Borrowed(s)
        })
    }

    fn lex_number(&mut self) -> &'a str {
        let start = self.pos;
        let b = self.b;
        let mut p = self.pos;
        if p < b.len() && (b[p] == b'+' || b[p] == b'-') {
            p += 1;
        }
        let mut digits: &[u8] = b"0123456789_";
        if p + 1 < b.len() && b[p] == b'0' {
            match b[p + 1] {
                b'x' | b'X' => {
                    p += 2;
                    digits = b"0123456789abcdefABCDEF_";
                }
                b'o' | b'O' => {
                    p += 2;
                    digits = b"01234567_";
                }
                b'b' | b'B' => {
                    p += 2;
                    digits = b"01_";
                }
                _ => {}
            }
        }
        while p < b.len() && digits.contains(&b[p]) {
            p += 1;
        }
        if p < b.len() && b[p] == b'.' {
            p += 1;
            while p < b.len() && digits.contains(&b[p]) {
                p += 1;
            }
        }
        let exp: &[u8] = if digits.len() > 16 { b"pP" } else { b"eE" };
        if p < b.len() && exp.contains(&b[p]) {
            p += 1;
            if p < b.len() && (b[p] == b'+' || b[p] == b'-') {
                p += 1;
            }
            while p < b.len() && b[p].is_ascii_digit() {
                p += 1;
            }
        }
        if p < b.len() && b[p] == b'i' {
            p += 1;
        }
        self.pos = p;
        &self.src[start..p]
    }

    fn own(&mut self, s: String) -> StrLit<'a> {
        self.strings.push(s);
        StrLit::Owned((self.strings.len() - 1) as u32)
    }

    fn lex_quote(&mut self) -> Result<StrLit<'a>, (String, usize)> {
        let body = &self.src[self.pos + 1..];
        if let Some(end) = memchr::memchr3(b'"', b'\\', b'\n', body.as_bytes()) {
            if body.as_bytes()[end] == b'"' {
                self.pos += 1 + end + 1;
                return Ok(StrLit::Borrowed(&body[..end]));
            }
        }
        let mut out = String::new();
        let mut chars = self.src[self.pos + 1..].char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => {
                    self.pos += 1 + i + 1;
                    return Ok(self.own(out));
                }
                '\n' => return Err(("unterminated quoted string".into(), self.pos)),
                '\\' => {
                    let Some((_, e)) = chars.next() else { break };
                    match e {
                        'n' => out.push('\n'),
                        't' => out.push('\t'),
                        'r' => out.push('\r'),
                        'a' => out.push('\x07'),
                        'b' => out.push('\x08'),
                        'f' => out.push('\x0c'),
                        'v' => out.push('\x0b'),
                        '\\' => out.push('\\'),
                        '"' => out.push('"'),
                        '\'' => out.push('\''),
                        'x' | 'u' | 'U' => {
                            let n = match e {
                                'x' => 2,
                                'u' => 4,
                                _ => 8,
                            };
                            let hex: String =
                                (0..n).filter_map(|_| chars.next().map(|x| x.1)).collect();
                            let v = u32::from_str_radix(&hex, 16)
                                .map_err(|_| ("invalid syntax".to_string(), self.pos))?;
                            out.push(char::from_u32(v).unwrap_or('\u{fffd}'));
                        }
                        '0'..='7' => {
                            let mut s = e.to_string();
                            for _ in 0..2 {
                                if let Some((_, d)) = chars.next() {
                                    s.push(d);
                                }
                            }
                            let v = u32::from_str_radix(&s, 8)
                                .map_err(|_| ("invalid syntax".to_string(), self.pos))?;
                            out.push(char::from_u32(v).unwrap_or('\u{fffd}'));
                        }
                        _ => return Err(("invalid syntax".into(), self.pos)),
                    }
                }
                c => out.push(c),
            }
        }
        Err(("unterminated quoted string".into(), self.pos))
    }

    fn lex_char(&mut self) -> Result<(i32, &'a str), (String, usize)> {
        let rest = &self.src[self.pos + 1..];
        let mut chars = rest.char_indices();
        let (val, end) = match chars.next() {
            Some((_, '\\')) => {
                let (i, e) = chars
                    .next()
                    .ok_or(("unterminated character constant".to_string(), self.pos))?;
                let v = match e {
                    'n' => '\n' as i32,
                    't' => '\t' as i32,
                    'r' => '\r' as i32,
                    '\\' => '\\' as i32,
                    '\'' => '\'' as i32,
                    '0' => 0,
                    _ => e as i32,
                };
                (v, i + e.len_utf8())
            }
            Some((i, c)) => (c as i32, i + c.len_utf8()),
            None => return Err(("unterminated character constant".into(), self.pos)),
        };
        if !rest[end..].starts_with('\'') {
            return Err(("unterminated character constant".into(), self.pos));
        }
        let text = &self.src[self.pos..self.pos + 1 + end + 1];
        self.pos += 1 + end + 1;
        Ok((val, text))
    }
}
