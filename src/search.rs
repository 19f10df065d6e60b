//! Search over the knowledge base (and the user's notes): SIP codes, and
//! the Q.850 causes with the SIP codes they map to.
//!
//! A query is read as words (`register`, `501 update`, `cause 34`).
//!
//! * **Numbers.** A query of digits alone (`486`, `48`) lists that code,
//!   then the codes that start with it, then those that contain it. A word
//!   that is a listed code inside a longer query (`501 update`) puts that
//!   code first; the other words are searched as text below it.
//! * **Q.850.** `q850`, `q.850` or `cause` before a number or words makes a
//!   cause query (`cause 34`, `q850 17`, `Q.850 busy`): the matching causes
//!   come first, then the SIP codes RFC 3398 maps them to and from. `Q.850`
//!   alone lists every cause. A plain query that is a cause's name (`no
//!   user responding`, `user busy`) finds it the same way; a query that
//!   merely appears in cause names (`busy`) lists those causes after the
//!   codes.
//! * **Text.** Each field of an entry is matched in tiers, best first: the
//!   query equals the field (a keyword `register`, the reason phrase `busy
//!   here`); every query word is a word of the field; every query word
//!   starts one; every query word shares a long stem with one
//!   (`register` ~ `registration`); and, in the reason phrase and the
//!   keywords only, a compact fuzzy match, where each matched letter
//!   follows the previous one or starts a word (`nah` ~ `Not Acceptable
//!   Here`, but `codec` never ~ `could not resolve`). The reason phrase
//!   weighs most, then keywords, then the summary and the user's note.
//! * **Ties** go to registered codes before unregistered ones, then to the
//!   lower code.
//! * **Your notes on codes without an entry** (`sipfix notes 499 --add`):
//!   such a code is listed as itself (its detail is its class's entry, as
//!   a client reads it, RFC 3261 §8.1.3.2): with the empty query, for its
//!   number, and for words of its note (only the note is matched: the
//!   class entry's own fields find the class entry).

use crate::kb::{Cause, CodeEntry, Kb};
use fuzzy_matcher::FuzzyMatcher;
use fuzzy_matcher::skim::SkimMatcherV2;
use serde::Serialize;
use std::collections::BTreeMap;

/// Which field of an entry matched best.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Field {
    Code,
    Reason,
    Keyword,
    Summary,
    Note,
    /// A Q.850 cause the query named maps to (or from) this code.
    Cause,
}

/// One search result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    pub code: u16,
    pub score: i64,
    pub field: Field,
    /// Char indices of the matched characters in the reason phrase (for
    /// highlighting in a result list); empty when another field matched.
    pub reason_indices: Vec<usize>,
    /// Char indices of the match in the code's three digits.
    pub code_indices: Vec<usize>,
    /// The text that matched when it is not the code or reason (keyword,
    /// summary, note or Q.850 cause), for display as context.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
}

/// A Q.850 cause that matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CauseHit {
    pub cause: u8,
    pub score: i64,
    /// True when the query asked for causes (`cause 34`, `Q.850`) or is a
    /// cause's name: list it before the codes. False: it only shares words
    /// with the query: list it after them.
    pub lead: bool,
    /// Char indices of the matched characters in the cause's name.
    pub name_indices: Vec<usize>,
}

/// Everything a query found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Results {
    pub causes: Vec<CauseHit>,
    pub codes: Vec<Hit>,
    /// When the query as typed found nothing and a looser one was searched
    /// (see [`Searcher::search_all`]): what was searched, to tell the user.
    pub relaxed: Option<Relaxed>,
}

/// The looser query searched when the one typed found nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relaxed {
    /// Its words, lower case, joined by spaces.
    pub query: String,
    /// A negation (`not`, `no`, `without`) was left out: only text that
    /// itself says something is missing (a keyword, summary or note with
    /// a negation) was matched, never a reason phrase.
    pub negation_dropped: bool,
}

impl std::fmt::Display for Relaxed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "'{}'", self.query)?;
        if self.negation_dropped {
            f.write_str(" in texts that say what is missing")?;
        }
        Ok(())
    }
}

/// Minimum fuzzy score per query character for a fuzzy match to count.
pub const MIN_SCORE_PER_CHAR: i64 = 18;

/// Field weights: within one tier, a better field wins.
const W_REASON: i64 = 4;
const W_KEYWORD: i64 = 3;
const W_SUMMARY: i64 = 2;
const W_NOTE: i64 = 2;

/// Match tiers; any match of a tier ranks above every match of the tiers below.
const TIER: i64 = 1_000_000;
const T_FUZZY: i64 = TIER;
const T_STEM: i64 = 3 * TIER;
const T_PREFIX: i64 = 4 * TIER;
const T_WORDS: i64 = 5 * TIER;
const T_EXACT: i64 = 6 * TIER;
/// Codes a cause named in the query maps to (and from).
const T_CAUSE_SIP: i64 = 8 * TIER;
/// A code number written in a longer query.
const T_CODE: i64 = 9 * TIER;
/// Within a tier: the field weight, then the fuzzy score.
const FIELD_STEP: i64 = 10_000;

