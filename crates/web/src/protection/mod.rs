//! The protection unit's pages and API (issue 6; docs/protection.md).
//!
//! Only a delegate of a protection-unit tenant reaches these routes ([`Protect`]); anyone else,
//! including the system administrator, a bureau or the agency, gets 404, the same answer as a
//! path that does not exist, so that not even the existence of protection data shows.

mod consent;
mod evidence;
mod followed;
mod forms;
mod interviews;
mod person;
mod places;
mod reconcile;
mod representations;
mod same_person;

pub(crate) use consent::{api_representation, link_interview_submit, representation_page};
pub(crate) use evidence::{evidence_download, evidence_upload_form};
pub(crate) use followed::{
    api_overdue, api_persons_seen, overdue_page, persons_seen_page, same_as_submit,
};
pub(crate) use forms::{
    allegation_form, allegation_page, allegation_submit, condition_submit, follow_up_submit,
    interview_submit, person_seen_submit, refusal_end_submit, refusal_submit, step_submit,
    visit_form, visit_submit,
};
pub(crate) use interviews::api_interview;
pub(crate) use person::{person_follow_up_submit, person_page};
pub(crate) use places::{
    place_form, place_notice_submit, place_page, place_profile_submit, place_submit,
};
pub use reconcile::{AlertView, reconcile_visit};
pub(crate) use representations::{
    api_reply_create, api_representation_create, api_representation_read, reply_submit,
    representation_read_page, representation_submit,
};
pub(crate) use same_person::api_suggestions;
pub use same_person::{Suggestion, suggestions_at_import};

use std::collections::HashMap;

use askama::Template;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use domain::protection::{
    AllegationStatus, CopyRole, CustodyAction, EvidenceItem, EvidenceKind, assess_refusal,
    summarise_refusals,
};
use domain::{AllegationId, EvidenceId, RefusalId, RegistrationId, TenantKind};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use store::{EVIDENCE_MAX_BYTES, EvidenceTarget, EvidenceWriter, StoreError, UserRole};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::api::Json;
use crate::authz::{ApiAuthorized, Authorized, Capability};
use crate::error::{AppError, AppResult};
use crate::html::{Layout, date, datetime, render};
use crate::state::AppState;
use forms::form_page;

/// Visits, persons seen, alerts, allegations and evidence: a protection unit's delegates only.
pub struct Protect;
impl Capability for Protect {
    const NAME: &'static str = "protect";
    const HIDDEN: bool = true;
    fn allows(role: UserRole, kind: TenantKind) -> bool {
        kind == TenantKind::ProtectionUnit && role == UserRole::Delegate
    }
}

fn parse_id<T: std::str::FromStr>(text: &str) -> AppResult<T> {
    text.parse().map_err(|_| AppError::NotFound)
}

fn place_names(places: &[domain::PlaceOfDetention]) -> HashMap<domain::PlaceId, String> {
    places.iter().map(|p| (p.id, p.name.clone())).collect()
}

struct PlaceRow {
    id: String,
    notified: bool,
    name: String,
    kind: &'static str,
    authority: String,
    capacity: String,
    location: String,
}

struct RefusalRow {
    place: String,
    count: usize,
    days: i64,
    in_force: bool,
    concerns: Vec<String>,
}

/// One refusal in the time series: when it began, and when access was granted again.
struct SeriesRow {
    id: String,
    place: String,
    refused_at: String,
    scope: String,
    ground: &'static str,
    ended: Option<String>,
    end_note: String,
    days: i64,
}

struct VisitRow {
    id: String,
    reference: String,
    body: &'static str,
    dates: String,
    places: String,
}

struct AllegationRow {
    id: String,
    reference: String,
    category: &'static str,
    status: &'static str,
}

#[derive(Template)]
#[template(path = "protection.html")]
struct OverviewPage {
    layout: Layout,
    places: Vec<PlaceRow>,
    refusals: Vec<RefusalRow>,
    series: Vec<SeriesRow>,
    visits: Vec<VisitRow>,
    allegations: Vec<AllegationRow>,
    evidence: Vec<forms::EvidenceRow>,
    /// The refusal whose end form was refused, with its values and messages.
    lift_refusal: String,
    form: forms::Fields,
    errors: HashMap<String, String>,
}

