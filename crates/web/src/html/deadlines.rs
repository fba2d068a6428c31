//! The tenant's obligations (§10): what is owed, by when, and whether it was done.
//!
//! Obligations are not stored; they are computed from events and notifications by the domain's
//! engine, once per request: one read of the tenant's facts, then a pure function per person.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use domain::{
    Channel, DeadlinePolicy, Obligation, ObligationStatus, PersonId, PlaceId, PlaceKind, RuleId,
    Tally,
};
use serde::Deserialize;
use store::TenantScope;
use time::OffsetDateTime;

use crate::authz::{Authorized, ReadRegistry};
use crate::error::AppResult;
use crate::html::{Layout, datetime, page_number, render};
use crate::state::AppState;

/// Rows on one page of deadlines: keeps the page well under 100 KB.
const PAGE_SIZE: usize = 100;

/// One obligation, with the reference of the person who is owed it.
pub(crate) struct Owed {
    pub obligation: Obligation,
    pub reference: String,
}

/// How long a computed list of obligations is reused. Writes through this server (a
/// registration, an event) drop it at once; another server on the same PostgreSQL database, or a
/// due time passing, shows after at most this long.
pub(crate) const OBLIGATIONS_TTL: std::time::Duration = std::time::Duration::from_secs(5);

/// Every obligation of the tenant, sorted by due time: computed at most every
/// [`OBLIGATIONS_TTL`] per tenant, since the dashboard and the deadlines page read them all.
pub(crate) async fn tenant_obligations(
    state: &AppState,
    scope: &TenantScope,
    now: OffsetDateTime,
) -> AppResult<Arc<TenantObligations>> {
    state
        .obligations
        .get(
            scope.tenant(),
            |cached| cached.computed.elapsed() < OBLIGATIONS_TTL,
            || async {
                Ok(TenantObligations {
                    computed: std::time::Instant::now(),
                    owed: compute_obligations(state, scope, now).await?,
                })
            },
        )
        .await
}

/// A tenant's obligations as computed at one moment.
pub(crate) struct TenantObligations {
    computed: std::time::Instant,
    pub owed: Vec<Owed>,
}

impl std::ops::Deref for TenantObligations {
    type Target = Vec<Owed>;
    fn deref(&self) -> &Vec<Owed> {
        &self.owed
    }
}

/// Every obligation of the tenant at `now`, sorted by due time.
async fn compute_obligations(
    state: &AppState,
    scope: &TenantScope,
    now: OffsetDateTime,
) -> AppResult<Vec<Owed>> {
    // GC3-122-a, GC4-136-a: only a party's bureau owes deadlines.
    let owes = state
        .tenant(scope.tenant())
        .await?
        .is_some_and(|t| t.kind.owes_deadlines());
    if !owes {
        return Ok(Vec::new());
    }
    let facts = state.store.tenant_facts(scope).await?;
    let place_kinds = place_kinds(state, scope).await?;
    let place_kind = |id: PlaceId| place_kinds.get(&id).copied();
    let policy = DeadlinePolicy::default();
    let mut owed = Vec::new();
    // A person received from a peer owes this tenant nothing: the sender holds them (issue 5).
    for person in facts.iter().filter(|p| !p.received) {
        let obligations = domain::obligations(
            &domain::PersonFacts {
                person: person.person,
                category: person.category,
                events: &person.events,
                notifications: &person.notifications,
                place_kind: &place_kind,
            },
            &policy,
            now,
        );
        owed.extend(obligations.into_iter().map(|obligation| Owed {
            obligation,
            reference: person.reference.clone(),
        }));
    }
    owed.sort_by(|a, b| {
        (a.obligation.due_at, a.obligation.rule, &a.reference).cmp(&(
            b.obligation.due_at,
            b.obligation.rule,
            &b.reference,
        ))
    });
    Ok(owed)
}

/// The kind of each of the tenant's places, which the engine needs to tell camps from others.
async fn place_kinds(
    state: &AppState,
    scope: &TenantScope,
) -> AppResult<HashMap<PlaceId, PlaceKind>> {
    Ok(state
        .store
        .places(scope)
        .await?
        .into_iter()
        .map(|place| (place.id, place.kind))
        .collect())
}

/// The filter in the query string: `due`, `overdue` or `done` (which includes done late).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum StatusFilter {
    Due,
    Overdue,
    Done,
}

impl StatusFilter {
    fn parse(text: &str) -> Option<Self> {
        match text {
            "due" => Some(Self::Due),
            "overdue" => Some(Self::Overdue),
            "done" => Some(Self::Done),
            _ => None,
        }
    }

    fn code(self) -> &'static str {
        match self {
            Self::Due => "due",
            Self::Overdue => "overdue",
            Self::Done => "done",
        }
    }

    fn matches(self, status: ObligationStatus) -> bool {
        matches!(
            (self, status),
            (Self::Due, ObligationStatus::Due)
                | (Self::Overdue, ObligationStatus::Overdue)
                | (Self::Done, ObligationStatus::Done { .. })
        )
    }
}

