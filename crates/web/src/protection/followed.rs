//! The person as the unit follows them, across visits and transfers (ICRC-VIS-d): the persons
//! seen on every visit (filterable by place), the persons whose next visit is due or overdue,
//! and the link "same person as" that joins a later registration to the person's first one.
//! Every page and API read is logged with its purpose ("visit follow-up").

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use domain::protection::{FollowedPerson, Overdue, PersonSeen};
use domain::{PlaceId, RegistrationId, VisitId};
use serde_json::{Value, json};
use store::{StoreError, TenantScope};
use time::{Date, OffsetDateTime};

use super::{Protect, audit_read, instant, parse_id, place_names};
use crate::api::Json;
use crate::auth::CsrfForm;
use crate::authz::{ApiAuthorized, Authorized};
use crate::error::{AppError, AppResult};
use crate::html::{Layout, datetime, render};
use crate::state::AppState;

/// One time a person was seen, for the list across visits.
pub(super) struct SeenRow {
    pub registration: String,
    pub person: String,
    pub name: String,
    pub visit: String,
    pub visit_id: String,
    pub place: String,
    pub place_id: String,
    pub seen_at: String,
    pub at: OffsetDateTime,
    /// "transferred from …" when the person was seen before at another place.
    pub transfer: String,
    /// Registrations of the person in all (seen how many times).
    pub times: usize,
}

/// Everything the lists need: registrations by id, persons, visit references, place names.
pub(super) struct Followed {
    pub seen: HashMap<RegistrationId, PersonSeen>,
    pub persons: Vec<FollowedPerson>,
    pub visits: HashMap<VisitId, String>,
    pub places: HashMap<PlaceId, String>,
}

impl Followed {
    pub(super) async fn load(state: &AppState, scope: &TenantScope) -> AppResult<Self> {
        Ok(Self::from_store(&state.store, scope).await?)
    }

    /// The same, from the store alone (for the CLI's bundle import).
    pub(super) async fn from_store(
        store: &store::Store,
        scope: &TenantScope,
    ) -> Result<Self, StoreError> {
        let seen = store.registrations(scope, None).await?;
        let links = store.registration_links(scope).await?;
        let persons = domain::protection::group(&seen, &links);
        let visits = store
            .visits(scope)
            .await?
            .into_iter()
            .map(|v| (v.id, v.reference))
            .collect();
        Ok(Self {
            seen: seen.into_iter().map(|s| (s.id, s)).collect(),
            persons,
            visits,
            places: place_names(&store.places(scope).await?),
        })
    }

    fn place(&self, id: PlaceId) -> String {
        self.places.get(&id).cloned().unwrap_or_default()
    }

    /// The name a person goes by: as written at their latest registration.
    pub(super) fn name(&self, person: &FollowedPerson) -> String {
        person
            .last_seen()
            .and_then(|s| self.seen.get(&s.registration))
            .map(|s| s.name.display())
            .unwrap_or_default()
    }

    /// Every sighting, newest first, of the persons seen at `place` (any place when `None`).
    pub(super) fn rows(&self, place: Option<PlaceId>) -> Vec<SeenRow> {
        let mut rows = Vec::new();
        for person in &self.persons {
            let mut before: Option<PlaceId> = None;
            for s in &person.sightings {
                let transfer = match before {
                    Some(from) if from != s.place => {
                        format!("transferred from {}", self.place(from))
                    }
                    _ => String::new(),
                };
                before = Some(s.place);
                if place.is_some_and(|p| p != s.place) {
                    continue;
                }
                let Some(registered) = self.seen.get(&s.registration) else {
                    continue;
                };
                rows.push((
                    s.seen_at,
                    SeenRow {
                        registration: s.registration.to_string(),
                        person: person.id.to_string(),
                        name: registered.name.display(),
                        visit: self.visits.get(&s.visit).cloned().unwrap_or_default(),
                        visit_id: s.visit.to_string(),
                        place: self.place(s.place),
                        place_id: s.place.to_string(),
                        seen_at: datetime(s.seen_at),
                        at: s.seen_at,
                        transfer,
                        times: person.sightings.len(),
                    },
                ));
            }
        }
        rows.sort_by_key(|row| std::cmp::Reverse(row.0));
        rows.into_iter().map(|(_, row)| row).collect()
    }
}

