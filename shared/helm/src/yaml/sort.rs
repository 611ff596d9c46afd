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

/// `Less(a, b)` of go-yaml v2 (`v3` differs only in how letters meet digits).
fn less(a: &[char], b: &[char], v3: bool) -> bool {
    let mut digits = false;
    let n = a.len().min(b.len());
    for i in 0..n {
        if a[i] == b[i] {
            digits = is_digit(a[i]);
            continue;
        }
        let al = is_letter(a[i]);
        let bl = is_letter(b[i]);
        if al && bl {
            return a[i] < b[i];
        }
        if al || bl {
            if v3 && digits {
                return al;
            }
            return bl;
        }
        let (mut an, mut bn): (i64, i64) = (0, 0);
        if a[i] == '0' || b[i] == '0' {
            let mut j = i;
            while j > 0 && is_digit(a[j - 1]) {
                j -= 1;
                if a[j] != '0' {
                    an = 1;
                    bn = 1;
                    break;
                }
            }
        }
        let mut ai = i;
        while ai < a.len() && is_digit(a[ai]) {
            an = an.wrapping_mul(10).wrapping_add(digit_val(a[ai]));
            ai += 1;
        }
        let mut bi = i;
        while bi < b.len() && is_digit(b[bi]) {
            bn = bn.wrapping_mul(10).wrapping_add(digit_val(b[bi]));
            bi += 1;
        }
        if an != bn {
            return an < bn;
        }
        if ai != bi {
            return ai < bi;
        }
        return a[i] < b[i];
    }
    a.len() < b.len()
}

fn cmp_with(a: &str, b: &str, v3: bool) -> Ordering {
    let ac: Vec<char> = a.chars().collect();
    let bc: Vec<char> = b.chars().collect();
    if less(&ac, &bc, v3) {
        Ordering::Less
    } else if less(&bc, &ac, v3) {
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
pub fn sort_keys<K: AsRef<str>>(keys: &mut Vec<&K>, v3: bool) {
    let chars: Vec<Vec<char>> = keys.iter().map(|k| k.as_ref().chars().collect()).collect();
    let mut idx: Vec<usize> = (0..keys.len()).collect();
    let lt = |a: usize, b: usize| less(&chars[a], &chars[b], v3);
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
    let orig = keys.clone();
    for (slot, i) in keys.iter_mut().zip(idx) {
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
}
