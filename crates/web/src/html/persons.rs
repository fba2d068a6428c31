//! The list of the tenant's persons.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use domain::PersonId;
use serde::Deserialize;

use crate::authz::{Authorized, ReadRegistry};
use crate::directory;
use crate::error::AppResult;
use crate::html::{Layout, date, page_number, render};
use crate::search;
use crate::state::AppState;

const PAGE_SIZE: i64 = 50;

#[derive(Deserialize)]
pub(crate) struct PersonsQuery {
    q: Option<String>,
    page: Option<String>,
}

struct PersonRow {
    id: PersonId,
    reference: String,
    /// As written, in its own script.
    name: Option<String>,
    category: &'static str,
    registered: String,
}

/// A person whose name the matching engine finds alike to the query, though no name starts with
/// it (another script, another spelling, another order).
struct SimilarRow {
    id: PersonId,
    reference: String,
    name: Option<String>,
    score_percent: String,
    /// Per name feature, the engine's words: `given name: same name, other spelling`.
    why: String,
}

#[derive(Template)]
#[template(path = "persons.html")]
struct PersonsPage {
    layout: Layout,
    q: String,
    rows: Vec<PersonRow>,
    total: i64,
    page: i64,
    pages: i64,
    /// On the first page of a name search: the engine's alike names not listed above.
    similar: Option<Vec<SimilarRow>>,
}

/// How many alike names the first page of a search shows.
const SIMILAR_LIMIT: usize = 10;

/// `GET /persons?q=&page=`: newest registrations first, 50 a page; `q` matches the start of a
/// reference, or the start of any name in any script (`directory.rs`).
pub(crate) async fn list(
    State(state): State<AppState>,
    member: Authorized<ReadRegistry>,
    Query(query): Query<PersonsQuery>,
) -> AppResult<Response> {
    let layout = Layout::new(&state, &member.signed_in, "Persons").await?;
    let q = query.q.unwrap_or_default().trim().to_owned();
    let requested = page_number(query.page.as_deref());
    let mut similar = None;
    let (persons, total) = if q.is_empty() {
        // The plain list reads one page from the store.
        let mut result = state
            .store
            .list_persons(&member.scope, (requested - 1) * PAGE_SIZE, PAGE_SIZE)
            .await?;
        let pages = ((result.total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
        if requested > pages {
            // Past the end: show the last page rather than an empty one.
            result = state
                .store
                .list_persons(&member.scope, (pages - 1) * PAGE_SIZE, PAGE_SIZE)
                .await?;
        }
        (result.persons, result.total)
    } else {
        let (directory, hidden) = directory::directory(&state, &member.scope).await?;
        let offset = |page: i64| usize::try_from((page - 1) * PAGE_SIZE).unwrap_or(usize::MAX);
        if requested == 1 {
            similar = alike(&state, &member.scope, &q, &directory, &hidden).await?;
        }
        let mut found = directory.search(&q, &hidden, offset(requested), PAGE_SIZE as usize);
        let pages = ((found.total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
        if requested > pages {
            found = directory.search(&q, &hidden, offset(pages), PAGE_SIZE as usize);
        }
        (found.persons.into_iter().cloned().collect(), found.total)
    };
    let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let page = requested.min(pages);
    let rows = persons
        .into_iter()
        .map(|person| PersonRow {
            id: person.id,
            reference: person.reference,
            name: person.display_name,
            category: person.category.label(),
            registered: date(person.registered_at),
        })
        .collect();
    render(&PersonsPage {
        layout,
        q,
        rows,
        total,
        page,
        pages,
        similar,
    })
}

/// The engine's alike names for `q` that the prefix list does not show.
async fn alike(
    state: &AppState,
    scope: &store::TenantScope,
    q: &str,
    directory: &directory::Directory,
    hidden: &std::collections::HashSet<PersonId>,
) -> AppResult<Option<Vec<SimilarRow>>> {
    let found = search::alike_unlisted(state, scope, q, directory, hidden, SIMILAR_LIMIT).await?;
    Ok(found.map(|found| {
        found
            .into_iter()
            .map(|p| SimilarRow {
                id: p.person,
                reference: p.reference,
                name: p.display_name,
                score_percent: format!("{:.0}", p.score * 100.0),
                why: p
                    .features
                    .iter()
                    .map(|f| f.text.as_str())
                    .collect::<Vec<_>>()
                    .join("; "),
            })
            .collect()
    }))
}
