//! Tests of `Map`: byte order of keys, replace/remove semantics, bulk building, big maps.

use std::collections::BTreeMap;
use std::rc::Rc;

use super::{prefix, Entry, Map, LINEAR_MAX};
use crate::value::Value;

fn key(s: &str) -> Rc<str> {
    Rc::from(s)
}

fn keys_of(m: &Map) -> Vec<String> {
    m.keys().map(|k| k.to_string()).collect()
}

/// Deterministic pseudo-random keys (xorshift), over a small alphabet with a zero byte
/// and non-ASCII text, so prefixes collide and keys are prefixes of one another.
fn random_keys(n: usize, seed: u64) -> Vec<String> {
    let alphabet = ["a", "b", "z", "A", "0", "\0", "é", "-", "aaaaaaaa", "ab"];
    let mut x = seed | 1;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    (0..n)
        .map(|_| {
            let parts = (next() % 12) as usize;
            (0..parts)
                .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                .collect()
        })
        .collect()
}

#[test]
fn keys_iterate_in_byte_order_whatever_the_insert_order() {
    let mut m = Map::new();
    for k in ["b", "B", "a", "aa", "", "a\0", "é", "z", "A"] {
        m.insert(key(k), Value::str(k));
    }
    assert_eq!(keys_of(&m), ["", "A", "B", "a", "a\0", "aa", "b", "z", "é"]);
    for (k, v) in &m {
        assert_eq!(v.as_str(), Some(&**k));
    }
}

#[test]
fn prefixes_order_as_the_keys_they_start() {
    let keys = random_keys(400, 7);
    for a in &keys {
        for b in keys.iter().take(60) {
            let (pa, pb) = (prefix(a.as_bytes()), prefix(b.as_bytes()));
            if pa != pb {
                assert_eq!(pa.cmp(&pb), a.as_bytes().cmp(b.as_bytes()), "{a:?} {b:?}");
            }
        }
    }
    // short keys are exactly their zero-padded bytes
    assert_eq!(prefix(b""), 0);
    assert_eq!(prefix(b"a"), 0x61 << 56);
    assert_eq!(prefix(b"abc"), 0x6162_6300_0000_0000);
    assert_eq!(prefix(b"abcdefg"), 0x6162_6364_6566_6700);
    assert_eq!(prefix(b"abcdefghij"), 0x6162_6364_6566_6768);
}

#[test]
fn insert_returns_the_replaced_value_and_keeps_one_entry() {
    let mut m = Map::new();
    assert_eq!(m.insert(key("k"), Value::Int(1)), None);
    assert_eq!(m.insert(key("k"), Value::Int(2)), Some(Value::Int(1)));
    assert_eq!(m.len(), 1);
    assert_eq!(m.get("k"), Some(&Value::Int(2)));
    assert!(m.contains_key("k"));
    assert!(!m.contains_key("K"));
}

#[test]
fn remove_takes_the_entry_out_and_reports_absent_keys() {
    let mut m: Map = (0..20)
        .map(|i| (key(&format!("k{i}")), Value::Int(i)))
        .collect();
    assert_eq!(m.remove("k7"), Some(Value::Int(7)));
    assert_eq!(m.remove("k7"), None);
    assert_eq!(m.get("k7"), None);
    assert_eq!(m.len(), 19);
    assert_eq!(m.remove_entry("k1"), Some((key("k1"), Value::Int(1))));
    assert_eq!(m.get("k10"), Some(&Value::Int(10)));
}

#[test]
fn get_mut_changes_the_value_in_place() {
    let mut m = Map::new();
    m.insert(key("x"), Value::Int(1));
    if let Some(v) = m.get_mut("x") {
        *v = Value::str("changed");
    }
    assert_eq!(m["x"], Value::str("changed"));
    assert!(m.get_mut("y").is_none());
}

#[test]
fn retain_keeps_only_accepted_entries_in_order() {
    let mut m: Map = (0..30)
        .map(|i| (key(&format!("{i:02}")), Value::Int(i)))
        .collect();
    m.retain(|k, v| {
        if k.ends_with('0') {
            *v = Value::Bool(true);
        }
        matches!(v, Value::Bool(_)) || k.starts_with('2')
    });
    assert_eq!(
        keys_of(&m),
        ["00", "10", "20", "21", "22", "23", "24", "25", "26", "27", "28", "29"]
    );
    assert_eq!(m["10"], Value::Bool(true));
    assert_eq!(m["21"], Value::Int(21));
}