form_page!(OverviewPage);

/// `GET /protection`: places, refusals, visits, allegations, evidence.
pub(crate) async fn overview(
    State(state): State<AppState>,
    member: Authorized<Protect>,
) -> AppResult<Response> {
    render_overview(&state, &member, None).await
}

/// An end-of-refusal form that was refused: the refusal, the values, the messages per field.
pub(crate) type RefusedLift = (RefusalId, forms::Fields, Vec<(String, String)>);

/// The overview; `lift` is a refused end-of-refusal form (GC3-126-c), shown again on its row.
pub(crate) async fn render_overview(
    state: &AppState,
    member: &Authorized<Protect>,
    lift: Option<RefusedLift>,
) -> AppResult<Response> {
    let scope = &member.scope;
    let layout = Layout::new(state, &member.signed_in, "Protection").await?;
    let places = state.store.places(scope).await?;
    let names = place_names(&places);
    let profiles = state.store.place_profiles(scope).await?;
    let now = OffsetDateTime::now_utc();
    let refusals = state.store.refusals(scope).await?;
    if let Some((id, _, _)) = &lift
        && !refusals.iter().any(|r| r.id == *id)
    {
        return Err(AppError::NotFound);
    }
    let refusal_rows = summarise_refusals(&refusals, now)
        .into_iter()
        .map(|summary| {
            let mut concerns: Vec<String> = refusals
                .iter()
                .filter(|r| r.place == summary.place)
                .flat_map(|r| assess_refusal(r, &refusals, now))
                .map(|c| c.sentence())
                .collect();
            concerns.sort();
            concerns.dedup();
            RefusalRow {
                place: names.get(&summary.place).cloned().unwrap_or_default(),
                count: summary.count,
                days: summary.total.whole_days(),
                in_force: summary.in_force,
                concerns,
            }
        })
        .collect();
    let ends = state.store.refusal_ends(scope).await?;
    let series = refusals
        .iter()
        .map(|r| SeriesRow {
            id: r.id.to_string(),
            place: names.get(&r.place).cloned().unwrap_or_default(),
            refused_at: datetime(r.refused_at),
            scope: r.scope.clone(),
            ground: r.ground.code(),
            ended: r.actual_end.map(datetime),
            end_note: ends
                .iter()
                .find(|e| e.end.refusal == r.id)
                .and_then(|e| e.end.note.clone())
                .unwrap_or_default(),
            days: r.duration(now).whole_days(),
        })
        .collect();
    let visits = state
        .store
        .visits(scope)
        .await?
        .into_iter()
        .map(|v| VisitRow {
            id: v.id.to_string(),
            reference: v.reference,
            body: v.body.code(),
            dates: match (v.started_at, v.ended_at) {
                (Some(start), Some(end)) => format!("{} – {}", date(start), date(end)),
                (Some(start), None) => date(start),
                _ => v
                    .planned_start
                    .map(|d| format!("planned {d}"))
                    .unwrap_or_default(),
            },
            places: v
                .places
                .iter()
                .filter_map(|p| names.get(p).cloned())
                .collect::<Vec<_>>()
                .join(", "),
        })
        .collect();
    let mut allegations = Vec::new();
    for allegation in state.store.allegations(scope).await? {
        let status = state.store.allegation_status(scope, allegation.id).await?;
        allegations.push(AllegationRow {
            id: allegation.id.to_string(),
            reference: allegation.reference,
            category: allegation.category.code(),
            status: status_code(status),
        });
    }
    let evidence = state
        .store
        .evidence_items(scope)
        .await?
        .into_iter()
        .map(forms::evidence_row)
        .collect();
    let mut notified = HashMap::new();
    for p in &places {
        let notices = state.store.place_notices(scope, p.id).await?;
        notified.insert(p.id, domain::protection::location_notified(&notices));
    }
    let places = places
        .iter()
        .map(|p| {
            let profile = profiles.iter().find(|f| f.place == p.id);
            PlaceRow {
                id: p.id.to_string(),
                notified: notified.get(&p.id).copied().unwrap_or(false),
                name: p.name.clone(),
                kind: p.kind.code(),
                authority: profile.map(|f| f.authority.clone()).unwrap_or_default(),
                capacity: profile
                    .and_then(|f| f.capacity)
                    .map(|c| c.to_string())
                    .unwrap_or_default(),
                location: profile.and_then(|f| f.location.clone()).unwrap_or_default(),
            }
        })
        .collect();
    let (lift_refusal, form, errors) = match lift {
        Some((id, form, errors)) => (id.to_string(), form, errors),
        None => (String::new(), forms::Fields::default(), Vec::new()),
    };
    let invalid = !errors.is_empty();
    let mut response = render(&OverviewPage {
        layout,
        places,
        refusals: refusal_rows,
        series,
        visits,
        allegations,
        evidence,
        lift_refusal,
        form,
        errors: errors.into_iter().collect(),
    })?;
    if invalid {
        *response.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(response)
}

fn status_code(status: AllegationStatus) -> &'static str {
    status.code()
}

