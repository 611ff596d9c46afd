//! Durations as people write them in configuration: `90s`, `5m`, `72h`, `1h30m`, `2d`.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A whole number of seconds, written and read as `1h30m`-style text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Span {
    secs: u64,
}

/// Why a text is not a [`Span`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{input:?} is not a duration: write a number followed by a unit (s, m, h, d), e.g. 90s, 10m, 72h or 1h30m")]
pub struct SpanError {
    /// The rejected text.
    pub input: String,
}

impl Span {
    /// `secs` seconds.
    pub const fn from_secs(secs: u64) -> Self {
        Self { secs }
    }

    /// `mins` minutes.
    pub const fn from_mins(mins: u64) -> Self {
        Self { secs: mins * 60 }
    }

    /// `hours` hours.
    pub const fn from_hours(hours: u64) -> Self {
        Self { secs: hours * 3600 }
    }

    /// The length in seconds.
    pub const fn as_secs(self) -> u64 {
        self.secs
    }

    /// As a `chrono` duration, for arithmetic on timestamps.
    pub fn to_chrono(self) -> chrono::Duration {
        chrono::Duration::seconds(i64::try_from(self.secs).unwrap_or(i64::MAX / 1000))
    }

    /// As a standard duration (queue delays).
    pub const fn to_std(self) -> std::time::Duration {
        std::time::Duration::from_secs(self.secs)
    }

    /// Parses `90s`, `5m`, `72h`, `2d`, `1h30m`; a bare `0` is zero.
    ///
    /// # Errors
    /// [`SpanError`] naming the text when a number or unit is missing or unknown.
    pub fn parse(input: &str) -> Result<Self, SpanError> {
        let err = || SpanError {
            input: input.to_string(),
        };
        let text = input.trim();
        if text == "0" {
            return Ok(Self { secs: 0 });
        }
        if text.is_empty() {
            return Err(err());
        }
        let mut secs: u64 = 0;
        let mut number = String::new();
        for c in text.chars() {
            if c.is_ascii_digit() {
                number.push(c);
                continue;
            }
            let unit = match c {
                's' => 1,
                'm' => 60,
                'h' => 3600,
                'd' => 86_400,
                _ => return Err(err()),
            };
            let n: u64 = number.parse().map_err(|_| err())?;
            number.clear();
            secs = n
                .checked_mul(unit)
                .and_then(|v| secs.checked_add(v))
                .ok_or_else(err)?;
        }
        if !number.is_empty() {
            return Err(err());
        }
        Ok(Self { secs })
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.secs == 0 {
            return f.write_str("0s");
        }
        let (d, rest) = (self.secs / 86_400, self.secs % 86_400);
        let (h, rest) = (rest / 3600, rest % 3600);
        let (m, s) = (rest / 60, rest % 60);
        // Hours read better than days up to a week (72h, not 3d: gates say 72h).
        let h = if d < 7 { h + d * 24 } else { h };
        if d >= 7 {
            write!(f, "{d}d")?;
        }
        for (n, unit) in [(h, "h"), (m, "m"), (s, "s")] {
            if n > 0 {
                write!(f, "{n}{unit}")?;
            }
        }
        Ok(())
    }
}

impl Serialize for Span {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Span {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Span::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_the_usual_spellings() {
        for (text, secs, shown) in [
            ("90s", 90, "1m30s"),
            ("5m", 300, "5m"),
            ("72h", 259_200, "72h"),
            ("3d", 259_200, "72h"),
            ("1h30m", 5400, "1h30m"),
            ("14d", 1_209_600, "14d"),
            ("0", 0, "0s"),
        ] {
            let span = Span::parse(text).unwrap();
            assert_eq!(span.as_secs(), secs, "{text}");
            assert_eq!(span.to_string(), shown, "{text}");
            assert_eq!(Span::parse(shown).unwrap(), span);
        }
    }

    #[test]
    fn refuses_numbers_without_units_and_unknown_units() {
        for bad in ["", "10", "h", "5w", "1.5h", "-5m", "1h 30m"] {
            assert!(Span::parse(bad).is_err(), "{bad:?}");
        }
    }
}
