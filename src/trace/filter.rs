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
            // A call's final code is 2xx to 6xx.
            if (2..=6).contains(&c) {
                return Ok(CodeFilter::Class(c));
            }
        }
        if b.len() == 3 && b.iter().all(u8::is_ascii_digit) {
            let n: u16 = t.parse().unwrap_or(0);
            if (200..=699).contains(&n) {
                return Ok(CodeFilter::Exact(n));
            }
        }
        Err(format!(
            "'{}' is not a final code filter: give a final code from 200 to 699 (486) or a class from 2xx to 6xx (4xx)",
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
    /// `10.0.0.1`, `10.0.0.1:5060`, `2001:db8::1`, `[2001:db8::1]` (as
    /// a URI writes it), `[2001:db8::1]:5060`.
    pub fn parse(s: &str) -> Result<PeerFilter, String> {
        let t = s.trim();
        let bare = t
            .strip_prefix('[')
            .and_then(|v| v.strip_suffix(']'))
            .filter(|v| v.contains(':'))
            .unwrap_or(t);
        if let Ok(ip) = bare.parse::<IpAddr>() {
            return Ok(PeerFilter { ip, port: None });
        }
        if let Ok(a) = t.parse::<std::net::SocketAddr>()
            && a.port() != 0
        {
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
        if let Some(p) = self.peer
            && !p.hits(t, c)
        {
            return false;
        }
        true
    }
}

impl PeerFilter {
    /// Whether any message of `c` was sent from or to this address.
    pub fn hits(&self, t: &Triage, c: &Call) -> bool {
        let hit = |e: u32| {
            t.endpoint(e)
                .is_some_and(|e| e.ip == self.ip && self.port.is_none_or(|port| port == e.port))
        };
        c.msgs.iter().any(|m| hit(m.src) || hit(m.dst))
    }
}

/// A filter typed as one line (the TUI's calls filter): free words plus
/// `code:486` or `code:5xx`, `peer:IP[:PORT]`, `method:REGISTER`,
/// `finding:no-ack` (an id or its beginning), `outcome:failure` and
/// `call:ID` (a Call-ID or its beginning, case as sent: a free word would
/// also find the Call-IDs that merely contain it), separated by spaces. Every kind of term given must hold (several terms
/// of one kind: any of them), and every free word must be in the call's
/// text ([`TextIndex`]). A word with another `key:` (`sip:alice`) is a
/// free word.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Query {
    pub codes: Vec<CodeFilter>,
    pub peers: Vec<PeerFilter>,
    /// Upper case.
    pub methods: Vec<String>,
    /// Finding ids or their beginnings, lower case.
    pub findings: Vec<String>,
    pub outcomes: Vec<Outcome>,
    /// Call-IDs or their beginnings, as typed.
    pub calls: Vec<String>,
    /// Free words, lower case (ASCII).
    pub words: Vec<String>,
}

/// The keys [`Query::parse`] knows, for messages.
pub const QUERY_KEYS: &str = "code:486 or code:5xx, peer:IP[:PORT], method:INVITE, \
                              finding:no-ack, outcome:failure, call:CALL-ID";

impl Query {
    /// Parse a filter line. Terms that make no sense are left out and
    /// each named in the errors (one line each, sanitised); the rest
    /// still applies.
    pub fn parse(line: &str) -> (Query, Vec<String>) {
        let mut q = Query::default();
        let mut errors = Vec::new();
        for term in line.split_whitespace() {
            let (key, value) = match term.split_once(':') {
                Some((k, v)) => (k.to_ascii_lowercase(), v),
                None => (String::new(), term),
            };
            let r = match key.as_str() {
                "code" => CodeFilter::parse(value).map(|c| q.codes.push(c)),
                "peer" => PeerFilter::parse(value).map(|p| q.peers.push(p)),
                "method" => {
                    if !value.is_empty() && crate::message::headers::is_token(value) {
                        q.methods.push(value.to_ascii_uppercase());
                        Ok(())
                    } else {
                        Err(format!(
                            "'{}' is not a SIP method: give one like INVITE, REGISTER, OPTIONS",
                            crate::sanitize::inline(value)
                        ))
                    }
                }
                "finding" => {
                    let v = value.to_ascii_lowercase();
                    if !v.is_empty()
                        && super::findings::IDS
                            .iter()
                            .any(|(id, _)| id.starts_with(&v))
                    {
                        q.findings.push(v);
                        Ok(())
                    } else {
                        Err(format!(
                            "'{}' is not a finding: the findings are {}",
                            crate::sanitize::inline(value),
                            super::findings::IDS
                                .iter()
                                .map(|(id, _)| *id)
                                .collect::<Vec<_>>()
                                .join(", ")
                        ))
                    }
                }
                "outcome" => match value.to_ascii_lowercase().as_str() {
                    "answered" => Ok(Outcome::Answered),
                    "user" => Ok(Outcome::User),
                    "failure" | "failed" => Ok(Outcome::Failure),
                    "pending" => Ok(Outcome::Pending),
                    _ => Err(format!(
                        "'{}' is not an outcome: answered, user, failure or pending",
                        crate::sanitize::inline(value)
                    )),
                }
                .map(|o| q.outcomes.push(o)),
                "call" => {
                    if value.is_empty() {
                        Err("give a Call-ID or its beginning".to_string())
                    } else {
                        q.calls.push(value.to_string());
                        Ok(())
                    }
                }
                _ => {
                    q.words.push(term.to_ascii_lowercase());
                    Ok(())
                }
            };
            if let Err(e) = r {
                errors.push(format!("{key}: {e}"));
            }
        }
        (q, errors)
    }

    /// True when the query has no terms (every call matches).
    pub fn is_empty(&self) -> bool {
        *self == Query::default()
    }

    /// True when the query has no terms but free words (every call
    /// satisfies [`Query::matches_terms`]).
    pub fn has_no_terms(&self) -> bool {
        self.codes.is_empty()
            && self.peers.is_empty()
            && self.methods.is_empty()
            && self.findings.is_empty()
            && self.outcomes.is_empty()
            && self.calls.is_empty()
    }

    /// Whether `c` satisfies every term but the free words (those are
    /// looked up in a [`TextIndex`]).
    pub fn matches_terms(&self, t: &Triage, c: &Call) -> bool {
        (self.codes.is_empty()
            || c.final_code()
                .is_some_and(|f| self.codes.iter().any(|cf| cf.matches(f))))
            && (self.outcomes.is_empty() || self.outcomes.contains(&c.outcome))
            && (self.methods.is_empty()
                || self
                    .methods
                    .iter()
                    .any(|m| t.method_name(c.method).eq_ignore_ascii_case(m)))
            && (self.findings.is_empty()
                || c.findings
                    .iter()
                    .any(|f| self.findings.iter().any(|id| f.id.starts_with(id.as_str()))))
            && (self.peers.is_empty() || self.peers.iter().any(|p| p.hits(t, c)))
            && (self.calls.is_empty()
                || self
                    .calls
                    .iter()
                    .any(|id| c.call_id.starts_with(id.as_str())))
    }
}

/// The text each call is found by with free words, lower-case ASCII, one
/// call after the other: its Call-ID, From and To URIs, method, final code
/// and reason phrase as sent, addresses, outcome and finding ids. A word
/// is looked for in all of it at once (a vectorised substring search over
/// one buffer), so filtering 100,000 calls costs a few milliseconds.
#[derive(Clone, Debug, Default)]
pub struct TextIndex {
    text: Vec<u8>,
    /// Where each call's text starts in `text`, and its end at the end.
    starts: Vec<u32>,
}

/// A set of calls by index, one bit each.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallSet(Vec<u64>);

impl CallSet {
    /// No call of `n`.
    pub fn none(n: usize) -> CallSet {
        CallSet(vec![0; n.div_ceil(64)])
    }
    pub fn insert(&mut self, i: usize) {
        if let Some(w) = self.0.get_mut(i / 64) {
            *w |= 1 << (i % 64);
        }
    }
    pub fn contains(&self, i: usize) -> bool {
        self.0.get(i / 64).is_some_and(|w| w & (1 << (i % 64)) != 0)
    }
    /// How many calls are in the set.
    pub fn len(&self) -> usize {
        self.0.iter().map(|w| w.count_ones() as usize).sum()
    }
    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|&w| w == 0)
    }
    /// The calls in the set, in order.
    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.0.iter().enumerate().flat_map(|(k, &w)| {
            let mut w = w;
            std::iter::from_fn(move || {
                (w != 0).then(|| {
                    let b = w.trailing_zeros() as usize;
                    w &= w - 1;
                    k * 64 + b
                })
            })
        })
    }
    /// Keep only the calls also in `other`.
    pub fn and(&mut self, other: &CallSet) {
        for (a, b) in self.0.iter_mut().zip(&other.0) {
            *a &= b;
        }
    }
}