/// A reusable matcher (construction allocates; keep one per session).
pub struct Searcher {
    matcher: SkimMatcherV2,
}

impl Default for Searcher {
    fn default() -> Self {
        Self::new()
    }
}

/// A bit for each ASCII letter (any case) and digit in `text`: a field can
/// only match a query whose bits are all in the field's. It spares the
/// matchers most fields on every keystroke.
fn mask(text: &str) -> u64 {
    text.bytes().fold(0, |m, b| match b.to_ascii_lowercase() {
        c @ b'a'..=b'z' => m | 1 << (c - b'a'),
        c @ b'0'..=b'9' => m | 1 << (26 + c - b'0'),
        _ => m,
    })
}

/// The words of `text` (runs of letters and digits) with the char index
/// each starts at; nothing is allocated.
#[derive(Clone)]
struct Words<'a> {
    rest: std::str::CharIndices<'a>,
    text: &'a str,
    /// Chars consumed so far.
    n: usize,
}

fn words(text: &str) -> Words<'_> {
    Words {
        rest: text.char_indices(),
        text,
        n: 0,
    }
}

impl<'a> Iterator for Words<'a> {
    type Item = (usize, &'a str);

    fn next(&mut self) -> Option<(usize, &'a str)> {
        let (start_byte, start_char) = loop {
            let (b, c) = self.rest.next()?;
            self.n += 1;
            if c.is_alphanumeric() {
                break (b, self.n - 1);
            }
        };
        let mut end = self.text.len();
        for (b, c) in self.rest.by_ref() {
            self.n += 1;
            if !c.is_alphanumeric() {
                end = b;
                break;
            }
        }
        Some((start_char, &self.text[start_byte..end]))
    }
}

/// Words a symptom typed as a sentence carries around its terms (`the
/// callee is busy`): left out when the whole query finds nothing. Never a
/// negation ([`NEGATIONS`]): `not answered` without `not` is the opposite.
const SMALL_WORDS: &[&str] = &[
    "a", "after", "an", "and", "are", "at", "be", "been", "before", "but", "by", "can", "could",
    "did", "does", "for", "from", "get", "gets", "got", "has", "have", "in", "is", "it", "of",
    "on", "or", "the", "then", "to", "was", "were", "when", "with",
];

/// Words that turn a symptom into its opposite (`not answered`, `no
/// ringback`, `without audio`; `t` is the end of `don't`, `isn't`).
const NEGATIONS: &[&str] = &[
    "cannot", "cant", "didnt", "doesnt", "dont", "isnt", "never", "no", "none", "not", "nothing",
    "t", "wasnt", "without", "wont",
];

fn is_negation(w: &str) -> bool {
    NEGATIONS.contains(&w)
}

/// Whether `text` has a negation word: in a negated query loosened by
/// leaving its negation out, only such a field may match.
fn says_missing(text: &str) -> bool {
    words(text).any(|(_, w)| is_negation(&w.to_lowercase()))
}

/// A query that found nothing, made looser, or `None` when it cannot be.
/// In turn: its small words left out ([`SMALL_WORDS`], when a word is
/// left); else each word of four letters or more that no reason phrase or
/// keyword holds replaced by the most plausible one that does at one
/// typing slip ([`best_correction`]: `buzy` -> `busy`, `codek` ->
/// `codec`); else its negations left out, with `negated` set: the caller
/// then matches only text that states an absence itself. Each step
/// removes or corrects words, so repeating it ends.
fn relax(kb: &Kb, words: &[String]) -> Option<(String, bool)> {
    let kept: Vec<&str> = words
        .iter()
        .map(String::as_str)
        .filter(|w| !SMALL_WORDS.contains(w))
        .collect();
    if !kept.is_empty() && kept.len() < words.len() {
        return Some((kept.join(" "), false));
    }
    let mut uses: BTreeMap<String, usize> = BTreeMap::new();
    for e in kb.codes() {
        let mut mine: Vec<String> = lower_words(&e.reason)
            .into_iter()
            .chain(e.keywords.iter().flat_map(|k| lower_words(k)))
            .filter(|w| w.chars().count() >= 4)
            .collect();
        mine.sort_unstable();
        mine.dedup();
        for w in mine {
            *uses.entry(w).or_default() += 1;
        }
    }
    let mut changed = false;
    let fixed: Vec<String> = words
        .iter()
        .map(|w| {
            if w.chars().count() < 4 || is_negation(w) || uses.contains_key(w) {
                return w.clone();
            }
            match best_correction(w, &uses) {
                Some(v) => {
                    changed = true;
                    v.to_string()
                }
                None => w.clone(),
            }
        })
        .collect();
    if changed {
        return Some((fixed.join(" "), false));
    }
    let rest: Vec<&str> = words
        .iter()
        .map(String::as_str)
        .filter(|w| !is_negation(w))
        .collect();
    (!rest.is_empty() && rest.len() < words.len()).then(|| (rest.join(" "), true))
}

/// The word of `uses` (word -> how many entries use it in their reason
/// phrase or keywords) one typing slip from `w` that is most likely meant:
/// a letter changed or two swapped (the word keeps its length) before a
/// letter added or left out; then the word more entries use; then the
/// first in order.
fn best_correction<'a>(w: &str, uses: &'a BTreeMap<String, usize>) -> Option<&'a str> {
    let len = w.chars().count();
    uses.iter()
        .filter(|(v, _)| one_slip(w, v))
        .max_by(|(va, na), (vb, nb)| {
            let same = |v: &str| v.chars().count() == len;
            same(va)
                .cmp(&same(vb))
                .then(na.cmp(nb))
                // `max_by` keeps the last of equals: prefer the first word.
                .then(vb.cmp(va))
        })
        .map(|(v, _)| v.as_str())
}

