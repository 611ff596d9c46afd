//! `Map`: the `map[string]interface{}` of template values, a vector of entries kept
//! sorted by key bytes.
//!
//! Template maps are small (a values block, a `dict`, a label set) and are read far more
//! often than written: a sorted vector makes a lookup a short scan or a binary search
//! over contiguous entries, a clone one allocation, and iteration in Go's order (byte
//! order of the keys, as `range`, `printf` and `toYaml` show maps) free. An insert of a
//! new key shifts the entries after it (O(n)), as a sorted array must.

use std::cmp::Ordering;
use std::fmt;
use std::rc::Rc;

use super::Value;

/// Up to this many entries a lookup scans linearly (comparing lengths first); above it,
/// it searches binarily.
const LINEAR_MAX: usize = 8;

/// A Go `map[string]interface{}`: keys iterate in byte order, as Go's templates and fmt do.
#[derive(Clone, Default)]
pub struct Map {
    /// Entries sorted by key bytes, no key twice.
    entries: Vec<Slot>,
}

/// One entry, with the key's first bytes as a number so most comparisons are one
/// integer comparison (no call to `memcmp`).
#[derive(Clone)]
struct Slot {
    /// [`prefix`] of `key`.
    prefix: u64,
    key: Rc<str>,
    value: Value,
}

impl Slot {
    #[inline]
    fn new(key: Rc<str>, value: Value) -> Slot {
        Slot {
            prefix: prefix(key.as_bytes()),
            key,
            value,
        }
    }

    /// Byte order of this slot's key against `key` (whose prefix is `p`).
    #[inline]
    fn cmp_key(&self, p: u64, key: &[u8]) -> Ordering {
        // prefixes are zero-padded big-endian, so they order as the keys do wherever
        // they differ; equal prefixes leave the rest (or a zero-byte tie) to the bytes
        match self.prefix.cmp(&p) {
            Ordering::Equal => self.key.as_bytes().cmp(key),
            other => other,
        }
    }

    /// Whether this slot's key is `key` (whose prefix is `p`).
    #[inline]
    fn is_key(&self, p: u64, key: &[u8]) -> bool {
        let k = self.key.as_bytes();
        // keys of up to 8 bytes are fully in the prefix; equal lengths rule out padding
        self.prefix == p && k.len() == key.len() && (k.len() <= 8 || k[8..] == key[8..])
    }
}

/// The first 8 bytes of a key as a big-endian number, zero-padded.
#[inline]
pub(crate) fn prefix(key: &[u8]) -> u64 {
    let n = key.len();
    if let Some(head) = key.first_chunk::<8>() {
        return u64::from_be_bytes(*head);
    }
    // shorter keys: two overlapping loads; the tail word is shifted so each byte lands
    // where the head word has it (bit 56 - 8 * index), the overlap ORs the same bytes
    if let (Some(head), Some(tail)) = (key.first_chunk::<4>(), key.last_chunk::<4>()) {
        let (head, tail) = (u32::from_be_bytes(*head), u32::from_be_bytes(*tail));
        return (u64::from(head) << 32) | (u64::from(tail) << (64 - 8 * n));
    }
    if let (Some(head), Some(tail)) = (key.first_chunk::<2>(), key.last_chunk::<2>()) {
        let (head, tail) = (u16::from_be_bytes(*head), u16::from_be_bytes(*tail));
        return (u64::from(head) << 48) | (u64::from(tail) << (64 - 8 * n));
    }
    key.first().map_or(0, |b| u64::from(*b) << 56)
}

impl Map {
    /// An empty map.
    pub const fn new() -> Map {
        Map {
            entries: Vec::new(),
        }
    }

    /// An empty map with room for `n` entries.
    pub fn with_capacity(n: usize) -> Map {
        Map {
            entries: Vec::with_capacity(n),
        }
    }

    /// Number of entries.
    #[inline]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the map has no entries.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Removes every entry.
    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// Index of `key`'s entry, if present.
    #[inline]
    fn find(&self, key: &str) -> Option<usize> {
        let key = key.as_bytes();
        let p = prefix(key);
        if self.entries.len() <= LINEAR_MAX {
            self.entries.iter().position(|s| s.is_key(p, key))
        } else {
            self.search(p, key).ok()
        }
    }

