//! The person directory: what the person list searches.
//!
//! A clerk types the start of a reference or of any name, in any script: `XA-0`, `Коваль`,
//! `kovalenko`, `abd al`. The directory holds every person of a tenant with the search terms of
//! every name ever asserted (standing and superseded, so an old spelling still finds the
//! person): each token as normalised by the `names` crate, and its romanisations, so that a
//! Latin query finds a name written in Cyrillic, Arabic or Armenian. A query matches a person
//! when its text starts the reference (case-insensitively), or when every query token starts one
//! of the person's terms.
//!
//! It is built from [`store::Store::person_directory`] and kept per tenant in the application
//! state. It is rebuilt when the tenant's number of persons differs from the one it was built at
//! (persons are append-only, so a registration or an import by another process changes the
//! count), after a write through this server ([`crate::state::AppState::facts_changed`]), or
//! after [`MAX_AGE`] (a name corrected by another process). Only one request rebuilds a
//! tenant's directory; the others wait for it and share the result ([`crate::cache`]).

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use domain::PersonId;
use store::{DirectoryRow, PersonSummary, TenantScope};

use crate::error::AppResult;
use crate::state::AppState;

/// A directory older than this is rebuilt, to see names corrected by another process.
pub(crate) const MAX_AGE: Duration = Duration::from_secs(60);

/// Separates terms in an entry's haystack; a term is found by searching for the separator
/// followed by the query token, which is a prefix match on any term.
const SEP: char = '\u{1f}';

/// One tenant's directory, newest registration first.
pub(crate) struct Directory {
    entries: Vec<Entry>,
    /// Where each person's entry is, for [`Directory::name_of`].
    positions: std::collections::HashMap<PersonId, usize>,
    /// The tenant's number of persons when it was built.
    persons: i64,
    built: Instant,
}

struct Entry {
    summary: PersonSummary,
    /// The reference in upper case, for prefix matching.
    reference: String,
    /// `SEP term SEP term ...`: every term of every name.
    haystack: String,
}

/// A page of search results.
pub(crate) struct Found<'a> {
    pub persons: Vec<&'a PersonSummary>,
    pub total: i64,
}

impl Directory {
    /// Builds the directory from the store's rows.
    pub(crate) fn build(rows: Vec<DirectoryRow>, persons: i64) -> Self {
        let entries = rows
            .into_iter()
            .map(|row| {
                let mut haystack = String::new();
                let mut add = |term: &str| {
                    if !term.is_empty() && !haystack_has_term(&haystack, term) {
                        haystack.push(SEP);
                        haystack.push_str(term);
                    }
                };
                for name in &row.names {
                    for part in name.parts() {
                        let texts = std::iter::once(part.value())
                            .chain(part.transliterations.iter().map(|t| t.value.as_str()));
                        for text in texts {
                            for token in names::tokens(text) {
                                add(&token);
                                for spelling in names::romanize(&token, None) {
                                    add(&spelling);
                                }
                            }
                        }
                    }
                }
                Entry {
                    reference: row.summary.reference.to_uppercase(),
                    summary: row.summary,
                    haystack,
                }
            })
            .collect::<Vec<Entry>>();
        let positions = entries
            .iter()
            .enumerate()
            .map(|(at, entry)| (entry.summary.id, at))
            .collect();
        Self {
            entries,
            positions,
            persons,
            built: Instant::now(),
        }
    }

    /// The persons matching `query`, newest first, `limit` from `offset`, and how many match,
    /// leaving out `hidden` (the persons a restriction keeps from the caller's role, ICRC-DP-c:
    /// the directory is shared by every role of the tenant, the restrictions are not).
    pub(crate) fn search(
        &self,
        query: &str,
        hidden: &HashSet<PersonId>,
        offset: usize,
        limit: usize,
    ) -> Found<'_> {
        let query = Query::new(query);
        let mut total = 0usize;
        let mut persons = Vec::new();
        for entry in &self.entries {
            if !hidden.contains(&entry.summary.id) && query.matches(entry) {
                if total >= offset && persons.len() < limit {
                    persons.push(&entry.summary);
                }
                total += 1;
            }
        }
        Found {
            persons,
            total: i64::try_from(total).unwrap_or(i64::MAX),
        }
    }

    /// The person's name as written (the current one), unless `hidden` holds the person (a
    /// restriction keeps it from the caller's role) or the person has no name.
    pub(crate) fn name_of(&self, id: PersonId, hidden: &HashSet<PersonId>) -> Option<&str> {
        if hidden.contains(&id) {
            return None;
        }
        let entry = &self.entries[*self.positions.get(&id)?];
        entry.summary.display_name.as_deref()
    }

    fn is_fresh(&self, persons: i64) -> bool {
        self.persons == persons && self.built.elapsed() < MAX_AGE
    }
}

fn haystack_has_term(haystack: &str, term: &str) -> bool {
    haystack.split(SEP).any(|existing| existing == term)
}

/// A query, analysed once.
struct Query {
    /// The text in upper case, for references.
    reference: String,
    /// `SEP token` for each token: a prefix of some term.
    tokens: Vec<String>,
    /// The text holds a digit: a reference (`BOR-00001`), never a name. Without this, the
    /// tokeniser, which keeps letters only, would search the names for `bor`.
    is_reference: bool,
}