/// Whether `a` and `b` differ by one typing slip: one letter changed,
/// added or left out, or two neighbours swapped.
fn one_slip(a: &str, b: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if a == b {
        return false;
    }
    let pre = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let (ra, rb) = (&a[pre..], &b[pre..]);
    match ra.len() as isize - rb.len() as isize {
        0 => {
            ra[1..] == rb[1..]
                || (ra.len() >= 2 && ra[0] == rb[1] && ra[1] == rb[0] && ra[2..] == rb[2..])
        }
        1 => ra[1..] == *rb,
        -1 => *ra == rb[1..],
        _ => false,
    }
}

fn lower_words(text: &str) -> Vec<String> {
    words(text).map(|(_, w)| w.to_lowercase()).collect()
}

/// The chars of a field word, lower case.
fn lower(w: &str) -> impl Iterator<Item = char> + '_ {
    w.chars().flat_map(char::to_lowercase)
}

/// Length in chars of the common prefix of a query word and a field word.
fn common_prefix(q: &str, w: &str) -> usize {
    q.chars().zip(lower(w)).take_while(|(x, y)| x == y).count()
}

/// How query word `q` (lower case) relates to field word `w`: a tier and
/// the number of chars matched.
fn relation(q: &str, w: &str) -> Option<(i64, usize)> {
    let qn = q.chars().count();
    let cp = common_prefix(q, w);
    if cp == qn {
        if lower(w).count() == qn {
            Some((T_WORDS, qn))
        } else {
            Some((T_PREFIX, qn))
        }
    } else if cp >= 5 && cp + 2 >= qn {
        // Forms of one word (`register`, `registration`, `registrar`): a
        // common stem of five letters or more that leaves at most two
        // letters of the query word over (so `transfer` is not `transaction`).
        Some((T_STEM, cp))
    } else {
        None
    }
}

/// How the query words match the words of `text`: the tier (see the
/// module docs), or None.
fn word_tier(text: &str, qwords: &[String]) -> Option<i64> {
    if qwords.is_empty() {
        return None;
    }
    let mut fw = words(text);
    let exact = qwords.iter().all(|q| {
        fw.next()
            .is_some_and(|(_, w)| relation(q, w).is_some_and(|(t, _)| t == T_WORDS))
    }) && fw.next().is_none();
    if exact {
        return Some(T_EXACT);
    }
    let mut tier = T_WORDS;
    for q in qwords {
        let best = words(text)
            .filter_map(|(_, w)| relation(q, w).map(|(t, _)| t))
            .max()?;
        tier = tier.min(best);
    }
    Some(tier)
}

/// The char indices of the letters the query words matched in `text`, for
/// highlighting (each query word at its best field word).
fn word_indices(text: &str, qwords: &[String]) -> Vec<usize> {
    let mut idx = Vec::new();
    for q in qwords {
        let best = words(text)
            .filter_map(|(at, w)| relation(q, w).map(|(t, n)| (t, at, n)))
            .max_by_key(|(t, at, _)| (*t, std::cmp::Reverse(*at)));
        if let Some((_, at, n)) = best {
            idx.extend(at..at + n);
        }
    }
    idx.sort_unstable();
    idx.dedup();
    idx
}

/// True when every matched char follows the one before it or starts a
/// word: an abbreviation or a run of letters, not letters picked from
/// all over the text.
fn compact(text: &str, idx: &[usize]) -> bool {
    let starts: Vec<usize> = words(text).map(|(at, _)| at).collect();
    idx.windows(2)
        .all(|p| p[1] == p[0] + 1 || starts.binary_search(&p[1]).is_ok())
}

/// A query, read.
#[derive(Debug, Default)]
struct Query {
    /// The query's text words (numbers that were read as codes, and the
    /// cause marker, taken out).
    words: Vec<String>,
    /// The text of those words joined by spaces, for the fuzzy matcher.
    text: String,
    /// Listed codes written in the query.
    codes: Vec<u16>,
    /// Asked for Q.850 causes (`cause`, `q850`, `q.850`).
    cause_marker: bool,
    /// Numbers written after the cause marker (or alone with it).
    numbers: Vec<u16>,
    /// A negation was left out of the query (see [`relax`]): only text
    /// that says something is missing may match, never a reason phrase.
    negated: bool,
}

