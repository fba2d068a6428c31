//! One person's record: every field with its standing values and their provenance, corrections
//! kept beneath, absences with their reason, the timeline, custody and obligations.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use domain::{
    AbsenceReason, AssertedValue, Assertion, CurrentView, Custody, DeadlinePolicy, EventId,
    FieldKey, PersonId, Presence, Provenance, SourceId, SourceKind,
};
use time::OffsetDateTime;

use crate::authz::{Authorized, ReadRegistry};
use crate::error::{AppError, AppResult};
use crate::html::deadlines::{channel_label, status_text};
use crate::html::{Layout, date, datetime, render};
use crate::state::AppState;

/// One value of a field, as the page shows it.
struct ValueView {
    /// Free text, a date, a code: shown as written.
    text: Option<String>,
    /// A name, part by part.
    name_parts: Vec<NamePartView>,
    /// Absent, with the reason's code (for the stylesheet) and its words.
    absence: Option<(&'static str, &'static str)>,
    /// The language of the value, when the source or the name part says.
    lang: Option<String>,
    source: SourceView,
    locator: String,
    recorded_at: String,
}

struct NamePartView {
    kind: &'static str,
    value: String,
    script: String,
    lang: Option<String>,
    /// `value (scheme)` for each derived transliteration.
    transliterations: Vec<String>,
}

struct SourceView {
    kind: &'static str,
    reference: String,
    collected_by: String,
    collected_at: String,
    language: Option<String>,
    script: Option<String>,
    confidence: u8,
}

struct FieldBlock {
    label: &'static str,
    conflicting: bool,
    standing: Vec<ValueView>,
    superseded: Vec<ValueView>,
}

struct EventRow {
    id: EventId,
    label: &'static str,
    occurred_at: String,
    place: Option<String>,
    place_to: Option<String>,
    note: Option<String>,
}

struct ObligationRow {
    rule_code: &'static str,
    rule_label: &'static str,
    channel: &'static str,
    due_at: String,
    status_class: &'static str,
    status: &'static str,
    met_at: String,
}

/// Custody in words; `closed_by` points at the event in the timeline.
struct CustodyView {
    text: String,
    closed_by: Option<EventId>,
}

#[derive(Template)]
#[template(path = "person.html")]
struct PersonPage {
    layout: Layout,
    reference: String,
    category: &'static str,
    registered: String,
    heading_name: Option<String>,
    heading_lang: Option<String>,
    custody: CustodyView,
    fields: Vec<FieldBlock>,
    events: Vec<EventRow>,
    obligations: Vec<ObligationRow>,
    /// Whether this tenant owes deadlines at all (a party's bureau).
    owes: bool,
    /// Every source that said something about this person (XC-3): for the agency, each
    /// bureau's notification, "notified by … on …".
    sources: Vec<SourceView>,
    /// GC4-137-b: the reasons a bureau gave for withholding from the power of origin.
    detriment: Vec<String>,
    /// Forwarding decisions (issue 5): to whom, forwarded or withheld, fields, and why.
    forwarding: Vec<ForwardingRow>,
    /// Issue 5, item 3: the records proposed or confirmed as the same person (MATCH-1).
    same_person: Vec<LinkRow>,
    /// The records confirmed as this person's, this one first (more than one: a group).
    group: Vec<GroupMember>,
    /// Every field as each record of the group holds it, side by side (XC-3): nothing merged.
    across: Vec<AcrossField>,
}

struct LinkRow {
    proposal: String,
    person: PersonId,
    reference: String,
    display_name: String,
    source: String,
    percent: String,
    status: &'static str,
    confirmed: bool,
}

struct GroupMember {
    person: PersonId,
    reference: String,
    source: String,
}

struct AcrossRecord {
    person: PersonId,
    reference: String,
    standing: Vec<ValueView>,
    superseded: Vec<ValueView>,
}

