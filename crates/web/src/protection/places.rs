//! Places of detention in the browser (GC3-23-a, GC4-83-a): a new place with its profile and,
//! if the detaining party notified it, the notice of its location; a place's page with the
//! history of what was notified about it, a form for the next notification, and the profile
//! form for a place that has none. The CLI's `visit place` does the same.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use domain::protection::{NoticeKind, PlaceNotice, PlaceProfile, location_notified};
use domain::{PartyId, PlaceId, PlaceKind};
use store::NewPlace;
use time::OffsetDateTime;

use super::forms::{
    Check, Choice, FieldErrors, Fields, form_page, store_errors, vocabulary, with_status,
};
use super::{Protect, parse_id};
use crate::auth::CsrfForm;
use crate::authz::Authorized;
use crate::error::AppResult;
use crate::html::{Layout, datetime, render};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "protection_place_new.html")]
struct NewPlacePage {
    layout: Layout,
    kinds: Vec<Choice>,
    parties: Vec<Choice>,
    form: Fields,
    errors: HashMap<String, String>,
}
form_page!(NewPlacePage);

async fn new_place_page(
    state: &AppState,
    member: &Authorized<Protect>,
    form: Fields,
    errors: FieldErrors,
) -> AppResult<Response> {
    let invalid = !errors.is_empty();
    let page = NewPlacePage {
        layout: Layout::new(state, &member.signed_in, "New place").await?,
        kinds: vocabulary(PlaceKind::ALL.iter().map(|k| k.code())),
        parties: state
            .store
            .parties()
            .await?
            .into_iter()
            .map(|p| Choice {
                code: p.id.to_string(),
                label: format!("{} ({})", p.name, p.iso_country),
            })
            .collect(),
        form,
        errors: errors.into_iter().collect(),
    };
    Ok(with_status(render(&page)?, invalid))
}

/// `GET /protection/places/new`.
pub(crate) async fn place_form(
    State(state): State<AppState>,
    member: Authorized<Protect>,
) -> AppResult<Response> {
    new_place_page(&state, &member, Fields::default(), Vec::new()).await
}

/// The profile's fields (authority, location, capacity), shared by both forms.
fn parse_profile(check: &mut Check, form: &Fields, place: PlaceId) -> Option<PlaceProfile> {
    let authority = check.text(form, "authority", 200, false);
    let location = check.opt_text(form, "location", 500, false);
    let capacity = match form.get("capacity") {
        "" => None,
        text => match text.parse::<u32>() {
            Ok(0) | Err(_) => {
                check.add(
                    "capacity",
                    format!("{text:?}: a whole number of persons, at least 1"),
                );
                None
            }
            Ok(n) => Some(n),
        },
    };
    let profile = PlaceProfile {
        place,
        authority: authority?,
        location,
        capacity,
    };
    match profile.validate() {
        Ok(()) => check.ok().then_some(profile),
        Err(message) => {
            let field = message.split(':').next().unwrap_or("authority").to_owned();
            check.add(&field, message);
            None
        }
    }
}

/// `POST /protection/places`: a place with its profile and, if given, the notice of its
/// location (GC3-23-a). A name the unit already uses is refused: visit reports name places.
pub(crate) async fn place_submit(
    State(state): State<AppState>,
    member: Authorized<Protect>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    let scope = &member.scope;
    let form = Fields::new(pairs);
    let now = OffsetDateTime::now_utc();
    let mut check = Check::default();
    let name = check.text(&form, "name", 200, false);
    if let Some(name) = &name
        && state
            .store
            .places(scope)
            .await?
            .iter()
            .any(|p| p.name.trim() == name.trim())
    {
        check.add("name", format!("a place {name:?} already exists"));
    }
    let kind = match form.get("kind") {
        "" => {
            check.add("kind", "choose one");
            None
        }
        text => match text.parse::<PlaceKind>() {
            Ok(kind) => Some(kind),
            Err(message) => {
                check.add("kind", message);
                None
            }
        },
    };
    let parties: Vec<PartyId> = state
        .store
        .parties()
        .await?
        .into_iter()
        .map(|p| p.id)
        .collect();
    let party = check.choice(&form, "party", &parties, true, "the detaining party");
    let notified_at = check.instant(&form, "notified_at", false, now, false);
    let profile = parse_profile(&mut check, &form, PlaceId::new());
    let (Some(name), Some(kind), Some(party), Some(profile), true) =
        (name, kind, party, profile, check.ok())
    else {
        return new_place_page(&state, &member, form, check.0).await;
    };
    let place = state
        .store
        .create_place(
            scope,
            &NewPlace {
                controlling_party: party,
                kind,
                name: name.trim().to_owned(),
                parent: None,
                postal_address: None,
            },
        )
        .await?;
    state
        .store
        .record_place_profile(
            scope,
            &PlaceProfile {
                place,
                ..profile.clone()
            },
        )
        .await?;
    if let Some(at) = notified_at {
        state
            .store
            .record_place_notice(
                scope,
                &PlaceNotice {
                    place,
                    kind: NoticeKind::LocationNotified,
                    notified_at: at,
                    notified_by: profile.authority,
                    note: None,
                },
            )
            .await?;
    }
    tracing::info!(place.id = %place, "place recorded");
    Ok(Redirect::to(&format!("/protection/places/{place}")).into_response())
}