fn parse_query(kb: &Kb, q: &str) -> Query {
    let all: Vec<String> = lower_words(q);
    let mut out = Query::default();
    let mut i = 0;
    while i < all.len() {
        let w = all[i].as_str();
        let next = all.get(i + 1).map(String::as_str);
        if w == "q850" || w == "cause" || w == "causes" {
            out.cause_marker = true;
        } else if w == "q" && next == Some("850") {
            out.cause_marker = true;
            i += 1;
        } else if w.bytes().all(|b| b.is_ascii_digit()) && w.len() <= 3 {
            let n: u16 = w.parse().unwrap_or(0);
            if w.len() == 3 && kb.get(n).is_some() {
                out.codes.push(n);
            } else {
                out.numbers.push(n);
                out.words.push(w.to_string());
            }
        } else {
            out.words.push(w.to_string());
        }
        i += 1;
    }
    if out.cause_marker {
        // After `cause`, a number is a cause value, even a code-like one.
        out.numbers.append(&mut out.codes);
        out.words
            .retain(|w| !w.bytes().all(|b| b.is_ascii_digit()) || w.len() > 3);
    }
    out.text = out.words.join(" ");
    out
}

impl Searcher {
    pub fn new() -> Self {
        Searcher {
            matcher: SkimMatcherV2::default().ignore_case(),
        }
    }

    /// The codes that match `query` in `kb` (and `notes`, code -> note
    /// text), best first. An empty query returns every code in order, with
    /// score 0. See [`Searcher::search_all`] for the causes too.
    pub fn search(&self, kb: &Kb, notes: &BTreeMap<u16, String>, query: &str) -> Vec<Hit> {
        self.search_all(kb, notes, query).codes
    }

    /// Codes and Q.850 causes that match `query`, each best first. A query
    /// that finds nothing is loosened step by step (see [`relax`]) and
    /// the looser query's results are returned, with it in
    /// [`Results::relaxed`].
    pub fn search_all(&self, kb: &Kb, notes: &BTreeMap<u16, String>, query: &str) -> Results {
        let mut r = self.search_as(kb, notes, query, false);
        let mut negated = false;
        let mut words = parse_query(kb, query.trim()).words;
        while r.codes.is_empty() && r.causes.is_empty() && !query.trim().is_empty() {
            let Some((looser, dropped)) = relax(kb, &words) else {
                break;
            };
            negated |= dropped;
            r = self.search_as(kb, notes, &looser, negated);
            words = parse_query(kb, &looser).words;
            r.relaxed = Some(Relaxed {
                query: looser,
                negation_dropped: negated,
            });
        }
        if r.codes.is_empty() && r.causes.is_empty() {
            r.relaxed = None;
        }
        r
    }

    /// One search of `query`; `negated`: see [`Query::negated`].
    fn search_as(
        &self,
        kb: &Kb,
        notes: &BTreeMap<u16, String>,
        query: &str,
        negated: bool,
    ) -> Results {
        let q = query.trim();
        if q.is_empty() {
            let mut codes: Vec<Hit> = kb
                .codes()
                .map(|e| plain_hit(e.code, 0, Field::Code))
                .chain(noted_unregistered(kb, notes).map(|(c, _, _)| plain_hit(c, 0, Field::Code)))
                .collect();
            codes.sort_by_key(|h| h.code);
            return Results {
                codes,
                ..Results::default()
            };
        }
        if q.bytes().all(|b| b.is_ascii_digit()) {
            return Results {
                codes: self.numeric(kb, notes, q),
                ..Results::default()
            };
        }
        let mut query = parse_query(kb, q);
        query.negated = negated;
        let causes = self.causes(kb, &query);
        let mut codes: BTreeMap<u16, Hit> = BTreeMap::new();
        let mut keep = |h: Hit| {
            let better = codes.get(&h.code).is_none_or(|o| h.score > o.score);
            if better {
                codes.insert(h.code, h);
            }
        };
        for (rank, &c) in query.codes.iter().enumerate() {
            let mut h = plain_hit(c, T_CODE - rank as i64, Field::Code);
            h.code_indices = vec![0, 1, 2];
            if let Some(t) = kb
                .get(c)
                .and_then(|e| self.text_hit(e, notes.get(&c), &query))
            {
                h.score += t.score / TIER;
                h.reason_indices = t.reason_indices;
            }
            keep(h);
        }
        // The codes of the causes the query is about.
        let specific: Vec<&CauseHit> = causes.iter().filter(|c| c.lead).collect();
        if !specific.is_empty() && specific.len() <= 3 {
            for (rank, ch) in specific.iter().enumerate() {
                if let Some(c) = kb.cause(ch.cause) {
                    for h in cause_codes(kb, c, rank) {
                        keep(h);
                    }
                }
            }
        }
        if !query.words.is_empty() {
            for e in kb.codes() {
                if let Some(h) = self.text_hit(e, notes.get(&e.code), &query) {
                    keep(h);
                }
            }
            for (c, _, note) in noted_unregistered(kb, notes) {
                if let Some(mut h) = self.note_hit(note, &query) {
                    h.code = c;
                    keep(h);
                }
            }
        }
        let mut codes: Vec<Hit> = codes.into_values().collect();
        codes.sort_by(|a, b| {
            b.score
                .cmp(&a.score)
                .then_with(|| registered(kb, b.code).cmp(&registered(kb, a.code)))
                .then(a.code.cmp(&b.code))
        });
        Results {
            causes,
            codes,
            relaxed: None,
        }
    }

