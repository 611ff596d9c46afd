//! Go `text/template` as Helm runs it: lexer, parser, executor, Go's builtin functions,
//! and Helm's `include` / `tpl`, with Go's error texts.

use std::rc::Rc;

mod builtins;
mod exec;
pub mod lex;
mod names;
pub mod parse;

pub use builtins::Builtin;
pub use exec::{ExecError, Options};
use parse::{List, Tree};

use crate::value::Value;

/// The text a template was parsed from (for error positions).
#[derive(Debug)]
pub struct Source {
    /// the parse name (e.g. `mychart/templates/_helpers.tpl`)
    pub name: String,
    /// the template text
    pub text: Rc<str>,
}

impl Source {
    /// `NAME:LINE:COL` of a byte offset, as Go's `ErrorContext` prints it.
    pub fn location(&self, offset: usize) -> String {
        let offset = offset.min(self.text.len());
        let before = &self.text.as_bytes()[..offset];
        let line = 1 + before.iter().filter(|b| **b == b'\n').count();
        let col = match before.iter().rposition(|b| *b == b'\n') {
            Some(nl) => offset - (nl + 1),
            None => offset,
        };
        format!("{}:{}:{}", self.name, line, col)
    }
}

/// A named template body and where it came from.
#[derive(Debug, Clone)]
pub struct Entry {
    /// the tree of the text it was parsed from
    pub tree: Rc<Tree>,
    /// the body: a list of `tree`
    pub body: List,
    /// the source text it was parsed from
    pub source: Rc<Source>,
    /// the template's name
    pub name: Rc<str>,
}

/// A set of named templates (every file and every `define` of a chart and its subcharts).
#[derive(Debug, Default, Clone)]
pub struct TemplateSet {
    entries: rustc_hash::FxHashMap<Rc<str>, Entry>,
}

/// A template parse error in Go's words: `template: NAME:LINE: MESSAGE`.
#[derive(Debug, Clone, thiserror::Error)]
#[error("template: {name}:{line}: {message}")]
pub struct ParseError {
    /// template name
    pub name: String,
    /// 1-based line
    pub line: usize,
    /// message
    pub message: String,
}

/// A function a template calls, resolved when the template is parsed.
#[derive(Clone, Copy, Debug)]
pub enum FuncRef {
    /// one of Go's predefined functions
    Builtin(builtins::Builtin),
    /// Helm's `include`
    Include,
    /// Helm's `tpl`
    Tpl,
    /// a Sprig or Helm function
    Native(&'static crate::funcs::FuncSpec),
}

impl FuncRef {
    /// The name templates call it by.
    pub fn name(&self) -> &'static str {
        match self {
            FuncRef::Builtin(b) => b.name(),
            FuncRef::Include => "include",
            FuncRef::Tpl => "tpl",
            FuncRef::Native(f) => f.name,
        }
    }
}

/// Resolves a function name, or `None` when no such function is defined: one lookup
/// in a table of every function a template may call (Go's builtins, Helm's
/// `include`/`tpl`, Sprig and Helm's own), built once.
pub fn resolve_func(name: &str) -> Option<FuncRef> {
    static TABLE: std::sync::OnceLock<names::FuncTable> = std::sync::OnceLock::new();
    TABLE
        .get_or_init(|| {
            let natives = crate::funcs::registry()
                .iter()
                .map(|(name, spec)| (*name, FuncRef::Native(spec)));
            let helm = [("include", FuncRef::Include), ("tpl", FuncRef::Tpl)];
            let go = builtins::Builtin::ALL
                .iter()
                .map(|b| (b.name(), FuncRef::Builtin(*b)));
            names::FuncTable::new(natives.chain(helm).chain(go))
        })
        .get(name)
}

impl TemplateSet {
    /// An empty set.
    pub fn new() -> TemplateSet {
        TemplateSet::default()
    }

    /// Parses `text` as the template `name`, adding it and its `define`s to the set.
    /// Later definitions replace earlier ones, except that an empty body never replaces
    /// an existing template (Go's rule).
    ///
    /// # Errors
    /// Go's parse error.
    pub fn add(&mut self, name: &str, text: &str) -> Result<(), ParseError> {
        self.add_shared(name, Rc::from(text))
    }

    /// [`TemplateSet::add`] for text the caller already holds shared.
    ///
    /// # Errors
    /// Go's parse error.
    pub fn add_shared(&mut self, name: &str, text: Rc<str>) -> Result<(), ParseError> {
        let text_ref: &str = &text;
        let parsed = parse::parse(text_ref, &resolve_func).map_err(|e| ParseError {
            name: name.to_string(),
            line: e.line,
            message: e.message,
        })?;
        let source = Rc::new(Source {
            name: name.to_string(),
            text: text.clone(),
        });
        let tree = Rc::new(parsed.tree);
        for (dname, body) in parsed.defines {
            self.insert(dname, &tree, body, &source);
        }
        self.insert(Rc::from(name), &tree, parsed.root, &source);
        Ok(())
    }

    fn insert(&mut self, name: Rc<str>, tree: &Rc<Tree>, body: List, source: &Rc<Source>) {
        if is_empty_tree(tree, body, &source.text) && self.entries.contains_key(&name) {
            return;
        }
        self.entries.insert(
            name.clone(),
            Entry {
                tree: tree.clone(),
                body,
                source: source.clone(),
                name,
            },
        );
    }

    /// Looks a template up.
    pub fn get(&self, name: &str) -> Option<&Entry> {
        self.entries.get(name)
    }

    /// Whether the set holds `name`.
    pub fn contains(&self, name: &str) -> bool {
        self.entries.contains_key(name)
    }

    /// Executes the template `name` with `data` as dot.
    ///
    /// # Errors
    /// Go's execution error text.
    pub fn execute(&self, name: &str, data: &Value, opts: &Options) -> Result<String, ExecError> {
        exec::execute(self, name, data, opts)
    }
}

fn is_empty_tree(tree: &Tree, list: List, text: &str) -> bool {
    tree.list(list).iter().all(|n| match n {
        parse::Node::Text(a, b) => text[*a as usize..*b as usize].trim().is_empty(),
        _ => false,
    })
}

/// Renders a one-off template string with `vars` as dot (for tests and vectors).
///
/// # Errors
/// Parse or execution error text.
pub fn render_str(template: &str, vars: &Value) -> Result<String, String> {
    let mut set = TemplateSet::new();
    set.add("gotpl", template).map_err(|e| e.to_string())?;
    set.execute("gotpl", vars, &Options::default())
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests;