/// `GET /protection/visits/{id}`: conditions, refusals, persons seen, interviews, the
/// reconciliation alerts with their explanations, and the forms to add to them.
pub(crate) async fn visit_page(
    State(state): State<AppState>,
    member: Authorized<Protect>,
    Path(id): Path<String>,
) -> AppResult<Response> {
    forms::render_visit(
        &state,
        &member,
        parse_id(&id)?,
        forms::Fields::default(),
        Vec::new(),
    )
    .await
}

struct FindingRow {
    evidence: String,
    title: String,
    problem: String,
}

#[derive(Template)]
#[template(path = "protection_verify.html")]
struct VerifyPage {
    layout: Layout,
    items: usize,
    files: usize,
    entries: usize,
    findings: Vec<FindingRow>,
}

fn evidence_dir(state: &AppState) -> AppResult<&std::path::Path> {
    state
        .evidence_dir
        .as_deref()
        .ok_or_else(|| AppError::Internal("no evidence directory configured".into()))
}

/// `GET /protection/evidence/verify`: every hash and chain of custody, checked now.
pub(crate) async fn verify_page(
    State(state): State<AppState>,
    member: Authorized<Protect>,
) -> AppResult<Response> {
    let layout = Layout::new(&state, &member.signed_in, "Evidence verification").await?;
    let report = state
        .store
        .verify_evidence(&member.scope, evidence_dir(&state)?)
        .await?;
    render(&VerifyPage {
        layout,
        items: report.items,
        files: report.files,
        entries: report.custody_entries,
        findings: report
            .findings
            .into_iter()
            .map(|f| FindingRow {
                evidence: f.evidence.to_string(),
                title: f.title,
                // The page names the item, not the server's file path.
                problem: f.problem,
            })
            .collect(),
    })
}

fn instant(at: Option<OffsetDateTime>) -> Value {
    at.and_then(|t| t.format(&Rfc3339).ok())
        .map_or(Value::Null, Value::String)
}

/// A private interview as the API gives it, notes included (the caller logs the read).
fn interview_json(i: &domain::protection::Interview) -> Value {
    json!({
        "id": i.id.to_string(),
        "visit": i.visit.to_string(),
        "held_at": instant(Some(i.held_at)),
        "place": i.place.to_string(),
        "interviewees": i.interviewees.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "interviewers": i.interviewers,
        "interpreter": i.interpreter,
        "language": i.language,
        "without_witnesses": i.without_witnesses,
        "present": i.present,
        "consent": {
            "use_with_authorities": i.consent_authorities.code(),
            "share_with_family": i.consent_family,
            "referral_medical": i.consent_medical,
        },
        "notes": i.notes,
    })
}

/// `GET /api/v1/protection/visits`.
pub(crate) async fn api_visits(
    State(state): State<AppState>,
    caller: ApiAuthorized<Protect>,
) -> AppResult<Response> {
    let visits: Vec<Value> = state
        .store
        .visits(caller.scope())
        .await?
        .iter()
        .map(|v| {
            json!({
                "id": v.id.to_string(),
                "reference": v.reference,
                "body": v.body.code(),
                "started_at": instant(v.started_at),
                "ended_at": instant(v.ended_at),
                "team": v.team,
                "places": v.places.iter().map(ToString::to_string).collect::<Vec<_>>(),
            })
        })
        .collect();
    Ok(Json(json!({ "visits": visits })).into_response())
}