    /// Binary search for `key` (prefix `p`): `Ok(index)` of its entry or `Err(index)`
    /// where it goes.
    #[inline]
    fn search(&self, p: u64, key: &[u8]) -> Result<usize, usize> {
        self.entries.binary_search_by(|s| s.cmp_key(p, key))
    }

    /// The value under `key`.
    #[inline]
    pub fn get<Q: AsRef<str> + ?Sized>(&self, key: &Q) -> Option<&Value> {
        self.find(key.as_ref()).map(|i| &self.entries[i].value)
    }

    /// The value under `key`, to change in place.
    #[inline]
    pub fn get_mut<Q: AsRef<str> + ?Sized>(&mut self, key: &Q) -> Option<&mut Value> {
        self.find(key.as_ref()).map(|i| &mut self.entries[i].value)
    }

    /// The stored key and value under `key`.
    pub fn get_key_value<Q: AsRef<str> + ?Sized>(&self, key: &Q) -> Option<(&Rc<str>, &Value)> {
        self.find(key.as_ref()).map(|i| {
            let s = &self.entries[i];
            (&s.key, &s.value)
        })
    }

    /// Whether `key` has an entry.
    #[inline]
    pub fn contains_key<Q: AsRef<str> + ?Sized>(&self, key: &Q) -> bool {
        self.find(key.as_ref()).is_some()
    }

    /// Sets `key` to `value`; returns the value it replaced (the stored key is kept).
    pub fn insert(&mut self, key: Rc<str>, value: Value) -> Option<Value> {
        let slot = Slot::new(key, value);
        // keys often arrive in order (copies, sorted sources): append without a search
        if let Some(last) = self.entries.last() {
            if last.cmp_key(slot.prefix, slot.key.as_bytes()) != Ordering::Less {
                return match self.search(slot.prefix, slot.key.as_bytes()) {
                    Ok(i) => Some(std::mem::replace(&mut self.entries[i].value, slot.value)),
                    Err(i) => {
                        self.entries.insert(i, slot);
                        None
                    }
                };
            }
        }
        self.entries.push(slot);
        None
    }

    /// Removes `key`'s entry; returns its value.
    pub fn remove<Q: AsRef<str> + ?Sized>(&mut self, key: &Q) -> Option<Value> {
        self.remove_entry(key).map(|(_, v)| v)
    }

    /// Removes `key`'s entry; returns the stored key and value.
    pub fn remove_entry<Q: AsRef<str> + ?Sized>(&mut self, key: &Q) -> Option<(Rc<str>, Value)> {
        self.find(key.as_ref()).map(|i| {
            let s = self.entries.remove(i);
            (s.key, s.value)
        })
    }

    /// Keeps only the entries for which `keep` returns true (visited in key order).
    pub fn retain(&mut self, mut keep: impl FnMut(&Rc<str>, &mut Value) -> bool) {
        self.entries.retain_mut(|s| keep(&s.key, &mut s.value));
    }

    /// The entry for `key`, to read, fill or change in place.
    pub fn entry(&mut self, key: Rc<str>) -> Entry<'_> {
        let p = prefix(key.as_bytes());
        match self.search(p, key.as_bytes()) {
            Ok(index) => Entry::Occupied(OccupiedEntry { map: self, index }),
            Err(index) => Entry::Vacant(VacantEntry {
                map: self,
                index,
                slot: Slot {
                    prefix: p,
                    key,
                    value: Value::Nil,
                },
            }),
        }
    }

    /// Entries in key order.
    pub fn iter(&self) -> Iter<'_> {
        Iter(self.entries.iter())
    }

    /// Entries in key order, values changeable.
    pub fn iter_mut(&mut self) -> IterMut<'_> {
        IterMut(self.entries.iter_mut())
    }

    /// Keys in order.
    pub fn keys(&self) -> Keys<'_> {
        Keys(self.entries.iter())
    }

    /// Values in key order.
    pub fn values(&self) -> Values<'_> {
        Values(self.entries.iter())
    }

    /// Values in key order, changeable.
    pub fn values_mut(&mut self) -> ValuesMut<'_> {
        ValuesMut(self.entries.iter_mut())
    }

    /// Keys in order, consuming the map.
    pub fn into_keys(self) -> impl DoubleEndedIterator<Item = Rc<str>> + ExactSizeIterator {
        self.entries.into_iter().map(|s| s.key)
    }

    /// Values in key order, consuming the map.
    pub fn into_values(self) -> impl DoubleEndedIterator<Item = Value> + ExactSizeIterator {
        self.entries.into_iter().map(|s| s.value)
    }

    /// Sorts `entries` by key and keeps the last value given for a key twice.
    fn from_unsorted(mut entries: Vec<Slot>) -> Map {
        let order = |a: &Slot, b: &Slot| a.cmp_key(b.prefix, b.key.as_bytes());
        if !entries.is_sorted_by(|a, b| order(a, b).is_lt()) {
            // stable: of equal keys the last given stays last in its run
            entries.sort_by(order);
            let mut out: Vec<Slot> = Vec::with_capacity(entries.len());
            for s in entries {
                match out.last_mut() {
                    Some(last) if last.prefix == s.prefix && last.key == s.key => {
                        last.value = s.value
                    }
                    _ => out.push(s),
                }
            }
            entries = out;
        }
        Map { entries }
    }
}