    fn numeric(&self, kb: &Kb, notes: &BTreeMap<u16, String>, q: &str) -> Vec<Hit> {
        let mut hits = Vec::new();
        let listed = kb
            .codes()
            .map(|e| e.code)
            .chain(noted_unregistered(kb, notes).map(|(c, _, _)| c))
            .collect::<std::collections::BTreeSet<u16>>();
        for code in listed {
            let digits = code.to_string();
            let (score, start) = if digits == q {
                (3000, Some(0))
            } else if digits.starts_with(q) {
                (2000, Some(0))
            } else if let Some(pos) = digits.find(q) {
                (1000, Some(pos))
            } else {
                (0, None)
            };
            if let Some(start) = start {
                let mut h = plain_hit(code, score, Field::Code);
                h.code_indices = (start..start + q.len()).collect();
                hits.push(h);
            }
        }
        // A code with no entry (599): its class's entry, as a client reads
        // it (RFC 3261 §8.1.3.2), first unless the code itself is listed.
        if q.len() == 3
            && let Ok(n) = q.parse::<u16>()
            && let Ok(l) = kb.lookup(n)
            && l.fallback
            && !hits
                .iter()
                .any(|h| h.code == l.entry.code && h.score >= 2500)
        {
            hits.retain(|h| h.code != l.entry.code);
            hits.push(plain_hit(l.entry.code, 2500, Field::Code));
        }
        hits.sort_by(|a, b| b.score.cmp(&a.score).then(a.code.cmp(&b.code)));
        hits
    }

    /// The causes the query asks for or names, best first.
    fn causes(&self, kb: &Kb, q: &Query) -> Vec<CauseHit> {
        let mut out: Vec<CauseHit> = Vec::new();
        let text_words: Vec<String> = q
            .words
            .iter()
            .filter(|w| !w.bytes().all(|b| b.is_ascii_digit()))
            .cloned()
            .collect();
        for c in kb.causes.values() {
            if q.negated && !says_missing(&c.name) {
                continue;
            }
            let by_name =
                word_tier(&c.name, &text_words).map(|t| (t, word_indices(&c.name, &text_words)));
            let hit = if q.cause_marker {
                let number_ok = q.numbers.is_empty() || q.numbers.contains(&u16::from(c.cause));
                let text_ok = text_words.is_empty() || by_name.is_some();
                (number_ok && text_ok).then(|| {
                    let (t, idx) = by_name.clone().unwrap_or((T_EXACT, Vec::new()));
                    let exact_number = if q.numbers.is_empty() { 0 } else { TIER };
                    (t + exact_number, idx, true)
                })
            } else {
                by_name.filter(|(t, _)| *t >= T_PREFIX).map(|(t, idx)| {
                    // The query is the cause's name, or two or more of its
                    // words exactly: the user asks for that cause.
                    let lead = t == T_EXACT || (t >= T_WORDS && text_words.len() >= 2);
                    (t, idx, lead)
                })
            };
            if let Some((score, name_indices, lead)) = hit {
                out.push(CauseHit {
                    cause: c.cause,
                    score,
                    lead,
                    name_indices,
                });
            }
        }
        out.sort_by(|a, b| b.score.cmp(&a.score).then(a.cause.cmp(&b.cause)));
        out
    }

    /// The best text match of the query in one entry, if any.
    fn text_hit(&self, e: &CodeEntry, note: Option<&String>, q: &Query) -> Option<Hit> {
        self.fields_hit(Some(e), note, q)
    }

    /// A match in `note` alone (the note of a code without an entry of its
    /// own), as a hit of code 0 for the caller to renumber.
    fn note_hit(&self, note: &String, q: &Query) -> Option<Hit> {
        self.fields_hit(None, Some(note), q)
    }

