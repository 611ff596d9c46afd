//! The parser of Go's `text/template`: actions, pipelines, control structures and
//! `define`/`block`, producing the trees the executor walks.

use std::collections::HashMap;
use std::rc::Rc;

use super::lex::{lex, Kw, StrLit, Tok, Token};
use crate::value::Value;

/// A parsed template body.
pub type List = Vec<Node>;

/// A name in the template source (a field of a chain), as a byte range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// first byte
    pub start: u32,
    /// one past the last byte
    pub end: u32,
}

impl Span {
    /// The text this span covers in the template's source.
    pub fn of<'s>(&self, src: &'s str) -> &'s str {
        &src[self.start as usize..self.end as usize]
    }
}

/// The field names of a chain (`.a.b.c`), usually a few.
pub type Fields = smallvec::SmallVec<[Span; 3]>;

/// A node of a template body.
#[derive(Debug)]
pub enum Node {
    /// literal text: a byte range (start, end) of the template's source
    Text(u32, u32),
    /// `{{ pipeline }}` (boxed: a node list stays compact)
    Action(Box<Pipe>),
    /// `{{ if }}` / `{{ with }}` / `{{ range }}` (with optional else)
    Branch(Box<Branch>),
    /// `{{ template "name" pipeline }}`
    Template(Box<TemplateCall>),
    /// `{{ break }}`
    Break,
    /// `{{ continue }}`
    Continue,
}

/// A `{{ template "name" pipeline }}` call.
#[derive(Debug)]
pub struct TemplateCall {
    /// called template's name
    pub name: String,
    /// the data
    pub pipe: Option<Pipe>,
    /// position
    pub pos: Pos,
}

/// Which control structure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BranchKind {
    /// if
    If,
    /// with
    With,
    /// range
    Range,
}

/// An if/with/range node.
#[derive(Debug)]
pub struct Branch {
    /// kind
    pub kind: BranchKind,
    /// condition / data
    pub pipe: Pipe,
    /// body
    pub list: List,
    /// else body (an `else if` is a nested branch in here)
    pub else_list: Option<List>,
}

/// A source position: byte offset (its line is counted when an error needs it).
#[derive(Debug, Clone, Copy, Default)]
pub struct Pos {
    /// byte offset in the template text
    pub offset: u32,
}

/// A pipeline, with optional variable declarations.
#[derive(Debug)]
pub struct Pipe {
    /// `$x :=` or `$i, $e :=` names
    pub decl: Vec<Rc<str>>,
    /// `=` rather than `:=`
    pub is_assign: bool,
    /// the words of all its commands (separated by `|`), one command after the other
    pub args: Vec<Arg>,
    /// for each command: where its words end in `args`, and its position
    pub cmd_ends: smallvec::SmallVec<[(u32, Pos); 2]>,
    /// position
    pub pos: Pos,
}

impl Pipe {
    /// The commands, in order.
    pub fn cmds(&self) -> impl Iterator<Item = Cmd<'_>> + '_ {
        let mut start = 0usize;
        self.cmd_ends.iter().map(move |&(end, pos)| {
            let end = end as usize;
            let args = self.args.get(start..end).unwrap_or(&[]);
            start = end;
            Cmd { args, pos }
        })
    }
}

/// One command of a pipeline: a function call or an operand with arguments.
#[derive(Debug, Clone, Copy)]
pub struct Cmd<'p> {
    /// words
    pub args: &'p [Arg],
    /// position
    pub pos: Pos,
}

/// One word of a command.
#[derive(Debug)]
pub enum Arg {
    /// `.A.B`
    Field(Fields, Pos),
    /// `$x.A.B`
    Variable(Rc<str>, Fields, Pos),
    /// `(pipe).A.B` or `fn.A`
    Chain(Box<Arg>, Fields, Pos),
    /// `.`
    Dot,
    /// `nil`
    Nil,
    /// a constant, with its source text when it cannot be derived from the value
    /// (numbers and characters)
    Const(Value, Option<Rc<str>>),
    /// a function, resolved at parse time
    Func(super::FuncRef, Pos),
    /// `( pipeline )`
    Pipe(Box<Pipe>),
}

/// A parsed template: its body plus the `define`s found in it.
#[derive(Debug)]
pub struct Parsed {
    /// the body of the template itself
    pub root: List,
    /// `define`d (and `block`) templates: name -> body
    pub defines: Vec<(String, Rc<List>)>,
}

