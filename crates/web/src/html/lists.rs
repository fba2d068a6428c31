//! `/lists`: lists of persons drawn up from the bureau's own records and lists received (issue
//! 5). A bureau draws a list from its events rather than typing references: the persons
//! transferred to a place (GC3-46-a, GC4-127: the complete list of those transferred, before
//! departure), arrived at a place (GC3-20-a: the list of those evacuated), released or
//! repatriated (GC3-122-e, GC3-119-a), or dead (GC3-120-b), in a period. The list then travels
//! with the next envelope to each peer, once its persons' cards went there
//! (`transmission::messages`). At the agency the page shows the lists received.

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use domain::{AssertedValue, CurrentView, FieldKey, PersonId};
use store::TenantScope;

use crate::auth::{CsrfForm, SignedIn};
use crate::authz::{Authorized, ReadRegistry, Register};
use crate::error::AppResult;
use crate::html::register::FieldErrors;
use crate::html::{Layout, datetime, render};
use crate::state::AppState;
pub(crate) use crate::transmission::lists::{DeriveInput, PRESETS, derive};

/// The rows a list shows on the page; the rest are counted.
const ROWS_SHOWN: usize = 200;

struct ListView {
    id: String,
    reference: String,
    title: String,
    rule: String,
    /// "drawn up here" or "received from …".
    origin: String,
    drawn: String,
    /// `(person id, reference, name)`.
    rows: Vec<(String, String, String)>,
    count: usize,
    hidden: usize,
}

#[derive(Template)]
#[template(path = "lists.html")]
struct ListsPage {
    layout: Layout,
    lists: Vec<ListView>,
    draws: bool,
    presets: Vec<(&'static str, &'static str)>,
    places: Vec<(String, String)>,
    values: HashMap<String, String>,
    errors: HashMap<String, String>,
}

impl ListsPage {
    fn value(&self, key: &str) -> &str {
        self.values.get(key).map_or("", String::as_str)
    }
    fn error(&self, key: &str) -> &str {
        self.errors.get(key).map_or("", String::as_str)
    }
}

async fn page_with(
    state: &AppState,
    signed_in: &SignedIn,
    scope: &TenantScope,
    values: HashMap<String, String>,
    errors: FieldErrors,
) -> AppResult<Response> {
    let layout = Layout::new(state, signed_in, "Lists").await?;
    let lists = state.store.lists(scope).await?;
    let mut shown: Vec<PersonId> = lists
        .iter()
        .flat_map(|l| l.persons.iter().take(ROWS_SHOWN).copied())
        .collect();
    shown.sort_unstable();
    shown.dedup();
    let people: HashMap<PersonId, (String, String)> = state
        .store
        .person_records(scope, &shown)
        .await?
        .into_iter()
        .map(|r| {
            let name = CurrentView::project(&r.assertions)
                .value(FieldKey::Name)
                .map(AssertedValue::display)
                .unwrap_or_default();
            (r.person.id, (r.person.reference, name))
        })
        .collect();
    let lists = lists
        .iter()
        .map(|l| ListView {
            id: l.id.to_string(),
            reference: l.reference.clone(),
            title: l.title.clone(),
            rule: l.rule.clone().unwrap_or_default(),
            origin: if l.drawn {
                "drawn up here".to_owned()
            } else {
                format!("received from {}", l.peer)
            },
            drawn: format!("{} by {}", datetime(l.drawn_at), l.drawn_by),
            rows: l
                .persons
                .iter()
                .take(ROWS_SHOWN)
                .map(|p| {
                    // A person restricted from this role is counted, not shown (ICRC-DP-c).
                    let (reference, name) = people
                        .get(p)
                        .cloned()
                        .unwrap_or_else(|| ("(restricted)".to_owned(), String::new()));
                    (p.to_string(), reference, name)
                })
                .collect(),
            count: l.persons.len(),
            hidden: l.persons.len().saturating_sub(ROWS_SHOWN),
        })
        .collect();
    let draws = layout.registers;
    let places = if draws {
        state
            .store
            .places(scope)
            .await?
            .into_iter()
            .map(|p| (p.id.to_string(), p.name))
            .collect()
    } else {
        Vec::new()
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut response = render(&ListsPage {
        layout,
        lists,
        draws,
        presets: PRESETS.iter().map(|p| (p.code, p.label)).collect(),
        places,
        values,
        errors: errors.into_iter().collect(),
    })?;
    *response.status_mut() = status;
    Ok(response)
}

/// `GET /lists`: the lists drawn up here or received, and (for a bureau) the form that draws
/// one from the records.
pub(crate) async fn page(
    State(state): State<AppState>,
    member: Authorized<ReadRegistry>,
) -> AppResult<Response> {
    page_with(
        &state,
        &member.signed_in,
        &member.scope,
        HashMap::new(),
        Vec::new(),
    )
    .await
}

/// `POST /lists`: a bureau draws a list from its records.
pub(crate) async fn submit(
    State(state): State<AppState>,
    member: Authorized<Register>,
    CsrfForm(input): CsrfForm<HashMap<String, String>>,
) -> AppResult<Response> {
    let field = |key: &str| input.get(key).cloned().unwrap_or_default();
    let request = DeriveInput {
        list: field("list"),
        place: field("place"),
        from: field("from"),
        until: field("until"),
        title: field("title"),
    };
    match derive(&state.store, &member.scope, &request)
        .await
        .map_err(crate::transmission::lists::app_error)?
    {
        Ok(list) => Ok(Redirect::to(&format!("/lists#list-{}", list.id)).into_response()),
        Err(errors) => page_with(&state, &member.signed_in, &member.scope, input, errors).await,
    }
}