struct AcrossField {
    label: &'static str,
    /// The records' standing values differ as written (another script counts: both stand).
    disagree: bool,
    records: Vec<AcrossRecord>,
}

struct ForwardingRow {
    decided_at: String,
    recipient: String,
    forwarded: bool,
    fields_forwarded: String,
    fields_withheld: String,
    reason: String,
}

/// `GET /persons/{id}`. A malformed id, an unknown id and another tenant's person all answer
/// 404, so that nobody learns whether a person exists elsewhere.
pub(crate) async fn page(
    State(state): State<AppState>,
    member: Authorized<ReadRegistry>,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let id: PersonId = id.parse().map_err(|_| AppError::NotFound)?;
    let record = state.store.person(&member.scope, id).await?;
    let layout = Layout::new(&state, &member.signed_in, "Person").await?;
    let places = state.store.places(&member.scope).await?;
    let place_names: HashMap<_, _> = places.iter().map(|p| (p.id, p.name.clone())).collect();
    let kinds: HashMap<_, _> = places.iter().map(|p| (p.id, p.kind)).collect();
    let sources: HashMap<SourceId, &Provenance> =
        record.sources.iter().map(|s| (s.id, s)).collect();

    let view = CurrentView::project(&record.assertions);
    let heading = view.value(FieldKey::Name).and_then(|value| match value {
        AssertedValue::Name(name) => Some(name),
        _ => None,
    });
    let heading_lang = heading.and_then(|name| {
        name.parts()
            .iter()
            .find_map(|part| part.language.as_ref().map(|l| l.as_str().to_owned()))
    });
    let fields = FieldKey::ALL
        .into_iter()
        .map(|field| match view.fields.get(&field) {
            Some(field_view) => FieldBlock {
                label: field.label(),
                conflicting: field_view.is_conflicting(),
                standing: field_view
                    .standing
                    .iter()
                    .map(|a| value_view(a, &sources))
                    .collect(),
                superseded: field_view
                    .superseded
                    .iter()
                    .map(|a| value_view(a, &sources))
                    .collect(),
            },
            None => FieldBlock {
                label: field.label(),
                conflicting: false,
                standing: Vec::new(),
                superseded: Vec::new(),
            },
        })
        .collect();

    let events = record
        .events
        .iter()
        .map(|event| EventRow {
            id: event.id,
            label: event.kind.label(),
            occurred_at: datetime(event.occurred_at),
            place: event.place.and_then(|p| place_names.get(&p).cloned()),
            place_to: event.place_to.and_then(|p| place_names.get(&p).cloned()),
            note: event.note.clone(),
        })
        .collect();

    let custody = match Custody::from_events(&record.events) {
        Custody::NotRecorded => CustodyView {
            text: "No capture or arrest is recorded.".to_owned(),
            closed_by: None,
        },
        Custody::InCustody { since } => CustodyView {
            text: format!("In custody since {}.", datetime(since)),
            closed_by: None,
        },
        Custody::Closed { by, kind, at } => CustodyView {
            text: format!("Closed by “{}” on {}.", kind.label(), datetime(at)),
            closed_by: Some(by),
        },
    };

    let place_kind = |id| kinds.get(&id).copied();
    // GC3-122-a, GC4-136-a: only a party's bureau owes deadlines.
    let owes = member.principal.tenant_kind.owes_deadlines();
    let obligations = domain::obligations(
        &domain::PersonFacts {
            person: record.person.id,
            category: record.person.category,
            events: &record.events,
            notifications: &record.notifications,
            place_kind: &place_kind,
        },
        &DeadlinePolicy::default(),
        OffsetDateTime::now_utc(),
    )
    .into_iter()
    .filter(|_| owes)
    .map(|obligation| {
        let (status, met_at) = status_text(obligation.status);
        ObligationRow {
            rule_code: obligation.rule.code(),
            rule_label: obligation.rule.label(),
            channel: channel_label(obligation.channel),
            due_at: datetime(obligation.due_at),
            status_class: obligation.status.code(),
            status,
            met_at,
        }
    })
    .collect();

    let detriment = state
        .store
        .detriment_flags(&member.scope)
        .await?
        .remove(&id)
        .unwrap_or_default();
    let forwarding = state
        .store
        .forwarding_decisions(&member.scope, Some(id))
        .await?
        .into_iter()
        .map(|d| ForwardingRow {
            decided_at: datetime(d.decided_at),
            recipient: d.decision.recipient,
            forwarded: d.decision.forwarded,
            fields_forwarded: d.decision.fields_forwarded.join(", "),
            fields_withheld: d.decision.fields_withheld.join("; "),
            reason: d.decision.reason,
        })
        .collect();
    // Issue 5, item 3: at the agency, compare the persons not compared yet, then show this
    // person's same-person proposals and, for a confirmed group, every source side by side.
    let agency = member.principal.tenant_kind == domain::TenantKind::Agency;
    let (same_person, group, across) = if agency {
        same_person_sections(&state, &member.scope, id).await?
    } else {
        (Vec::new(), Vec::new(), Vec::new())
    };
    let source_list = record
        .sources
        .iter()
        .map(|s| source_view(Some(s)))
        .collect();
    render(&PersonPage {
        layout,
        sources: source_list,
        detriment,
        forwarding,
        heading_name: heading.map(domain::PersonName::display),
        heading_lang,
        reference: record.person.reference,
        category: record.person.category.label(),
        registered: date(record.person.registered_at),
        custody,
        fields,
        events,
        obligations,
        owes,
        same_person,
        group,
        across,
    })
}

