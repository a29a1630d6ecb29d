//! How well a request's text matches a search, and the snippet to show for it. The databases
//! find the candidates (FTS5, tsvector); the ranking and the snippets are computed here, so both
//! backends order and show results the same way and only the requests shown pay for a snippet.

use rust_stemmers::{Algorithm, Stemmer};
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

/// Term-frequency saturation, as in BM25: a second mention counts less than the first.
const SATURATION: f64 = 1.2;

/// How many leading letters a word shares with its stem, for a cheap first check.
const LEADING: usize = 3;

/// Finds the words of a query in texts.
pub struct Matcher {
    stemmer: Stemmer,
    /// The stem of each query word.
    stems: Vec<String>,
    /// The word being typed: any word that starts with it matches it.
    prefix: Option<String>,
    /// The first `LEADING` letters of each stem and of the prefix.
    leads: Vec<Vec<char>>,
    /// What each lower-cased word of the texts matched: the same words recur across the
    /// candidates of one search, and stemming was a tenth of its work.
    known: RefCell<HashMap<String, Option<usize>>>,
}

/// How rare each of the `words` query words is among documents, given which of them each
/// document holds: BM25's inverse document frequency.
pub fn rarity(documents: &[Vec<bool>], words: usize) -> Vec<f64> {
    let total = documents.len() as f64;
    (0..words)
        .map(|i| {
            let holding = documents.iter().filter(|d| d.get(i).copied().unwrap_or(false)).count() as f64;
            (1.0 + (total - holding + 0.5) / (holding + 0.5)).ln()
        })
        .collect()
}

/// A word of a text: where it is, and which query word it matches.
struct Word {
    start: usize,
    end: usize,
    matched: Option<usize>,
}

impl Matcher {
    /// `words` are lower-cased query words; with `last_is_prefix`, the last one also matches as
    /// the start of a word.
    pub fn new(words: &[String], last_is_prefix: bool) -> Self {
        let stemmer = Stemmer::create(Algorithm::English);
        let stems: Vec<String> = words.iter().map(|w| stemmer.stem(w).into_owned()).collect();
        let prefix = if last_is_prefix { words.last().cloned() } else { None };
        let leads = stems.iter().chain(prefix.iter()).map(|s: &String| s.chars().take(LEADING).collect()).collect();
        Matcher { stemmer, stems, prefix, leads, known: RefCell::default() }
    }

    /// Which query word `word` matches, if any.
    fn matches(&self, word: &str) -> Option<usize> {
        // Stemming only trims endings: a word that does not begin like any query word (or the
        // typed prefix) cannot match, and most words of a text are skipped without stemming.
        let first = word.chars().next().map(|c| if c.is_ascii() { c.to_ascii_lowercase() } else { c });
        // Most words already differ in their first letter (an upper-case non-ASCII one is
        // lower-cased below).
        if first.is_some_and(|f| f.is_ascii() && !self.leads.iter().any(|lead| lead.first() == Some(&f))) {
            return None;
        }
        let mut leading = ['\0'; LEADING];
        for (slot, c) in leading.iter_mut().zip(word.chars().flat_map(char::to_lowercase)) {
            *slot = c;
        }
        if !self.leads.iter().any(|lead| leading.starts_with(lead)) {
            return None;
        }
        let lower = word.to_lowercase();
        if let Some(known) = self.known.borrow().get(&lower) {
            return *known;
        }
        let stem = self.stemmer.stem(&lower);
        let matched = self.stems.iter().position(|s| *s == stem).or_else(|| {
            let typed = self.prefix.as_ref().is_some_and(|p| lower.starts_with(p.as_str()));
            typed.then(|| self.stems.len().saturating_sub(1))
        });
        self.known.borrow_mut().insert(lower, matched);
        matched
    }

    /// Which query words occur anywhere in `fields`.
    pub fn present(&self, fields: &[(&str, f64)]) -> Vec<bool> {
        let mut present = vec![false; self.stems.len()];
        for (text, _) in fields {
            self.each_word(text, |word| {
                if let Some(index) = word.matched {
                    present[index] = true;
                }
            });
        }
        present
    }

    /// How well `fields` (text, weight) match: for each query word, its rarity (`idf`, one per
    /// word) times the best of the fields' weight times its saturated count there.
    pub fn score(&self, fields: &[(&str, f64)], idf: &[f64]) -> f64 {
        let mut best = vec![0.0f64; self.stems.len()];
        for (text, weight) in fields {
            let mut counts = vec![0usize; self.stems.len()];
            self.each_word(text, |word| {
                if let Some(index) = word.matched {
                    counts[index] += 1;
                }
            });
            for (index, count) in counts.into_iter().enumerate() {
                let tf = count as f64;
                best[index] = best[index].max(weight * tf / (tf + SATURATION));
            }
        }
        best.iter().zip(idf.iter().chain(std::iter::repeat(&1.0))).map(|(b, idf)| b * idf).sum()
    }

    fn words(&self, text: &str) -> Vec<Word> {
        let mut words = Vec::new();
        self.each_word(text, |word| words.push(word));
        words
    }

