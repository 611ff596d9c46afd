//! The lexer of Go's `text/template`: text, `{{`/`}}` with `-` trim markers, comments
//! and the tokens inside actions.

/// A byte range of the template source (a token's text, a field name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// first byte
    pub start: u32,
    /// one past the last byte
    pub end: u32,
}

impl Span {
    fn new(start: usize, end: usize) -> Span {
        Span {
            start: start as u32,
            end: end as u32,
        }
    }

    /// The text this span covers in the template's source.
    pub fn of<'s>(&self, src: &'s str) -> &'s str {
        &src[self.start as usize..self.end as usize]
    }
}

/// A token kind. Texts are spans of the source, so a token is small and the lexer
/// never slices the source.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Tok {
    /// Plain text between actions.
    Text(Span),
    /// `{{` (after trimming)
    LeftDelim,
    /// `}}`
    RightDelim,
    /// `.Name` (one segment): the name, without the dot
    Field(Span),
    /// `$name` or `$`
    Variable(Span),
    /// `.`
    Dot,
    /// identifier (function name)
    Ident(Span),
    /// `if`, `range`, `end`, ... and `nil`, `true`, `false`
    Keyword(Kw),
    /// `"..."`, `` `...` `` (already unquoted)
    Str(StrLit),
    /// `'c'`: its text (the rune's value is [`char_value`] of it)
    Char(Span),
    /// number literal text
    Number(Span),
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
pub enum StrLit {
    /// no escapes: the source text itself
    Borrowed(Span),
    /// unescaped text, at this index of [`Lexed::strings`]
    Owned(u32),
}

/// The tokens of a template and the unescaped string literals they refer to.
#[derive(Debug, Default)]
pub struct Lexed {
    /// tokens
    pub tokens: Vec<Token>,
    /// string literals that needed unescaping
    pub strings: Vec<String>,
}

/// A token with its byte offset in the template source (lines are counted only when
/// an error needs one: [`line_at`]).
#[derive(Clone, Copy, Debug)]
pub struct Token {
    /// kind
    pub tok: Tok,
    /// byte offset
    pub pos: u32,
    /// white space came right before this token (inside an action)
    pub space_before: bool,
}

/// Splits a template into tokens, in a token buffer the caller had (emptied first, its
/// room kept), or returns Go's lexer error text and line.
pub fn lex_into(src: &str, mut out: Vec<Token>) -> Result<Lexed, (String, usize)> {
    out.clear();
    // a token per six bytes, at most 64Ki to start (text-only templates such as CRDs
    // are long and have few tokens)
    out.reserve((src.len() / 6 + 16).min(1 << 16));
    let mut lx = Lexer {
        src,
        b: src.as_bytes(),
        pos: 0,
        out,
        strings: Vec::new(),
        space: false,
    };
    lx.run()
        .map_err(|(message, pos)| (message, line_at(src, pos)))?;
    Ok(Lexed {
        tokens: lx.out,
        strings: lx.strings,
    })
}

struct Lexer<'a> {
    src: &'a str,
    b: &'a [u8],
    pos: usize,
    out: Vec<Token>,
    strings: Vec<String>,
    /// white space was seen since the last token
    space: bool,
}