#[test]
fn from_iter_with_duplicate_keys_keeps_the_last_value() {
    let m: Map = [("b", 1), ("a", 2), ("b", 3), ("c", 4), ("a", 5), ("b", 6)]
        .into_iter()
        .map(|(k, v)| (key(k), Value::Int(v)))
        .collect();
    assert_eq!(keys_of(&m), ["a", "b", "c"]);
    assert_eq!(m["a"], Value::Int(5));
    assert_eq!(m["b"], Value::Int(6));
    assert_eq!(m["c"], Value::Int(4));
}

#[test]
fn extend_overrides_present_keys_with_later_pairs() {
    for extra in [3, LINEAR_MAX * 4] {
        let mut m: Map = [("k0", 0), ("zz", 0)]
            .into_iter()
            .map(|(k, v)| (key(k), Value::Int(v)))
            .collect();
        m.extend((0..extra).map(|i| (key(&format!("k{}", i % 3)), Value::Int(i as i64 + 1))));
        let mut expected = BTreeMap::new();
        expected.insert("zz".to_string(), Value::Int(0));
        for i in 0..extra {
            expected.insert(format!("k{}", i % 3), Value::Int(i as i64 + 1));
        }
        let got: Vec<(String, Value)> = m.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
        let want: Vec<(String, Value)> = expected.into_iter().collect();
        assert_eq!(got, want, "extend by {extra}");
    }
}

#[test]
fn big_maps_behave_as_a_btreemap_does() {
    // small and big sizes cross the linear-scan/binary-search boundary
    for n in [0, 1, LINEAR_MAX, LINEAR_MAX + 1, 3000] {
        let keys = random_keys(n, n as u64 + 11);
        let mut m = Map::new();
        let mut model: BTreeMap<String, Value> = BTreeMap::new();
        for (i, k) in keys.iter().enumerate() {
            let v = Value::Int(i as i64);
            assert_eq!(
                m.insert(key(k), v.clone()),
                model.insert(k.clone(), v),
                "insert {k:?}"
            );
        }
        for (i, k) in keys.iter().enumerate().filter(|(i, _)| i % 3 == 0) {
            assert_eq!(m.remove(k), model.remove(k), "remove {k:?} ({i})");
        }
        assert_eq!(m.len(), model.len());
        for k in random_keys(200, 99).iter().chain(&keys) {
            assert_eq!(m.get(k), model.get(k), "get {k:?}");
        }
        let got: Vec<(String, Value)> = m.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
        let want: Vec<(String, Value)> = model.into_iter().collect();
        assert_eq!(got, want);
    }
}

#[test]
fn building_ten_thousand_keys_one_set_at_a_time_stays_sorted() {
    // as a template's `set $d (printf "k%d" $i)` loop does, in an order that is neither
    // ascending nor descending
    let mut m = Map::new();
    for i in 0..10_000u64 {
        let j = (i * 7919) % 10_000;
        m.insert(key(&format!("key-{j}")), Value::Int(j as i64));
    }
    assert_eq!(m.len(), 10_000);
    let keys = keys_of(&m);
    assert!(keys.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(m["key-4242"], Value::Int(4242));
}

#[test]
fn entry_fills_missing_keys_and_reads_present_ones() {
    let mut m = Map::new();
    *m.entry(key("n")).or_insert(Value::Int(0)) = Value::Int(1);
    let v = m.entry(key("n")).or_insert_with(|| Value::Int(99));
    assert_eq!(*v, Value::Int(1));
    match m.entry(key("n")) {
        Entry::Occupied(e) => assert_eq!(e.remove(), Value::Int(1)),
        Entry::Vacant(_) => panic!("n is present"),
    }
    match m.entry(key("m")) {
        Entry::Vacant(e) => assert_eq!(&**e.key(), "m"),
        Entry::Occupied(_) => panic!("m is absent"),
    }
    assert!(m.is_empty());
}

#[test]
fn equal_maps_have_the_same_keys_and_values() {
    let a: Map = [(key("x"), Value::Int(1)), (key("y"), Value::Nil)].into();
    let b: Map = [(key("y"), Value::Nil), (key("x"), Value::Int(1))].into();
    let c: Map = [(key("y"), Value::Nil), (key("x"), Value::Int(2))].into();
    assert_eq!(a, b);
    assert_ne!(a, c);
    assert_ne!(a, Map::new());
    assert_eq!(format!("{a:?}"), r#"{"x": 1, "y": <nil>}"#);
}