impl PartialEq for Map {
    /// Same keys with equal values.
    fn eq(&self, other: &Map) -> bool {
        self.len() == other.len()
            && self
                .entries
                .iter()
                .zip(&other.entries)
                .all(|(a, b)| a.prefix == b.prefix && a.key == b.key && a.value == b.value)
    }
}

impl fmt::Debug for Map {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl std::ops::Index<&str> for Map {
    type Output = Value;
    /// The value under `key`, for keys known to be present (taken from this map).
    ///
    /// # Panics
    /// When `key` has no entry, as `BTreeMap` indexing does.
    fn index(&self, key: &str) -> &Value {
        match self.get(key) {
            Some(v) => v,
            None => panic!("Map index: no entry for key {key:?}"),
        }
    }
}

impl FromIterator<(Rc<str>, Value)> for Map {
    /// Later pairs win over earlier ones with the same key, as repeated inserts would.
    fn from_iter<I: IntoIterator<Item = (Rc<str>, Value)>>(iter: I) -> Map {
        Map::from_unsorted(iter.into_iter().map(|(k, v)| Slot::new(k, v)).collect())
    }
}

impl<const N: usize> From<[(Rc<str>, Value); N]> for Map {
    fn from(pairs: [(Rc<str>, Value); N]) -> Map {
        pairs.into_iter().collect()
    }
}

impl Extend<(Rc<str>, Value)> for Map {
    /// Inserts every pair; later pairs win over earlier ones and over present entries.
    fn extend<I: IntoIterator<Item = (Rc<str>, Value)>>(&mut self, iter: I) {
        let slots: Vec<Slot> = iter.into_iter().map(|(k, v)| Slot::new(k, v)).collect();
        if slots.len() <= LINEAR_MAX {
            // a few pairs: one insert each
            for s in slots {
                self.insert(s.key, s.value);
            }
        } else {
            // many: append and sort once, so a big extend is not quadratic
            let mut entries = std::mem::take(&mut self.entries);
            entries.extend(slots);
            *self = Map::from_unsorted(entries);
        }
    }
}

/// The entries of a [`Map`] in key order, taken out of it.
pub struct IntoIter(std::vec::IntoIter<Slot>);

impl Iterator for IntoIter {
    type Item = (Rc<str>, Value);
    #[inline]
    fn next(&mut self) -> Option<(Rc<str>, Value)> {
        self.0.next().map(|s| (s.key, s.value))
    }
    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl DoubleEndedIterator for IntoIter {
    #[inline]
    fn next_back(&mut self) -> Option<(Rc<str>, Value)> {
        self.0.next_back().map(|s| (s.key, s.value))
    }
}

impl ExactSizeIterator for IntoIter {}
impl std::iter::FusedIterator for IntoIter {}

impl IntoIterator for Map {
    type Item = (Rc<str>, Value);
    type IntoIter = IntoIter;
    fn into_iter(self) -> IntoIter {
        IntoIter(self.entries.into_iter())
    }
}

impl<'a> IntoIterator for &'a Map {
    type Item = (&'a Rc<str>, &'a Value);
    type IntoIter = Iter<'a>;
    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl<'a> IntoIterator for &'a mut Map {
    type Item = (&'a Rc<str>, &'a mut Value);
    type IntoIter = IterMut<'a>;
    fn into_iter(self) -> IterMut<'a> {
        self.iter_mut()
    }
}

/// An entry of a [`Map`], present or not (see [`Map::entry`]).
pub enum Entry<'a> {
    /// The key has a value.
    Occupied(OccupiedEntry<'a>),
    /// The key has no value yet.
    Vacant(VacantEntry<'a>),
}

/// A present entry of a [`Map`].
pub struct OccupiedEntry<'a> {
    map: &'a mut Map,
    index: usize,
}

/// The place of a missing key in a [`Map`].
pub struct VacantEntry<'a> {
    map: &'a mut Map,
    index: usize,
    /// The key, with a placeholder value.
    slot: Slot,
}

impl<'a> Entry<'a> {
    /// The value, inserting `default` first if the key has none.
    pub fn or_insert(self, default: Value) -> &'a mut Value {
        self.or_insert_with(|| default)
    }

