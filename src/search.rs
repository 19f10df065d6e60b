//! Fuzzy search over the knowledge base (and the user's notes).
//!
//! Ranking, best first:
//! 1. a query that is a whole code (`486`): that code;
//! 2. a numeric prefix (`48`): the codes that start with it, in order, then
//!    codes that contain it;
//! 3. text: the best fuzzy score over the reason phrase (weighted highest),
//!    the keywords, the summary and the user's note for that code.
//!
//! Within text, a field where every query word starts a word ("busy" in
//! "Busy Here", "auth loop" in the keyword "auth loop") ranks above any
//! merely fuzzy match. Fuzzy matches (typos, abbreviations) must score at
//! least [`MIN_SCORE_PER_CHAR`] per query character, so that "busy" finds
//! 486 and 600 and not every summary with a b, u, s and y in it.

use crate::kb::{CodeEntry, Kb};
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
    /// summary or note), for display as context.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
}

/// Minimum fuzzy score per query character for a text match to count.
pub const MIN_SCORE_PER_CHAR: i64 = 18;

const W_REASON: i64 = 4;
const W_KEYWORD: i64 = 3;
const W_SUMMARY: i64 = 2;
const W_NOTE: i64 = 2;

/// A reusable matcher (construction allocates; keep one per session).
pub struct Searcher {
    matcher: SkimMatcherV2,
}

/// A bit for each ASCII letter (any case) and digit in `text`: a field can
/// only match a query whose bits are all in the field's. It spares the
/// fuzzy matcher most fields on every keystroke.
fn mask(text: &str) -> u64 {
    text.bytes().fold(0, |m, b| match b.to_ascii_lowercase() {
        c @ b'a'..=b'z' => m | 1 << (c - b'a'),
        c @ b'0'..=b'9' => m | 1 << (26 + c - b'0'),
        _ => m,
    })
}

fn words_of(text: &str) -> Vec<String> {
    text.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

impl Default for Searcher {
    fn default() -> Self {
        Self::new()
    }
}

impl Searcher {
    pub fn new() -> Self {
        Searcher {
            matcher: SkimMatcherV2::default().ignore_case(),
        }
    }

    /// Search `kb` (and `notes`, code -> note text) for `query`. An empty
    /// query returns every code in order, with score 0.
    pub fn search(&self, kb: &Kb, notes: &BTreeMap<u16, String>, query: &str) -> Vec<Hit> {
        let q = query.trim();
        if q.is_empty() {
            return kb
                .codes()
                .map(|e| Hit {
                    code: e.code,
                    score: 0,
                    field: Field::Code,
                    reason_indices: Vec::new(),
                    code_indices: Vec::new(),
                    context: None,
                })
                .collect();
        }
        if q.bytes().all(|b| b.is_ascii_digit()) {
            return self.numeric(kb, q);
        }
        let min = MIN_SCORE_PER_CHAR * q.chars().filter(|c| !c.is_whitespace()).count() as i64;
        let words = query_words(q);
        let mut hits: Vec<Hit> = kb
            .codes()
            .filter_map(|e| self.text_hit(e, notes.get(&e.code), q, &words, min))
            .collect();
        hits.sort_by(|a, b| b.score.cmp(&a.score).then(a.code.cmp(&b.code)));
        hits
    }

    fn numeric(&self, kb: &Kb, q: &str) -> Vec<Hit> {
        let mut hits = Vec::new();
        for e in kb.codes() {
            let digits = e.code.to_string();
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
                hits.push(Hit {
                    code: e.code,
                    score,
                    field: Field::Code,
                    reason_indices: Vec::new(),
                    code_indices: (start..start + q.len()).collect(),
                    context: None,
                });
            }
        }
        hits.sort_by(|a, b| b.score.cmp(&a.score).then(a.code.cmp(&b.code)));
        hits
    }

    fn text_hit(
        &self,
        e: &CodeEntry,
        note: Option<&String>,
        q: &str,
        words: &[String],
        min: i64,
    ) -> Option<Hit> {
        let mut best: Option<(i64, Field, Option<&str>)> = None;
        let fields = std::iter::once((e.reason.as_str(), W_REASON, Field::Reason, None))
            .chain(
                e.keywords
                    .iter()
                    .map(|k| (k.as_str(), W_KEYWORD, Field::Keyword, Some(k.as_str()))),
            )
            .chain(std::iter::once((
                e.summary.as_str(),
                W_SUMMARY,
                Field::Summary,
                Some(e.summary.as_str()),
            )))
            .chain(
                note.into_iter()
                    .flat_map(|n| n.lines())
                    .map(|l| (l, W_NOTE, Field::Note, Some(l))),
            );
        let qmask = mask(q);
        for (text, weight, field, ctx) in fields {
            // A field lacking a letter of the query cannot match it at all.
            if qmask & !mask(text) != 0 {
                continue;
            }
            let raw = self.matcher.fuzzy_match(text, q);
            let word_hit = words_match(&words_of(text), words);
            let score = if word_hit {
                // Every query word starts a word of the field: a real hit.
                WORD_TIER + raw.unwrap_or(0) * weight
            } else {
                match raw {
                    Some(r) if r >= min => r * weight,
                    _ => continue,
                }
            };
            if best.is_none_or(|b| score > b.0) {
                best = Some((score, field, ctx));
            }
        }
        let (score, field, ctx) = best?;
        // Match positions are only needed for the reason phrase shown in lists.
        let reason_indices = if field == Field::Reason {
            self.matcher
                .fuzzy_indices(&e.reason, q)
                .map(|(_, i)| i)
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        Some(Hit {
            code: e.code,
            score,
            field,
            reason_indices,
            code_indices: Vec::new(),
            context: ctx.map(str::to_string),
        })
    }
}

/// Hits where every query word begins a word of the field rank above any
/// merely fuzzy hit.
const WORD_TIER: i64 = 1_000_000;

fn query_words(q: &str) -> Vec<String> {
    words_of(q)
}

/// True when each query word is the start of one of the field's words.
fn words_match(field_words: &[String], words: &[String]) -> bool {
    !words.is_empty()
        && words
            .iter()
            .all(|w| field_words.iter().any(|fw| fw.starts_with(w.as_str())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(hits: &[Hit]) -> Vec<u16> {
        hits.iter().map(|h| h.code).collect()
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
}