fn place_filter(
    query: &HashMap<String, String>,
    places: &HashMap<PlaceId, String>,
) -> AppResult<Option<PlaceId>> {
    match query
        .get("place")
        .map(|p| p.trim())
        .filter(|p| !p.is_empty())
    {
        None => Ok(None),
        Some(text) => {
            let id: PlaceId = text.parse().map_err(|_| {
                AppError::Invalid(vec![("place".into(), "not a place of this unit".into())])
            })?;
            // Another tenant's place is as unknown as a made-up one.
            if places.contains_key(&id) {
                Ok(Some(id))
            } else {
                Err(AppError::Invalid(vec![(
                    "place".into(),
                    "not a place of this unit".into(),
                )]))
            }
        }
    }
}

/// `on=YYYY-MM-DD`: the day the list is for (default today, UTC).
fn due_day(query: &HashMap<String, String>) -> AppResult<Date> {
    match query.get("on").map(|d| d.trim()).filter(|d| !d.is_empty()) {
        None => Ok(OffsetDateTime::now_utc().date()),
        Some(text) => Date::parse(
            text,
            time::macros::format_description!("[year]-[month]-[day]"),
        )
        .map_err(|_| {
            AppError::Invalid(vec![(
                "on".into(),
                format!("{text:?} is not a day (YYYY-MM-DD)"),
            )])
        }),
    }
}

struct PlaceOption {
    id: String,
    name: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "protection_persons_seen.html")]
struct PersonsSeenPage {
    layout: Layout,
    rows: Vec<SeenRow>,
    places: Vec<PlaceOption>,
    persons: usize,
}

