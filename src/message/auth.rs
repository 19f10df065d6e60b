//! Authentication challenges (WWW-Authenticate, Proxy-Authenticate): split,
//! read and explained (RFC 3261 §22, RFC 8760).

use super::explain::Decoder;
use super::headers::{split_outside, unquote};
use super::model::Challenge;
use super::text::q;

impl Decoder<'_> {
    /// One challenge of a WWW-Authenticate or Proxy-Authenticate header,
    /// with what it tells the engineer.
    pub(super) fn challenge(
        &mut self,
        header: &str,
        c: RawChallenge,
        code: Option<u16>,
    ) -> Challenge {
        let get = |n: &str| {
            c.params
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(n))
                .map(|(_, v)| v.clone())
        };
        let realm = get("realm");
        let nonce = get("nonce");
        let algorithm = get("algorithm");
        let qop: Vec<String> = get("qop")
            .map(|v| {
                v.split(',')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        let stale = get("stale").is_some_and(|s| s.eq_ignore_ascii_case("true"));
        let opaque = get("opaque").is_some();
        let domain = get("domain");
        let mut advice = Vec::new();
        let digest = c.scheme.eq_ignore_ascii_case("Digest");
        if !digest {
            advice.push(format!(
                "scheme {}: SIP clients normally only answer Digest challenges",
                q(&c.scheme)
            ));
        } else {
            if realm.is_none() {
                self.problems
                    .push(format!("{header} challenge without a realm"));
            }
            if nonce.is_none() {
                self.problems
                    .push(format!("{header} challenge without a nonce"));
            }
        }
        let who = if header == "Proxy-Authenticate" {
            "proxy"
        } else {
            "registrar or user agent"
        };
        if stale {
            advice.push(
                "stale=true: the credentials were right but the nonce had expired; the client \
                 should retry once with the new nonce, without asking for the password again. \
                 Repeated stale challenges mean the client reuses old nonces or the nonce \
                 lifetime is very short."
                    .to_string(),
            );
        } else if digest {
            let realm = realm.as_deref().map(q).unwrap_or_default();
            advice.push(format!(
                "no stale flag: if the request carried no credentials, this is the normal \
                 first challenge and one retry with credentials is expected. If it did carry \
                 credentials for realm {realm}, the {who} rejected them: wrong username or \
                 password, a realm the client has no account for, or a different algorithm. A \
                 second 401/407 in a row means exactly that."
            ));
        }
        match algorithm.as_deref().map(str::to_ascii_uppercase).as_deref() {
            None if digest => {
                advice.push("no algorithm parameter: MD5 is assumed (RFC 3261 §22.4)".to_string())
            }
            None => {}
            Some("MD5") | Some("MD5-SESS") => {}
            Some("SHA-256")
            | Some("SHA-256-SESS")
            | Some("SHA-512-256")
            | Some("SHA-512-256-SESS") => advice.push(format!(
                "algorithm {}: a SHA-2 digest (RFC 8760); clients that only do MD5 cannot \
                 answer it, so the server should also offer an MD5 challenge if such \
                 clients must register",
                algorithm.as_deref().unwrap_or_default()
            )),
            Some(_) => advice.push(format!(
                "algorithm {} is not one SIP digest defines (MD5, SHA-256, SHA-512-256)",
                q(algorithm.as_deref().unwrap_or_default())
            )),
        }
        if qop.iter().any(|x| x.eq_ignore_ascii_case("auth-int")) {
            advice.push(
                "qop includes auth-int: the client must also hash the body; many clients \
                 support only auth and pick it when both are offered"
                    .to_string(),
            );
        }
        match (code, header) {
            (Some(401), "Proxy-Authenticate") => self.problems.push(
                "a 401 carries Proxy-Authenticate; a 401 challenges with WWW-Authenticate \
                 (RFC 3261 §21.4.2)"
                    .to_string(),
            ),
            (Some(407), "WWW-Authenticate") => self.problems.push(
                "a 407 carries WWW-Authenticate; a 407 challenges with Proxy-Authenticate \
                 (RFC 3261 §21.4.8)"
                    .to_string(),
            ),
            _ => {}
        }
        Challenge {
            header: header.to_string(),
            scheme: c.scheme,
            realm,
            nonce,
            algorithm,
            qop,
            stale,
            opaque,
            domain,
            advice,
        }
    }
}

/// A challenge before interpretation.
pub(super) struct RawChallenge {
    pub(super) scheme: String,
    pub(super) params: Vec<(String, String)>,
}

/// Split a WWW-Authenticate / Proxy-Authenticate value into challenges:
/// `Digest realm="a", nonce="b"`; several challenges may share one header.
pub(super) fn parse_challenges(v: &str) -> Vec<RawChallenge> {
    let mut out: Vec<RawChallenge> = Vec::new();
    for item in split_outside(v, b',') {
        if item.is_empty() {
            continue;
        }
        let (first, rest) = item
            .split_once([' ', '\t'])
            .map(|(a, b)| (a, b.trim_start()))
            .unwrap_or((item, ""));
        let new_scheme = !first.contains('=') && !rest.starts_with('=');
        let param = if new_scheme {
            out.push(RawChallenge {
                scheme: first.to_string(),
                params: Vec::new(),
            });
            rest
        } else {
            item
        };
        if param.is_empty() {
            continue;
        }
        let (k, val) = param.split_once('=').unwrap_or((param, ""));
        match out.last_mut() {
            Some(c) => c.params.push((k.trim().to_string(), unquote(val))),
            None => out.push(RawChallenge {
                scheme: String::new(),
                params: vec![(k.trim().to_string(), unquote(val))],
            }),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges_split() {
        let c = parse_challenges(
            r#"Digest realm="a, b", nonce = "n1", qop="auth,auth-int", Digest realm="c", algorithm=SHA-256"#,
        );
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].scheme, "Digest");
        assert_eq!(c[0].params[0], ("realm".into(), "a, b".into()));
        assert_eq!(c[0].params[1], ("nonce".into(), "n1".into()));
        assert_eq!(c[0].params[2], ("qop".into(), "auth,auth-int".into()));
        assert_eq!(c[1].params[1], ("algorithm".into(), "SHA-256".into()));
        assert!(parse_challenges("").is_empty());
        let c = parse_challenges("Basic");
        assert_eq!(c[0].scheme, "Basic");
        let c = parse_challenges("=x");
        assert_eq!(c[0].scheme, "");
    }
}
