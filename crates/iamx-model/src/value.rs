//! Typed request-context values, with the coercions the condition operators
//! apply (a string `"42"` compares numerically under `NumericEquals`, an ISO
//! 8601 string or epoch number compares as a date, and so on).

use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;

/// One context value.
#[derive(Clone, Debug, PartialEq)]
pub enum Scalar {
    /// A string.
    Str(String),
    /// A number.
    Num(f64),
    /// A boolean.
    Bool(bool),
    /// An instant, in milliseconds since the Unix epoch (UTC).
    Date(i64),
    /// An IP address.
    Ip(IpAddr),
}

impl Scalar {
    /// The value as the string a string operator compares.
    pub fn as_string(&self) -> std::borrow::Cow<'_, str> {
        use std::borrow::Cow;
        match self {
            Scalar::Str(s) => Cow::Borrowed(s),
            Scalar::Num(n) => Cow::Owned(format_number(*n)),
            Scalar::Bool(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
            Scalar::Date(ms) => Cow::Owned(format_date(*ms)),
            Scalar::Ip(ip) => Cow::Owned(ip.to_string()),
        }
    }

    /// The value as a number, if it is one or a string that parses as one.
    pub fn as_number(&self) -> Option<f64> {
        match self {
            Scalar::Num(n) => Some(*n),
            Scalar::Str(s) => parse_number(s),
            _ => None,
        }
    }

    /// The value as an instant (epoch milliseconds).
    pub fn as_date(&self) -> Option<i64> {
        match self {
            Scalar::Date(d) => Some(*d),
            Scalar::Num(n) => epoch_seconds_to_ms(*n),
            Scalar::Str(s) => parse_date(s),
            _ => None,
        }
    }

    /// The value as a boolean (`"true"`/`"false"` in any case).
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Scalar::Bool(b) => Some(*b),
            Scalar::Str(s) if s.eq_ignore_ascii_case("true") => Some(true),
            Scalar::Str(s) if s.eq_ignore_ascii_case("false") => Some(false),
            _ => None,
        }
    }

    /// The value as an IP address.
    pub fn as_ip(&self) -> Option<IpAddr> {
        match self {
            Scalar::Ip(ip) => Some(*ip),
            Scalar::Str(s) => s.trim().parse().ok(),
            _ => None,
        }
    }
}

impl fmt::Display for Scalar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.as_string())
    }
}

/// A context key's value: single-valued or a set (multi-valued key).
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A single value.
    One(Scalar),
    /// A multi-valued key (e.g. `aws:TagKeys`); may be empty.
    Set(Vec<Scalar>),
    /// Given as explicitly absent (JSON `null`): the attribute does not exist
    /// on the resource, which is different from "not told".
    Null,
}

impl Value {
    /// A single string value.
    pub fn str(s: impl Into<String>) -> Value {
        Value::One(Scalar::Str(s.into()))
    }

    /// The values as a slice (one element for a single value).
    pub fn values(&self) -> &[Scalar] {
        match self {
            Value::One(s) => std::slice::from_ref(s),
            Value::Set(v) => v,
            Value::Null => &[],
        }
    }
}

/// The request context: case-insensitive keys (stored lowercased).
///
/// A context is *closed* by default: a key it does not hold is absent from
/// the request, as in a real request. An *open* context (see
/// [`Context::open`]) stands for every request that agrees with the keys it
/// holds: a condition on any other key is `Unknown` (it depends on that key),
/// which is how who-can and what-can tell conditional grants from
/// unconditional ones with the concrete evaluator.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Context {
    map: BTreeMap<String, Value>,
    open: bool,
}

impl Context {
    /// An empty, closed context.
    pub fn new() -> Context {
        Context::default()
    }

    /// An empty, open context: keys it does not hold are unknown, not absent.
    pub fn open() -> Context {
        Context {
            map: BTreeMap::new(),
            open: true,
        }
    }