/// A parse error: Go's message without the `template: NAME:LINE:` prefix.
#[derive(Debug, Clone)]
pub struct ParseError {
    /// message
    pub message: String,
    /// 1-based line
    pub line: usize,
}

/// Parses template text. `resolve` finds the functions a template may call.
///
/// # Errors
/// Go's parse error (the caller adds `template: NAME:LINE: `).
pub fn parse(
    src: &str,
    resolve: &dyn Fn(&str) -> Option<super::FuncRef>,
) -> Result<Parsed, ParseError> {
    let lexed = lex(src).map_err(|(message, line)| ParseError { message, line })?;
    let mut p = Parser {
        src,
        toks: lexed.tokens,
        strings: lexed.strings,
        i: 0,
        resolve,
        defines: Vec::new(),
        range_depth: 0,
        vars: vec!["$"],
        names: Vec::new(),
    };
    let (root, end) = p.list()?;
    match end {
        ListEnd::Eof => {}
        ListEnd::Close(line) => return Err(p.err_at("unexpected {{end}}", line)),
        ListEnd::Else(line, _) => return Err(p.err_at("unexpected {{else}}", line)),
    }
    Ok(Parsed {
        root,
        defines: p.defines,
    })
}

/// What ended a list.
enum ListEnd {
    Eof,
    /// `{{end}}` (its byte offset)
    Close(u32),
    /// `{{else}}` (its byte offset, and the kind of `else if`/`else with` if any)
    Else(u32, Option<BranchKind>),
}

struct Parser<'a, 'f> {
    src: &'a str,
    toks: Vec<Token<'a>>,
    strings: Vec<String>,
    i: usize,
    resolve: &'f dyn Fn(&str) -> Option<super::FuncRef>,
    defines: Vec<(String, Rc<List>)>,
    range_depth: usize,
    vars: Vec<&'a str>,
    /// variable names already shared (most templates use a handful)
    names: Vec<Rc<str>>,
}

