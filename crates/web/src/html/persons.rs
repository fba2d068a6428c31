//! The list of the tenant's persons.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use domain::PersonId;
use serde::Deserialize;

use crate::authz::{Authorized, ReadRegistry};
use crate::error::AppResult;
use crate::html::{Layout, date, page_number, render};
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

#[derive(Template)]
#[template(path = "persons.html")]
struct PersonsPage {
    layout: Layout,
    q: String,
    rows: Vec<PersonRow>,
    total: i64,
    page: i64,
    pages: i64,
}

/// `GET /persons?q=&page=`: newest registrations first, 50 a page; `q` matches the start of a
/// reference or any part of a name as written.
pub(crate) async fn list(
    State(state): State<AppState>,
    member: Authorized<ReadRegistry>,
    Query(query): Query<PersonsQuery>,
) -> AppResult<Response> {
    let layout = Layout::new(&state, &member.signed_in, "Persons").await?;
    let q = query.q.unwrap_or_default().trim().to_owned();
    let requested = page_number(query.page.as_deref());
    let search = (!q.is_empty()).then_some(q.as_str());
    let mut page = requested;
    let mut result = state
        .store
        .list_persons(&member.scope, search, (page - 1) * PAGE_SIZE, PAGE_SIZE)
        .await?;
    let pages = ((result.total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    if page > pages {
        // Past the end: show the last page rather than an empty one.
        page = pages;
        result = state
            .store
            .list_persons(&member.scope, search, (page - 1) * PAGE_SIZE, PAGE_SIZE)
            .await?;
    }
    let rows = result
        .persons
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
        total: result.total,
        page,
        pages,
    })
}