/// The same-person proposals naming `id` (leaving out records the caller may not see), the
/// group of records confirmed as one person, and every field of the group side by side.
async fn same_person_sections(
    state: &AppState,
    scope: &store::TenantScope,
    id: PersonId,
) -> AppResult<(Vec<LinkRow>, Vec<GroupMember>, Vec<AcrossField>)> {
    crate::links::compare_pending(state, scope, crate::links::PASS_BUDGET).await?;
    let proposals = state.store.links_of(scope, id).await?;
    let rows = crate::links::pair_views(state, scope, proposals)
        .await?
        .into_iter()
        .map(|pair| {
            let other = if pair.a.person == id {
                &pair.b
            } else {
                &pair.a
            };
            LinkRow {
                proposal: pair.id.to_string(),
                person: other.person,
                reference: other.reference.clone(),
                display_name: other.display_name.clone(),
                source: other.source.clone(),
                percent: format!("{:.1}", pair.score * 100.0),
                status: crate::html::links::status_words(pair.status),
                confirmed: pair.status == store::LinkStatus::Confirmed,
            }
        })
        .collect::<Vec<_>>();
    if !rows.iter().any(|r| r.confirmed) {
        return Ok((rows, Vec::new(), Vec::new()));
    }
    let links = state.store.confirmed_links(scope).await?;
    let members = crate::links::group_of(&links, id);
    // A restricted record is not returned to a role it excludes (ICRC-DP-c): left out.
    let mut records = state.store.person_records(scope, &members).await?;
    records.sort_by_key(|r| members.iter().position(|m| *m == r.person.id));
    let group: Vec<GroupMember> = records
        .iter()
        .map(|r| {
            let side = crate::links::side_of(r);
            GroupMember {
                person: side.person,
                reference: side.reference,
                source: side.source,
            }
        })
        .collect();
    let views: Vec<(
        &store::PersonRecord,
        CurrentView<'_>,
        HashMap<SourceId, &Provenance>,
    )> = records
        .iter()
        .map(|r| {
            (
                r,
                CurrentView::project(&r.assertions),
                r.sources.iter().map(|s| (s.id, s)).collect(),
            )
        })
        .collect();
    let across = FieldKey::ALL
        .into_iter()
        .filter_map(|field| {
            let mut shown = std::collections::BTreeSet::new();
            let mut any = false;
            let records: Vec<AcrossRecord> = views
                .iter()
                .map(|(record, view, sources)| {
                    let (standing, superseded) = view.fields.get(&field).map_or_else(
                        || (Vec::new(), Vec::new()),
                        |f| {
                            for a in &f.standing {
                                if let Presence::Present(value) = &a.value {
                                    shown.insert(value.display());
                                }
                            }
                            (
                                f.standing.iter().map(|a| value_view(a, sources)).collect(),
                                f.superseded
                                    .iter()
                                    .map(|a| value_view(a, sources))
                                    .collect(),
                            )
                        },
                    );
                    any |= !standing.is_empty() || !superseded.is_empty();
                    AcrossRecord {
                        person: record.person.id,
                        reference: record.person.reference.clone(),
                        standing,
                        superseded,
                    }
                })
                .collect();
            any.then_some(AcrossField {
                label: field.label(),
                disagree: shown.len() > 1,
                records,
            })
        })
        .collect();
    Ok((rows, group, across))
}