    /// Whether keys not held are unknown (open) rather than absent (closed).
    pub fn is_open(&self) -> bool {
        self.open
    }

    /// Sets `key` (any case) to `value`.
    pub fn insert(&mut self, key: &str, value: Value) {
        self.map.insert(key.to_ascii_lowercase(), value);
    }

    /// Looks up a lowercased key.
    pub fn get_lc(&self, key_lc: &str) -> Option<&Value> {
        self.map.get(key_lc)
    }

    /// Looks up a key in any case.
    pub fn get(&self, key: &str) -> Option<&Value> {
        if key.bytes().any(|b| b.is_ascii_uppercase()) {
            self.map.get(&key.to_ascii_lowercase())
        } else {
            self.map.get(key)
        }
    }

    /// Whether the context has the (lowercased) key.
    pub fn contains_lc(&self, key_lc: &str) -> bool {
        self.map.contains_key(key_lc)
    }

    /// Iterates over (lowercased key, value).
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Value)> {
        self.map.iter()
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether no key is set.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

/// Parses a decimal number as AWS's numeric operators accept it.
pub fn parse_number(s: &str) -> Option<f64> {
    let t = s.trim();
    if t.is_empty() {
        return None;
    }
    let ok = t
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+' | b'e' | b'E'));
    if !ok {
        return None;
    }
    t.parse::<f64>().ok().filter(|n| n.is_finite())
}

fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{n:.0}")
    } else {
        format!("{n}")
    }
}

fn epoch_seconds_to_ms(n: f64) -> Option<i64> {
    let ms = n * 1000.0;
    if ms.is_finite() && ms.abs() < 1e17 {
        #[expect(clippy::cast_possible_truncation, reason = "range checked just above")]
        Some(ms.round() as i64)
    } else {
        None
    }
}

/// Days from 1970-01-01 to the civil date (proleptic Gregorian).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Formats epoch milliseconds as ISO 8601 UTC (`2026-01-01T00:00:00Z`).
pub fn format_date(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let millis = ms.rem_euclid(1000);
    let days = secs.div_euclid(86_400);
    let sod = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let (hh, mm, ss) = (sod / 3600, (sod % 3600) / 60, sod % 60);
    if millis == 0 {
        format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}Z")
    } else {
        format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}.{millis:03}Z")
    }
}

fn digits(s: &[u8], n: usize) -> Option<(i64, &[u8])> {
    let (head, rest) = (s.get(..n)?, s.get(n..)?);
    if !head.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let v = head
        .iter()
        .fold(0i64, |acc, b| acc * 10 + i64::from(b - b'0'));
    Some((v, rest))
}

/// Parses an ISO 8601 date or date-time (`2026-01-01`, `2026-01-01T10:00:00Z`,
/// with fractional seconds and `±hh:mm` offsets) or an epoch-seconds number
/// into epoch milliseconds.
pub fn parse_date(s: &str) -> Option<i64> {
    let t = s.trim();
    if let Some(n) = parse_number(t) {
        return epoch_seconds_to_ms(n);
    }
    let b = t.as_bytes();
    let (y, r) = digits(b, 4)?;
    let r = r.strip_prefix(b"-")?;
    let (mo, r) = digits(r, 2)?;
    let r = r.strip_prefix(b"-")?;
    let (d, r) = digits(r, 2)?;
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) {
        return None;
    }
    let mut ms = days_from_civil(y, mo, d) * 86_400_000;
    if r.is_empty() {
        return Some(ms);
    }
    let r = match r.first()? {
        b'T' | b't' | b' ' => r.get(1..)?,
        _ => return None,
    };
    let (hh, r) = digits(r, 2)?;
    let r = r.strip_prefix(b":")?;
    let (mi, mut r) = digits(r, 2)?;
    let mut ss = 0;
    if let Some(rest) = r.strip_prefix(b":") {
        let (s2, rest) = digits(rest, 2)?;
        ss = s2;
        r = rest;
    }
    if hh > 23 || mi > 59 || ss > 60 {
        return None;
    }
    let mut frac_ms = 0i64;
    if let Some(rest) = r.strip_prefix(b".") {
        let n = rest.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return None;
        }
        let frac = rest.get(..n)?;
        for (i, c) in frac.iter().take(3).enumerate() {
            let scale = [100, 10, 1].get(i).copied().unwrap_or(0);
            frac_ms += i64::from(c - b'0') * scale;
        }
        r = rest.get(n..)?;
    }
    ms += (hh * 3600 + mi * 60 + ss) * 1000 + frac_ms;
    match r {
        b"" | b"Z" | b"z" => Some(ms),
        [sign @ (b'+' | b'-'), rest @ ..] => {
            let (oh, rest) = digits(rest, 2)?;
            let rest = rest.strip_prefix(b":").unwrap_or(rest);
            let (om, rest) = digits(rest, 2)?;
            if !rest.is_empty() {
                return None;
            }
            let off = (oh * 3600 + om * 60) * 1000;
            Some(if *sign == b'+' { ms - off } else { ms + off })
        }
        _ => None,
    }
}