impl TextIndex {
    /// The text of every call of `t` (the reason phrase as sent, else the
    /// registered one from `kb`).
    pub fn new(t: &Triage, kb: &crate::kb::Kb) -> TextIndex {
        let mut text = Vec::with_capacity(t.calls.len() * 160);
        let mut starts = Vec::with_capacity(t.calls.len() + 1);
        for c in &t.calls {
            starts.push(text.len().min(u32::MAX as usize) as u32);
            if text.len() >= u32::MAX as usize - 4096 {
                // Past 4 GiB of text a call is found by nothing.
                continue;
            }
            let mut put = |s: &str| {
                text.extend_from_slice(s.as_bytes());
                text.push(b' ');
            };
            put(&c.call_id);
            put(t.from_uri(c));
            put(t.to_uri(c));
            put(t.method_name(c.method));
            if c.final_code().is_some() {
                put(&super::report::final_label(t, kb, c));
            }
            put(&t.endpoint_str(c.src));
            put(&t.endpoint_str(c.dst));
            put(c.outcome.label());
            for f in &c.findings {
                put(f.id);
            }
            // No word spans two calls: words hold no line end.
            *text.last_mut().unwrap_or(&mut 0) = b'\n';
        }
        starts.push(text.len().min(u32::MAX as usize) as u32);
        text.make_ascii_lowercase();
        TextIndex { text, starts }
    }