    /// The value, inserting `make()` first if the key has none.
    pub fn or_insert_with(self, make: impl FnOnce() -> Value) -> &'a mut Value {
        match self {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => e.insert(make()),
        }
    }
}

impl<'a> OccupiedEntry<'a> {
    /// The stored key.
    pub fn key(&self) -> &Rc<str> {
        &self.map.entries[self.index].key
    }

    /// The value.
    pub fn get(&self) -> &Value {
        &self.map.entries[self.index].value
    }

    /// The value, to change in place.
    pub fn get_mut(&mut self) -> &mut Value {
        &mut self.map.entries[self.index].value
    }

    /// The value, borrowed for as long as the map was.
    pub fn into_mut(self) -> &'a mut Value {
        &mut self.map.entries[self.index].value
    }

    /// Replaces the value; returns the old one.
    pub fn insert(&mut self, value: Value) -> Value {
        std::mem::replace(self.get_mut(), value)
    }

    /// Removes the entry; returns its value.
    pub fn remove(self) -> Value {
        self.map.entries.remove(self.index).value
    }
}

impl<'a> VacantEntry<'a> {
    /// The key that has no value.
    pub fn key(&self) -> &Rc<str> {
        &self.slot.key
    }

    /// Gives the key a value; returns it, to change in place.
    pub fn insert(self, value: Value) -> &'a mut Value {
        let mut slot = self.slot;
        slot.value = value;
        self.map.entries.insert(self.index, slot);
        &mut self.map.entries[self.index].value
    }
}

macro_rules! entry_iter {
    ($(#[$doc:meta])* $name:ident, $inner:ident, $item:ty, |$e:ident| $map:expr) => {
        $(#[$doc])*
        pub struct $name<'a>(std::slice::$inner<'a, Slot>);

        impl<'a> Iterator for $name<'a> {
            type Item = $item;
            #[inline]
            fn next(&mut self) -> Option<$item> {
                self.0.next().map(|$e| $map)
            }
            #[inline]
            fn size_hint(&self) -> (usize, Option<usize>) {
                self.0.size_hint()
            }
        }

        impl<'a> DoubleEndedIterator for $name<'a> {
            #[inline]
            fn next_back(&mut self) -> Option<$item> {
                self.0.next_back().map(|$e| $map)
            }
        }

        impl<'a> ExactSizeIterator for $name<'a> {}
        impl<'a> std::iter::FusedIterator for $name<'a> {}
    };
}

entry_iter!(
    /// Entries of a [`Map`] in key order.
    Iter, Iter, (&'a Rc<str>, &'a Value), |s| (&s.key, &s.value)
);
entry_iter!(
    /// Entries of a [`Map`] in key order, values changeable.
    IterMut, IterMut, (&'a Rc<str>, &'a mut Value), |s| (&s.key, &mut s.value)
);
entry_iter!(
    /// Keys of a [`Map`] in order.
    Keys, Iter, &'a Rc<str>, |s| &s.key
);
entry_iter!(
    /// Values of a [`Map`] in key order.
    Values, Iter, &'a Value, |s| &s.value
);
entry_iter!(
    /// Values of a [`Map`] in key order, changeable.
    ValuesMut, IterMut, &'a mut Value, |s| &mut s.value
);

impl Clone for Iter<'_> {
    fn clone(&self) -> Self {
        Iter(self.0.clone())
    }
}

impl Clone for Keys<'_> {
    fn clone(&self) -> Self {
        Keys(self.0.clone())
    }
}

impl Clone for Values<'_> {
    fn clone(&self) -> Self {
        Values(self.0.clone())
    }
}

#[cfg(test)]
mod tests;
