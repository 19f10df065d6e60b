//! Selecting calls: `--failed`, `--code 486|4xx`, `--peer IP[:PORT]`,
//! `--method M`. Parsed once at the edge into a [`Filter`]; the report
//! never sees raw arguments.

use super::model::{Call, Outcome, Triage};
use std::net::IpAddr;

/// A final-code condition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeFilter {
    /// One code: `486`.
    Exact(u16),
    /// A class: `4xx` (the hundreds digit).
    Class(u16),
}

impl CodeFilter {
    /// `486`, `4xx` (also `4XX`). Anything else is a one-line error.
    pub fn parse(s: &str) -> Result<CodeFilter, String> {
        let t = s.trim();
        let b = t.as_bytes();
        if b.len() == 3 && b[0].is_ascii_digit() && b[1..].eq_ignore_ascii_case(b"xx") {
            let c = u16::from(b[0] - b'0');
            if (1..=6).contains(&c) {
                return Ok(CodeFilter::Class(c));
            }
        }
        if b.len() == 3 && b.iter().all(u8::is_ascii_digit) {
            let n: u16 = t.parse().unwrap_or(0);
            if (100..=699).contains(&n) {
                return Ok(CodeFilter::Exact(n));
            }
        }
        Err(format!(
            "'{}' is not a final code filter: give a code from 100 to 699 (486) or a class (4xx)",
            crate::sanitize::inline(s)
        ))
    }

    pub fn matches(self, code: u16) -> bool {
        match self {
            CodeFilter::Exact(c) => code == c,
            CodeFilter::Class(c) => code / 100 == c,
        }
    }
}

/// An address condition: an IP, or an IP and port.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PeerFilter {
    pub ip: IpAddr,
    pub port: Option<u16>,
}

impl PeerFilter {
    /// `10.0.0.1`, `10.0.0.1:5060`, `2001:db8::1`, `[2001:db8::1]:5060`.
    pub fn parse(s: &str) -> Result<PeerFilter, String> {
        let t = s.trim();
        if let Ok(ip) = t.parse::<IpAddr>() {
            return Ok(PeerFilter { ip, port: None });
        }
        if let Ok(a) = t.parse::<std::net::SocketAddr>() {
            return Ok(PeerFilter {
                ip: a.ip(),
                port: Some(a.port()),
            });
        }
        Err(format!(
            "'{}' is not an address: give an IP (10.0.0.1, 2001:db8::1) or IP and port (10.0.0.1:5060, [2001:db8::1]:5060)",
            crate::sanitize::inline(s)
        ))
    }
}

/// Which calls to report.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    /// Only outcome `failure`.
    pub failed: bool,
    pub code: Option<CodeFilter>,
    /// A call matches when any of its messages was sent from or to it.
    pub peer: Option<PeerFilter>,
    /// The call's method, compared without case.
    pub method: Option<String>,
}

impl Filter {
    pub fn is_empty(&self) -> bool {
        *self == Filter::default()
    }

    pub fn matches(&self, t: &Triage, c: &Call) -> bool {
        if self.failed && c.outcome != Outcome::Failure {
            return false;
        }
        if let Some(cf) = self.code
            && !c.final_code().is_some_and(|f| cf.matches(f))
        {
            return false;
        }
        if let Some(m) = &self.method
            && !t.method_name(c.method).eq_ignore_ascii_case(m)
        {
            return false;
        }
        if let Some(p) = self.peer {
            let hit = |e: u32| {
                t.endpoint(e)
                    .is_some_and(|e| e.ip == p.ip && p.port.is_none_or(|port| port == e.port))
            };
            if !c.msgs.iter().any(|m| hit(m.src) || hit(m.dst)) {
                return false;
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_filters() {
        assert_eq!(CodeFilter::parse("486"), Ok(CodeFilter::Exact(486)));
        assert_eq!(CodeFilter::parse("4xx"), Ok(CodeFilter::Class(4)));
        assert_eq!(CodeFilter::parse("5XX"), Ok(CodeFilter::Class(5)));
        assert!(CodeFilter::parse("99").is_err());
        assert!(CodeFilter::parse("7xx").is_err());
        assert!(CodeFilter::parse("48").is_err());
        assert!(CodeFilter::parse("\x1b").unwrap_err().contains("\\e"));
        assert!(CodeFilter::Class(4).matches(486));
        assert!(!CodeFilter::Class(4).matches(503));
    }

    #[test]
    fn peer_filters() {
        assert_eq!(PeerFilter::parse("10.0.0.1").unwrap().port, None);
        assert_eq!(PeerFilter::parse("10.0.0.1:5060").unwrap().port, Some(5060));
        assert_eq!(
            PeerFilter::parse("[2001:db8::1]:5061").unwrap().port,
            Some(5061)
        );
        assert!(PeerFilter::parse("2001:db8::1").is_ok());
        assert!(PeerFilter::parse("host.example").is_err());
    }
}