    /// The best match in the fields of `e` (if any) and `note`.
    fn fields_hit(&self, e: Option<&CodeEntry>, note: Option<&String>, q: &Query) -> Option<Hit> {
        if q.words.is_empty() {
            return None;
        }
        let qmask = mask(&q.text);
        // (text, weight, field, context, fuzzy allowed)
        let fields = e
            .map(|e| (e.reason.as_str(), W_REASON, Field::Reason, None, true))
            .into_iter()
            .chain(e.into_iter().flat_map(|e| e.keywords.iter()).map(|k| {
                (
                    k.as_str(),
                    W_KEYWORD,
                    Field::Keyword,
                    Some(k.as_str()),
                    true,
                )
            }))
            .chain(e.map(|e| {
                (
                    e.summary.as_str(),
                    W_SUMMARY,
                    Field::Summary,
                    Some(e.summary.as_str()),
                    false,
                )
            }))
            .chain(
                note.into_iter()
                    .flat_map(|n| n.lines())
                    .map(|l| (l, W_NOTE, Field::Note, Some(l), false)),
            );
        let qlen = q.text.chars().filter(|c| !c.is_whitespace()).count();
        let min = MIN_SCORE_PER_CHAR * qlen as i64;
        let mut best: Option<Best> = None;
        for (text, weight, field, ctx, fuzzy) in fields {
            // A query whose negation was left out: only symptom text that
            // states an absence itself (`no notify`), never a reason phrase
            // (`not ok` is not `OK`).
            if q.negated && (field == Field::Reason || !says_missing(text)) {
                continue;
            }
            // Every tier needs the query's letters (a stem needs most of
            // them): a field lacking one of them cannot match.
            let fmask = mask(text);
            let all_letters = qmask & !fmask == 0;
            if !all_letters && !stem_possible(fmask, &q.words) {
                continue;
            }
            // Within a tier a field can only beat the best with a higher weight.
            let scored = match word_tier(text, &q.words) {
                Some(tier) => Some((tier + weight * FIELD_STEP, None)),
                // Fuzzy: abbreviations of three letters or more, in the
                // reason and the keywords, and only if nothing better is known.
                None if fuzzy
                    && all_letters
                    && qlen >= 3
                    && best.as_ref().is_none_or(|b| b.0 < T_STEM) =>
                {
                    self.matcher
                        .fuzzy_match(text, &q.text)
                        .filter(|raw| *raw >= min)
                        .and_then(|_| self.matcher.fuzzy_indices(text, &q.text))
                        .filter(|(_, idx)| compact(text, idx))
                        .map(|(raw, idx)| {
                            (
                                T_FUZZY + weight * FIELD_STEP + raw.min(FIELD_STEP - 1),
                                Some(idx),
                            )
                        })
                }
                None => None,
            };
            if let Some((score, idx)) = scored
                && best.as_ref().is_none_or(|b| score > b.0)
            {
                best = Some((score, field, ctx, idx));
            }
        }
        let (score, field, ctx, idx) = best?;
        let mut h = plain_hit(e.map_or(0, |e| e.code), score, field);
        if let Some(e) = e
            && field == Field::Reason
        {
            h.reason_indices = idx.unwrap_or_else(|| word_indices(&e.reason, &q.words));
        }
        h.context = ctx.map(str::to_string);
        Some(h)
    }
}

/// The best field of an entry so far: score, field, context, and the
/// fuzzy match's indices (a word match's are computed at the end).
type Best<'a> = (i64, Field, Option<&'a str>, Option<Vec<usize>>);

/// A stem match needs only the first five letters of each query word: the
/// letter mask of the whole query cannot rule it out when a later letter
/// is missing.
fn stem_possible(field_mask: u64, words: &[String]) -> bool {
    words.iter().all(|w| {
        let head: String = w.chars().take(5).collect();
        w.chars().count() >= 5 && mask(&head) & !field_mask == 0
    })
}

fn plain_hit(code: u16, score: i64, field: Field) -> Hit {
    Hit {
        code,
        score,
        field,
        reason_indices: Vec::new(),
        code_indices: Vec::new(),
        context: None,
    }
}

/// How many codes the empty query lists: every entry, and the codes with
/// a note that have no entry of their own (see [`noted_unregistered`]);
/// what a count of the codes shown is out of.
pub fn listed_total(kb: &Kb, notes: &BTreeMap<u16, String>) -> usize {
    kb.codes().count() + noted_unregistered(kb, notes).count()
}

