//! The parser of Go's `text/template`: actions, pipelines, control structures and
//! `define`/`block`, producing the trees the executor walks.

use std::cell::OnceCell;
use std::rc::Rc;

pub use super::lex::Span;
use super::lex::{char_value, lex_into, Kw, StrLit, Tok, Token};
use crate::value::Value;

/// Where a template body's nodes are in its [`Tree`]: a range of [`Tree::nodes`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct List {
    /// first node
    pub start: u32,
    /// number of nodes
    pub len: u32,
}

/// The field names of a chain (`.a.b.c`): a range of [`Tree::spans`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Fields {
    /// first field
    pub start: u32,
    /// number of fields
    pub len: u32,
}

impl Fields {
    /// Whether the chain has no fields.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// Everything parsed from one template text, in a few flat tables: lists, pipelines
/// and chains refer to ranges and indices of these (so that a template's tree is a
/// handful of allocations, and dropping it is cheap).
#[derive(Debug, Default)]
pub struct Tree {
    /// the nodes of every list, each list contiguous
    pub nodes: Vec<Node>,
    /// the words of every pipeline of an action or control structure, each pipeline's
    /// contiguous
    pub args: Vec<Arg>,
    /// the words of every parenthesized pipeline, each pipeline's contiguous (kept
    /// apart: they are parsed in the middle of another pipeline's words)
    pub sub_args: Vec<Arg>,
    /// for each command of every pipeline: where its words end (counted from the
    /// pipeline's first word), and its position
    pub cmds: Vec<(u32, Pos)>,
    /// the field names of every chain
    pub spans: Vec<Span>,
    /// `{{ pipeline }}` actions and parenthesized pipelines
    pub pipes: Vec<Pipe>,
    /// if/with/range nodes
    pub branches: Vec<Branch>,
    /// `{{ template }}` calls
    pub calls: Vec<TemplateCall>,
    /// the variable names of the template, as spans of its text; the first is `$`
    /// (its span is empty: every template has it)
    pub names: Vec<Span>,
    /// the constants of the template
    pub consts: Vec<Const>,
    /// the operands that chains (`(x).a.b`) start from
    pub bases: Vec<Arg>,
    /// string constants that had escapes, unescaped
    pub strings: Vec<String>,
}

impl Tree {
    /// An empty tree with room for what `tokens` tokens usually make.
    fn with_tokens(tokens: usize) -> Tree {
        Tree {
            nodes: Vec::with_capacity(tokens / 4 + 4),
            args: Vec::with_capacity(tokens / 4 + 4),
            sub_args: Vec::new(),
            cmds: Vec::with_capacity(tokens / 8 + 4),
            spans: Vec::with_capacity(tokens / 4 + 4),
            pipes: Vec::with_capacity(tokens / 16 + 4),
            branches: Vec::with_capacity(tokens / 32 + 2),
            calls: Vec::new(),
            names: vec![Span { start: 0, end: 0 }],
            consts: Vec::with_capacity(tokens / 16 + 4),
            bases: Vec::new(),
            strings: Vec::new(),
        }
    }

    /// The value of constant `i`; `src` is the template's text. A string constant is
    /// made the first time it is used, so constants in templates that never run cost
    /// nothing.
    pub fn const_value(&self, i: u32, src: &str) -> Value {
        let c = &self.consts[i as usize];
        c.value
            .get_or_init(|| match c.lit {
                Some(StrRef::Source(span)) => Value::str(span.of(src)),
                Some(StrRef::Unescaped(k)) => Value::str(&self.strings[k as usize]),
                None => Value::Nil,
            })
            .clone()
    }

