//! Helm's `strvals.ParseLiteralInto` (`--set-literal`): the key is parsed as in `--set`
//! (without backslash escapes or commas), the whole rest of the expression is the value.

use std::cell::RefCell;
use std::rc::Rc;

use crate::value::{Map, Value};

use super::strvals::{
    assertion_panic, dest_map, key_index, q, q_runes, set, set_index, ParseError, Scanner, Stop,
    LIST_T, MAP_T, MAX_NESTED_NAME_LEVEL,
};

/// `strvals.ParseLiteralInto`: `--set-literal key=value` (the value verbatim, commas
/// and all). `dest` becomes a map if it is not one.
///
/// # Errors
/// A malformed key, with strvals' message.
pub fn parse_set_literal(expr: &str, dest: &mut Value) -> Result<(), ParseError> {
    let data = dest_map(dest);
    let mut p = LiteralParser {
        sc: Scanner::new(expr),
    };
    loop {
        match p.key(&data, 0) {
            Ok(()) => {}
            Err(Stop::Eof) => return Ok(()),
            Err(Stop::NotList) => return Err(ParseError("not a list".into())),
            Err(Stop::Msg(m)) => return Err(ParseError(m)),
        }
    }
}

struct LiteralParser<'s> {
    sc: Scanner<'s>,
}

impl LiteralParser<'_> {
    fn key(&mut self, data: &Rc<RefCell<Map>>, mut level: usize) -> Result<(), Stop> {
        let (k, last) = self.sc.until(&['=', '[', '.'], false);
        match last {
            None if k.is_empty() => Err(Stop::Eof),
            None => Err(Stop::Msg(format!("key {} has no value", q(&k)))),
            Some('=') => {
                let value = self.val();
                set(data, &k, Value::str(&value));
                Ok(())
            }
            Some('.') => {
                level += 1;
                if level > MAX_NESTED_NAME_LEVEL {
                    return Err(Stop::Msg(format!(
                        "value name nested level is greater than maximum supported nested level of {MAX_NESTED_NAME_LEVEL}"
                    )));
                }
                let existing = data.borrow().get(k.as_str()).cloned();
                let inner = match existing {
                    None => Rc::new(RefCell::new(Map::new())),
                    Some(Value::Map(m)) => m,
                    Some(other) => return Err(assertion_panic(&other, MAP_T)),
                };
                let e = self.key(&inner, level);
                let empty = inner.borrow().is_empty();
                if e.is_ok() && empty {
                    return Err(Stop::Msg(format!("key map {} has no value", q(&k))));
                }
                if !empty {
                    set(data, &k, Value::Map(inner));
                }
                e
            }
            Some(_) => {
                // '['
                let i = key_index(&mut self.sc, false)?;
                let existing = data.borrow().get(k.as_str()).cloned();
                let list = match existing {
                    None => Vec::new(),
                    Some(Value::List(l)) => l.to_vec(),
                    Some(other) => return Err(assertion_panic(&other, LIST_T)),
                };
                let (list, res) = self.list_item(list, i, level);
                set(data, &k, Value::from_list(list));
                res
            }
        }
    }

    fn list_item(
        &mut self,
        mut list: Vec<Value>,
        i: i64,
        level: usize,
    ) -> (Vec<Value>, Result<(), Stop>) {
        if i < 0 {
            return (
                list,
                Err(Stop::Msg(format!("negative {i} index not allowed"))),
            );
        }
        let (k, last) = self.sc.until(&['[', '.', '='], false);
        if !k.is_empty() {
            let msg = format!("unexpected data at end of array index: {}", q_runes(&k));
            return (list, Err(Stop::Msg(msg)));
        }
        match last {
            None => (list, Err(Stop::Eof)),
            Some('=') => {
                let value = self.val();
                set_index(list, i, Value::str(&value))
            }
            Some('.') => {
                let inner = match list.get(i as usize) {
                    None => Rc::new(RefCell::new(Map::new())),
                    Some(Value::Map(m)) => m.clone(),
                    Some(_) => {
                        let m = Rc::new(RefCell::new(Map::new()));
                        list[i as usize] = Value::Map(m.clone());
                        m
                    }
                };
                if let Err(e) = self.key(&inner, level) {
                    return (list, Err(e));
                }
                set_index(list, i, Value::Map(inner))
            }
            Some(_) => {
                // '['
                let next = match key_index(&mut self.sc, false) {
                    Ok(n) => n,
                    Err(e) => return (list, Err(e)),
                };
                let crt = match list.get(i as usize) {
                    None | Some(Value::Nil) => Vec::new(),
                    Some(Value::List(l)) => l.to_vec(),
                    Some(other) => {
                        let e = assertion_panic(other, LIST_T);
                        return (list, Err(e));
                    }
                };
                let (list2, r) = self.list_item(crt, next, level);
                if r.is_err() {
                    return (list, r);
                }
                set_index(list, i, Value::from_list(list2))
            }
        }
    }

    /// The rest of the expression.
    fn val(&mut self) -> String {
        self.sc.until(&[], false).0
    }
}
