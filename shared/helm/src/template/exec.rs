//! The executor: walks parsed templates over a `Value` with Go's semantics (truthiness,
//! field chains, variables and scopes, range/with/if, missing keys, argument type checks)
//! and Helm's `include` and `tpl`.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use super::builtins;
use super::parse::{Arg, Branch, BranchKind, Cmd, List, Node, Pipe, Pos, Span, Tree};
use super::{Entry, Source, TemplateSet};
use crate::funcs::Param;
use crate::gofmt;
use crate::value::Value;

/// Execution options (Helm's engine settings).
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `missingkey=error` (Helm's strict/lint mode) instead of `missingkey=zero`.
    pub strict: bool,
    /// Helm's lint mode: `required` and `fail` give "" instead of stopping the render.
    pub lint: bool,
}

/// An execution error with Go's full text (`template: NAME:L:C: executing ...`).
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct ExecError(pub Box<String>);

/// How many times one template name may be included recursively (Helm's limit).
const MAX_INCLUDE_DEPTH: usize = 1000;
/// Go's maximum template call depth.
const MAX_EXEC_DEPTH: usize = 100_000;

/// Where an argument value came from: Go types a field's result as `interface{}`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Origin {
    /// a literal constant
    Const,
    /// a map lookup (typed `interface{}` in Go)
    Field,
    /// a pipeline, variable or function result (unwrapped)
    Other,
}

enum Flow {
    Normal,
    Break,
    Continue,
}

type R<T> = Result<T, ExecError>;

impl ExecError {
    /// An error with this text (boxed: results carrying a value stay small).
    pub fn new(text: String) -> ExecError {
        ExecError(Box::new(text))
    }
}

pub(super) fn execute(set: &TemplateSet, name: &str, data: &Value, opts: &Options) -> R<String> {
    let Some(entry) = set.get(name) else {
        return Err(ExecError::new(format!(
            "template: no template {} associated with template {}",
            gofmt::quote(name),
            gofmt::quote(name)
        )));
    };
    let entry = entry.clone();
    let mut st = State {
        sets: vec![Rc::new(RefCell::new(SetRef::Base(set)))],
        vars: Vec::with_capacity(32),
        frame_base: 0,
        dot_strict: false,
        opts: opts.clone(),
        depth: 0,
        including: Vec::new(),
        tmpl_name: Rc::from(name),
        source: entry.source.clone(),
    };
    let mut out = String::with_capacity(entry.source.text.len() + 256);
    st.run_template(&entry, name, data.clone(), &mut out)?;
    Ok(out)
}

/// A layer of named templates: the base set, or one added by a `tpl` call.
enum SetRef<'a> {
    Base(&'a TemplateSet),
    Overlay(HashMap<String, Entry>),
}

struct State<'a> {
    /// template layers, innermost last (a `tpl` call pushes its own `define`s)
    sets: Vec<Rc<RefCell<SetRef<'a>>>>,
    /// the variables in scope: an index of the running template's [`Tree::names`]
    /// (a frame holds the variables of one template, all from one tree), and the value
    vars: Vec<(u32, Value)>,
    /// where the running template's variables start in `vars`
    frame_base: usize,
    /// whether dot is an `interface{}`-typed value (a range element), so that a field
    /// of a nil dot is an error rather than "no value"
    dot_strict: bool,
    opts: Options,
    depth: usize,
    /// the names of the `include`s running, innermost last (Helm limits how deeply one
    /// name nests)
    including: Vec<Rc<str>>,
    tmpl_name: Rc<str>,
    source: Rc<Source>,
}