    /// The calls whose text holds `word` (give it in lower case).
    pub fn find(&self, word: &str) -> CallSet {
        let n = self.starts.len().saturating_sub(1);
        let mut set = CallSet::none(n);
        let finder = memchr::memmem::Finder::new(word.as_bytes());
        let mut at = 0usize;
        // The call of the last hit: hits come in order, so the call of the
        // next one is found by walking on from it (every call stepped over
        // once in the whole search, where a binary search per hit cost
        // most of the time when a word is in every call).
        let mut call = 0usize;
        while let Some(p) = finder.find(&self.text[at.min(self.text.len())..]) {
            let pos = at + p;
            // The call this position is in; go on after its text.
            while call + 1 < n && self.starts[call + 1] as usize <= pos {
                call += 1;
            }
            set.insert(call);
            at = self
                .starts
                .get(call + 1)
                .map_or(self.text.len(), |&e| e as usize);
            if at >= self.text.len() {
                break;
            }
        }
        set
    }

    /// The calls of `among` whose text holds `word`: the same answer as
    /// `find(word)` and `among`, found by looking in those calls' text
    /// only (when a word grows by a letter, in the calls its beginning was
    /// found in). Worth it when `among` is a small part of the calls.
    pub fn find_among(&self, word: &str, among: &CallSet) -> CallSet {
        let n = self.starts.len().saturating_sub(1);
        let mut set = CallSet::none(n);
        let finder = memchr::memmem::Finder::new(word.as_bytes());
        for call in among.iter().filter(|&c| c < n) {
            let (s, e) = (self.starts[call] as usize, self.starts[call + 1] as usize);
            if finder.find(&self.text[s..e]).is_some() {
                set.insert(call);
            }
        }
        set
    }