/// `GET /api/v1/protection/visits/{id}`: the visit, its conditions, refusals, persons seen and
/// their follow-ups.
pub(crate) async fn api_visit(
    State(state): State<AppState>,
    caller: ApiAuthorized<Protect>,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let scope = caller.scope();
    let visit = state.store.visit(scope, parse_id(&id)?).await?;
    audit_read(
        &state,
        scope,
        format!("visit:{}", visit.id),
        "visit follow-up (api)",
        1,
    )
    .await?;
    let conditions: Vec<Value> = state
        .store
        .conditions(scope, visit.id)
        .await?
        .iter()
        .map(|c| json!({"condition": c.condition.code(), "outcome": c.outcome.code(), "reason": c.reason}))
        .collect();
    let refusals: Vec<Value> = state
        .store
        .refusals(scope)
        .await?
        .iter()
        .filter(|r| r.visit == Some(visit.id))
        .map(|r| {
            json!({
                "id": r.id.to_string(),
                "place": r.place.to_string(),
                "refused_at": instant(Some(r.refused_at)),
                "scope": r.scope,
                "ground": r.ground.code(),
                "grounds_text": r.grounds_text,
                "expected_end": instant(r.expected_end),
                "actual_end": instant(r.actual_end),
            })
        })
        .collect();
    let mut seen = Vec::new();
    for person in state.store.registrations(scope, Some(visit.id)).await? {
        let follow_ups: Vec<Value> = state
            .store
            .follow_ups(scope, person.id)
            .await?
            .into_iter()
            .map(|f| {
                let f = f.follow_up;
                json!({
                    "recorded_at": instant(Some(f.recorded_at)),
                    "health": f.health,
                    "family_contact_wanted": f.family_contact_wanted,
                    "family_contact": f.family_contact,
                    "messages": f.messages,
                    "next_visit_due": f.next_visit_due.map(|d| d.to_string()),
                    "reprisals_reported": f.reprisals_reported,
                })
            })
            .collect();
        seen.push(json!({
            "id": person.id.to_string(),
            "name": person.name.display(),
            "place": person.place.to_string(),
            "seen_at": instant(Some(person.seen_at)),
            "birth_date": person.birth_date.map(|d| d.original().to_owned()),
            "follow_ups": follow_ups,
        }));
    }
    let interviews: Vec<Value> = state
        .store
        .interviews(scope, visit.id)
        .await?
        .iter()
        .map(interview_json)
        .collect();
    Ok(Json(json!({
        "id": visit.id.to_string(),
        "reference": visit.reference,
        "body": visit.body.code(),
        "conditions": conditions,
        "refusals": refusals,
        "persons_seen": seen,
        "interviews": interviews,
    }))
    .into_response())
}

/// `GET /api/v1/protection/visits/{id}/alerts`.
pub(crate) async fn api_alerts(
    State(state): State<AppState>,
    caller: ApiAuthorized<Protect>,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let visit = state.store.visit(caller.scope(), parse_id(&id)?).await?;
    let alerts = reconcile_visit(&state.store, caller.scope(), &visit).await?;
    audit_read(
        &state,
        caller.scope(),
        format!("visit:{}", visit.id),
        "reconciliation",
        alerts.len(),
    )
    .await?;
    let alerts = serde_json::to_value(&alerts).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(Json(json!({ "visit": visit.reference, "alerts": alerts })).into_response())
}