impl<'a> Parser<'a, '_> {
    fn peek(&self) -> &Token<'a> {
        &self.toks[self.i.min(self.toks.len() - 1)]
    }

    fn lit(&self, s: StrLit<'a>) -> &str {
        match s {
            StrLit::Borrowed(b) => b,
            StrLit::Owned(i) => &self.strings[i as usize],
        }
    }

    fn next(&mut self) -> Token<'a> {
        let t = *self.peek();
        if self.i < self.toks.len() {
            self.i += 1;
        }
        t
    }

    fn next_non_space(&mut self) -> Token<'a> {
        self.next()
    }

    fn peek_non_space(&mut self) -> Token<'a> {
        *self.peek()
    }

    /// An error reported at the line of byte offset `pos`.
    fn err_at(&self, msg: &str, pos: u32) -> ParseError {
        let line = super::lex::line_at(self.src, pos as usize);
        ParseError {
            message: msg.to_string(),
            line,
        }
    }

    fn err(&self, msg: String) -> ParseError {
        ParseError {
            message: msg,
            line: super::lex::line_at(self.src, self.peek().pos as usize),
        }
    }

    fn pos(t: &Token) -> Pos {
        Pos { offset: t.pos }
    }

    /// Parses nodes until EOF, `{{end}}` or `{{else}}`.
    fn list(&mut self) -> Result<(List, ListEnd), ParseError> {
        let mut out = Vec::new();
        loop {
            let t = self.next();
            match t.tok {
                Tok::Eof => return Ok((out, ListEnd::Eof)),
                Tok::Text(a, b) => out.push(Node::Text(a as u32, b as u32)),
                Tok::LeftDelim => {
                    let kw = self.peek_non_space();
                    match kw.tok {
                        Tok::Keyword(Kw::End) => {
                            self.next();
                            self.expect_right("end")?;
                            return Ok((out, ListEnd::Close(kw.pos)));
                        }
                        Tok::Keyword(Kw::Else) => {
                            self.next();
                            let n = self.peek_non_space();
                            match n.tok {
                                Tok::Keyword(Kw::If) => {
                                    self.next();
                                    return Ok((out, ListEnd::Else(kw.pos, Some(BranchKind::If))));
                                }
                                Tok::Keyword(Kw::With) => {
                                    self.next();
                                    return Ok((
                                        out,
                                        ListEnd::Else(kw.pos, Some(BranchKind::With)),
                                    ));
                                }
                                _ => {
                                    self.expect_right("else")?;
                                    return Ok((out, ListEnd::Else(kw.pos, None)));
                                }
                            }
                        }
                        _ => {
                            if let Some(n) = self.action()? {
                                out.push(n);
                            }
                        }
                    }
                }
                other => return Err(self.err(format!("unexpected {other:?}"))),
            }
        }
    }

    fn expect_right(&mut self, ctx: &str) -> Result<(), ParseError> {
        let t = self.next_non_space();
        if t.tok != Tok::RightDelim {
            return Err(self.err_at(&format!("unexpected {} in {ctx}", describe(&t.tok)), t.pos));
        }
        Ok(())
    }

    /// After `{{`: one action. Returns `None` for a `define`.
    fn action(&mut self) -> Result<Option<Node>, ParseError> {
        let t = self.peek_non_space();
        match t.tok {
            Tok::Keyword(Kw::If) => {
                self.next();
                Ok(Some(self.branch(BranchKind::If)?))
            }
            Tok::Keyword(Kw::With) => {
                self.next();
                Ok(Some(self.branch(BranchKind::With)?))
            }
            Tok::Keyword(Kw::Range) => {
                self.next();
                Ok(Some(self.branch(BranchKind::Range)?))
            }
            Tok::Keyword(Kw::Break) | Tok::Keyword(Kw::Continue) => {
                self.next();
                if self.range_depth == 0 {
                    let kw = if t.tok == Tok::Keyword(Kw::Break) {
                        "break"
                    } else {
                        "continue"
                    };
                    return Err(self.err_at(&format!("{{{{{kw}}}}} outside {{{{range}}}}"), t.pos));
                }
                let is_break = t.tok == Tok::Keyword(Kw::Break);
                self.expect_right(if is_break { "break" } else { "continue" })?;
                Ok(Some(if is_break {
                    Node::Break
                } else {
                    Node::Continue
                }))
            }
            Tok::Keyword(Kw::Template) => {
                self.next();
                let (name, pipe) = self.template_call("template")?;
                Ok(Some(Node::Template(Box::new(TemplateCall {
                    name,
                    pipe,
                    pos: Self::pos(&t),
                }))))
            }
            Tok::Keyword(Kw::Define) => {
                self.next();
                let name_tok = self.next_non_space();
                let Tok::Str(name) = name_tok.tok else {
                    return Err(self.err_at("unexpected name in define clause", t.pos));
                };
                let name = self.lit(name).to_string();
                self.expect_right("define clause")?;
                let saved_vars = std::mem::replace(&mut self.vars, vec!["$"]);
                let (body, end) = self.list()?;
                self.vars = saved_vars;
                match end {
                    ListEnd::Close(_) => {}
                    ListEnd::Eof => return Err(self.err_at("unexpected EOF", self.peek().pos)),
                    ListEnd::Else(l, _) => return Err(self.err_at("unexpected {{else}}", l)),
                }
                self.defines.push((name, Rc::new(body)));
                Ok(None)
            }
            Tok::Keyword(Kw::Block) => {
                self.next();
                let (name, pipe) = self.template_call("block")?;
                let saved_vars = std::mem::replace(&mut self.vars, vec!["$"]);
                let (body, end) = self.list()?;
                self.vars = saved_vars;
                if !matches!(end, ListEnd::Close(_)) {
                    return Err(self.err_at("unexpected EOF", self.peek().pos));
                }
                self.defines.push((name.clone(), Rc::new(body)));
                Ok(Some(Node::Template(Box::new(TemplateCall {
                    name,
                    pipe,
                    pos: Self::pos(&t),
                }))))
            }
            _ => {
                let pipe = self.pipeline("command", true)?;
                Ok(Some(Node::Action(Box::new(pipe))))
            }
        }
    }

    fn template_call(&mut self, ctx: &str) -> Result<(String, Option<Pipe>), ParseError> {
        let t = self.next_non_space();
        let name = match t.tok {
            Tok::Str(s) => self.lit(s).to_string(),
            other => {
                return Err(self.err_at(
                    &format!("unexpected {} in {ctx} clause", describe(&other)),
                    t.pos,
                ))
            }
        };
        let n = self.peek_non_space();
        if n.tok == Tok::RightDelim {
            self.next();
            return Ok((name, None));
        }
        let pipe = self.pipeline(ctx, false)?;
        Ok((name, Some(pipe)))
    }

    fn branch(&mut self, kind: BranchKind) -> Result<Node, ParseError> {
        let mark = self.vars.len();
        if kind == BranchKind::Range {
            self.range_depth += 1;
        }
        let ctx = match kind {
            BranchKind::If => "if",
            BranchKind::With => "with",
            BranchKind::Range => "range",
        };
        let pipe = self.pipeline(ctx, kind == BranchKind::Range)?;
        let (list, end) = self.list()?;
        if kind == BranchKind::Range {
            self.range_depth -= 1;
        }
        let else_list = match end {
            ListEnd::Close(_) => None,
            ListEnd::Eof => return Err(self.err_at("unexpected EOF", self.peek().pos)),
            ListEnd::Else(_, None) => {
                let (el, end2) = self.list()?;
                match end2 {
                    ListEnd::Close(_) => {}
                    ListEnd::Eof => return Err(self.err_at("unexpected EOF", self.peek().pos)),
                    ListEnd::Else(l, _) => {
                        return Err(self.err_at("expected end; found {{else}}", l));
                    }
                }
                Some(el)
            }
            ListEnd::Else(_, Some(k)) => {
                // `else if` / `else with`: a nested branch that consumes the shared end
                let nested = self.branch(k)?;
                Some(vec![nested])
            }
        };
        self.vars.truncate(mark);
        Ok(Node::Branch(Box::new(Branch {
            kind,
            pipe,
            list,
            else_list,
        })))
    }

    /// Parses a pipeline up to `}}` (consumed) or `)` (not consumed).
    fn pipeline(&mut self, ctx: &str, allow_decl: bool) -> Result<Pipe, ParseError> {
        let start = self.peek_non_space();
        let mut pipe = Pipe {
            decl: Vec::new(),
            is_assign: false,
            args: Vec::new(),
            cmd_ends: smallvec::SmallVec::new(),
            pos: Self::pos(&start),
        };
        // declarations: $x := / $x = / $i, $e :=
        if let Tok::Variable(v) = start.tok {
            let save = self.i;
            self.next();
            let after = self.peek_non_space();
            let mut names: [&'a str; 2] = [v, ""];
            let mut n = 0;
            match after.tok {
                Tok::Declare | Tok::Assign => {
                    self.next();
                    pipe.is_assign = after.tok == Tok::Assign;
                    n = 1;
                }
                Tok::Comma if allow_decl => {
                    self.next();
                    let v2 = self.next_non_space();
                    let Tok::Variable(v2) = v2.tok else {
                        return Err(self.err(format!("expected variable in {ctx}")));
                    };
                    let op = self.next_non_space();
                    if op.tok != Tok::Declare && op.tok != Tok::Assign {
                        return Err(self.err(format!("expected := in {ctx}")));
                    }
                    pipe.is_assign = op.tok == Tok::Assign;
                    names[1] = v2;
                    n = 2;
                }
                _ => self.i = save,
            }
            let names = &names[..n];
            if pipe.is_assign {
                for d in names {
                    if !self.vars.contains(d) {
                        return Err(self.err(format!("undefined variable \"{d}\"")));
                    }
                }
            } else {
                self.vars.extend_from_slice(names);
            }
            for d in names {
                let shared = self.name(d);
                pipe.decl.push(shared);
            }
        }
        loop {
            let t = self.peek_non_space();
            match t.tok {
                Tok::RightDelim => {
                    self.next();
                    break;
                }
                Tok::RParen => break,
                Tok::Eof => return Err(self.err(format!("unclosed action in {ctx}"))),
                _ => {
                    let pos = self.command(&mut pipe.args)?;
                    pipe.cmd_ends.push((pipe.args.len() as u32, pos));
                }
            }
        }
        if pipe.cmd_ends.is_empty() {
            return Err(self.err(format!("missing value for {ctx}")));
        }
        Ok(pipe)
    }

    /// One command: its words are appended to `args` (the pipeline's); returns its
    /// position.
    fn command(&mut self, args: &mut Vec<Arg>) -> Result<Pos, ParseError> {
        let start = self.peek_non_space();
        let pos = Self::pos(&start);
        let mark = args.len();
        loop {
            let t = self.peek();
            match t.tok {
                Tok::RightDelim | Tok::RParen => break,
                Tok::Pipe => {
                    self.next();
                    if args.len() == mark {
                        return Err(self.err("missing command".into()));
                    }
                    return Ok(pos);
                }
                _ => {
                    let a = self.operand()?;
                    args.push(a);
                }
            }
            // operands must be separated by space
            let t = self.peek();
            match t.tok {
                Tok::RightDelim | Tok::RParen | Tok::Pipe => {}
                _ if t.space_before => {}
                ref other => {
                    return Err(self.err(format!("unexpected {} in operand", describe(other))))
                }
            }
        }
        if args.len() == mark {
            return Err(self.err("missing command".into()));
        }
        Ok(pos)
    }

    /// A variable name as the tree holds it: one shared string per name.
    fn name(&mut self, v: &str) -> Rc<str> {
        if let Some(n) = self.names.iter().find(|n| ***n == *v) {
            return n.clone();
        }
        let n: Rc<str> = Rc::from(v);
        self.names.push(n.clone());
        n
    }

    /// The span of a name that borrows from the source text.
    fn span(&self, name: &str) -> Span {
        let start = name.as_ptr() as usize - self.src.as_ptr() as usize;
        Span {
            start: start as u32,
            end: (start + name.len()) as u32,
        }
    }

    /// Appends following `.Field` tokens; returns the position of the first one (Go's
    /// chain position, which error messages report).
    fn chain_fields(&mut self, fields: &mut Fields) -> Option<Pos> {
        let mut first = None;
        while let (Tok::Field(f2), false) = (&self.peek().tok, self.peek().space_before) {
            fields.push(self.span(f2));
            first.get_or_insert(Self::pos(self.peek()));
            self.next();
        }
        first
    }

    fn operand(&mut self) -> Result<Arg, ParseError> {
        let t = self.next();
        let pos = Self::pos(&t);
        let base = match t.tok {
            Tok::Field(f) => {
                let mut fields = Fields::new();
                fields.push(self.span(f));
                let fpos = self.chain_fields(&mut fields).unwrap_or(pos);
                return Ok(Arg::Field(fields, fpos));
            }
            Tok::Variable(v) => {
                if !self.vars.contains(&v) {
                    return Err(self.err_at(&format!("undefined variable \"{v}\""), t.pos));
                }
                let mut fields = Fields::new();
                let fpos = self.chain_fields(&mut fields).unwrap_or(pos);
                return Ok(Arg::Variable(self.name(v), fields, fpos));
            }
            Tok::Dot => Arg::Dot,
            Tok::Keyword(Kw::Nil) => Arg::Nil,
            Tok::Keyword(Kw::True) => Arg::Const(Value::Bool(true), None),
            Tok::Keyword(Kw::False) => Arg::Const(Value::Bool(false), None),
            Tok::Str(s) => Arg::Const(Value::str(self.lit(s)), None),
            Tok::Char(v, text) => Arg::Const(Value::Int(i64::from(v)), Some(Rc::from(text))),
            Tok::Number(n) => Arg::Const(
                parse_number(n).map_err(|m| self.err_at(&m, t.pos))?,
                Some(Rc::from(n)),
            ),
            Tok::Ident(name) => {
                let Some(f) = (self.resolve)(name) else {
                    return Err(self.err_at(&format!("function \"{name}\" not defined"), t.pos));
                };
                Arg::Func(f, pos)
            }
            Tok::LParen => {
                let p = self.pipeline("parenthesized pipeline", false)?;
                let close = self.next();
                if close.tok != Tok::RParen {
                    return Err(self.err("unclosed left paren".into()));
                }
                Arg::Pipe(Box::new(p))
            }
            Tok::Keyword(k) => {
                return Err(self.err_at(&format!("unexpected <{k}> in command"), t.pos))
            }
            other => {
                return Err(self.err_at(
                    &format!("unexpected {} in operand", describe(&other)),
                    t.pos,
                ))
            }
        };
        // a chain: (x).a.b
        if let (Tok::Field(_), false) = (&self.peek().tok, self.peek().space_before) {
            let mut fields = Fields::new();
            let cpos = Self::pos(self.peek());
            while let (Tok::Field(f2), false) = (&self.peek().tok, self.peek().space_before) {
                fields.push(self.span(f2));
                self.next();
            }
            match base {
                Arg::Nil => return Err(self.err("nil is not a command".into())),
                Arg::Const(..) => return Err(self.err("unexpected . after term".into())),
                _ => {}
            }
            return Ok(Arg::Chain(Box::new(base), fields, cpos));
        }
        Ok(base)
    }
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::RightDelim => "\"}}\"".into(),
        Tok::Text(..) => "text".into(),
        Tok::Ident(s) | Tok::Number(s) | Tok::Variable(s) => format!("<{s}>"),
        Tok::Field(s) => format!("<.{s}>"),
        Tok::Keyword(k) => format!("<{k}>"),
        Tok::Str(StrLit::Borrowed(s)) => crate::gofmt::quote(s),
        Tok::Str(StrLit::Owned(_)) => "string".into(),
        Tok::Eof => "EOF".into(),
        other => format!("{other:?}"),
    }
}