/// The next `{{` at or after `from`. Text between actions is mostly short and has few
/// braces, so a byte search for `{` beats a substring searcher's setup.
fn find_open(b: &[u8], mut from: usize) -> Option<usize> {
    while let Some(off) = memchr::memchr(b'{', b.get(from..)?) {
        let p = from + off;
        if b.get(p + 1) == Some(&b'{') {
            return Some(p);
        }
        from = p + 1;
    }
    None
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
    pub const fn as_str(self) -> &'static str {
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

/// A word of up to eight bytes as one number (little-endian, zero-padded), so that
/// keywords are found by comparing integers.
const fn word_key(w: &[u8]) -> u64 {
    let mut k = 0u64;
    let mut i = 0;
    while i < w.len() && i < 8 {
        k |= (w[i] as u64) << (8 * i);
        i += 1;
    }
    k
}

/// Every keyword.
const KEYWORDS: [Kw; 13] = [
    Kw::Block,
    Kw::Break,
    Kw::Continue,
    Kw::Define,
    Kw::Else,
    Kw::End,
    Kw::If,
    Kw::Range,
    Kw::Nil,
    Kw::Template,
    Kw::With,
    Kw::True,
    Kw::False,
];

/// A multiplier that sends the 13 keyword keys to 13 different slots of 16 (the top
/// four bits of the product): a perfect hash, so finding a keyword is one multiply, one
/// load and one compare.
const KEYWORD_MUL: u64 = 0xa5ac_06d8_64c2_f2e3;

const fn keyword_slot(key: u64) -> usize {
    (key.wrapping_mul(KEYWORD_MUL) >> 60) as usize
}

/// The keyword table: slot -> (key, keyword); empty slots hold key 0, which no word
/// of two or more bytes has.
static KEYWORD_TABLE: [(u64, Option<Kw>); 16] = {
    let mut t = [(0u64, None); 16];
    let mut i = 0;
    while i < KEYWORDS.len() {
        let key = word_key(KEYWORDS[i].as_str().as_bytes());
        let slot = keyword_slot(key);
        assert!(t[slot].1.is_none(), "keyword slots collide");
        t[slot] = (key, Some(KEYWORDS[i]));
        i += 1;
    }
    t
};

/// The keyword `b[start..end]` is, if any.
#[inline(always)]
fn keyword(b: &[u8], start: usize, end: usize) -> Option<Kw> {
    // every keyword is 2 to 8 bytes
    let len = end - start;
    if !(2..=8).contains(&len) {
        return None;
    }
    // eight bytes at once when the text goes on that far, cut to the word
    let key = match b.get(start..start + 8) {
        Some(c) => {
            u64::from_le_bytes(c.try_into().unwrap_or([0; 8])) & (u64::MAX >> (64 - 8 * len))
        }
        None => word_key(&b[start..end]),
    };
    let (k, kw) = KEYWORD_TABLE[keyword_slot(key)];
    if k == key {
        kw
    } else {
        None
    }
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
    // ASCII identifier bytes, the common case: eight at a time, then one at a time
    let mut q = p.min(b.len());
    while let Some(chunk) = b.get(q..q + 8) {
        let w = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
        let stop = not_ident_bytes(w);
        if stop != 0 {
            q += (stop.trailing_zeros() / 8) as usize;
            return if b[q] < 0x80 {
                q
            } else {
                scan_alnum_unicode(src, q)
            };
        }
        q += 8;
    }
    let end = match b[q..].iter().position(|&c| !IDENT[c as usize]) {
        Some(i) => q + i,
        None => return b.len(),
    };
    if b[end] < 0x80 {
        end
    } else {
        scan_alnum_unicode(src, end)
    }
}

/// The high bit of each byte of `w` (eight bytes, little-endian) that is not an ASCII
/// identifier byte (`0-9`, `A-Z`, `a-z`, `_`).
#[inline(always)]
fn not_ident_bytes(w: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let x = w & !HIGH;
    // the high bit of each byte of `x + 0x80 - lo` is set when that byte is >= lo (no
    // carry crosses bytes: every byte of x is below 0x80)
    let ge = |lo: u8| x.wrapping_add(ONES * u64::from(0x80 - lo)) & HIGH;
    let digit = ge(b'0') & !ge(b'9' + 1);
    let upper = ge(b'A') & !ge(b'Z' + 1);
    let under = ge(b'_') & !ge(b'_' + 1);
    let lower = ge(b'a') & !ge(b'z' + 1);
    // non-ASCII bytes are never identifier bytes here
    !(digit | upper | under | lower) & HIGH | (w & HIGH)
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
    fn emit(&mut self, tok: Tok, pos: usize) {
        let space_before = std::mem::replace(&mut self.space, false);
        self.out.push(Token {
            tok,
            pos: pos as u32,
            space_before,
        });
    }

    fn run(&mut self) -> Result<(), (String, usize)> {
        let mut trim_next_text = false;
        loop {
            // text up to the next "{{"
            let start = self.pos;
            let next = find_open(self.b, start);
            let end = next.unwrap_or(self.b.len());
            let mut text = &self.src[start..end];
            if trim_next_text {
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
            if !text.is_empty() {
                let off = text.as_ptr() as usize - self.src.as_ptr() as usize;
                self.emit(Tok::Text(Span::new(off, off + text.len())), start);
            }
            let Some(n) = next else {
                self.emit(Tok::Eof, self.b.len());
                return Ok(());
            };
            self.pos = n + 2;
            if trim_left {
                self.pos += 2; // "- "... the space is consumed as action space below
                self.pos -= 1;
            }
            // comment?
            let after_ws = self.pos;
            let mut p = after_ws;
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
                trim_next_text = trim_right;
                continue;
            }
            self.emit(Tok::LeftDelim, n);
            trim_next_text = self.lex_action()?;
        }
    }

    /// Lexes inside an action; returns whether the closing delimiter trims.
    ///
    /// The position and white-space flag live in locals while scanning (they are written
    /// back before the rarer literal scanners run and on the way out). Errors carry the
    /// byte offset their line is counted from.
    fn lex_action(&mut self) -> Result<bool, (String, usize)> {
        let src = self.src;
        let b = self.b;
        let mut p = self.pos;
        let mut space = self.space;
        let mut paren_depth = 0i32;
        macro_rules! emit {
            ($tok:expr, $pos:expr) => {{
                self.out.push(Token {
                    tok: $tok,
                    pos: $pos as u32,
                    space_before: space,
                });
                space = false;
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
                if b.get(p) == Some(&b'-') && b.get(p + 1..p + 3) == Some(b"}}") {
                    if paren_depth > 0 {
                        return Err(("unclosed left paren".into(), p));
                    }
                    emit!(Tok::RightDelim, p + 1);
                    self.pos = p + 3;
                    self.space = space;
                    return Ok(true);
                }
                continue;
            }
            let start = p;
            if IDENT[c as usize] && !c.is_ascii_digit() {
                p = scan_alnum(src, p + 1);
                match keyword(b, start, p) {
                    Some(k) => emit!(Tok::Keyword(k), start),
                    None => emit!(Tok::Ident(Span::new(start, p)), start),
                }
                continue;
            }
            if c == b'.' && !b.get(p + 1).is_some_and(u8::is_ascii_digit) {
                let name_end = scan_alnum(src, p + 1);
                if name_end == p + 1 {
                    emit!(Tok::Dot, start);
                } else {
                    emit!(Tok::Field(Span::new(p + 1, name_end)), start);
                }
                p = name_end;
                continue;
            }
            match c {
                b'}' if b.get(p + 1) == Some(&b'}') => {
                    if paren_depth > 0 {
                        return Err(("unclosed left paren".into(), p));
                    }
                    emit!(Tok::RightDelim, p);
                    self.pos = p + 2;
                    self.space = space;
                    return Ok(false);
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
                    emit!(Tok::Variable(Span::new(start, p)), start);
                }
                b'|' => {
                    p += 1;
                    emit!(Tok::Pipe, start);
                }
                b'(' => {
                    p += 1;
                    paren_depth += 1;
                    emit!(Tok::LParen, start);
                }
                b')' => {
                    p += 1;
                    paren_depth -= 1;
                    if paren_depth < 0 {
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
                        b'\'' => Tok::Char(self.lex_char()?),
                        _ => {
                            let t = self.lex_number();
                            if matches!(t.of(src), "" | "+" | "-") {
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
                    match keyword(b, start, p) {
                        Some(k) => emit!(Tok::Keyword(k), start),
                        None => emit!(Tok::Ident(Span::new(start, p)), start),
                    }
                }
            }
        }
    }

    /// A raw (back-quoted) string at `self.pos`; carriage returns are dropped.
    fn lex_raw(&mut self) -> Result<StrLit, (String, usize)> {
        let Some(end) = memchr::memchr(b'`', &self.b[self.pos + 1..]) else {
            return Err(("unterminated raw quoted string".into(), self.pos));
        };
        let span = Span::new(self.pos + 1, self.pos + 1 + end);
        self.pos += end + 2;
        let s = span.of(self.src);
        Ok(if s.contains('\r') {
            self.own(s.replace('\r', ""))
        } else {
            StrLit::Borrowed(span)
        })
    }

    fn lex_number(&mut self) -> Span {
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
        Span::new(start, p)
    }

    fn own(&mut self, s: String) -> StrLit {
        self.strings.push(s);
        StrLit::Owned((self.strings.len() - 1) as u32)
    }

    fn lex_quote(&mut self) -> Result<StrLit, (String, usize)> {
        let body = &self.b[self.pos + 1..];
        if let Some(end) = memchr::memchr3(b'"', b'\\', b'\n', body) {
            if body[end] == b'"' {
                let span = Span::new(self.pos + 1, self.pos + 1 + end);
                self.pos += 1 + end + 1;
                return Ok(StrLit::Borrowed(span));
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

    /// A character constant at `self.pos`: its text.
    fn lex_char(&mut self) -> Result<Span, (String, usize)> {
        let rest = &self.src[self.pos + 1..];
        let Some((_, end)) = char_body(rest) else {
            return Err(("unterminated character constant".into(), self.pos));
        };
        if !rest[end..].starts_with('\'') {
            return Err(("unterminated character constant".into(), self.pos));
        }
        let text = Span::new(self.pos, self.pos + 1 + end + 1);
        self.pos += 1 + end + 1;
        Ok(text)
    }
}

/// The value of a character constant's text (`'a'`, `'\n'`), as the lexer read it.
pub fn char_value(text: &str) -> i32 {
    text.get(1..)
        .and_then(char_body)
        .map_or(0, |(value, _)| value)
}

/// The rune at the start of a character constant's body (after the opening quote) and
/// where it ends.
fn char_body(rest: &str) -> Option<(i32, usize)> {
    let mut chars = rest.char_indices();
    match chars.next()? {
        (_, '\\') => {
            let (i, e) = chars.next()?;
            let v = match e {
                'n' => '\n' as i32,
                't' => '\t' as i32,
                'r' => '\r' as i32,
                '\\' => '\\' as i32,
                '\'' => '\'' as i32,
                '0' => 0,
                _ => e as i32,
            };
            Some((v, i + e.len_utf8()))
        }
        (i, c) => Some((c as i32, i + c.len_utf8())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The end of a name, one character at a time (what `scan_alnum` must find).
    fn scan_slowly(src: &str, p: usize) -> usize {
        src[p..]
            .char_indices()
            .find(|(_, c)| !is_alnum(*c))
            .map_or(src.len(), |(i, _)| p + i)
    }

    #[test]
    fn keywords_are_found_and_nothing_else() {
        for kw in KEYWORDS {
            let w = kw.as_str();
            let word = w.as_bytes();
            assert_eq!(keyword(word, 0, word.len()), Some(kw), "{w}");
            // followed by more text, and cut short or made longer
            let longer = format!("{w}x rest of the text");
            assert_eq!(keyword(longer.as_bytes(), 0, w.len()), Some(kw));
            assert_eq!(keyword(longer.as_bytes(), 0, w.len() + 1), None, "{w}x");
            assert_eq!(keyword(word, 0, word.len() - 1), None);
        }
        for name in crate::funcs::registry().keys() {
            assert_eq!(keyword(name.as_bytes(), 0, name.len()), None, "{name}");
        }
        for other in [
            "",
            "x",
            "iff",
            "End",
            "enD",
            "nill",
            "ranges",
            "with_",
            "templates",
        ] {
            assert_eq!(keyword(other.as_bytes(), 0, other.len()), None, "{other}");
        }
    }

    #[test]
    fn names_end_at_the_first_byte_that_is_not_a_letter_digit_or_underscore() {
        for b in 0u8..=0x7f {
            for at in 0..12 {
                let mut s = "abcdefghijkl_0123456789XYZ".to_string();
                s.replace_range(at..at + 1, &char::from(b).to_string());
                assert_eq!(scan_alnum(&s, 0), scan_slowly(&s, 0), "{s:?}");
            }
        }
        for s in [
            "",
            "a",
            "Values.x",
            "héllo wörld",
            "abcdefgh",
            "abcdefghé",
            "x_y_z_1_2_3_4)",
        ] {
            assert_eq!(scan_alnum(s, 0), scan_slowly(s, 0), "{s:?}");
        }
    }
}