/// `GET /api/v1/protection/allegations/{id}`: the allegation, its history and status.
pub(crate) async fn api_allegation(
    State(state): State<AppState>,
    caller: ApiAuthorized<Protect>,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let id: AllegationId = parse_id(&id)?;
    let (a, history) = state.store.allegation(caller.scope(), id).await?;
    audit_read(
        &state,
        caller.scope(),
        format!("allegation:{}", a.id),
        "allegation follow-up",
        1,
    )
    .await?;
    let steps: Vec<Value> = history
        .iter()
        .map(|s| json!({"at": instant(Some(s.at)), "by": s.by, "kind": s.kind.code()}))
        .collect();
    // ICRC-VIS-c: the interviews it comes from, with their consent (not their notes).
    let interviews = state
        .store
        .allegation_interviews(caller.scope(), id)
        .await?;
    let sources: Vec<Value> = interviews
        .iter()
        .map(|i| {
            json!({
                "id": i.id.to_string(),
                "visit": i.visit.to_string(),
                "held_at": instant(Some(i.held_at)),
                "use_with_authorities": i.consent_authorities.code(),
            })
        })
        .collect();
    Ok(Json(json!({
        "id": a.id.to_string(),
        "reference": a.reference,
        "category": a.category.code(),
        "acts": a.acts.iter().map(|x| x.code()).collect::<Vec<_>>(),
        "sources": a.sources.iter().map(|x| x.code()).collect::<Vec<_>>(),
        "consent": a.consent.code(),
        "interviews": sources,
        "effective_consent": domain::protection::effective_consent(&a, &interviews).code(),
        "perpetrators": a.perpetrators.iter().map(|p| json!({"kind": p.kind.code(), "designation": p.designation})).collect::<Vec<_>>(),
        "narrative": a.narrative,
        "status": state.store.allegation_status(caller.scope(), id).await?.code(),
        "steps": steps,
        // ICRC-VIS-e: representations and replies, without their texts.
        "representations": representations::letters_json(&state, caller.scope(), id).await?,
    }))
    .into_response())
}

/// Logs a read of protected data with its purpose (§7.5, XC-8): every visit with its
/// interviews and follow-ups, and every allegation, read through a page or the API.
async fn audit_read(
    state: &AppState,
    scope: &store::TenantScope,
    object: String,
    purpose: &str,
    records: usize,
) -> AppResult<()> {
    state
        .store
        .audit(
            scope,
            store::AuditEntry::new(store::AuditAction::Read, object)
                .purpose(purpose)
                .records(i64::try_from(records).unwrap_or(i64::MAX)),
        )
        .await?;
    Ok(())
}

fn field(errors: &mut Vec<(String, String)>, name: &str, message: impl Into<String>) {
    errors.push((name.to_owned(), message.into()));
}

