//! `/lists`: lists of persons drawn up from the bureau's own records and lists received (issue
//! 5). A bureau draws a list from its events rather than typing references: the persons
//! transferred to a place (GC3-46-a, GC4-127: the complete list of those transferred, before
//! departure), arrived at a place (GC3-20-a: the list of those evacuated), released or
//! repatriated (GC3-122-e, GC3-119-a), or dead (GC3-120-b), in a period. The list then travels
//! with the next envelope to each peer, once its persons' cards went there
//! (`transmission::messages`). At the agency the page shows the lists received.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
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

/// The rows a list shows at a time; the rest are a page away.
const ROWS_SHOWN: usize = 200;
/// The lists a page shows, newest first.
const LISTS_SHOWN: i64 = 20;

/// `/lists?page=&list=&from=`: which page of lists, and where one list's rows start.
#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct ListsQuery {
    page: Option<String>,
    list: Option<String>,
    from: Option<String>,
}

/// A page of lists and the start of one list's rows, read leniently (a bad number is the first
/// page, as the worklist's page is).
#[derive(Clone, Debug, Default)]
struct Paging {
    page: i64,
    list: Option<String>,
    from: usize,
}

impl Paging {
    fn of(query: &ListsQuery) -> Self {
        let number = |text: &Option<String>| {
            text.as_deref()
                .and_then(|t| t.trim().parse::<i64>().ok())
                .unwrap_or(0)
        };
        Self {
            page: number(&query.page).clamp(1, 100_000) - 1,
            list: query.list.clone(),
            from: usize::try_from(number(&query.from).max(0)).unwrap_or(0),
        }
    }
}

struct ListView {
    id: String,
    reference: String,
    title: String,
    rule: String,
    /// "drawn up here" or "received from …".
    origin: String,
    drawn: String,
    /// `(position, person id, reference, name)`, from `first`.
    rows: Vec<(usize, String, String, String)>,
    count: usize,
    /// Links to the previous and next rows, when there are any.
    earlier: Option<String>,
    later: Option<String>,
    /// For a list drawn up here: each envelope that carried it, `(peer, sequence, sent,
    /// acknowledged)`, and the peers it still waits for.
    deliveries: Vec<(String, i64, String, bool)>,
    waiting_for: Vec<String>,
}

#[derive(Template)]
#[template(path = "lists.html")]
struct ListsPage {
    layout: Layout,
    lists: Vec<ListView>,
    /// "Lists 21 to 40 of 57" and the links to the neighbouring pages.
    showing: String,
    previous_page: Option<String>,
    next_page: Option<String>,
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
    paging: &Paging,
) -> AppResult<Response> {
    let layout = Layout::new(state, signed_in, "Lists").await?;
    let (lists, total) = state
        .store
        .lists_page(scope, paging.page * LISTS_SHOWN, LISTS_SHOWN)
        .await?;
    let start = |l: &store::ListRecord| {
        if paging.list.as_deref() == Some(l.id.to_string().as_str()) {
            paging.from.min(l.persons.len().saturating_sub(1))
        } else {
            0
        }
    };
    let mut shown: Vec<PersonId> = lists
        .iter()
        .flat_map(|l| l.persons.iter().skip(start(l)).take(ROWS_SHOWN).copied())
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
    // XC-5: where each list drawn up here went, and whether the peer acknowledged it.
    let drawn: Vec<uuid::Uuid> = lists.iter().filter(|l| l.drawn).map(|l| l.id).collect();
    let deliveries = state.store.list_deliveries(scope, &drawn).await?;
    let peers: Vec<String> = if drawn.is_empty() {
        Vec::new()
    } else {
        state
            .store
            .peers(scope)
            .await?
            .into_iter()
            .map(|p| p.peer)
            .collect()
    };
    let page_link = |page: i64| format!("/lists?page={}", page + 1);
    let rows_link = |l: &store::ListRecord, from: usize| {
        format!(
            "/lists?page={}&list={}&from={from}#list-{}",
            paging.page + 1,
            l.id,
            l.id
        )
    };
    let first_shown = paging.page * LISTS_SHOWN;
    let showing = if total == 0 {
        String::new()
    } else {
        format!(
            "Lists {} to {} of {total}, newest first",
            (first_shown + 1).min(total),
            (first_shown + i64::try_from(lists.len()).unwrap_or(0)).min(total)
        )
    };
    let previous_page = (paging.page > 0).then(|| page_link(paging.page - 1));
    let next_page = (first_shown + LISTS_SHOWN < total).then(|| page_link(paging.page + 1));
    let lists = lists
        .iter()
        .map(|l| {
            let first = start(l);
            let sent: Vec<(String, i64, String, bool)> = deliveries
                .iter()
                .filter(|d| d.list == l.id)
                .map(|d| {
                    (
                        d.recipient.clone(),
                        d.sequence,
                        datetime(d.sent_at),
                        d.acknowledged,
                    )
                })
                .collect();
            let waiting_for = if l.drawn {
                peers
                    .iter()
                    .filter(|p| !sent.iter().any(|(to, ..)| to == *p))
                    .cloned()
                    .collect()
            } else {
                Vec::new()
            };
            (l, first, sent, waiting_for)
        })
        .map(|(l, first, deliveries, waiting_for)| ListView {
            earlier: (first > 0).then(|| rows_link(l, first.saturating_sub(ROWS_SHOWN))),
            later: (first + ROWS_SHOWN < l.persons.len()).then(|| rows_link(l, first + ROWS_SHOWN)),
            deliveries,
            waiting_for,
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
                .enumerate()
                .skip(start(l))
                .take(ROWS_SHOWN)
                .map(|(i, p)| {
                    // A person restricted from this role is counted, not shown (ICRC-DP-c).
                    let (reference, name) = people
                        .get(p)
                        .cloned()
                        .unwrap_or_else(|| ("(restricted)".to_owned(), String::new()));
                    (i + 1, p.to_string(), reference, name)
                })
                .collect(),
            count: l.persons.len(),
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
        showing,
        previous_page,
        next_page,
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
    Query(query): Query<ListsQuery>,
) -> AppResult<Response> {
    page_with(
        &state,
        &member.signed_in,
        &member.scope,
        HashMap::new(),
        Vec::new(),
        &Paging::of(&query),
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
        Err(errors) => {
            page_with(
                &state,
                &member.signed_in,
                &member.scope,
                input,
                errors,
                &Paging::default(),
            )
            .await
        }
    }
}