    /// The name of variable `i`; `src` is the template's text.
    pub fn name<'s>(&self, i: u32, src: &'s str) -> &'s str {
        match i {
            0 => "$",
            _ => self.names[i as usize].of(src),
        }
    }

    /// The nodes of a list.
    pub fn list(&self, l: List) -> &[Node] {
        self.nodes
            .get(l.start as usize..(l.start + l.len) as usize)
            .unwrap_or(&[])
    }

    /// The names of a chain.
    pub fn fields(&self, f: Fields) -> &[Span] {
        self.spans
            .get(f.start as usize..(f.start + f.len) as usize)
            .unwrap_or(&[])
    }

    /// The commands of a pipeline, in order.
    pub fn cmds<'t>(&'t self, pipe: &Pipe) -> impl Iterator<Item = Cmd<'t>> + 't {
        let base = pipe.args_start as usize;
        let words = if pipe.nested {
            &self.sub_args
        } else {
            &self.args
        };
        let mut start = base;
        let ends = self
            .cmds
            .get(pipe.cmds_start as usize..(pipe.cmds_start + pipe.cmds_len) as usize)
            .unwrap_or(&[]);
        ends.iter().map(move |&(end, pos)| {
            let end = base + end as usize;
            let args = words.get(start..end).unwrap_or(&[]);
            start = end;
            Cmd { args, pos }
        })
    }
}

/// A node of a template body.
#[derive(Debug, Clone, Copy)]
pub enum Node {
    /// literal text: a byte range (start, end) of the template's source
    Text(u32, u32),
    /// `{{ pipeline }}`: an index of [`Tree::pipes`]
    Action(u32),
    /// `{{ if }}` / `{{ with }}` / `{{ range }}` (with optional else): an index of
    /// [`Tree::branches`]
    Branch(u32),
    /// `{{ template "name" pipeline }}`: an index of [`Tree::calls`]
    Template(u32),
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

/// The variables a pipeline declares or assigns (at most two), as indices of
/// [`Tree::names`].
#[derive(Debug, Clone, Copy, Default)]
pub struct Decl {
    names: [u32; 2],
    len: u8,
}

impl Decl {
    fn push(&mut self, name: u32) {
        self.names[self.len as usize] = name;
        self.len += 1;
    }

    /// How many variables.
    pub fn len(&self) -> usize {
        self.len as usize
    }

    /// Whether the pipeline declares nothing.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The variables, in order.
    pub fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        self.names[..self.len as usize].iter().copied()
    }

    /// Variable `i`.
    pub fn get(&self, i: usize) -> u32 {
        self.names[..self.len as usize][i]
    }
}

/// Where a string constant's text is.
#[derive(Debug, Clone, Copy)]
enum StrRef {
    /// the template source (no escapes)
    Source(Span),
    /// an index of [`Tree::strings`]
    Unescaped(u32),
}

/// A constant of a template: its value (made on first use for strings), and its
/// source text when that cannot be derived from the value (numbers and characters).
#[derive(Debug)]
pub struct Const {
    value: OnceCell<Value>,
    lit: Option<StrRef>,
    /// the source text of a number or character
    pub text: Option<Span>,
}

/// A pipeline, with optional variable declarations.
#[derive(Debug)]
pub struct Pipe {
    /// `$x :=` or `$i, $e :=` names
    pub decl: Decl,
    /// `=` rather than `:=`
    pub is_assign: bool,
    /// its first word in [`Tree::args`], or in [`Tree::sub_args`] when `nested` (the
    /// words of all its commands, one command after the other)
    pub args_start: u32,
    /// parenthesized: its words are in [`Tree::sub_args`]
    pub nested: bool,
    /// its first command in [`Tree::cmds`]
    pub cmds_start: u32,
    /// how many commands (separated by `|`)
    pub cmds_len: u32,
    /// position
    pub pos: Pos,
}

/// One command of a pipeline: a function call or an operand with arguments.
#[derive(Debug, Clone, Copy)]
pub struct Cmd<'p> {
    /// words
    pub args: &'p [Arg],
    /// position
    pub pos: Pos,
}