/// `POST /api/v1/protection/evidence?kind=…&title=…&captured_at=…&captured_by=…[&allegation=…]
/// [&registration=…][&source_url=…][&working_copy_of=…]`, the file as the body. With
/// `working_copy_of` the file is a working copy of that evidentiary item (Berkeley Protocol), and
/// the original's chain of custody records the copy. Streamed to disk, never held in
/// memory whole; over [`EVIDENCE_MAX_BYTES`] it answers 413 and keeps nothing.
pub(crate) async fn api_evidence_upload(
    State(state): State<AppState>,
    caller: ApiAuthorized<Protect>,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Body,
) -> AppResult<Response> {
    let scope = caller.scope().clone();
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > EVIDENCE_MAX_BYTES) {
        return Err(AppError::PayloadTooLarge);
    }
    let get = |key: &str| query.get(key).map(|v| v.trim()).filter(|v| !v.is_empty());
    let mut errors = Vec::new();
    let kind = match get("kind").map(str::parse::<EvidenceKind>) {
        Some(Ok(kind)) => Some(kind),
        Some(Err(e)) => {
            field(&mut errors, "kind", e);
            None
        }
        None => {
            field(&mut errors, "kind", "required");
            None
        }
    };
    let title = get("title").map(str::to_owned);
    if title.is_none() {
        field(&mut errors, "title", "required");
    }
    let captured_by = get("captured_by").map(str::to_owned);
    if captured_by.is_none() {
        field(&mut errors, "captured_by", "required");
    }
    let captured_at = match get("captured_at").map(|t| OffsetDateTime::parse(t, &Rfc3339)) {
        Some(Ok(at)) => Some(at),
        Some(Err(_)) => {
            field(&mut errors, "captured_at", "an RFC 3339 instant");
            None
        }
        None => {
            field(&mut errors, "captured_at", "required");
            None
        }
    };
    let mut links = Vec::new();
    if let Some(text) = get("allegation") {
        match text.parse::<AllegationId>() {
            Ok(id) => links.push(EvidenceTarget::Allegation(id)),
            Err(_) => field(&mut errors, "allegation", "an allegation id"),
        }
    }
    if let Some(text) = get("registration") {
        match text.parse::<RegistrationId>() {
            Ok(id) => links.push(EvidenceTarget::Registration(id)),
            Err(_) => field(&mut errors, "registration", "a person-seen id"),
        }
    }
    // Berkeley Protocol: a working copy names its evidentiary original, which is never altered.
    let original = match get("working_copy_of").map(str::parse::<EvidenceId>) {
        None => None,
        Some(Ok(id)) => match state.store.evidence_item(&scope, id).await {
            Ok(stored) if stored.item.role == CopyRole::Evidentiary => Some(id),
            Ok(_) => {
                field(
                    &mut errors,
                    "working_copy_of",
                    "a working copy is made from an evidentiary original",
                );
                None
            }
            Err(StoreError::NotFound) => {
                field(&mut errors, "working_copy_of", "no such evidence item");
                None
            }
            Err(other) => return Err(other.into()),
        },
        Some(Err(_)) => {
            field(&mut errors, "working_copy_of", "an evidence id");
            None
        }
    };
    let (Some(kind), Some(title), Some(captured_by), Some(captured_at), true) =
        (kind, title, captured_by, captured_at, errors.is_empty())
    else {
        return Err(AppError::Invalid(errors));
    };
    let root = evidence_dir(&state)?.to_owned();
    let id = EvidenceId::new();
    let mut writer = EvidenceWriter::create(&state.store, &root, &scope, id, EVIDENCE_MAX_BYTES)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let mut body = body;
    while let Some(frame) = body.frame().await {
        let frame = match frame {
            Ok(frame) => frame,
            Err(_) => {
                writer.abandon().await;
                return Err(AppError::BadForm("the upload was interrupted".into()));
            }
        };
        if let Ok(data) = frame.into_data() {
            match writer.write(&data).await {
                Ok(()) => {}
                Err(store::EvidenceFileError::TooLarge { .. }) => {
                    return Err(AppError::PayloadTooLarge);
                }
                Err(e) => return Err(AppError::Internal(e.to_string())),
            }
        }
    }
    let written = match writer.finish().await {
        Ok(written) => written,
        Err(store::EvidenceFileError::Empty) => {
            return Err(AppError::Invalid(vec![(
                "body".into(),
                "the file is empty".into(),
            )]));
        }
        Err(e) => return Err(AppError::Internal(e.to_string())),
    };
    let item = EvidenceItem {
        id,
        kind,
        role: if original.is_some() {
            CopyRole::Working
        } else {
            CopyRole::Evidentiary
        },
        derived_from: original,
        title,
        source_url: get("source_url").map(str::to_owned),
        captured_at,
        sha256: Some(written.sha256.clone()),
        size: Some(written.size),
        media_type: headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        unavailable: None,
    };
    let recorded = state
        .store
        .record_evidence(
            &scope,
            &item,
            Some(&written.stored_as),
            &captured_by,
            &links,
        )
        .await;
    if let Err(error) = recorded {
        // Not recorded: the file goes too.
        let _ = tokio::fs::remove_file(
            root.join(scope.tenant().to_string())
                .join(&written.stored_as),
        )
        .await;
        return Err(match error {
            StoreError::Invalid(message) => AppError::Invalid(vec![("item".into(), message)]),
            other => other.into(),
        });
    }
    if let Some(original) = original {
        state
            .store
            .add_custody(
                &scope,
                original,
                CustodyAction::Copied,
                Some(&format!("working copy {id}")),
            )
            .await?;
    }
    Ok((
        axum::http::StatusCode::CREATED,
        Json(json!({
            "id": id.to_string(),
            "sha256": written.sha256,
            "size": written.size,
            "role": item.role.code(),
            "derived_from": original.map(|o| o.to_string()),
        })),
    )
        .into_response())
}

/// `GET /api/v1/protection/evidence/verify`.
pub(crate) async fn api_verify(
    State(state): State<AppState>,
    caller: ApiAuthorized<Protect>,
) -> AppResult<Response> {
    let report = state
        .store
        .verify_evidence(caller.scope(), evidence_dir(&state)?)
        .await?;
    let findings: Vec<Value> = report
        .findings
        .iter()
        .map(
            |f| json!({"evidence": f.evidence.to_string(), "title": f.title, "problem": f.problem}),
        )
        .collect();
    Ok(Json(json!({
        "items": report.items,
        "files": report.files,
        "custody_entries": report.custody_entries,
        "intact": findings.is_empty(),
        "findings": findings,
    }))
    .into_response())
}
