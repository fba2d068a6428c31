//! Lists drawn from a bureau's records (issue 5), shared by the `/lists` page, the API and
//! `whereabouts list draw --from-records`: the persons transferred to a place (GC3-46-a,
//! GC4-127: the complete list of those transferred, before departure), arrived at a place
//! (GC3-20-a: the list of those evacuated), released or repatriated (GC3-122-e, GC3-119-a), or
//! dead (GC3-120-b), in a period. The list then travels with the next envelope to each peer
//! once its persons' cards went there ([`super::messages::outgoing`]).

use domain::{EventKind, PlaceId};
use store::{ListCriteria, ListRecord, NewList, Store, TenantScope};
use time::{Date, Time};

use super::TransmissionResult;

/// Field messages: `(field, message)`.
pub type FieldErrors = Vec<(String, String)>;

/// A kind of list a bureau draws from its records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Preset {
    pub code: &'static str,
    pub label: &'static str,
    pub kinds: &'static [EventKind],
    /// The requirement the list meets, carried as the list's rule.
    pub rule: &'static str,
    pub needs_place: bool,
}

pub const PRESETS: [Preset; 5] = [
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
pub struct DeriveInput {
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
pub async fn derive(
    store: &Store,
    scope: &TenantScope,
    input: &DeriveInput,
) -> TransmissionResult<Result<ListRecord, FieldErrors>> {
    let mut errors: FieldErrors = Vec::new();
    let preset = PRESETS.iter().find(|p| p.code == input.list.trim());
    if preset.is_none() {
        errors.push((
            "list".into(),
            format!("choose which list: {}", PRESETS.map(|p| p.code).join(", ")),
        ));
    }
    let places = store.places(scope).await?;
    let mut place = None;
    if !input.place.trim().is_empty() {
        let wanted = input.place.trim();
        let id = wanted.parse::<uuid::Uuid>().ok().map(PlaceId::from_uuid);
        place = places.iter().find(|p| Some(p.id) == id || p.name == wanted);
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
    let (persons, more) = store
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
    let list = store
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

/// A failure of [`derive`] as the web answers it (a store error keeps its status).
pub(crate) fn app_error(error: super::TransmissionError) -> crate::error::AppError {
    match error {
        super::TransmissionError::Store(error) => error.into(),
        other => crate::error::AppError::Internal(other.to_string()),
    }
}
