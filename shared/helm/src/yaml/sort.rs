//! go-yaml's "natural" map key order for string keys (`sorter.go`): letters compare by
//! code point, runs of digits compare numerically, letters sort after non-letters.

use std::cmp::Ordering;

fn is_letter(c: char) -> bool {
    c.is_alphabetic()
}

fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || (!c.is_ascii() && c.is_numeric())
}

fn digit_val(c: char) -> i64 {
    c.to_digit(10).map_or((c as i64) - ('0' as i64), i64::from)
}

/// `Less(a, b)` of go-yaml v2 (`v3` differs only in how letters meet digits), over
/// characters, or over bytes when both keys are ASCII (bytes are then characters).
fn less<T: Copy + Into<char>>(a: &[T], b: &[T], v3: bool) -> bool {
    let ca = |i: usize| -> char { a[i].into() };
    let cb = |i: usize| -> char { b[i].into() };
    let mut digits = false;
    let n = a.len().min(b.len());
    for i in 0..n {
        let (x, y) = (ca(i), cb(i));
        if x == y {
            digits = is_digit(x);
            continue;
        }
        let al = is_letter(x);
        let bl = is_letter(y);
        if al && bl {
            return x < y;
        }
        if al || bl {
            if v3 && digits {
                return al;
            }
            return bl;
        }
        let (mut an, mut bn): (i64, i64) = (0, 0);
        if x == '0' || y == '0' {
            let mut j = i;
            while j > 0 && is_digit(ca(j - 1)) {
                j -= 1;
                if ca(j) != '0' {
                    an = 1;
                    bn = 1;
                    break;
                }
            }
        }
        let mut ai = i;
        while ai < a.len() && is_digit(ca(ai)) {
            an = an.wrapping_mul(10).wrapping_add(digit_val(ca(ai)));
            ai += 1;
        }
        let mut bi = i;
        while bi < b.len() && is_digit(cb(bi)) {
            bn = bn.wrapping_mul(10).wrapping_add(digit_val(cb(bi)));
            bi += 1;
        }
        if an != bn {
            return an < bn;
        }
        if ai != bi {
            return ai < bi;
        }
        return x < y;
    }
    a.len() < b.len()
}

/// [`less`] of two keys: on their bytes when both are ASCII (no copy), else on chars.
fn less_str(a: &str, b: &str, v3: bool) -> bool {
    if a.is_ascii() && b.is_ascii() {
        less(a.as_bytes(), b.as_bytes(), v3)
    } else {
        let ac: Vec<char> = a.chars().collect();
        let bc: Vec<char> = b.chars().collect();
        less(&ac, &bc, v3)
    }
}

fn cmp_with(a: &str, b: &str, v3: bool) -> Ordering {
    if less_str(a, b, v3) {
        Ordering::Less
    } else if less_str(b, a, v3) {
        Ordering::Greater
    } else {
        Ordering::Equal
    }
}

/// go-yaml v2's key order.
pub fn natural_cmp_v2(a: &str, b: &str) -> Ordering {
    cmp_with(a, b, false)
}

/// Sorts with go-yaml's `Less`, never panicking even where `Less` is not a total order
/// (Rust's std sorts may panic then): insertion sort for short runs as Go's `sort.Sort`
/// does, a merge sort above that.
pub fn sort_by_key_str<T: Copy>(items: &mut [T], key: impl Fn(&T) -> &str, v3: bool) {
    // maps iterate in byte order, which is usually go-yaml's order already: check first
    if items
        .windows(2)
        .all(|w| !less_str(key(&w[1]), key(&w[0]), v3))
    {
        return;
    }
    let ascii = items.iter().all(|k| key(k).is_ascii());
    let chars: Vec<Vec<char>> = if ascii {
        Vec::new()
    } else {
        items.iter().map(|k| key(k).chars().collect()).collect()
    };
    let lt = |a: usize, b: usize| {
        if ascii {
            less(key(&items[a]).as_bytes(), key(&items[b]).as_bytes(), v3)
        } else {
            less(&chars[a], &chars[b], v3)
        }
    };
    let mut idx: Vec<usize> = (0..items.len()).collect();
    if idx.len() <= 12 {
        for i in 1..idx.len() {
            let mut j = i;
            while j > 0 && lt(idx[j], idx[j - 1]) {
                idx.swap(j, j - 1);
                j -= 1;
            }
        }
    } else {
        merge_sort(&mut idx, &lt);
    }
    let orig: Vec<T> = items.to_vec();
    for (slot, i) in items.iter_mut().zip(idx) {
        *slot = orig[i];
    }
}

fn merge_sort(v: &mut [usize], lt: &dyn Fn(usize, usize) -> bool) {
    if v.len() <= 1 {
        return;
    }
    let mid = v.len() / 2;
    merge_sort(&mut v[..mid], lt);
    merge_sort(&mut v[mid..], lt);
    let (left, right) = (v[..mid].to_vec(), v[mid..].to_vec());
    let (mut i, mut j, mut k) = (0, 0, 0);
    while i < left.len() && j < right.len() {
        if lt(right[j], left[i]) {
            v[k] = right[j];
            j += 1;
        } else {
            v[k] = left[i];
            i += 1;
        }
        k += 1;
    }
    for &x in left[i..].iter().chain(right[j..].iter()) {
        v[k] = x;
        k += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(mut v: Vec<&str>) -> Vec<&str> {
        v.sort_by(|a, b| natural_cmp_v2(a, b));
        v
    }

    #[test]
    fn numbers_inside_keys_compare_numerically() {
        assert_eq!(sorted(vec!["a10", "a2", "a1"]), vec!["a1", "a2", "a10"]);
    }

    #[test]
    fn non_letters_sort_before_letters() {
        assert_eq!(sorted(vec!["b", "_a", "A", "1"]), vec!["_a", "1", "A", "b"]);
    }

    #[test]
    fn map_keys_in_byte_order_are_put_in_natural_order() {
        // byte order, as a map iterates: "A" < "_a" < "a10" < "a9" < "é1"
        let mut keys = vec!["A", "_a", "a10", "a9", "é1"];
        sort_by_key_str(&mut keys, |k| k, false);
        assert_eq!(keys, vec!["_a", "A", "a9", "a10", "é1"]);
        // already natural: unchanged (ASCII and not)
        let mut keys = vec!["-x", "app", "b", "zé"];
        sort_by_key_str(&mut keys, |k| k, false);
        assert_eq!(keys, vec!["-x", "app", "b", "zé"]);
    }
}