/// An IP network in CIDR form.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Cidr {
    /// The network address (host bits as written).
    pub addr: IpAddr,
    /// Prefix length.
    pub prefix: u8,
}

impl Cidr {
    /// Parses `10.0.0.0/8`, `2001:db8::/32` or a bare address (full-length prefix).
    pub fn parse(s: &str) -> Option<Cidr> {
        let t = s.trim();
        let (a, p) = match t.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (t, None),
        };
        let addr: IpAddr = a.parse().ok()?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match p {
            Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => p.parse().ok()?,
            Some(_) => return None,
            None => max,
        };
        if prefix > max {
            return None;
        }
        Some(Cidr { addr, prefix })
    }

    /// Whether `ip` lies in this network (families must agree).
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = if self.prefix == 0 {
                    0
                } else {
                    u32::MAX << (32 - u32::from(self.prefix))
                };
                (u32::from(n) & mask) == (u32::from(a) & mask)
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = if self.prefix == 0 {
                    0
                } else {
                    u128::MAX << (128 - u32::from(self.prefix))
                };
                (u128::from(n) & mask) == (u128::from(a) & mask)
            }
            _ => false,
        }
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(parse_date("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_date("2020-01-01"), Some(1_577_836_800_000));
        assert_eq!(
            parse_date("2020-01-01T01:00:00+01:00"),
            Some(1_577_836_800_000)
        );
        assert_eq!(
            parse_date("2020-01-01T00:00:00.5Z"),
            Some(1_577_836_800_500)
        );
        assert_eq!(parse_date("1577836800"), Some(1_577_836_800_000));
        assert_eq!(parse_date("yesterday"), None);
        assert_eq!(parse_date("2020-13-01"), None);
        assert_eq!(format_date(1_577_836_800_000), "2020-01-01T00:00:00Z");
    }

    #[test]
    fn cidrs() {
        let c = Cidr::parse("10.0.0.0/8").unwrap();
        assert!(c.contains("10.1.2.3".parse().unwrap()));
        assert!(!c.contains("11.0.0.1".parse().unwrap()));
        let c6 = Cidr::parse("2001:db8::/32").unwrap();
        assert!(c6.contains("2001:db8::1".parse().unwrap()));
        assert!(!c6.contains("10.0.0.1".parse().unwrap()));
        assert!(Cidr::parse("10.0.0.300/8").is_none());
        assert!(Cidr::parse("10.0.0.0/33").is_none());
        assert!(
            Cidr::parse("0.0.0.0/0")
                .unwrap()
                .contains("1.2.3.4".parse().unwrap())
        );
    }

    proptest::proptest! {
        #[test]
        fn date_roundtrip(ms in -62_135_596_800_000i64..253_402_300_799_000i64) {
            proptest::prop_assert_eq!(parse_date(&format_date(ms)), Some(ms));
        }
    }
}