/// One word of a command (small and without drop glue: what it holds lives in the
/// tables of its [`Tree`]).
#[derive(Debug, Clone, Copy)]
pub enum Arg {
    /// `.A.B`
    Field(Fields, Pos),
    /// `$x.A.B`: the variable is an index of [`Tree::names`]
    Variable(u32, Fields, Pos),
    /// `(pipe).A.B` or `fn.A`: the operand is an index of [`Tree::bases`]
    Chain(u32, Fields, Pos),
    /// `.`
    Dot,
    /// `nil`
    Nil,
    /// a constant: an index of [`Tree::consts`]
    Const(u32),
    /// a function, resolved at parse time
    Func(super::FuncRef, Pos),
    /// `( pipeline )`: an index of [`Tree::pipes`]
    Pipe(u32),
}

/// A parsed template: its tree, its body, and the `define`s found in it.
#[derive(Debug)]
pub struct Parsed {
    /// every node of the template and its `define`s
    pub tree: Tree,
    /// the body of the template itself
    pub root: List,
    /// `define`d (and `block`) templates: name -> body
    pub defines: Vec<(Rc<str>, List)>,
}

/// A parse error: Go's message without the `template: NAME:LINE:` prefix.
#[derive(Debug, Clone)]
pub struct ParseError {
    /// message
    pub message: String,
    /// 1-based line
    pub line: usize,
}

/// The buffers a parse needs only while it runs (tokens and the parser's stacks),
/// kept for the next parse on the same thread so that each template does not
/// allocate them anew.
#[derive(Default)]
struct Scratch {
    tokens: Vec<Token>,
    nodes: Vec<Node>,
    args: Vec<Arg>,
    cmds: Vec<(u32, Pos)>,
}

thread_local! {
    static SCRATCH: std::cell::Cell<Scratch> = std::cell::Cell::new(Scratch::default());
}

/// Parses template text. `resolve` finds the functions a template may call.
///
/// # Errors
/// Go's parse error (the caller adds `template: NAME:LINE: `).
pub fn parse(
    src: &str,
    resolve: &dyn Fn(&str) -> Option<super::FuncRef>,
) -> Result<Parsed, ParseError> {
    let mut scratch = SCRATCH.with(std::cell::Cell::take);
    let parsed = parse_with(src, resolve, &mut scratch);
    // keep the room of ordinary templates, not that of a huge one
    if scratch.tokens.capacity() > 1 << 17 {
        scratch.tokens = Vec::new();
    }
    SCRATCH.with(|c| c.set(scratch));
    parsed
}