impl State<'_> {
    fn lookup(&self, name: &str) -> Option<Entry> {
        for layer in self.sets.iter().rev() {
            match &*layer.borrow() {
                SetRef::Base(s) => {
                    if let Some(e) = s.get(name) {
                        return Some(e.clone());
                    }
                }
                SetRef::Overlay(m) => {
                    if let Some(e) = m.get(name) {
                        return Some(e.clone());
                    }
                }
            }
        }
        None
    }

    fn err_at(&self, pos: Pos, node: &(impl Describe + ?Sized), msg: &str) -> ExecError {
        ExecError::new(format!(
            "template: {}: executing {} at <{}>: {}",
            self.source.location(pos.offset as usize),
            gofmt::quote(&self.tmpl_name),
            node.describe(&self.source.text),
            msg
        ))
    }

    fn run_template(&mut self, entry: &Entry, name: &str, data: Value, out: &mut String) -> R<()> {
        self.depth += 1;
        if self.depth > MAX_EXEC_DEPTH {
            return Err(ExecError::new(format!(
                "template: {}: exceeded maximum template depth ({MAX_EXEC_DEPTH})",
                name
            )));
        }
        // a template sees only its own variables: a frame on the shared stack
        let saved_base = std::mem::replace(&mut self.frame_base, self.vars.len());
        self.vars.push((0, data.clone()));
        let saved_name = std::mem::replace(
            &mut self.tmpl_name,
            if *entry.name == *name {
                entry.name.clone()
            } else {
                Rc::from(name)
            },
        );
        let saved_source = std::mem::replace(&mut self.source, entry.source.clone());
        let saved_strict = std::mem::replace(&mut self.dot_strict, false);
        let tree = entry.tree.clone();
        let r = self.walk(&data, &tree, entry.body, out);
        self.vars.truncate(self.frame_base);
        self.frame_base = saved_base;
        self.tmpl_name = saved_name;
        self.source = saved_source;
        self.dot_strict = saved_strict;
        self.depth -= 1;
        r.map(|_| ())
    }

    fn walk(&mut self, dot: &Value, t: &Tree, list: List, out: &mut String) -> R<Flow> {
        for node in t.list(list) {
            match *node {
                Node::Text(a, b) => out.push_str(&self.source.text[a as usize..b as usize]),
                Node::Action(i) => {
                    let pipe = &t.pipes[i as usize];
                    let v = self.eval_pipeline(dot, t, pipe)?;
                    if pipe.decl.is_empty() {
                        print_value(out, &v);
                    }
                }
                Node::Branch(i) => match self.walk_branch(dot, t, &t.branches[i as usize], out)? {
                    Flow::Normal => {}
                    f => return Ok(f),
                },
                Node::Template(i) => {
                    let super::parse::TemplateCall { name, pipe, pos } = &t.calls[i as usize];
                    let data = match pipe {
                        Some(p) => self.eval_pipeline(dot, t, p)?,
                        None => Value::Nil,
                    };
                    let Some(entry) = self.lookup(name) else {
                        let node = match pipe {
                            Some(p) => format!(
                                "{{{{template {} {}}}}}",
                                gofmt::quote(name),
                                pipe_string(p, t, &self.source.text)
                            ),
                            None => format!("{{{{template {}}}}}", gofmt::quote(name)),
                        };
                        return Err(self.err_at(
                            *pos,
                            &node,
                            &format!("template {} not defined", gofmt::quote(name)),
                        ));
                    };
                    self.run_template(&entry, name, data, out)?;
                }
                Node::Break => return Ok(Flow::Break),
                Node::Continue => return Ok(Flow::Continue),
            }
        }
        Ok(Flow::Normal)
    }

    fn walk_branch(&mut self, dot: &Value, t: &Tree, b: &Branch, out: &mut String) -> R<Flow> {
        let mark = self.vars.len();
        let r = match b.kind {
            BranchKind::If | BranchKind::With => {
                let v = self.eval_pipeline(dot, t, &b.pipe)?;
                if v.truthy() {
                    if b.kind == BranchKind::With {
                        let saved = std::mem::replace(&mut self.dot_strict, false);
                        let r = self.walk(&v, t, b.list, out);
                        self.dot_strict = saved;
                        r?
                    } else {
                        self.walk(dot, t, b.list, out)?
                    }
                } else if let Some(el) = b.else_list {
                    self.walk(dot, t, el, out)?
                } else {
                    Flow::Normal
                }
            }
            BranchKind::Range => self.walk_range(dot, t, b, out)?,
        };
        self.vars.truncate(mark);
        Ok(r)
    }

    fn walk_range(&mut self, dot: &Value, t: &Tree, b: &Branch, out: &mut String) -> R<Flow> {
        // evaluate without declaring: range declares per iteration
        let val = self.eval_pipeline_raw(dot, t, &b.pipe)?;
        let mark = self.vars.len();
        let items: Vec<(Value, Value)> = match &val {
            Value::List(l) => l
                .iter()
                .enumerate()
                .map(|(i, v)| (Value::Int(i as i64), v.clone()))
                .collect(),
            Value::Map(m) => m
                .borrow()
                .iter()
                .map(|(k, v)| (Value::Str(k.clone()), v.clone()))
                .collect(),
            Value::Bytes(bs) => bs
                .iter()
                .enumerate()
                .map(|(i, v)| (Value::Int(i as i64), Value::Int(*v as i64)))
                .collect(),
            Value::Int(n) => (0..(*n).max(0))
                .map(|i| (Value::Int(i), Value::Int(i)))
                .collect(),
            Value::Nil => Vec::new(),
            Value::Object(o) => match o.entries() {
                Some(e) => e,
                None => return Err(self.range_error(t, b, &val)),
            },
            other => return Err(self.range_error(t, b, other)),
        };
        let is_int_range = matches!(val, Value::Int(_));
        if items.is_empty() {
            if let Some(el) = b.else_list {
                return self.walk(dot, t, el, out);
            }
            return Ok(Flow::Normal);
        }
        for (k, v) in items {
            // one variable: the element; two: key and element
            match b.pipe.decl.len() {
                0 => {}
                1 => {
                    let v = if is_int_range { k.clone() } else { v.clone() };
                    self.bind(&b.pipe, b.pipe.decl.get(0), v);
                }
                _ => {
                    self.bind(&b.pipe, b.pipe.decl.get(0), k.clone());
                    self.bind(&b.pipe, b.pipe.decl.get(1), v.clone());
                }
            }
            let saved = std::mem::replace(&mut self.dot_strict, !is_int_range);
            let r = self.walk(&v, t, b.list, out);
            self.dot_strict = saved;
            self.vars.truncate(mark);
            match r? {
                Flow::Break => break,
                Flow::Continue | Flow::Normal => {}
            }
        }
        Ok(Flow::Normal)
    }

    fn range_error(&self, t: &Tree, b: &Branch, val: &Value) -> ExecError {
        let mut s = String::new();
        gofmt::write_value(&mut s, val);
        self.err_at(
            b.pipe.pos,
            &pipe_string(&b.pipe, t, &self.source.text),
            &format!("range can't iterate over {s}"),
        )
    }

    /// Declares or assigns (as `pipe` does) the variable `name` of `pipe`.
    fn bind(&mut self, pipe: &Pipe, name: u32, v: Value) {
        if pipe.is_assign {
            self.assign(name, v);
        } else {
            self.vars.push((name, v));
        }
    }

    fn assign(&mut self, name: u32, v: Value) {
        let base = self.frame_base;
        if let Some(slot) = self.vars[base..].iter_mut().rev().find(|(n, _)| *n == name) {
            slot.1 = v;
        }
    }

    fn var(&self, name: u32) -> Value {
        self.vars[self.frame_base..]
            .iter()
            .rev()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    /// Evaluates a pipeline and binds its declared variables.
    fn eval_pipeline(&mut self, dot: &Value, t: &Tree, pipe: &Pipe) -> R<Value> {
        let v = self.eval_pipeline_raw(dot, t, pipe)?;
        for name in pipe.decl.iter() {
            self.bind(pipe, name, v.clone());
        }
        Ok(v)
    }

    fn eval_pipeline_raw(&mut self, dot: &Value, t: &Tree, pipe: &Pipe) -> R<Value> {
        let mut cmds = t.cmds(pipe);
        let Some(first) = cmds.next() else {
            return Ok(Value::Nil);
        };
        let mut value = self.eval_command(dot, t, &first, None)?;
        for cmd in cmds {
            value = self.eval_command(dot, t, &cmd, Some(value))?;
        }
        Ok(value)
    }

    fn eval_command(
        &mut self,
        dot: &Value,
        t: &Tree,
        cmd: &Cmd<'_>,
        fin: Option<Value>,
    ) -> R<Value> {
        let first = &cmd.args[0];
        match first {
            Arg::Field(fields, pos) => self.eval_field_chain(
                dot,
                t,
                dot,
                self.dot_strict,
                t.fields(*fields),
                &cmd.args[1..],
                fin,
                *pos,
                first,
            ),
            Arg::Variable(name, fields, pos) => {
                let v = self.var(*name);
                if fields.is_empty() {
                    self.not_a_function(t, cmd, fin.as_ref())?;
                    return Ok(v);
                }
                let fields = t.fields(*fields);
                self.eval_field_chain(dot, t, &v, false, fields, &cmd.args[1..], fin, *pos, first)
            }
            Arg::Chain(base, fields, pos) => {
                let base = &t.bases[*base as usize];
                let v = self.eval_arg_any(dot, t, base)?.0;
                // a parenthesized pipeline's nil result is Go's invalid value: its fields
                // are "no value", not an error
                let strict = !matches!(base, Arg::Pipe(_));
                let fields = t.fields(*fields);
                self.eval_field_chain(dot, t, &v, strict, fields, &cmd.args[1..], fin, *pos, first)
            }
            Arg::Func(f, _) => self.eval_function(dot, t, *f, cmd, fin),
            Arg::Pipe(p) => {
                self.not_a_function(t, cmd, fin.as_ref())?;
                let mark = self.vars.len();
                let v = self.eval_pipeline(dot, t, &t.pipes[*p as usize]);
                self.vars.truncate(mark);
                v
            }
            Arg::Dot => {
                self.not_a_function(t, cmd, fin.as_ref())?;
                Ok(dot.clone())
            }
            Arg::Nil => Err(self.err_at(cmd.pos, &NodeText::Cmd(t, cmd), "nil is not a command")),
            Arg::Const(i) => {
                self.not_a_function(t, cmd, fin.as_ref())?;
                Ok(t.const_value(*i, &self.source.text))
            }
        }
    }

    fn not_a_function(&self, t: &Tree, cmd: &Cmd<'_>, fin: Option<&Value>) -> R<()> {
        if cmd.args.len() > 1 || fin.is_some() {
            return Err(self.err_at(
                cmd.pos,
                &NodeText::Cmd(t, cmd),
                &format!(
                    "can't give argument to non-function {}",
                    arg_string(&cmd.args[0], t, &self.source.text)
                ),
            ));
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn eval_field_chain(
        &mut self,
        dot: &Value,
        t: &Tree,
        receiver: &Value,
        strict: bool,
        fields: &[Span],
        args: &[Arg],
        fin: Option<Value>,
        pos: Pos,
        node_arg: &Arg,
    ) -> R<Value> {
        let node = &NodeText::Arg(t, node_arg);
        let mut cur = receiver.clone();
        let mut cur_strict = strict;
        let n = fields.len();
        let src = self.source.clone();
        for (i, span) in fields.iter().enumerate() {
            let f = span.of(&src.text);
            let last = i + 1 == n;
            let has_args = last && (!args.is_empty() || fin.is_some());
            cur = match &cur {
                Value::Map(m) => {
                    if has_args {
                        return Err(self.err_at(
                            pos,
                            node,
                            &format!("{f} is not a method but has arguments"),
                        ));
                    }
                    let got = m.borrow().get(f).cloned();
                    match got {
                        Some(v) => v,
                        None if self.opts.strict => {
                            return Err(self.err_at(
                                pos,
                                node,
                                &format!("map has no entry for key {}", gofmt::quote(f)),
                            ))
                        }
                        None => Value::Nil,
                    }
                }
                Value::Object(o) => {
                    if has_args {
                        let mut argv = Vec::new();
                        for a in args {
                            argv.push(self.eval_arg_any(dot, t, a)?.0);
                        }
                        if let Some(fv) = fin.clone() {
                            argv.push(fv);
                        }
                        match o.call(f, &argv) {
                            Some(Ok(v)) => v,
                            Some(Err(e)) => {
                                return Err(self.err_at(
                                    pos,
                                    node,
                                    &format!("error calling {f}: {e}"),
                                ))
                            }
                            None => {
                                return Err(self.err_at(
                                    pos,
                                    node,
                                    &format!("can't evaluate field {f} in type {}", o.type_name()),
                                ))
                            }
                        }
                    } else {
                        match o.field(f) {
                            Some(v) => v,
                            None => {
                                return Err(self.err_at(
                                    pos,
                                    node,
                                    &format!("can't evaluate field {f} in type {}", o.type_name()),
                                ))
                            }
                        }
                    }
                }
                Value::Nil => {
                    if cur_strict {
                        return Err(self.err_at(
                            pos,
                            node,
                            &format!("nil pointer evaluating interface {{}}.{f}"),
                        ));
                    }
                    if self.opts.strict {
                        return Err(self.err_at(
                            pos,
                            node,
                            &format!("nil data; no entry for key {}", gofmt::quote(f)),
                        ));
                    }
                    Value::Nil
                }
                other => {
                    return Err(self.err_at(
                        pos,
                        node,
                        &format!("can't evaluate field {f} in type {}", other.type_name()),
                    ))
                }
            };
            cur_strict = true;
        }
        if !args.is_empty() || fin.is_some() {
            // only reachable when the last field was a method (handled above) or a map
            // value was given arguments
            if !matches!(receiver, Value::Object(_)) && n == 0 {
                return Err(self.err_at(pos, node, "can't give argument to non-function"));
            }
        }
        Ok(cur)
    }

    /// Evaluates an argument with no declared type. Returns the value and its origin.
    fn eval_arg_any(&mut self, dot: &Value, t: &Tree, a: &Arg) -> R<(Value, Origin)> {
        match a {
            Arg::Field(fields, pos) => {
                let fields = t.fields(*fields);
                let strict = self.dot_strict;
                Ok((
                    self.eval_field_chain(dot, t, dot, strict, fields, &[], None, *pos, a)?,
                    Origin::Field,
                ))
            }
            Arg::Variable(name, fields, pos) => {
                let v = self.var(*name);
                if fields.is_empty() {
                    return Ok((v, Origin::Other));
                }
                let fields = t.fields(*fields);
                Ok((
                    self.eval_field_chain(dot, t, &v, false, fields, &[], None, *pos, a)?,
                    Origin::Field,
                ))
            }
            Arg::Chain(base, fields, pos) => {
                let base = &t.bases[*base as usize];
                let v = self.eval_arg_any(dot, t, base)?.0;
                let strict = !matches!(base, Arg::Pipe(_));
                let fields = t.fields(*fields);
                Ok((
                    self.eval_field_chain(dot, t, &v, strict, fields, &[], None, *pos, a)?,
                    Origin::Field,
                ))
            }
            Arg::Dot => Ok((dot.clone(), Origin::Other)),
            Arg::Nil => Ok((Value::Nil, Origin::Const)),
            Arg::Const(i) => Ok((t.const_value(*i, &self.source.text), Origin::Const)),
            Arg::Func(f, pos) => {
                // a function called with no arguments
                let cmd = Cmd {
                    args: std::slice::from_ref(a),
                    pos: *pos,
                };
                Ok((self.eval_function(dot, t, *f, &cmd, None)?, Origin::Other))
            }
            Arg::Pipe(p) => {
                let mark = self.vars.len();
                let v = self.eval_pipeline(dot, t, &t.pipes[*p as usize]);
                self.vars.truncate(mark);
                Ok((v?, Origin::Other))
            }
        }
    }

    fn eval_function(
        &mut self,
        dot: &Value,
        t: &Tree,
        func: super::FuncRef,
        cmd: &Cmd<'_>,
        fin: Option<Value>,
    ) -> R<Value> {
        use super::FuncRef;
        let name = func.name();
        let args = &cmd.args[1..];
        // short-circuit and/or
        if let FuncRef::Builtin(b @ (builtins::Builtin::And | builtins::Builtin::Or)) = func {
            let is_and = b == builtins::Builtin::And;
            let total = args.len() + usize::from(fin.is_some());
            if total == 0 {
                return Err(self.err_at(
                    cmd.pos,
                    &NodeText::Cmd(t, cmd),
                    &format!("wrong number of args for {name}: want at least 1 got 0"),
                ));
            }
            let mut last = Value::Nil;
            for a in args {
                let v = self.eval_arg_any(dot, t, a)?.0;
                let t = v.truthy();
                last = v;
                if is_and != t {
                    return Ok(last);
                }
            }
            if let Some(f) = fin {
                last = f;
            }
            return Ok(last);
        }
        let node = &NodeText::Cmd(t, cmd);
        let spec = match func {
            FuncRef::Builtin(b) => {
                let mut vals: smallvec::SmallVec<[Value; 4]> = smallvec::SmallVec::new();
                for a in args {
                    vals.push(self.eval_arg_any(dot, t, a)?.0);
                }
                vals.extend(fin);
                return builtins::call(b, &vals).map_err(|e| {
                    self.err_at(cmd.pos, &node, &format!("error calling {name}: {e}"))
                });
            }
            FuncRef::Include | FuncRef::Tpl => {
                let mut argv: smallvec::SmallVec<[(Value, Origin); 4]> = smallvec::SmallVec::new();
                for a in args {
                    argv.push(self.eval_arg_any(dot, t, a)?);
                }
                if let Some(f) = fin {
                    argv.push((f, Origin::Other));
                }
                return if matches!(func, FuncRef::Include) {
                    self.call_include(cmd, node, argv)
                } else {
                    self.call_tpl(cmd, node, argv)
                };
            }
            FuncRef::Native(spec) => spec,
        };
        // as Go's evalCall: the count is checked first, then each argument is evaluated
        // and converted to its parameter type in turn, the piped value last
        let nargs = args.len() + usize::from(fin.is_some());
        let nfixed = spec.params.len();
        if spec.variadic.is_none() && nargs != nfixed {
            return Err(self.err_at(
                cmd.pos,
                &node,
                &format!("wrong number of args for {name}: want {nfixed} got {nargs}"),
            ));
        }
        if spec.variadic.is_some() && nargs < nfixed {
            return Err(self.err_at(
                cmd.pos,
                &node,
                &format!("wrong number of args for {name}: want at least {nfixed} got {nargs}"),
            ));
        }
        let param = |i: usize| {
            if i < nfixed {
                spec.params[i]
            } else {
                spec.variadic.unwrap_or(Param::Any)
            }
        };
        let mut vals: smallvec::SmallVec<[Value; 4]> = smallvec::SmallVec::new();
        for (i, a) in args.iter().enumerate() {
            let (v, origin) = self.eval_arg_any(dot, t, a)?;
            let conv = convert(v, origin, param(i)).map_err(|e| self.err_at(cmd.pos, &node, &e))?;
            vals.push(conv);
        }
        if let Some(f) = fin {
            let conv = convert(f, Origin::Other, param(args.len()))
                .map_err(|e| self.err_at(cmd.pos, &node, &e))?;
            vals.push(conv);
        }
        match (spec.f)(&vals) {
            Ok(v) => Ok(v),
            Err(_) if self.opts.lint && matches!(name, "required" | "fail") => Ok(Value::str("")),
            Err(e) => Err(self.err_at(cmd.pos, &node, &format!("error calling {name}: {e}"))),
        }
    }

    /// The `(string, interface{})` arguments of `include` and `tpl`.
    fn string_and_data(
        &self,
        func: &str,
        cmd: &Cmd<'_>,
        node: &NodeText<'_>,
        argv: smallvec::SmallVec<[(Value, Origin); 4]>,
    ) -> R<(Rc<str>, Value)> {
        if argv.len() != 2 {
            return Err(self.err_at(
                cmd.pos,
                node,
                &format!("wrong number of args for {func}: want 2 got {}", argv.len()),
            ));
        }
        let mut it = argv.into_iter();
        let (first, origin) = it.next().unwrap_or_default_pair();
        let first =
            convert(first, origin, Param::Str).map_err(|e| self.err_at(cmd.pos, node, &e))?;
        let data = it.next().map(|p| p.0).unwrap_or_default();
        let text = match first {
            Value::Str(s) => s,
            _ => Rc::from(""),
        };
        Ok((text, data))
    }

    fn call_include(
        &mut self,
        cmd: &Cmd<'_>,
        node: &NodeText<'_>,
        argv: smallvec::SmallVec<[(Value, Origin); 4]>,
    ) -> R<Value> {
        let (name, data) = self.string_and_data("include", cmd, node, argv)?;
        // a name can only nest past the limit in a stack deeper than it
        let too_deep = self.including.len() > MAX_INCLUDE_DEPTH
            && self
                .including
                .iter()
                .filter(|n| Rc::ptr_eq(n, &name) || ***n == *name)
                .count()
                > MAX_INCLUDE_DEPTH;
        if too_deep {
            return Err(self.err_at(
                cmd.pos,
                node,
                &format!("error calling include: rendering template has a nested reference name: {name}: unable to execute template"),
            ));
        }
        let Some(entry) = self.lookup(&name) else {
            return Err(self.err_at(
                cmd.pos,
                node,
                &format!(
                    "error calling include: template: no template {} associated with template {}",
                    gofmt::quote(&name),
                    gofmt::quote("gotpl")
                ),
            ));
        };
        let mut buf = String::with_capacity(128);
        self.including.push(name.clone());
        let r = self.run_template(&entry, &name, data, &mut buf);
        self.including.pop();
        r.map_err(|e| self.err_at(cmd.pos, node, &format!("error calling include: {}", e.0)))?;
        Ok(Value::from(buf))
    }

    fn call_tpl(
        &mut self,
        cmd: &Cmd<'_>,
        node: &NodeText<'_>,
        argv: smallvec::SmallVec<[(Value, Origin); 4]>,
    ) -> R<Value> {
        let (text, data) = self.string_and_data("tpl", cmd, node, argv)?;
        let parsed = match super::parse::parse(&text, &super::resolve_func) {
            Ok(p) => p,
            Err(e) => {
                return Err(self.err_at(
                    cmd.pos,
                    node,
                    &format!(
                        "error calling tpl: cannot parse template {}: template: gotpl:{}: {}",
                        gofmt::quote(&text),
                        e.line,
                        e.message
                    ),
                ))
            }
        };
        let source = Rc::new(Source {
            name: "gotpl".into(),
            text: text.clone(),
        });
        let tree = Rc::new(parsed.tree);
        let mut overlay = HashMap::new();
        for (name, body) in parsed.defines {
            overlay.insert(
                name.to_string(),
                Entry {
                    tree: tree.clone(),
                    body,
                    source: source.clone(),
                    name,
                },
            );
        }
        let entry = Entry {
            tree,
            body: parsed.root,
            source,
            name: Rc::from("gotpl"),
        };
        overlay.insert("gotpl".to_string(), entry.clone());
        self.sets
            .push(Rc::new(RefCell::new(SetRef::Overlay(overlay))));
        let mut buf = String::new();
        let r = self.run_template(&entry, "gotpl", data, &mut buf);
        self.sets.pop();
        r.map_err(|e| {
            self.err_at(
                cmd.pos,
                node,
                &format!(
                    "error calling tpl: error during tpl function execution for {}: {}",
                    gofmt::quote(&text),
                    e.0
                ),
            )
        })?;
        Ok(Value::from(buf.replace("<no value>", "")))
    }
}

trait DefaultPair {
    fn unwrap_or_default_pair(self) -> (Value, Origin);
}

impl DefaultPair for Option<(Value, Origin)> {
    fn unwrap_or_default_pair(self) -> (Value, Origin) {
        self.unwrap_or((Value::Nil, Origin::Other))
    }
}

/// Converts an argument to a declared Go parameter type, with Go's error texts.
fn convert(v: Value, origin: Origin, p: Param) -> Result<Value, String> {
    let want = match p {
        Param::Any => return Ok(v),
        Param::Str => "string",
        Param::Int => "int",
        Param::Float => "float64",
        Param::Bool => "bool",
        Param::List => "[]interface {}",
        Param::Map => "map[string]interface {}",
    };
    let ok = matches!(
        (&v, p),
        (Value::Str(_), Param::Str)
            | (Value::Int(_), Param::Int)
            | (Value::Float(_), Param::Float)
            | (Value::Bool(_), Param::Bool)
            | (Value::List(_), Param::List)
            | (Value::Map(_), Param::Map)
            | (Value::Nil, Param::List | Param::Map)
    );
    if ok {
        return Ok(v);
    }
    if origin == Origin::Const {
        return match (&v, p) {
            (Value::Int(i), Param::Float) => Ok(Value::Float(*i as f64)),
            (Value::Nil, _) => Err(format!("cannot assign nil to {want}")),
            (other, Param::Int) => Err(format!("expected integer; found {}", const_text(other))),
            (other, Param::Float) => Err(format!("expected float; found {}", const_text(other))),
            (other, Param::Str) => Err(format!("expected string; found {}", const_text(other))),
            (other, Param::Bool) => Err(format!("expected bool; found {}", const_text(other))),
            (other, _) => Err(format!(
                "wrong type for value; expected {want}; got {}",
                other.type_name()
            )),
        };
    }
    match (&v, origin) {
        (Value::Nil, Origin::Field) => Err(format!(
            "wrong type for value; expected {want}; got interface {{}}"
        )),
        (Value::Nil, _) => Err(format!("invalid value; expected {want}")),
        (other, _) => Err(format!(
            "wrong type for value; expected {want}; got {}",
            other.type_name()
        )),
    }
}

fn const_text(v: &Value) -> String {
    match v {
        Value::Str(s) => gofmt::quote(s),
        other => gofmt::sprint_one(other),
    }
}

/// Go's `printValue`: nil prints as `<no value>`.
fn print_value(out: &mut String, v: &Value) {
    match v {
        Value::Nil => out.push_str("<no value>"),
        Value::Str(s) => out.push_str(s),
        other => gofmt::write_value(out, other),
    }
}

/// The node an error is reported at, turned into Go's text only when an error happens.
enum NodeText<'a> {
    Arg(&'a Tree, &'a Arg),
    Cmd(&'a Tree, &'a Cmd<'a>),
}

/// Something that prints as a template node in an error message (`src` is the text
/// of the template the node was parsed from).
trait Describe {
    fn describe(&self, src: &str) -> String;
}

impl Describe for str {
    fn describe(&self, _src: &str) -> String {
        self.to_string()
    }
}

impl Describe for String {
    fn describe(&self, _src: &str) -> String {
        self.clone()
    }
}

impl Describe for NodeText<'_> {
    fn describe(&self, src: &str) -> String {
        match self {
            NodeText::Arg(t, a) => arg_string(a, t, src),
            NodeText::Cmd(t, c) => cmd_string(c, t, src),
        }
    }
}

impl<T: Describe + ?Sized> Describe for &T {
    fn describe(&self, src: &str) -> String {
        (**self).describe(src)
    }
}

fn arg_string(a: &Arg, t: &Tree, src: &str) -> String {
    match a {
        Arg::Field(f, _) => t
            .fields(*f)
            .iter()
            .map(|x| format!(".{}", x.of(src)))
            .collect(),
        Arg::Variable(n, f, _) => {
            let mut s = t.name(*n, src).to_string();
            for x in t.fields(*f) {
                s.push('.');
                s.push_str(x.of(src));
            }
            s
        }
        Arg::Chain(base, f, _) => {
            let mut s = match &t.bases[*base as usize] {
                Arg::Pipe(p) => format!("({})", pipe_string(&t.pipes[*p as usize], t, src)),
                other => arg_string(other, t, src),
            };
            for x in t.fields(*f) {
                s.push('.');
                s.push_str(x.of(src));
            }
            s
        }
        Arg::Dot => ".".into(),
        Arg::Nil => "nil".into(),
        Arg::Const(i) => match t.consts[*i as usize].text {
            Some(text) => text.of(src).to_string(),
            None => const_text(&t.const_value(*i, src)),
        },
        Arg::Func(f, _) => f.name().to_string(),
        Arg::Pipe(p) => format!("({})", pipe_string(&t.pipes[*p as usize], t, src)),
    }
}

fn cmd_string(c: &Cmd<'_>, t: &Tree, src: &str) -> String {
    c.args
        .iter()
        .map(|a| arg_string(a, t, src))
        .collect::<Vec<_>>()
        .join(" ")
}

fn pipe_string(p: &Pipe, t: &Tree, src: &str) -> String {
    let mut s = String::new();
    if !p.decl.is_empty() {
        s.push_str(
            &p.decl
                .iter()
                .map(|d| t.name(d, src).to_string())
                .collect::<Vec<_>>()
                .join(", "),
        );
        s.push_str(if p.is_assign { " = " } else { " := " });
    }
    s.push_str(
        &t.cmds(p)
            .map(|c| cmd_string(&c, t, src))
            .collect::<Vec<_>>()
            .join(" | "),
    );
    s
}
