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
use domain::{AssertedValue, CurrentView, EventKind, FieldKey, PersonId, PlaceId};
use store::{ListCriteria, ListRecord, NewList, TenantScope};
use time::{Date, Time};

use crate::auth::{CsrfForm, SignedIn};
use crate::authz::{Authorized, ReadRegistry, Register};
use crate::error::AppResult;
use crate::html::register::FieldErrors;
use crate::html::{Layout, datetime, render};
use crate::state::AppState;

/// The rows a list shows on the page; the rest are counted.
const ROWS_SHOWN: usize = 200;

/// A kind of list a bureau draws from its records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Preset {
    pub code: &'static str,
    pub label: &'static str,
    pub kinds: &'static [EventKind],
    /// The requirement the list meets, carried as the list's rule.
    pub rule: &'static str,
    pub needs_place: bool,
}

pub(crate) const PRESETS: [Preset; 5] = [
    Preset {
        code: "transferred",
        label: "Transferred to a place (departures)",
        kinds: &[EventKind::TransferDeparture],
        rule: "GC3-46-a, GC4-127",
        needs_place: true,
    },
    Preset {
        code: "arrived",
        label: "Arrived at a place (evacuated, transferred in)",
        kinds: &[EventKind::ArrivalAtPlace, EventKind::TransferArrival],
        rule: "GC3-20-a",
        needs_place: true,
    },
    Preset {
        code: "released",
        label: "Released or repatriated",
        kinds: &[EventKind::Release, EventKind::Repatriation],
        rule: "GC3-122-e, GC3-119-a",
        needs_place: false,
    },
    Preset {
        code: "repatriated",
        label: "Repatriated",
        kinds: &[EventKind::Repatriation],
        rule: "GC3-119-a, GC3-122-e",
        needs_place: false,
    },
    Preset {
        code: "died",
        label: "Died",
        kinds: &[EventKind::Death],
        rule: "GC3-120-b",
        needs_place: false,
    },
];

/// What a list is drawn from, as a form or the API gives it: `list` (a preset code), `place`
/// (a place id of this tenant), `from` and `until` (dates, `YYYY-MM-DD`, both included),
/// `title` (optional: a title is made from the rest).
#[derive(Clone, Debug, Default)]
pub(crate) struct DeriveInput {
    pub list: String,
    pub place: String,
    pub from: String,
    pub until: String,
    pub title: String,
}

fn parse_date(text: &str) -> Option<Date> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(text.trim(), &format).ok()
}

/// Checks a derive request and draws the list from the records.
///
/// # Errors
/// A database error; a bad field or a list with no or too many persons is `Ok(Err(..))`, each
/// message on its field.
pub(crate) async fn derive(
    state: &AppState,
    scope: &TenantScope,
    input: &DeriveInput,
) -> AppResult<Result<ListRecord, FieldErrors>> {
    let mut errors: FieldErrors = Vec::new();
    let preset = PRESETS.iter().find(|p| p.code == input.list.trim());
    if preset.is_none() {
        errors.push((
            "list".into(),
            format!("choose which list: {}", PRESETS.map(|p| p.code).join(", ")),
        ));
    }
    let places = state.store.places(scope).await?;
    let mut place = None;
    if !input.place.trim().is_empty() {
        place = input
            .place
            .trim()
            .parse::<uuid::Uuid>()
            .ok()
            .map(PlaceId::from_uuid)
            .and_then(|id| places.iter().find(|p| p.id == id));
        if place.is_none() {
            errors.push(("place".into(), "not a place of this tenant".into()));
        }
    } else if preset.is_some_and(|p| p.needs_place) {
        errors.push((
            "place".into(),
            "this list is of one place: choose it".into(),
        ));
    }
    let mut bound = |key: &str, text: &str| -> Option<Date> {
        if text.trim().is_empty() {
            return None;
        }
        let date = parse_date(text);
        if date.is_none() {
            errors.push((key.into(), format!("{text:?} is not a date (YYYY-MM-DD)")));
        }
        date
    };
    let from = bound("from", &input.from);
    let until = bound("until", &input.until);
    if let (Some(from), Some(until)) = (from, until)
        && until < from
    {
        errors.push(("until".into(), "the period ends before it starts".into()));
    }
    if input.title.chars().count() > 200 {
        errors.push(("title".into(), "a title of at most 200 characters".into()));
    }
    let Some(preset) = preset.filter(|_| errors.is_empty()) else {
        return Ok(Err(errors));
    };
    let criteria = ListCriteria {
        kinds: preset.kinds.to_vec(),
        place: place.map(|p| p.id),
        from: from.map(|d| d.with_time(Time::MIDNIGHT).assume_utc()),
        // Both days included: events before the next midnight.
        until: until
            .and_then(Date::next_day)
            .map(|d| d.with_time(Time::MIDNIGHT).assume_utc()),
    };
    let (persons, more) = state
        .store
        .persons_by_events(scope, &criteria, store::LIST_ROWS_MAX)
        .await?;
    if more {
        return Ok(Err(vec![(
            "from".into(),
            format!(
                "more than {} persons qualify: a list holds at most {}; shorten the period",
                store::LIST_ROWS_MAX,
                store::LIST_ROWS_MAX
            ),
        )]));
    }
    if persons.is_empty() {
        return Ok(Err(vec![(
            "list".into(),
            "no person's records match: there is nothing to list".into(),
        )]));
    }
    let title = if input.title.trim().is_empty() {
        let mut title = preset
            .label
            .split(" (")
            .next()
            .unwrap_or(preset.label)
            .to_owned();
        if let Some(place) = place {
            title = title.replace(" a place", "");
            title.push_str(&format!(" {}", place.name));
        }
        match (&from, &until) {
            (Some(from), Some(until)) => title.push_str(&format!(", {from} to {until}")),
            (Some(from), None) => title.push_str(&format!(", from {from}")),
            (None, Some(until)) => title.push_str(&format!(", until {until}")),
            (None, None) => {}
        }
        title.chars().take(200).collect()
    } else {
        input.title.trim().to_owned()
    };
    let list = state
        .store
        .draw_list(
            scope,
            &NewList {
                title,
                rule: Some(preset.rule.to_owned()),
                persons,
            },
        )
        .await?;
    tracing::info!(list = %list.id, rows = list.persons.len(), "list drawn from records");
    Ok(Ok(list))
}

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
    match derive(&state, &member.scope, &request).await? {
        Ok(list) => Ok(Redirect::to(&format!("/lists#list-{}", list.id)).into_response()),
        Err(errors) => page_with(&state, &member.signed_in, &member.scope, input, errors).await,
    }
}