fn parse_with(
    src: &str,
    resolve: &dyn Fn(&str) -> Option<super::FuncRef>,
    scratch: &mut Scratch,
) -> Result<Parsed, ParseError> {
    let lexed = lex_into(src, std::mem::take(&mut scratch.tokens))
        .map_err(|(message, line)| ParseError { message, line })?;
    let lexed_len = lexed.tokens.len();
    let Some(&first) = lexed.tokens.first() else {
        scratch.tokens = lexed.tokens;
        return Ok(Parsed {
            tree: Tree::default(),
            root: List::default(),
            defines: Vec::new(),
        });
    };
    let mut tree = Tree::with_tokens(lexed_len);
    tree.strings = lexed.strings;
    let mut p = Parser {
        src,
        cur: first,
        toks: lexed.tokens,
        i: 0,
        resolve,
        defines: Vec::new(),
        range_depth: 0,
        vars: vec!["$"],
        vars_base: 0,
        tree,
        node_stack: std::mem::take(&mut scratch.nodes),
        arg_stack: std::mem::take(&mut scratch.args),
        pipe_depth: 0,
        cmd_stack: std::mem::take(&mut scratch.cmds),
    };
    p.node_stack.clear();
    p.arg_stack.clear();
    p.cmd_stack.clear();
    let body = p.list();
    scratch.tokens = std::mem::take(&mut p.toks);
    scratch.nodes = std::mem::take(&mut p.node_stack);
    scratch.args = std::mem::take(&mut p.arg_stack);
    scratch.cmds = std::mem::take(&mut p.cmd_stack);
    let (root, end) = body?;
    match end {
        ListEnd::Eof => {}
        ListEnd::Close(line) => return Err(p.err_at("unexpected {{end}}", line)),
        ListEnd::Else(line, _) => return Err(p.err_at("unexpected {{else}}", line)),
    }
    Ok(Parsed {
        tree: p.tree,
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
    toks: Vec<Token>,
    /// `toks[i]` (the last token, EOF, once `i` is past it)
    cur: Token,
    i: usize,
    resolve: &'f dyn Fn(&str) -> Option<super::FuncRef>,
    defines: Vec<(Rc<str>, List)>,
    range_depth: usize,
    /// the variables in scope, innermost last: those from `vars_base` on are the
    /// running template body's (a `define` sees only its own, starting with `$`)
    vars: Vec<&'a str>,
    vars_base: usize,
    /// the tree being built
    tree: Tree,
    /// the nodes of the lists being parsed (innermost last), moved to the tree when
    /// a list ends
    node_stack: Vec<Node>,
    /// the words of the parenthesized pipelines being parsed, moved to the tree when
    /// one ends
    arg_stack: Vec<Arg>,
    /// how many pipelines are being parsed (more than one: parenthesized ones)
    pipe_depth: u32,
    /// the command ends of the pipelines being parsed
    cmd_stack: Vec<(u32, Pos)>,
}

impl<'a> Parser<'a, '_> {
    #[inline]
    fn peek(&self) -> &Token {
        &self.cur
    }

    /// Goes back to token `i` (a lookahead that did not match).
    fn reset(&mut self, i: usize) {
        self.i = i;
        if let Some(t) = self.toks.get(i) {
            self.cur = *t;
        }
    }

    fn lit(&self, s: StrLit) -> &str {
        match s {
            StrLit::Borrowed(b) => b.of(self.src),
            StrLit::Owned(i) => &self.tree.strings[i as usize],
        }
    }

    #[inline]
    fn next(&mut self) -> Token {
        let t = self.cur;
        if let Some(n) = self.toks.get(self.i + 1) {
            self.cur = *n;
        }
        self.i += 1;
        t
    }

    fn next_non_space(&mut self) -> Token {
        self.next()
    }

    fn peek_non_space(&mut self) -> Token {
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

    /// The body of a `define` or `block`: a list whose only variable to start with is
    /// `$`.
    fn body_list(&mut self) -> Result<(List, ListEnd), ParseError> {
        let (saved_base, mark) = (self.vars_base, self.vars.len());
        self.vars_base = mark;
        self.vars.push("$");
        let r = self.list();
        self.vars.truncate(mark);
        self.vars_base = saved_base;
        r
    }

    /// Parses nodes until EOF, `{{end}}` or `{{else}}`.
    fn list(&mut self) -> Result<(List, ListEnd), ParseError> {
        let mark = self.node_stack.len();
        let end = self.list_nodes()?;
        let start = self.tree.nodes.len() as u32;
        self.tree.nodes.extend(self.node_stack.drain(mark..));
        let list = List {
            start,
            len: self.tree.nodes.len() as u32 - start,
        };
        Ok((list, end))
    }

    /// [`Parser::list`]'s nodes, pushed on the node stack.
    fn list_nodes(&mut self) -> Result<ListEnd, ParseError> {
        loop {
            let t = self.next();
            match t.tok {
                Tok::Eof => return Ok(ListEnd::Eof),
                Tok::Text(t) => self.node_stack.push(Node::Text(t.start, t.end)),
                Tok::LeftDelim => {
                    let kw = self.peek_non_space();
                    match kw.tok {
                        Tok::Keyword(Kw::End) => {
                            self.next();
                            self.expect_right("end")?;
                            return Ok(ListEnd::Close(kw.pos));
                        }
                        Tok::Keyword(Kw::Else) => {
                            self.next();
                            let n = self.peek_non_space();
                            match n.tok {
                                Tok::Keyword(Kw::If) => {
                                    self.next();
                                    return Ok(ListEnd::Else(kw.pos, Some(BranchKind::If)));
                                }
                                Tok::Keyword(Kw::With) => {
                                    self.next();
                                    return Ok(ListEnd::Else(kw.pos, Some(BranchKind::With)));
                                }
                                _ => {
                                    self.expect_right("else")?;
                                    return Ok(ListEnd::Else(kw.pos, None));
                                }
                            }
                        }
                        _ => {
                            if let Some(n) = self.action()? {
                                self.node_stack.push(n);
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
            return Err(self.err_at(
                &format!("unexpected {} in {ctx}", describe(&t.tok, self.src)),
                t.pos,
            ));
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
                Ok(Some(self.call_node(TemplateCall {
                    name,
                    pipe,
                    pos: Self::pos(&t),
                })))
            }
            Tok::Keyword(Kw::Define) => {
                self.next();
                let name_tok = self.next_non_space();
                let Tok::Str(name) = name_tok.tok else {
                    return Err(self.err_at("unexpected name in define clause", t.pos));
                };
                let name: Rc<str> = Rc::from(self.lit(name));
                self.expect_right("define clause")?;
                let (body, end) = self.body_list()?;
                match end {
                    ListEnd::Close(_) => {}
                    ListEnd::Eof => return Err(self.err_at("unexpected EOF", self.peek().pos)),
                    ListEnd::Else(l, _) => return Err(self.err_at("unexpected {{else}}", l)),
                }
                self.defines.push((name, body));
                Ok(None)
            }
            Tok::Keyword(Kw::Block) => {
                self.next();
                let (name, pipe) = self.template_call("block")?;
                let (body, end) = self.body_list()?;
                if !matches!(end, ListEnd::Close(_)) {
                    return Err(self.err_at("unexpected EOF", self.peek().pos));
                }
                self.defines.push((Rc::from(name.as_str()), body));
                Ok(Some(self.call_node(TemplateCall {
                    name,
                    pipe,
                    pos: Self::pos(&t),
                })))
            }
            _ => {
                let pipe = self.pipeline("command", true)?;
                self.tree.pipes.push(pipe);
                Ok(Some(Node::Action(self.tree.pipes.len() as u32 - 1)))
            }
        }
    }

    fn call_node(&mut self, call: TemplateCall) -> Node {
        self.tree.calls.push(call);
        Node::Template(self.tree.calls.len() as u32 - 1)
    }

    fn template_call(&mut self, ctx: &str) -> Result<(String, Option<Pipe>), ParseError> {
        let t = self.next_non_space();
        let name = match t.tok {
            Tok::Str(s) => self.lit(s).to_string(),
            other => {
                return Err(self.err_at(
                    &format!("unexpected {} in {ctx} clause", describe(&other, self.src)),
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
                self.tree.nodes.push(nested);
                Some(List {
                    start: self.tree.nodes.len() as u32 - 1,
                    len: 1,
                })
            }
        };
        self.vars.truncate(mark);
        self.tree.branches.push(Branch {
            kind,
            pipe,
            list,
            else_list,
        });
        Ok(Node::Branch(self.tree.branches.len() as u32 - 1))
    }

    /// Parses a pipeline up to `}}` (consumed) or `)` (not consumed).
    fn pipeline(&mut self, ctx: &str, allow_decl: bool) -> Result<Pipe, ParseError> {
        let start = self.peek_non_space();
        let mut pipe = Pipe {
            decl: Decl::default(),
            is_assign: false,
            args_start: 0,
            nested: self.pipe_depth > 0,
            cmds_start: 0,
            cmds_len: 0,
            pos: Self::pos(&start),
        };
        // declarations: $x := / $x = / $i, $e :=
        if let Tok::Variable(v) = start.tok {
            let v = v.of(self.src);
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
                    let v2 = v2.of(self.src);
                    let op = self.next_non_space();
                    if op.tok != Tok::Declare && op.tok != Tok::Assign {
                        return Err(self.err(format!("expected := in {ctx}")));
                    }
                    pipe.is_assign = op.tok == Tok::Assign;
                    names[1] = v2;
                    n = 2;
                }
                _ => self.reset(save),
            }
            let names = &names[..n];
            if pipe.is_assign {
                for d in names {
                    if !self.vars[self.vars_base..].contains(d) {
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
        let nested = pipe.nested;
        self.pipe_depth += 1;
        let arg_mark = self.words(nested).len();
        let cmd_mark = self.cmd_stack.len();
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
                    let pos = self.command(nested)?;
                    let end = (self.words(nested).len() - arg_mark) as u32;
                    self.cmd_stack.push((end, pos));
                }
            }
        }
        if self.cmd_stack.len() == cmd_mark {
            return Err(self.err(format!("missing value for {ctx}")));
        }
        self.pipe_depth -= 1;
        if nested {
            pipe.args_start = self.tree.sub_args.len() as u32;
            self.tree.sub_args.extend(self.arg_stack.drain(arg_mark..));
        } else {
            // an outermost pipeline's words went straight to the tree
            pipe.args_start = arg_mark as u32;
        }
        pipe.cmds_start = self.tree.cmds.len() as u32;
        self.tree.cmds.extend(self.cmd_stack.drain(cmd_mark..));
        pipe.cmds_len = self.tree.cmds.len() as u32 - pipe.cmds_start;
        Ok(pipe)
    }

    /// Where the words of the pipeline being parsed go: the tree for an outermost
    /// pipeline, the word stack for a parenthesized one.
    fn words(&mut self, nested: bool) -> &mut Vec<Arg> {
        if nested {
            &mut self.arg_stack
        } else {
            &mut self.tree.args
        }
    }

    /// One command: its words are pushed where [`Parser::words`] says; returns its
    /// position.
    fn command(&mut self, nested: bool) -> Result<Pos, ParseError> {
        let start = self.peek_non_space();
        let pos = Self::pos(&start);
        let mark = self.words(nested).len();
        loop {
            let t = self.peek();
            match t.tok {
                Tok::RightDelim | Tok::RParen => break,
                Tok::Pipe => {
                    self.next();
                    if self.words(nested).len() == mark {
                        return Err(self.err("missing command".into()));
                    }
                    return Ok(pos);
                }
                _ => {
                    let a = self.operand()?;
                    self.words(nested).push(a);
                }
            }
            // operands must be separated by space
            let t = self.peek();
            match t.tok {
                Tok::RightDelim | Tok::RParen | Tok::Pipe => {}
                _ if t.space_before => {}
                ref other => {
                    return Err(self.err(format!(
                        "unexpected {} in operand",
                        describe(other, self.src)
                    )))
                }
            }
        }
        if self.words(nested).len() == mark {
            return Err(self.err("missing command".into()));
        }
        Ok(pos)
    }

    /// A variable name's index in [`Tree::names`] (most templates use a handful); `v`
    /// is a slice of the template's text.
    fn name(&mut self, v: &str) -> u32 {
        let found = (0..self.tree.names.len() as u32).find(|&i| self.tree.name(i, self.src) == v);
        found.unwrap_or_else(|| {
            let start = v.as_ptr() as usize - self.src.as_ptr() as usize;
            self.tree.names.push(Span {
                start: start as u32,
                end: (start + v.len()) as u32,
            });
            self.tree.names.len() as u32 - 1
        })
    }

    /// A constant word: its value now, or a string made when first used.
    fn constant(&mut self, value: Option<Value>, lit: Option<StrLit>, text: Option<Span>) -> Arg {
        let lit = lit.map(|l| match l {
            StrLit::Borrowed(b) => StrRef::Source(b),
            StrLit::Owned(i) => StrRef::Unescaped(i),
        });
        self.tree.consts.push(Const {
            value: value.map_or_else(OnceCell::new, OnceCell::from),
            lit,
            text,
        });
        Arg::Const(self.tree.consts.len() as u32 - 1)
    }

    /// Appends following `.Field` tokens; returns the position of the first one (Go's
    /// chain position, which error messages report).
    fn chain_fields(&mut self, fields: &mut Fields) -> Option<Pos> {
        let mut first = None;
        if fields.len == 0 {
            fields.start = self.tree.spans.len() as u32;
        }
        while let (Tok::Field(span), false) = (self.peek().tok, self.peek().space_before) {
            self.tree.spans.push(span);
            fields.len += 1;
            first.get_or_insert(Self::pos(self.peek()));
            self.next();
        }
        first
    }

    fn operand(&mut self) -> Result<Arg, ParseError> {
        let t = self.next();
        let pos = Self::pos(&t);
        let base = match t.tok {
            Tok::Field(span) => {
                let mut fields = Fields {
                    start: self.tree.spans.len() as u32,
                    len: 1,
                };
                self.tree.spans.push(span);
                let fpos = self.chain_fields(&mut fields).unwrap_or(pos);
                return Ok(Arg::Field(fields, fpos));
            }
            Tok::Variable(v) => {
                let v = v.of(self.src);
                if !self.vars[self.vars_base..].contains(&v) {
                    return Err(self.err_at(&format!("undefined variable \"{v}\""), t.pos));
                }
                let mut fields = Fields::default();
                let fpos = self.chain_fields(&mut fields).unwrap_or(pos);
                return Ok(Arg::Variable(self.name(v), fields, fpos));
            }
            Tok::Dot => Arg::Dot,
            Tok::Keyword(Kw::Nil) => Arg::Nil,
            Tok::Keyword(Kw::True) => self.constant(Some(Value::Bool(true)), None, None),
            Tok::Keyword(Kw::False) => self.constant(Some(Value::Bool(false)), None, None),
            Tok::Str(s) => self.constant(None, Some(s), None),
            Tok::Char(span) => {
                let v = char_value(span.of(self.src));
                self.constant(Some(Value::Int(i64::from(v))), None, Some(span))
            }
            Tok::Number(span) => {
                let v = parse_number(span.of(self.src)).map_err(|m| self.err_at(&m, t.pos))?;
                self.constant(Some(v), None, Some(span))
            }
            Tok::Ident(name) => {
                let name = name.of(self.src);
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
                self.tree.pipes.push(p);
                Arg::Pipe(self.tree.pipes.len() as u32 - 1)
            }
            Tok::Keyword(k) => {
                return Err(self.err_at(&format!("unexpected <{k}> in command"), t.pos))
            }
            other => {
                return Err(self.err_at(
                    &format!("unexpected {} in operand", describe(&other, self.src)),
                    t.pos,
                ))
            }
        };
        // a chain: (x).a.b
        if let (Tok::Field(_), false) = (&self.peek().tok, self.peek().space_before) {
            let mut fields = Fields::default();
            let cpos = Self::pos(self.peek());
            self.chain_fields(&mut fields);
            match base {
                Arg::Nil => return Err(self.err("nil is not a command".into())),
                Arg::Const(..) => return Err(self.err("unexpected . after term".into())),
                _ => {}
            }
            self.tree.bases.push(base);
            return Ok(Arg::Chain(self.tree.bases.len() as u32 - 1, fields, cpos));
        }
        Ok(base)
    }
}

fn describe(t: &Tok, src: &str) -> String {
    match t {
        Tok::RightDelim => "\"}}\"".into(),
        Tok::Text(..) => "text".into(),
        Tok::Ident(s) | Tok::Number(s) | Tok::Variable(s) => format!("<{}>", s.of(src)),
        Tok::Field(s) => format!("<.{}>", s.of(src)),
        Tok::Keyword(k) => format!("<{k}>"),
        Tok::Str(StrLit::Borrowed(s)) => crate::gofmt::quote(s.of(src)),
        Tok::Str(StrLit::Owned(_)) => "string".into(),
        Tok::Char(s) => crate::gofmt::quote(s.of(src)),
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
        assert_eq!(p.root.len, 2);
    }
}