    /// How many calls are indexed.
    pub fn calls(&self) -> usize {
        self.starts.len().saturating_sub(1)
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
        // Provisional codes are never final.
        assert!(CodeFilter::parse("1xx").is_err());
        assert!(CodeFilter::parse("180").is_err());
        assert_eq!(CodeFilter::parse("200"), Ok(CodeFilter::Exact(200)));
        assert_eq!(CodeFilter::parse("2xx"), Ok(CodeFilter::Class(2)));
        assert!(CodeFilter::parse("48").is_err());
        assert!(CodeFilter::parse("\x1b").unwrap_err().contains("\\e"));
        assert!(CodeFilter::Class(4).matches(486));
        assert!(!CodeFilter::Class(4).matches(503));
    }

    #[test]
    fn a_query_line_parses_into_terms_and_words() {
        let (q, errors) =
            Query::parse("code:5xx  peer:10.0.0.5 Finding:NO-ACK method:register alice sip:bob");
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(q.codes, vec![CodeFilter::Class(5)]);
        assert_eq!(q.peers[0].ip.to_string(), "10.0.0.5");
        assert_eq!(q.findings, vec!["no-ack"]);
        assert_eq!(q.methods, vec!["REGISTER"]);
        assert_eq!(q.words, vec!["alice", "sip:bob"]);
        let (q, errors) = Query::parse("code:48 finding:nope method:IN\x1bVITE outcome:x busy");
        assert_eq!(errors.len(), 4, "{errors:?}");
        assert!(errors[0].starts_with("code: "), "{errors:?}");
        assert!(errors[1].contains("no-response, no-ack"), "{errors:?}");
        assert!(errors[2].contains("\\e"), "sanitised: {errors:?}");
        assert_eq!(q.words, vec!["busy"], "the good terms still apply");
        assert!(Query::parse("  ").0.is_empty());
    }

    fn trace() -> Triage {
        use crate::trace::testkit::*;
        let mut steps = answered_call("ok-1", 0, 30_000);
        steps.extend(rejected_call("busy-1", 100, ep("10.0.0.3:5060"), 486, &[]));
        steps.extend(rejected_call(
            "fail-1",
            200,
            ep("10.0.0.4:5060"),
            503,
            &["Retry-After: 60"],
        ));
        steps.sort_by_key(|s| s.ms);
        analyze(&steps)
    }