    /// Calls `visit` with each word of `text` in order (scoring needs no list of them).
    fn each_word(&self, text: &str, mut visit: impl FnMut(Word)) {
        let mut start = None;
        let bytes = text.as_bytes();
        let mut at = 0;
        while at <= bytes.len() {
            // Most text is ASCII: a byte is a character there, and decoding one was most of the
            // time spent reading the candidates of a search.
            let (in_word, width) = match bytes.get(at) {
                None => (false, 1),
                Some(b) if b.is_ascii() => (b.is_ascii_alphanumeric(), 1),
                Some(_) => text[at..].chars().next().map_or((false, 1), |c| (c.is_alphanumeric(), c.len_utf8())),
            };
            match (in_word, start) {
                (true, None) => start = Some(at),
                (false, Some(from)) => {
                    visit(Word { start: from, end: at, matched: self.matches(&text[from..at]) });
                    start = None;
                }
                _ => {}
            }
            at += width;
        }
    }

    /// Up to `width` words from the field with the most matched words, around where they are
    /// densest, as (text, matched) parts; "…" where the text was cut.
    pub fn snippet(&self, fields: &[&str], width: usize) -> Vec<(String, bool)> {
        let width = width.max(1);
        let mut best: Option<(usize, &str, Vec<Word>)> = None;
        for field in fields {
            let words = self.words(field);
            let distinct: HashSet<usize> = words.iter().filter_map(|w| w.matched).collect();
            let score = distinct.len() * 1000 + words.iter().filter(|w| w.matched.is_some()).count();
            if best.as_ref().is_none_or(|(top, _, _)| score > *top) {
                best = Some((score, field, words));
            }
        }
        let Some((_, text, words)) = best else { return Vec::new() };
        if words.is_empty() {
            return Vec::new();
        }
        // The window of `width` words with the most matches; the earliest of equals.
        let hits: Vec<usize> = words.iter().map(|w| usize::from(w.matched.is_some())).collect();
        let mut window: usize = hits.iter().take(width).sum();
        let (mut first, mut most) = (0, window);
        for start in 1..=words.len().saturating_sub(width) {
            window = window + hits[start + width - 1] - hits[start - 1];
            if window > most {
                (first, most) = (start, window);
            }
        }
        let last = (first + width).min(words.len()) - 1;
        let mut parts: Vec<(String, bool)> = Vec::new();
        let mut push = |text: &str, marked: bool| match parts.last_mut() {
            Some((previous, was)) if *was == marked => previous.push_str(text),
            _ if !text.is_empty() => parts.push((text.to_owned(), marked)),
            _ => {}
        };
        if first > 0 {
            push("… ", false);
        }
        let mut at = words[first].start;
        for word in &words[first..=last] {
            push(&text[at..word.start], false);
            push(&text[word.start..word.end], word.matched.is_some());
            at = word.end;
        }
        if last + 1 < words.len() {
            push(" …", false);
        }
        parts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(list: &[&str]) -> Vec<String> {
        list.iter().map(|w| w.to_string()).collect()
    }

    fn marked(parts: &[(String, bool)]) -> Vec<&str> {
        parts.iter().filter(|(_, m)| *m).map(|(t, _)| t.as_str()).collect()
    }

    #[test]
    fn scores_rare_words_in_heavy_fields_higher() {
        let matcher = Matcher::new(&words(&["vpn", "team"]), false);
        let idf = [3.0, 0.5];
        let title = matcher.score(&[("VPN drops for the team", 10.0), ("", 4.0)], &idf);
        let body = matcher.score(&[("Help", 10.0), ("VPN drops for the team", 4.0)], &idf);
        let common = matcher.score(&[("The team", 10.0), ("team team team", 4.0)], &idf);
        assert!(title > body && body > common && common > 0.0, "{title} {body} {common}");
        let again = matcher.score(&[("VPN VPN VPN", 10.0)], &idf);
        let once = matcher.score(&[("VPN", 10.0)], &idf);
        assert!(again > once && again < 2.0 * once, "repetition saturates");
        assert_eq!(matcher.score(&[("nothing", 10.0)], &idf), 0.0);
    }

    #[test]
    fn words_few_documents_hold_are_rarer() {
        let documents = vec![vec![true, true], vec![false, true], vec![false, true], vec![false, true]];
        let idf = rarity(&documents, 2);
        assert!(idf[0] > idf[1] && idf[1] > 0.0, "{idf:?}");
        let matcher = Matcher::new(&words(&["vpn", "team"]), false);
        assert_eq!(matcher.present(&[("the Team", 1.0), ("", 1.0)]), vec![false, true]);
    }

    #[test]
    fn marks_words_by_their_stem_and_the_typed_prefix() {
        let highlighter = Matcher::new(&words(&["dropping", "vp"]), true);
        let parts = highlighter.snippet(&["The VPN drops often; dropped again."], 16);
        assert_eq!(marked(&parts), vec!["VPN", "drops", "dropped"]);
        let text: String = parts.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(text, "The VPN drops often; dropped again");
    }

    #[test]
    fn picks_the_field_and_window_where_the_words_are() {
        let highlighter = Matcher::new(&words(&["replica", "lag"]), false);
        let long = format!("{} the replica shows lag today {}", "word ".repeat(30), "more ".repeat(30));
        let parts = highlighter.snippet(&["Nothing here", &long], 6);
        assert_eq!(marked(&parts), vec!["replica", "lag"]);
        assert!(parts.first().is_some_and(|(t, _)| t.starts_with("… word")), "{parts:?}");
        assert!(parts.last().is_some_and(|(t, _)| t.ends_with('…')));
    }

    #[test]
    fn no_match_shows_the_start_of_the_first_field() {
        let highlighter = Matcher::new(&words(&["zebra"]), false);
        let parts = highlighter.snippet(&["Disk full on the build agents", "more"], 3);
        assert_eq!(parts, vec![("Disk full on …".to_owned(), false)]);
        assert!(highlighter.snippet(&["", " ,, "], 3).is_empty());
    }
}