/// `GET /protection/persons-seen[?place=…]`: every person seen on every visit, newest first,
/// with the person they are followed as and any transfer (the read is logged).
pub(crate) async fn persons_seen_page(
    State(state): State<AppState>,
    member: Authorized<Protect>,
    Query(query): Query<HashMap<String, String>>,
) -> AppResult<Response> {
    let scope = &member.scope;
    let followed = Followed::load(&state, scope).await?;
    let place = place_filter(&query, &followed.places)?;
    let rows = followed.rows(place);
    audit_read(
        &state,
        scope,
        "persons-seen".into(),
        "visit follow-up",
        rows.len(),
    )
    .await?;
    let mut places: Vec<PlaceOption> = followed
        .places
        .iter()
        .map(|(id, name)| PlaceOption {
            id: id.to_string(),
            name: name.clone(),
            selected: place == Some(*id),
        })
        .collect();
    places.sort_by(|a, b| a.name.cmp(&b.name));
    let persons = {
        let mut ids: Vec<&str> = rows.iter().map(|r| r.person.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        ids.len()
    };
    let page = PersonsSeenPage {
        layout: Layout::new(&state, &member.signed_in, "Persons seen").await?,
        rows,
        places,
        persons,
    };
    Ok(render(&page)?.into_response())
}

/// `GET /api/v1/protection/persons-seen[?place=…]`: the same list as JSON.
pub(crate) async fn api_persons_seen(
    State(state): State<AppState>,
    caller: ApiAuthorized<Protect>,
    Query(query): Query<HashMap<String, String>>,
) -> AppResult<Response> {
    let scope = caller.scope();
    let followed = Followed::load(&state, scope).await?;
    let place = place_filter(&query, &followed.places)?;
    let rows = followed.rows(place);
    audit_read(
        &state,
        scope,
        "persons-seen".into(),
        "visit follow-up (api)",
        rows.len(),
    )
    .await?;
    let seen: Vec<Value> = rows
        .iter()
        .map(|r| {
            json!({
                "registration": r.registration,
                "person": r.person,
                "name": r.name,
                "visit": r.visit,
                "visit_id": r.visit_id,
                "place": r.place,
                "place_id": r.place_id,
                "seen_at": instant(Some(r.at)),
                "transfer": (!r.transfer.is_empty()).then_some(&r.transfer),
                "times_seen": r.times,
            })
        })
        .collect();
    Ok(Json(json!({ "persons_seen": seen })).into_response())
}

struct OverdueRow {
    person: String,
    name: String,
    due: String,
    days: i64,
    place: String,
    last_seen: String,
    explanation: String,
}

#[derive(Template)]
#[template(path = "protection_overdue.html")]
struct OverduePage {
    layout: Layout,
    on: String,
    rows: Vec<OverdueRow>,
    total: usize,
    /// 1-based, for "31–60 of 1,000".
    first: usize,
    last: usize,
    /// Links to the previous and next page; empty when there is none.
    previous: String,
    next: String,
}

/// How many persons due a page shows unless `limit` says otherwise.
const DUE_PAGE: usize = 100;

/// `offset` (default 0) and `limit` (default 100, 1 to 500) of a follow-ups-due request; a
/// value that is not a whole number in range is 422 naming the field.
fn due_window(query: &HashMap<String, String>) -> AppResult<(usize, usize)> {
    let number = |name: &str, default: usize, range: std::ops::RangeInclusive<usize>| match query
        .get(name)
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
    {
        None => Ok(default),
        Some(text) => text
            .parse::<usize>()
            .ok()
            .filter(|n| range.contains(n))
            .ok_or_else(|| {
                AppError::Invalid(vec![(
                    name.to_owned(),
                    format!(
                        "{text:?}: a whole number from {} to {}",
                        range.start(),
                        range.end()
                    ),
                )])
            }),
    };
    Ok((
        number("offset", 0, 0..=usize::MAX)?,
        number("limit", DUE_PAGE, 1..=store::REGISTRATIONS_BY_ID_MAX)?,
    ))
}

/// One page of the follow-ups due (ICRC-VIS-d) with what its rows show: only the page's
/// persons' names are read and decoded, so the cost of a page does not grow with the number
/// of persons due (`bench/overdue.sh`).
struct DueWindow {
    on: Date,
    offset: usize,
    limit: usize,
    total: usize,
    overdue: Vec<Overdue>,
    names: HashMap<RegistrationId, String>,
    visits: HashMap<VisitId, String>,
    places: HashMap<PlaceId, String>,
}

impl DueWindow {
    async fn load(
        state: &AppState,
        scope: &TenantScope,
        query: &HashMap<String, String>,
        purpose: &str,
    ) -> AppResult<Self> {
        let on = due_day(query)?;
        let (offset, limit) = due_window(query)?;
        let (overdue, total) = state
            .store
            .overdue_follow_ups_page(scope, on, offset, limit)
            .await?;
        let last: Vec<RegistrationId> = overdue.iter().map(|o| o.last_seen.registration).collect();
        let names = state
            .store
            .registrations_by_id(scope, &last)
            .await?
            .into_iter()
            .map(|s| (s.id, s.name.display()))
            .collect();
        audit_read(
            state,
            scope,
            "follow-ups-due".into(),
            purpose,
            overdue.len(),
        )
        .await?;
        Ok(Self {
            on,
            offset,
            limit,
            total,
            overdue,
            names,
            visits: state
                .store
                .visits(scope)
                .await?
                .into_iter()
                .map(|v| (v.id, v.reference))
                .collect(),
            places: place_names(&state.store.places(scope).await?),
        })
    }

    fn rows(&self) -> Vec<OverdueRow> {
        self.overdue
            .iter()
            .map(|o| OverdueRow {
                person: o.person.to_string(),
                // The name as written at the person's latest registration.
                name: self
                    .names
                    .get(&o.last_seen.registration)
                    .cloned()
                    .unwrap_or_default(),
                due: o.due.to_string(),
                days: o.days,
                place: self
                    .places
                    .get(&o.last_seen.place)
                    .cloned()
                    .unwrap_or_default(),
                last_seen: datetime(o.last_seen.seen_at),
                explanation: o.explain(),
            })
            .collect()
    }

    fn link(&self, offset: usize) -> String {
        format!(
            "/protection/follow-ups/due?on={}&offset={offset}&limit={}",
            self.on, self.limit
        )
    }
}

/// `GET /protection/follow-ups/due[?on=YYYY-MM-DD][&offset=…&limit=…]`: the persons whose next
/// visit is due on that day or before and who have not been seen since (ICRC-VIS-d), most
/// overdue first, one page at a time.
pub(crate) async fn overdue_page(
    State(state): State<AppState>,
    member: Authorized<Protect>,
    Query(query): Query<HashMap<String, String>>,
) -> AppResult<Response> {
    let window = DueWindow::load(&state, &member.scope, &query, "visit follow-up").await?;
    let shown = window.overdue.len();
    let page = OverduePage {
        layout: Layout::new(&state, &member.signed_in, "Follow-ups due").await?,
        on: window.on.to_string(),
        rows: window.rows(),
        total: window.total,
        first: window.offset + usize::from(shown > 0),
        last: window.offset + shown,
        previous: if window.offset > 0 {
            window.link(window.offset.saturating_sub(window.limit))
        } else {
            String::new()
        },
        next: if window.offset + shown < window.total {
            window.link(window.offset + shown)
        } else {
            String::new()
        },
    };
    Ok(render(&page)?.into_response())
}

/// `GET /api/v1/protection/follow-ups/due[?on=YYYY-MM-DD][&offset=…&limit=…]`: the same list
/// as JSON, one page, with the total due.
pub(crate) async fn api_overdue(
    State(state): State<AppState>,
    caller: ApiAuthorized<Protect>,
    Query(query): Query<HashMap<String, String>>,
) -> AppResult<Response> {
    let window = DueWindow::load(&state, caller.scope(), &query, "visit follow-up (api)").await?;
    let due: Vec<Value> = window
        .overdue
        .iter()
        .zip(window.rows())
        .map(|(o, row)| {
            json!({
                "person": row.person,
                "name": row.name,
                "next_visit_due": row.due,
                "days_overdue": o.days,
                "follow_up_recorded_at": instant(Some(o.set_at)),
                "last_seen": {
                    "registration": o.last_seen.registration.to_string(),
                    "visit": window.visits.get(&o.last_seen.visit),
                    "place": row.place,
                    "place_id": o.last_seen.place.to_string(),
                    "seen_at": instant(Some(o.last_seen.seen_at)),
                },
                "explanation": row.explanation,
            })
        })
        .collect();
    Ok(Json(json!({
        "on": window.on.to_string(),
        "total": window.total,
        "offset": window.offset,
        "limit": window.limit,
        "due": due,
    }))
    .into_response())
}

/// `POST /protection/persons-seen/{id}/same-as`: ICRC-VIS-d, this registration is the same
/// person as `same_as` (seen on an earlier visit, or at another place before a transfer); from
/// then on the person has one follow-up history. A refusal re-renders the person's page with
/// the message on `same_as`.
pub(crate) async fn same_as_submit(
    State(state): State<AppState>,
    member: Authorized<Protect>,
    Path(id): Path<String>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    let id: RegistrationId = parse_id(&id)?;
    // Another tenant's person: 404 before anything is parsed.
    state.store.registration(&member.scope, id).await?;
    let form = super::forms::Fields::new(pairs);
    let same_as = form.get("same_as").trim().to_owned();
    let refuse = |message: String| vec![("same_as".to_owned(), message)];
    let errors = match same_as.parse::<RegistrationId>() {
        Err(_) => refuse("same_as: choose the person seen before".into()),
        Ok(other) => match state
            .store
            .link_registration(&member.scope, id, other)
            .await
        {
            Ok(_) => {
                return Ok(
                    Redirect::to(&format!("/protection/persons-seen/{id}#seen-on")).into_response(),
                );
            }
            Err(StoreError::NotFound) => refuse("same_as: not a person seen by this unit".into()),
            Err(StoreError::Invalid(message)) => refuse(message),
            Err(other) => return Err(other.into()),
        },
    };
    super::person::render_person(&state, &member, id, form, errors).await
}