    fn ids<'a>(t: &'a Triage, q: &str) -> Vec<&'a str> {
        let (q, e) = Query::parse(q);
        assert!(e.is_empty(), "{e:?}");
        let ix = TextIndex::new(t, crate::kb::Kb::embedded());
        let mut set = CallSet::none(t.calls.len());
        for i in 0..t.calls.len() {
            set.insert(i);
        }
        for w in &q.words {
            set.and(&ix.find(w));
        }
        t.calls
            .iter()
            .enumerate()
            .filter(|(i, c)| set.contains(*i) && q.matches_terms(t, c))
            .map(|(_, c)| c.call_id.as_str())
            .collect()
    }

    #[test]
    fn queries_select_calls() {
        let t = trace();
        assert_eq!(ids(&t, ""), vec!["ok-1", "busy-1", "fail-1"]);
        assert_eq!(ids(&t, "code:5xx"), vec!["fail-1"]);
        assert_eq!(ids(&t, "code:486 code:503"), vec!["busy-1", "fail-1"]);
        assert_eq!(ids(&t, "peer:10.0.0.3"), vec!["busy-1"]);
        assert_eq!(ids(&t, "finding:overload"), vec!["fail-1"]);
        assert_eq!(ids(&t, "finding:over method:invite"), vec!["fail-1"]);
        assert_eq!(ids(&t, "method:REGISTER"), Vec::<&str>::new());
        assert_eq!(ids(&t, "outcome:user"), vec!["busy-1"]);
        // Free words: the Call-ID, the reason phrase, an address, any case.
        assert_eq!(ids(&t, "BUSY"), vec!["busy-1"]);
        assert_eq!(ids(&t, "service unavailable"), vec!["fail-1"]);
        assert_eq!(ids(&t, "10.0.0.4:5060"), vec!["fail-1"]);
        assert_eq!(ids(&t, "1 code:4xx"), vec!["busy-1"]);
        assert_eq!(ids(&t, "alice@example.com").len(), 3);
        assert_eq!(ids(&t, "nothing-like-this"), Vec::<&str>::new());
        // call: a Call-ID or its beginning, as sent (a free word finds the
        // Call-IDs that contain it anywhere).
        assert_eq!(ids(&t, "call:busy-1"), vec!["busy-1"]);
        assert_eq!(ids(&t, "call:fail"), vec!["fail-1"]);
        assert_eq!(ids(&t, "call:ail-1"), Vec::<&str>::new());
        assert_eq!(ids(&t, "call:FAIL"), Vec::<&str>::new());
        assert_eq!(ids(&t, "ail-1"), vec!["fail-1"]);
        assert!(!Query::parse("call:").1.is_empty());
    }

    #[test]
    fn a_word_is_found_in_the_calls_that_hold_it_however_many() {
        use crate::trace::testkit::*;
        let mut a = crate::trace::model::Analyzer::new(crate::trace::model::Options::default());
        feed(&mut a, &busy_trunk(200));
        let t = a.finish(
            vec![crate::trace::SourceInfo::default()],
            crate::kb::Kb::embedded(),
        );
        let ix = TextIndex::new(&t, crate::kb::Kb::embedded());
        // Each call's text on its own, searched the slow way.
        let texts: Vec<&[u8]> = ix
            .starts
            .windows(2)
            .map(|w| &ix.text[w[0] as usize..w[1] as usize])
            .collect();
        assert_eq!(texts.len(), 200);
        // In every call (several times), in a quarter, in one, at the very
        // end of the text, in none.
        for word in ["b", "e", "busy", "10.0.0.3", "199-bench", "failure", "zzz"] {
            let set = ix.find(word);
            let want: Vec<usize> = (0..texts.len())
                .filter(|&i| memchr::memmem::find(texts[i], word.as_bytes()).is_some())
                .collect();
            let got: Vec<usize> = (0..texts.len()).filter(|&i| set.contains(i)).collect();
            assert_eq!(got, want, "{word}");
            assert_eq!(set.len(), want.len(), "{word}");
            assert_eq!(set.iter().collect::<Vec<_>>(), want, "{word}");
            // Within the calls of a beginning of the word, or of another
            // word: the same as both searches together.
            for other in [&word[..1], "busy", "1"] {
                let among = ix.find(other);
                let mut both = ix.find(word);
                both.and(&among);
                assert_eq!(ix.find_among(word, &among), both, "{word} among {other}");
            }
        }
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
        // In brackets without a port, as a SIP URI writes it.
        let v6 = PeerFilter::parse("[2001:db8::1]").unwrap();
        assert_eq!(v6.ip, "2001:db8::1".parse::<IpAddr>().unwrap());
        assert_eq!(v6.port, None);
        assert!(PeerFilter::parse("[10.0.0.1]").is_err());
        assert!(PeerFilter::parse("10.0.0.1:0").is_err());
        assert!(PeerFilter::parse("[2001:db8::1").is_err());
        assert!(PeerFilter::parse("host.example").is_err());
    }
}