/// Parses a Go number literal into the value Go's templates give an untyped constant
/// used as `interface{}`: an `int` when integral and written without `.`/`e`, else float64.
fn parse_number(text: &str) -> Result<Value, String> {
    // the common case: a short decimal integer without a leading zero
    let b = text.as_bytes();
    if !b.is_empty()
        && b.len() <= 18
        && (b[0] != b'0' || b.len() == 1)
        && b.iter().all(u8::is_ascii_digit)
    {
        let v = b.iter().fold(0i64, |n, d| n * 10 + i64::from(d - b'0'));
        return Ok(Value::Int(v));
    }
    let clean = text.replace('_', "");
    let (neg, body) = match clean.strip_prefix('-') {
        Some(b) => (true, b.to_string()),
        None => (false, clean.trim_start_matches('+').to_string()),
    };
    let lower = body.to_ascii_lowercase();
    let int_val = if let Some(h) = lower.strip_prefix("0x") {
        if h.contains(['.', 'p']) {
            None
        } else {
            i64::from_str_radix(h, 16).ok()
        }
    } else if let Some(o) = lower.strip_prefix("0o") {
        i64::from_str_radix(o, 8).ok()
    } else if let Some(b) = lower.strip_prefix("0b") {
        i64::from_str_radix(b, 2).ok()
    } else if lower.len() > 1 && lower.starts_with('0') && lower.bytes().all(|c| c.is_ascii_digit())
    {
        i64::from_str_radix(&lower[1..], 8).ok()
    } else if lower.bytes().all(|c| c.is_ascii_digit()) {
        lower.parse::<i64>().ok()
    } else {
        None
    };
    if let Some(i) = int_val {
        return Ok(Value::Int(if neg { -i } else { i }));
    }
    if lower.ends_with('i') {
        return Err(format!("complex constants are not supported: {text}"));
    }
    if let Some(h) = lower.strip_prefix("0x") {
        // hexadecimal floating point: 0x1.8p3
        if let Some((mant, exp)) = h.split_once('p') {
            let (int_part, frac_part) = mant.split_once('.').unwrap_or((mant, ""));
            let mut m = 0f64;
            for c in int_part.chars().chain(frac_part.chars()) {
                m = m * 16.0
                    + f64::from(
                        c.to_digit(16)
                            .ok_or_else(|| format!("illegal number syntax: {text:?}"))?,
                    );
            }
            let e: i32 = exp
                .parse()
                .map_err(|_| format!("illegal number syntax: {text:?}"))?;
            let v = m * 2f64.powi(e - 4 * frac_part.len() as i32);
            return Ok(Value::Float(if neg { -v } else { v }));
        }
    }
    match lower.parse::<f64>() {
        Ok(f) => Ok(Value::Float(if neg { -f } else { f })),
        Err(_) => Err(format!("illegal number syntax: {text:?}")),
    }
}