impl Query {
    fn new(text: &str) -> Self {
        let text = text.trim();
        Self {
            reference: text.to_uppercase(),
            is_reference: text.chars().any(char::is_numeric),
            tokens: names::tokens(text)
                .into_iter()
                .map(|token| format!("{SEP}{token}"))
                .collect(),
        }
    }

    fn matches(&self, entry: &Entry) -> bool {
        if self.reference.is_empty() {
            return true;
        }
        entry.reference.starts_with(&self.reference)
            || (!self.is_reference
                && !self.tokens.is_empty()
                && self
                    .tokens
                    .iter()
                    .all(|token| entry.haystack.contains(token.as_str())))
    }
}

/// The tenant's directory, rebuilt first if it is stale (one request rebuilds; `cache.rs`), and
/// the persons the caller's role may not see in it ([`store::Store::hidden_persons`], read on
/// every request so that a restriction holds at once). The directory itself holds every person:
/// it is shared by every role of the tenant.
pub(crate) async fn directory(
    state: &AppState,
    scope: &TenantScope,
) -> AppResult<(Arc<Directory>, HashSet<PersonId>)> {
    let hidden = state.store.hidden_persons(scope).await?;
    let shared = scope.for_shared_cache();
    let scope = &shared;
    let persons = state.store.count_persons(scope).await?;
    state
        .directories
        .get(
            scope.tenant(),
            |directory| directory.is_fresh(persons),
            || async {
                let rows = state.store.person_directory(scope).await?;
                let persons = i64::try_from(rows.len()).unwrap_or(i64::MAX);
                Ok(Directory::build(rows, persons))
            },
        )
        .await
        .map(|directory| (directory, hidden))
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::{NamePart, NamePartKind, PersonCategory, PersonName};
    use time::OffsetDateTime;

    fn row(reference: &str, parts: &[(NamePartKind, &str)]) -> DirectoryRow {
        let parts = parts
            .iter()
            .map(|(kind, value)| NamePart::new(*kind, value, None).unwrap())
            .collect();
        let name = PersonName::new(parts).unwrap();
        DirectoryRow {
            summary: PersonSummary {
                id: PersonId::new(),
                reference: reference.into(),
                category: PersonCategory::PrisonerOfWar,
                display_name: Some(name.display()),
                registered_at: OffsetDateTime::UNIX_EPOCH,
            },
            names: vec![name],
        }
    }

    fn directory() -> Directory {
        Directory::build(
            vec![
                row(
                    "XA-00017",
                    &[
                        (NamePartKind::Family, "Коваленко"),
                        (NamePartKind::Given, "Олександр"),
                    ],
                ),
                row(
                    "XB-00002",
                    &[
                        (NamePartKind::Given, "محمد"),
                        (NamePartKind::Family, "عبد الرحمن"),
                    ],
                ),
                row("L_0-1", &[(NamePartKind::Family, "Petrosyan")]),
            ],
            3,
        )
    }

    impl Directory {
        fn search_all(&self, query: &str, offset: usize, limit: usize) -> Found<'_> {
            self.search(query, &HashSet::new(), offset, limit)
        }
    }

    #[test]
    fn hidden_persons_are_neither_found_nor_counted() {
        let d = directory();
        let kovalenko = d.search_all("xa-0", 0, 10).persons[0].id;
        let hidden = HashSet::from([kovalenko]);
        assert_eq!(d.search("kovalenko", &hidden, 0, 10).total, 0);
        let all = d.search("", &hidden, 0, 10);
        assert_eq!(all.total, 2);
        assert!(all.persons.iter().all(|p| p.id != kovalenko));
    }

    fn references<'a>(found: &Found<'a>) -> Vec<&'a str> {
        found.persons.iter().map(|p| p.reference.as_str()).collect()
    }

    #[test]
    fn finds_by_reference_prefix_in_any_case() {
        let d = directory();
        assert_eq!(references(&d.search_all("xa-0", 0, 10)), ["XA-00017"]);
        assert_eq!(d.search_all("XA-1", 0, 10).total, 0);
    }

    #[test]
    fn finds_a_name_by_the_start_of_a_token_in_its_own_script_and_in_latin() {
        let d = directory();
        assert_eq!(references(&d.search_all("Ковал", 0, 10)), ["XA-00017"]);
        assert_eq!(references(&d.search_all("kovalenko", 0, 10)), ["XA-00017"]);
        assert_eq!(
            references(&d.search_all("oleksandr koval", 0, 10)),
            ["XA-00017"]
        );
        assert_eq!(references(&d.search_all("muhammad", 0, 10)), ["XB-00002"]);
        // Every token must match: a family name with another given name does not.
        assert_eq!(d.search_all("kovalenko ivan", 0, 10).total, 0);
    }

    #[test]
    fn does_not_match_inside_a_token_or_on_markup() {
        let d = directory();
        // Not the middle of a name, not the JSON keys of the stored value.
        assert_eq!(d.search_all("alenko", 0, 10).total, 0);
        assert_eq!(d.search_all("family", 0, 10).total, 0);
        assert_eq!(d.search_all("%", 0, 10).total, 0);
    }

    #[test]
    fn pages_count_every_match() {
        let d = directory();
        let all = d.search_all("", 0, 2);
        assert_eq!(all.total, 3);
        assert_eq!(all.persons.len(), 2);
        assert_eq!(d.search_all("", 2, 2).persons.len(), 1);
    }
}