/// The codes with a note that have no entry of their own but a class entry
/// that stands for them (499: 400), as (code, class entry, note).
fn noted_unregistered<'a>(
    kb: &'a Kb,
    notes: &'a BTreeMap<u16, String>,
) -> impl Iterator<Item = (u16, u16, &'a String)> + 'a {
    notes.iter().filter_map(|(&c, n)| {
        if kb.get(c).is_some() || n.is_empty() {
            return None;
        }
        kb.lookup(c).ok().map(|l| (c, l.entry.code, n))
    })
}

fn registered(kb: &Kb, code: u16) -> bool {
    kb.get(code).is_some_and(|e| e.registered)
}

/// The SIP codes RFC 3398 maps cause `c` to (§7.2.4.1), then the codes it
/// maps to `c` (§8.2.6.1); `rank` orders the causes of one query.
fn cause_codes(kb: &Kb, c: &Cause, rank: usize) -> Vec<Hit> {
    let base = T_CAUSE_SIP - (rank as i64) * 1000;
    let mut out = Vec::new();
    let (to_sip, default) = kb.sip_for_cause(c);
    for (i, &s) in to_sip.iter().enumerate() {
        let mut h = plain_hit(s, base - i as i64, Field::Cause);
        h.context = Some(format!(
            "Q.850 cause {} {} -> SIP {s}{} (RFC 3398 §7.2.4.1)",
            c.cause,
            c.name,
            if default { " by default" } else { "" }
        ));
        out.push(h);
    }
    for (&s, row) in &kb.sip_to_cause {
        if row.cause == Some(c.cause) && !row.default {
            let mut h = plain_hit(s, base - 100, Field::Cause);
            h.context = Some(format!(
                "SIP {s} -> Q.850 cause {} {} (RFC 3398 §8.2.6.1)",
                c.cause, c.name
            ));
            out.push(h);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(hits: &[Hit]) -> Vec<u16> {
        hits.iter().map(|h| h.code).collect()
    }

    fn find(q: &str) -> Results {
        Searcher::new().search_all(Kb::embedded(), &BTreeMap::new(), q)
    }

    fn first_codes(q: &str, n: usize) -> Vec<u16> {
        let mut c = codes(&find(q).codes);
        c.truncate(n);
        c
    }

    #[test]
    fn exact_number_ranks_first_then_prefix() {
        let kb = Kb::embedded();
        let s = Searcher::new();
        let none = BTreeMap::new();
        let hits = s.search(kb, &none, "486");
        assert_eq!(hits[0].code, 486);
        let hits = s.search(kb, &none, "48");
        let c = codes(&hits);
        assert!(
            c.starts_with(&[480, 481, 482, 483, 484, 485, 486, 487, 488, 489]),
            "{c:?}"
        );
    }

    /// A symptom typed as a sentence, or with a typing slip, still finds
    /// its codes: the small words left out, the slip corrected, and only
    /// when the query as typed finds nothing.
    #[test]
    fn a_sentence_or_a_slip_still_finds_its_codes() {
        assert!(
            find("no NOTIFY after REFER")
                .codes
                .iter()
                .any(|h| h.code == 202)
        );
        assert_eq!(first_codes("buzy", 1), [486]);
        assert_eq!(first_codes("the callee is busy", 1), [486]);
        assert!(find("zzzz qqqq").codes.is_empty());
        // A query that finds something as typed is not loosened.
        assert_eq!(first_codes("busy", 1), [486]);
        assert!(one_slip("buzy", "busy"));
        assert!(one_slip("bsuy", "busy"));
        assert!(one_slip("bus", "busy"));
        assert!(one_slip("busyy", "busy"));
        assert!(!one_slip("busy", "busy"));
        assert!(!one_slip("bzzy", "busy"));
    }

    /// A negated query is never loosened into its opposite: the negation
    /// is not a small word to leave out, and a query that only matches
    /// once it is dropped matches only text that states an absence too,
    /// never a reason phrase.
    #[test]
    fn a_negation_is_never_dropped_into_the_opposite() {
        for q in [
            "the call was not answered",
            "not ok",
            "no ok",
            "call without answer",
        ] {
            let c = codes(&find(q).codes);
            assert!(!c.contains(&200), "{q}: {c:?}");
        }
        // The symptom of the README still finds 202: its keywords and
        // summary speak of the NOTIFY that follows a REFER.
        assert_eq!(first_codes("no NOTIFY after REFER", 1), [202]);
    }

    /// A slip is corrected to the most plausible word: a letter changed or
    /// two swapped before one added or left out, then the word more
    /// entries use.
    #[test]
    fn a_slip_is_corrected_to_the_most_plausible_word() {
        for q in ["codek", "codex"] {
            let c = codes(&find(q).codes);
            assert_eq!(c.first(), Some(&488), "{q}: {c:?}");
            assert!(c.contains(&606), "{q}: {c:?}");
            for boilerplate in [409, 411, 473] {
                assert!(!c.contains(&boilerplate), "{q}: {c:?}");
            }
        }
        assert_eq!(first_codes("buzy", 1), [486]);
    }

    /// A loosened query says what was searched; a query found as typed
    /// does not.
    #[test]
    fn a_loosened_query_is_reported() {
        assert_eq!(find("codek").relaxed.map(|r| r.query), Some("codec".into()));
        assert_eq!(find("buzy").relaxed.map(|r| r.query), Some("busy".into()));
        // The negation stays: "call not answered" finds 480.
        let r = find("the call was not answered");
        let relaxed = r.relaxed.unwrap();
        assert_eq!(relaxed.query, "call not answered");
        assert!(!relaxed.negation_dropped);
        assert_eq!(codes(&r.codes).first(), Some(&480));
        let r = find("no NOTIFY after REFER").relaxed.unwrap();
        assert_eq!(r.query, "no notify refer");
        assert!(!r.negation_dropped);
        assert_eq!(find("busy").relaxed, None);
        assert_eq!(find("486").relaxed, None);
        assert_eq!(find("zzzz qqqq").relaxed, None);
        assert!(!SMALL_WORDS.iter().any(|w| NEGATIONS.contains(w)));
    }

    /// A code with no entry finds its class's entry first (599: 500); a
    /// registered code is still itself (580), never its class.
    #[test]
    fn an_unregistered_number_finds_its_class() {
        assert_eq!(first_codes("599", 1), [500]);
        assert_eq!(first_codes("499", 1), [400]);
        assert_eq!(first_codes("399", 1), [300]);
        assert_eq!(first_codes("580", 1), [580]);
        assert!(find("799").codes.is_empty());
        assert!(find("099").codes.iter().all(|h| h.code != 0));
    }

    #[test]
    fn empty_query_lists_everything_in_order() {
        let kb = Kb::embedded();
        let hits = Searcher::new().search(kb, &BTreeMap::new(), "  ");
        assert_eq!(hits.len(), kb.len());
        assert!(hits.windows(2).all(|w| w[0].code < w[1].code));
    }

    #[test]
    fn notes_are_searched() {
        let kb = Kb::embedded();
        let mut notes = BTreeMap::new();
        notes.insert(603u16, "carrier zorblax rejects us at night".to_string());
        let hits = Searcher::new().search(kb, &notes, "zorblax");
        assert_eq!(codes(&hits), vec![603]);
        assert_eq!(hits[0].field, Field::Note);
    }

    #[test]
    fn register_brings_the_registration_answers_first() {
        let mut top = first_codes("register", 5);
        top.sort_unstable();
        assert_eq!(top, vec![200, 401, 403, 407, 423]);
    }

    #[test]
    fn codec_does_not_match_scattered_letters() {
        let c = codes(&find("codec").codes);
        assert_eq!(c.first(), Some(&488), "{c:?}");
        for unrelated in [475, 476, 478] {
            assert!(!c.contains(&unrelated), "{unrelated} in {c:?}");
        }
    }

    #[test]
    fn a_compact_abbreviation_still_matches() {
        // Each letter starts a word of "Not Acceptable Here".
        assert!(codes(&find("nah").codes).contains(&488));
    }

    #[test]
    fn a_cause_query_finds_the_cause_and_its_sip_codes() {
        let kb = Kb::embedded();
        for (q, cause) in [("cause 34", 34u8), ("q850 17", 17), ("Q.850 18", 18)] {
            let r = find(q);
            assert_eq!(r.causes.first().map(|c| c.cause), Some(cause), "{q}");
            assert!(r.causes[0].lead, "{q}");
            let (sip, _) = kb.sip_for_cause(kb.cause(cause).unwrap());
            assert_eq!(r.codes.first().map(|h| h.code), sip.first().copied(), "{q}");
            assert_eq!(r.codes[0].field, Field::Cause, "{q}");
        }
    }

    #[test]
    fn q850_alone_lists_every_cause() {
        let r = find("Q.850");
        assert_eq!(r.causes.len(), Kb::embedded().causes.len());
        assert!(r.causes.iter().all(|c| c.lead));
    }

    #[test]
    fn a_cause_name_finds_the_cause_and_its_codes() {
        let r = find("no user responding");
        assert_eq!(r.causes.first().map(|c| c.cause), Some(18));
        assert!(r.causes[0].lead);
        assert_eq!(r.codes.first().map(|h| h.code), Some(408));
        // A word of a cause name only: the codes first, the cause after.
        let r = find("busy");
        assert!(r.causes.iter().any(|c| c.cause == 17 && !c.lead));
        assert!(matches!(r.codes.first().map(|h| h.code), Some(486 | 600)));
    }

    #[test]
    fn a_code_number_in_a_longer_query_comes_first() {
        assert_eq!(first_codes("501 update", 1), vec![501]);
        assert_eq!(first_codes("update 501", 1), vec![501]);
    }

    #[test]
    fn registered_codes_rank_above_unregistered_ones_on_equal_match() {
        // Every keyword of the knowledge base as a query: wherever two
        // results tie, a registered code comes before an unregistered one.
        let kb = Kb::embedded();
        let mut mixed_ties = 0;
        for e in kb.codes() {
            for k in &e.keywords {
                let hits = find(k).codes;
                for w in hits.windows(2) {
                    let (a, b) = (kb.get(w[0].code).unwrap(), kb.get(w[1].code).unwrap());
                    if w[0].score == w[1].score && a.registered != b.registered {
                        mixed_ties += 1;
                        assert!(a.registered, "{k:?}: {} before {}", a.code, b.code);
                    }
                }
            }
        }
        assert!(
            mixed_ties > 0,
            "no tie between a registered and an unregistered code"
        );
    }

    #[test]
    fn word_forms_share_a_stem() {
        let stem = |q, w| relation(q, w).is_some_and(|(t, _)| t == T_STEM);
        assert!(stem("register", "Registration"));
        assert!(stem("register", "registrar"));
        assert!(!stem("codec", "code"));
        assert!(!stem("forward", "forbidden"));
        assert!(!stem("transfer", "transaction"));
        assert_eq!(relation("busy", "Busy"), Some((T_WORDS, 4)));
        assert_eq!(relation("bu", "Busy"), Some((T_PREFIX, 2)));
    }

    #[test]
    fn compactness() {
        let t = "could not resolve";
        // c-o from "could", then d inside "could": scattered.
        assert!(!compact(t, &[0, 1, 4]));
        // n-r: both start words.
        assert!(compact(t, &[6, 10]));
    }
}
