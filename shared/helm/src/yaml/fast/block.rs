//! Literal block scalars (`|`, `|-`, `|+`, `|2`...) for the fast path, read from the
//! lines after their header exactly as saphyr-parser's scanner reads them, down to what
//! it makes of blank lines, lines of spaces and the end of the text.

use super::scalar::is_line_end;
use super::Line;

/// How a block scalar ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Chomp {
    /// `-`: no final line break
    Strip,
    /// (none): one final line break
    Clip,
    /// `+`: every final line break
    Keep,
}

/// The literal block scalar whose header (`|`, `|-`, `|+2`...) ends the line before
/// `lines[pos]`, in a collection at column `col`, read from the lines that follow as
/// saphyr-parser's scanner reads it (`scan_block_scalar`, end-of-input cases included):
/// its text, and the index of the first line after it.
pub(super) fn literal(
    lines: &[Line<'_>],
    pos: usize,
    header: &str,
    col: usize,
) -> Option<(String, usize)> {
    let (chomp, increment) = block_header(header)?;
    let last = lines.len() - 1;
    if pos > last {
        // the header ends the text: no line break after it
        return Some((String::new(), pos));
    }
    // Whether the text ends right after column `c` of line `i`.
    let at_end = |i: usize, c: usize| i == last && c == lines[i].raw.len();
    let mut trailing = 0;
    let (mut i, mut c, indent);
    if increment == 0 {
        // leading blank lines, then the first content line set the indentation
        i = pos;
        let mut widest = 0;
        while lines[i].body().is_empty() && i < last {
            widest = widest.max(lines[i].indent);
            trailing += 1;
            i += 1;
        }
        c = lines[i].indent;
        indent = widest.max(c).max(col + 1);
    } else {
        indent = col + increment;
        (i, c) = skip_indent(lines, pos, indent, &mut trailing);
    }
    if at_end(i, c) {
        let text = match chomp {
            Chomp::Strip => String::new(),
            Chomp::Clip => "\n".to_string(),
            Chomp::Keep => "\n".repeat(trailing.max(1)),
        };
        return Some((text, lines.len()));
    }
    if c < indent && c > col {
        return None; // a wrongly indented first line
    }
    let mut text = String::new();
    let mut leading_break = false;
    let mut end_col = c;
    while c == indent && !at_end(i, c) {
        if leading_break {
            text.push('\n');
        }
        push_breaks(&mut text, trailing);
        trailing = 0;
        let rest = &lines[i].raw[indent..];
        text.push_str(rest);
        if i == last {
            end_col = indent + rest.chars().count();
            leading_break = false;
            i += 1;
            break;
        }
        leading_break = true;
        (i, c) = skip_indent(lines, i + 1, indent, &mut trailing);
        end_col = c;
    }
    let ended = i > last || at_end(i, c);
    if chomp != Chomp::Strip {
        if leading_break {
            text.push('\n');
        }
        if ended && end_col >= indent.max(1) {
            text.push('\n');
        }
    }
    if chomp == Chomp::Keep {
        push_breaks(&mut text, trailing);
    }
    Some((text, i.min(lines.len())))
}

/// Skips the indentation (up to `indent` spaces) of line `i` and of the blank lines
/// from there, counting their line breaks into `breaks`: the line and column where
/// that stops.
fn skip_indent(
    lines: &[Line<'_>],
    mut i: usize,
    indent: usize,
    breaks: &mut usize,
) -> (usize, usize) {
    let last = lines.len() - 1;
    loop {
        let l = lines[i];
        let c = l.indent.min(indent);
        if c == l.raw.len() && i < last {
            *breaks += 1;
            i += 1;
        } else {
            return (i, c);
        }
    }
}

/// Appends `n` line breaks.
fn push_breaks(text: &mut String, n: usize) {
    text.extend(std::iter::repeat_n('\n', n));
}

/// A literal block scalar's header: `|`, then a chomping indicator and an indentation
/// indicator (1-9) in either order, each optional, then nothing but a comment.
fn block_header(header: &str) -> Option<(Chomp, usize)> {
    let b = header.as_bytes();
    let chomp_at = |i: usize| match b.get(i) {
        Some(b'-') => Some(Chomp::Strip),
        Some(b'+') => Some(Chomp::Keep),
        _ => None,
    };
    let digit_at = |i: usize| match b.get(i) {
        Some(d @ b'1'..=b'9') => Some(usize::from(d - b'0')),
        _ => None,
    };
    if b.get(1) == Some(&b'0') || b.get(2) == Some(&b'0') {
        return None;
    }
    let (chomp, increment, len) = match (chomp_at(1), digit_at(1)) {
        (Some(ch), _) => match digit_at(2) {
            Some(d) => (ch, d, 3),
            None => (ch, 0, 2),
        },
        (None, Some(d)) => match chomp_at(2) {
            Some(ch) => (ch, d, 3),
            None => (Chomp::Clip, d, 2),
        },
        (None, None) => (Chomp::Clip, 0, 1),
    };
    is_line_end(&header[len..]).then_some((chomp, increment))
}
