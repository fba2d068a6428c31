//! The news a family's answer letter carries (issue 5): the answers national information
//! bureaus gave to the agency's enquiries for the family's tracing request (GC3-122-g,
//! GC4-137-a, forwarded by the agency: GC3-123-a, GC4-140-a).
//!
//! What goes to the family and what does not:
//! - only answers received from a bureau to an enquiry asked for this request; never the
//!   enquiries' questions, the bureau's person references, the bureau's name or anything of the
//!   protection unit (its data never leaves it);
//! - GC4-137-b: an answer is withheld from the letter when the person the letter is about, or a
//!   person the answer names, carries a detriment flag; the caseworker sees that something was
//!   withheld and why, the family does not;
//! - ICRC-RFL-b: the place where an adult is held goes to the family only with the person's
//!   agreement, and a bureau's answer is free text, so the caseworker can leave any answer out
//!   of the letter (`?omit=ANS-…,ANS-…`, no state kept: the letter is printed as shown).

use std::collections::{BTreeSet, HashSet};

use domain::PersonId;
use store::{EnquiryRecord, Store, StoreResult, TenantScope, TracingRequestId};

/// One answer in the letter, or one the caseworker left out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct NewsItem {
    /// The answer's reference (`ANS-…`), for the caseworker's links only.
    pub reference: String,
    /// The day the bureau answered.
    pub answered_on: String,
    pub text: String,
    /// The letter's address with this answer left out, or put back.
    pub toggle: String,
}

/// What the letter carries and what the caseworker is told.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct FamilyNews {
    pub included: Vec<NewsItem>,
    /// Left out by the caseworker (`?omit=`).
    pub omitted: Vec<NewsItem>,
    /// Withheld for a detriment flag (GC4-137-b): how many, never their text.
    pub withheld: usize,
}

/// The answer references in `?omit=` (comma-separated); anything that is not one is ignored.
pub(crate) fn omitted(query: Option<&str>) -> BTreeSet<String> {
    query
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|r| !r.is_empty() && r.len() <= 100)
        .map(str::to_owned)
        .collect()
}

fn link(base: &str, omit: &BTreeSet<String>) -> String {
    if omit.is_empty() {
        base.to_owned()
    } else {
        let list: Vec<&str> = omit.iter().map(String::as_str).collect();
        format!("{base}?omit={}", list.join(","))
    }
}

/// The received answers to `request`'s enquiries for the letter about `person`, oldest first.
///
/// # Errors
/// A database error.
pub(crate) async fn family_news(
    store: &Store,
    scope: &TenantScope,
    request: TracingRequestId,
    person: PersonId,
    base: &str,
    omit: &BTreeSet<String>,
) -> StoreResult<FamilyNews> {
    let enquiries: Vec<EnquiryRecord> = store
        .enquiries(scope)
        .await?
        .into_iter()
        .filter(|e| e.tracing_request == Some(request))
        .collect();
    // GC4-137-b: a flag on a record confirmed as the same person counts too.
    let flags = crate::links::detriment_flags_with_links(store, scope).await?;
    let flagged = |id: &PersonId| flags.get(id).is_some_and(|reasons| !reasons.is_empty());
    let mut news = FamilyNews::default();
    let mut answers = Vec::new();
    for enquiry in &enquiries {
        // The persons an answer names, as the agency holds them (`bureau-a:A-1`).
        let named: Vec<String> = enquiry
            .answers
            .iter()
            .filter(|a| !a.given)
            .flat_map(|a| a.persons.iter().map(|p| format!("{}:{p}", enquiry.peer)))
            .collect();
        let held = store.persons_by_reference(scope, &named).await?;
        for answer in enquiry.answers.iter().filter(|a| !a.given) {
            let names_flagged = answer
                .persons
                .iter()
                .filter_map(|p| held.get(&format!("{}:{p}", enquiry.peer)))
                .any(flagged);
            // GC4-137-b: never to the family when detrimental to the person or relatives.
            if flagged(&person) || names_flagged {
                news.withheld += 1;
                continue;
            }
            answers.push(answer.clone());
        }
    }
    answers.sort_by_key(|a| (a.answered_at, a.id));
    let known: HashSet<&str> = answers.iter().map(|a| a.reference.as_str()).collect();
    let omit: BTreeSet<String> = omit
        .iter()
        .filter(|r| known.contains(r.as_str()))
        .cloned()
        .collect();
    for answer in &answers {
        let mut other = omit.clone();
        let left_out = !other.insert(answer.reference.clone());
        if left_out {
            other.remove(&answer.reference);
        }
        let item = NewsItem {
            reference: answer.reference.clone(),
            answered_on: crate::html::date(answer.answered_at),
            text: answer.answer.clone(),
            toggle: link(base, &other),
        };
        if left_out {
            news.omitted.push(item);
        } else {
            news.included.push(item);
        }
    }
    Ok(news)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_omit_list_takes_references_and_ignores_the_rest() {
        let omit = omitted(Some(" ANS-1,,ANS-2 ,ANS-1"));
        assert_eq!(
            omit.into_iter().collect::<Vec<_>>(),
            vec!["ANS-1".to_owned(), "ANS-2".to_owned()]
        );
        assert!(omitted(None).is_empty());
        assert_eq!(
            link(
                "/x",
                &["B".to_owned(), "A".to_owned()].into_iter().collect()
            ),
            "/x?omit=A,B"
        );
        assert_eq!(link("/x", &BTreeSet::new()), "/x");
    }
}