struct NoticeRow {
    at: String,
    kind: &'static str,
    by: String,
    note: String,
}

#[derive(Template)]
#[template(path = "protection_place.html")]
struct PlacePage {
    layout: Layout,
    id: String,
    name: String,
    kind: &'static str,
    authority: String,
    location: String,
    capacity: String,
    notified: bool,
    has_profile: bool,
    notices: Vec<NoticeRow>,
    notice_kinds: Vec<Choice>,
    form: Fields,
    errors: HashMap<String, String>,
}
form_page!(PlacePage);

async fn render_place(
    state: &AppState,
    member: &Authorized<Protect>,
    id: PlaceId,
    form: Fields,
    errors: FieldErrors,
) -> AppResult<Response> {
    let scope = &member.scope;
    let place = state
        .store
        .places(scope)
        .await?
        .into_iter()
        .find(|p| p.id == id)
        .ok_or(crate::error::AppError::NotFound)?;
    let profile = state
        .store
        .place_profiles(scope)
        .await?
        .into_iter()
        .find(|p| p.place == id);
    let notices = state.store.place_notices(scope, id).await?;
    let invalid = !errors.is_empty();
    let page = PlacePage {
        layout: Layout::new(state, &member.signed_in, format!("Place {}", place.name)).await?,
        id: id.to_string(),
        name: place.name,
        kind: place.kind.code(),
        authority: profile
            .as_ref()
            .map(|p| p.authority.clone())
            .unwrap_or_default(),
        location: profile
            .as_ref()
            .and_then(|p| p.location.clone())
            .unwrap_or_default(),
        capacity: profile
            .as_ref()
            .and_then(|p| p.capacity)
            .map(|c| c.to_string())
            .unwrap_or_default(),
        notified: location_notified(&notices),
        has_profile: profile.is_some(),
        notices: notices
            .into_iter()
            .map(|n| NoticeRow {
                at: datetime(n.notified_at),
                kind: n.kind.code(),
                by: n.notified_by,
                note: n.note.unwrap_or_default(),
            })
            .collect(),
        notice_kinds: vocabulary(NoticeKind::ALL.iter().map(|k| k.code())),
        form,
        errors: errors.into_iter().collect(),
    };
    Ok(with_status(render(&page)?, invalid))
}

/// `GET /protection/places/{id}`: the profile, the notifications and their forms.
pub(crate) async fn place_page(
    State(state): State<AppState>,
    member: Authorized<Protect>,
    Path(id): Path<String>,
) -> AppResult<Response> {
    render_place(
        &state,
        &member,
        parse_id(&id)?,
        Fields::default(),
        Vec::new(),
    )
    .await
}

/// Loads the place (404 for another tenant's) before its form is parsed.
async fn own_place(state: &AppState, member: &Authorized<Protect>, id: &str) -> AppResult<PlaceId> {
    let id: PlaceId = parse_id(id)?;
    if state
        .store
        .places(&member.scope)
        .await?
        .iter()
        .any(|p| p.id == id)
    {
        Ok(id)
    } else {
        Err(crate::error::AppError::NotFound)
    }
}

/// `POST /protection/places/{id}/notices`: GC3-23-a, a notification about the place.
pub(crate) async fn place_notice_submit(
    State(state): State<AppState>,
    member: Authorized<Protect>,
    Path(id): Path<String>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    let place = own_place(&state, &member, &id).await?;
    let form = Fields::new(pairs);
    let now = OffsetDateTime::now_utc();
    let mut check = Check::default();
    let kind = check.code::<NoticeKind>(&form, "notice_kind", true);
    let notified_at = check.instant(&form, "notified_at", true, now, false);
    let notified_by = check.text(&form, "notified_by", 200, false);
    let note = check.opt_text(&form, "note", 2000, true);
    let (Some(kind), Some(notified_at), Some(notified_by), true) =
        (kind, notified_at, notified_by, check.ok())
    else {
        return render_place(&state, &member, place, form, check.0).await;
    };
    let notice = PlaceNotice {
        place,
        kind,
        notified_at,
        notified_by,
        note,
    };
    match state
        .store
        .record_place_notice(&member.scope, &notice)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/protection/places/{place}#notices")).into_response()),
        Err(error) => {
            let errors = store_errors(error, "notified_by", &["notified_at", "notified_by"])?;
            render_place(&state, &member, place, form, errors).await
        }
    }
}

/// `POST /protection/places/{id}/profile`: the profile of a place that has none (set once).
pub(crate) async fn place_profile_submit(
    State(state): State<AppState>,
    member: Authorized<Protect>,
    Path(id): Path<String>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    let place = own_place(&state, &member, &id).await?;
    let form = Fields::new(pairs);
    let mut check = Check::default();
    let Some(profile) = parse_profile(&mut check, &form, place) else {
        return render_place(&state, &member, place, form, check.0).await;
    };
    match state
        .store
        .record_place_profile(&member.scope, &profile)
        .await
    {
        Ok(()) => Ok(Redirect::to(&format!("/protection/places/{place}")).into_response()),
        Err(error) => {
            let errors = store_errors(error, "authority", &["authority", "location", "capacity"])?;
            render_place(&state, &member, place, form, errors).await
        }
    }
}