fn value_view(assertion: &Assertion, sources: &HashMap<SourceId, &Provenance>) -> ValueView {
    let source = sources.get(&assertion.source);
    let source_lang = source.and_then(|s| s.language.as_ref().map(|l| l.as_str().to_owned()));
    let mut view = ValueView {
        text: None,
        name_parts: Vec::new(),
        absence: None,
        lang: None,
        source: source_view(source.copied()),
        locator: assertion.locator.clone(),
        recorded_at: datetime(assertion.recorded_at),
    };
    match &assertion.value {
        Presence::Absent(reason) => view.absence = Some(absence(*reason)),
        Presence::Present(AssertedValue::Name(name)) => {
            view.lang = source_lang;
            view.name_parts = name
                .parts()
                .iter()
                .map(|part| NamePartView {
                    kind: part.kind.code(),
                    value: part.value().to_owned(),
                    script: part.script.as_str().to_owned(),
                    lang: part.language.as_ref().map(|l| l.as_str().to_owned()),
                    transliterations: part
                        .transliterations
                        .iter()
                        .map(|t| format!("{} ({})", t.value, t.scheme))
                        .collect(),
                })
                .collect();
        }
        Presence::Present(AssertedValue::Text(text)) => {
            view.lang = source_lang;
            view.text = Some(text.clone());
        }
        Presence::Present(other) => view.text = Some(other.display()),
    }
    view
}

fn absence(reason: AbsenceReason) -> (&'static str, &'static str) {
    (reason.code(), reason.label())
}

fn source_view(source: Option<&Provenance>) -> SourceView {
    match source {
        Some(source) => SourceView {
            kind: source_kind_label(source.kind),
            reference: source.reference.clone(),
            collected_by: source.collected_by.clone(),
            collected_at: datetime(source.collected_at),
            language: source.language.as_ref().map(|l| l.as_str().to_owned()),
            script: source.script.map(|s| s.as_str().to_owned()),
            confidence: source.confidence.percent(),
        },
        // Every assertion cites a source (a foreign key); this only guards a broken row.
        None => SourceView {
            kind: "source not found",
            reference: String::new(),
            collected_by: String::new(),
            collected_at: String::new(),
            language: None,
            script: None,
            confidence: 0,
        },
    }
}

fn source_kind_label(kind: SourceKind) -> &'static str {
    match kind {
        SourceKind::OwnStatement => "Own statement",
        SourceKind::IdentityCard => "Identity card",
        SourceKind::OtherDocument => "Other document",
        SourceKind::CaptureCard => "Capture card",
        SourceKind::BureauList => "Bureau list",
        SourceKind::IcrcRegistration => "ICRC registration",
        SourceKind::Family => "Family",
        SourceKind::OpenSource => "Open source",
        SourceKind::Forensic => "Forensic",
        SourceKind::ClerkEntry => "Clerk entry",
        SourceKind::Synthetic => "Synthetic (not real data)",
    }
}