/// A set of named templates.
pub type Defines = HashMap<String, Rc<List>>;

#[cfg(test)]
mod tests {
    use super::*;

    /// Every name resolves (to `print`): these tests are about structure.
    fn any(_name: &str) -> Option<super::super::FuncRef> {
        Some(super::super::FuncRef::Builtin(
            super::super::builtins::Builtin::Print,
        ))
    }

    #[test]
    fn unknown_function_is_a_parse_error() {
        let e = parse("{{ nope 1 }}", &|n| {
            (n == "x").then_some(super::super::FuncRef::Tpl)
        })
        .unwrap_err();
        assert_eq!(e.message, "function \"nope\" not defined");
    }

    #[test]
    fn numbers_become_int_or_float() {
        assert_eq!(parse_number("3").unwrap(), Value::Int(3));
        assert_eq!(parse_number("-3").unwrap(), Value::Int(-3));
        assert_eq!(parse_number("0x10").unwrap(), Value::Int(16));
        assert_eq!(parse_number("1.5").unwrap(), Value::Float(1.5));
        assert_eq!(parse_number("1e3").unwrap(), Value::Float(1000.0));
        assert_eq!(parse_number("0x1p60").unwrap(), Value::Float(2f64.powi(60)));
        assert_eq!(parse_number("0x1.8p1").unwrap(), Value::Float(3.0));
    }

    #[test]
    fn defines_are_collected() {
        let p = parse("a{{ define \"x\" }}b{{ end }}c", &any).unwrap();
        assert_eq!(p.defines.len(), 1);
        assert_eq!(p.root.len(), 2);
    }
}