/// A status in words, and the class the stylesheet colours it by.
pub(crate) fn status_text(status: ObligationStatus) -> (&'static str, String) {
    match status {
        ObligationStatus::Due => ("due", String::new()),
        ObligationStatus::Overdue => ("overdue", String::new()),
        ObligationStatus::Done { at, late: false } => ("done", datetime(at)),
        ObligationStatus::Done { at, late: true } => ("done late", datetime(at)),
    }
}

pub(crate) fn channel_label(channel: Channel) -> &'static str {
    match channel {
        Channel::Agency => "Central Tracing Agency",
        Channel::ProtectingPower => "Protecting power",
        Channel::Family => "Family",
        Channel::Bureau => "Bureau",
        Channel::Internal => "Internal",
    }
}

#[derive(Deserialize)]
pub(crate) struct DeadlinesQuery {
    status: Option<String>,
    rule: Option<String>,
    page: Option<String>,
}

struct DeadlineRow {
    rule_code: &'static str,
    rule_label: &'static str,
    channel: &'static str,
    person_id: PersonId,
    reference: String,
    /// As written, so that a clerk knows whom the row is about without opening it.
    name: Option<String>,
    /// A restriction keeps the person from the caller's role (ICRC-DP-c): the duty still
    /// counts and shows, but not whose it is.
    restricted: bool,
    due_at: String,
    status_class: &'static str,
    status: &'static str,
    met_at: String,
}

struct RuleCount {
    code: &'static str,
    label: &'static str,
    tally: Tally,
}

#[derive(Template)]
#[template(path = "deadlines.html")]
struct DeadlinesPage {
    layout: Layout,
    tally: Tally,
    rules: Vec<RuleCount>,
    /// The filters in force, as query-string values ("" for none).
    status: &'static str,
    rule: &'static str,
    rows: Vec<DeadlineRow>,
    /// How many obligations the filters select, across all pages.
    matching: usize,
    page: usize,
    pages: usize,
}

impl DeadlinesPage {
    /// The query string of this page's filters at page `page`, for links.
    fn query(&self, status: &str, rule: &str, page: usize) -> String {
        let mut parts = Vec::new();
        if !status.is_empty() {
            parts.push(format!("status={status}"));
        }
        if !rule.is_empty() {
            parts.push(format!("rule={rule}"));
        }
        if page > 1 {
            parts.push(format!("page={page}"));
        }
        if parts.is_empty() {
            String::new()
        } else {
            format!("?{}", parts.join("&"))
        }
    }
}

/// `GET /deadlines?status=overdue|due|done&rule=GC3-70-a&page=2`.
pub(crate) async fn page(
    State(state): State<AppState>,
    member: Authorized<ReadRegistry>,
    Query(query): Query<DeadlinesQuery>,
) -> AppResult<Response> {
    let layout = Layout::new(&state, &member.signed_in, "Deadlines").await?;
    let owed = tenant_obligations(&state, &member.scope, OffsetDateTime::now_utc()).await?;
    let status = query.status.as_deref().and_then(StatusFilter::parse);
    let rule = query
        .rule
        .as_deref()
        .and_then(|code| code.parse::<RuleId>().ok());

    let mut tally = Tally::default();
    let mut by_rule: BTreeMap<RuleId, Tally> = BTreeMap::new();
    for item in owed.iter() {
        tally.add(item.obligation.status);
        by_rule
            .entry(item.obligation.rule)
            .or_default()
            .add(item.obligation.status);
    }
    let selected: Vec<&Owed> = owed
        .iter()
        .filter(|item| status.is_none_or(|s| s.matches(item.obligation.status)))
        .filter(|item| rule.is_none_or(|r| r == item.obligation.rule))
        .collect();
    let matching = selected.len();
    let pages = matching.div_ceil(PAGE_SIZE).max(1);
    let page = usize::try_from(page_number(query.page.as_deref()))
        .unwrap_or(1)
        .min(pages);
    let (directory, hidden) = crate::directory::directory(&state, &member.scope).await?;
    let rows = selected
        .into_iter()
        .skip((page - 1) * PAGE_SIZE)
        .take(PAGE_SIZE)
        .map(|item| {
            let (status, met_at) = status_text(item.obligation.status);
            DeadlineRow {
                rule_code: item.obligation.rule.code(),
                rule_label: item.obligation.rule.label(),
                channel: channel_label(item.obligation.channel),
                person_id: item.obligation.person,
                reference: item.reference.clone(),
                name: directory
                    .name_of(item.obligation.person, &hidden)
                    .map(str::to_owned),
                restricted: hidden.contains(&item.obligation.person),
                due_at: datetime(item.obligation.due_at),
                status_class: item.obligation.status.code(),
                status,
                met_at,
            }
        })
        .collect();
    let rules = by_rule
        .into_iter()
        .map(|(rule, tally)| RuleCount {
            code: rule.code(),
            label: rule.label(),
            tally,
        })
        .collect();
    render(&DeadlinesPage {
        layout,
        tally,
        rules,
        status: status.map_or("", StatusFilter::code),
        rule: rule.map_or("", RuleId::code),
        rows,
        matching,
        page,
        pages,
    })
}
