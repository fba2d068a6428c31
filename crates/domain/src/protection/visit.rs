//! Visits (§9.7), the five standard conditions (ICRC-VIS-a) and refusals of access
//! (GC3-126-c, GC4-143-a).

use time::{Date, Duration, OffsetDateTime};

use super::vocabulary;
use crate::ids::{PlaceId, RefusalId, VisitId};

vocabulary!(
    /// GC3-126, GC4-143: who visits.
    VisitingBody {
        Icrc => "icrc",
        ProtectingPower => "protecting-power",
        /// GC3-126-d: compatriots, by agreement.
        CompatriotsAgreed => "compatriots-agreed",
    }
);

/// A visit: its planning, team, dates and places.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Visit {
    pub id: VisitId,
    /// The unit's own reference, unique in the tenant (`V-2026-014`).
    pub reference: String,
    pub body: VisitingBody,
    /// Planned first day.
    pub planned_start: Option<Date>,
    pub started_at: Option<OffsetDateTime>,
    pub ended_at: Option<OffsetDateTime>,
    /// Delegates, doctors, interpreters: names or staff codes of the visiting team.
    pub team: Vec<String>,
    /// GC3-126-c: the places the delegates chose to visit.
    pub places: Vec<PlaceId>,
    /// GC3-126-c: no cap on frequency; only the date planned.
    pub next_visit_planned: Option<Date>,
}

impl Visit {
    /// # Errors
    /// A bad reference, an empty team member, no place, or an end before the start.
    pub fn validate(&self) -> Result<(), String> {
        super::text("reference", &self.reference, 64)?;
        for member in &self.team {
            super::text("team member", member, 200)?;
        }
        if self.places.is_empty() {
            return Err("places: a visit goes to at least one place".into());
        }
        if let (Some(start), Some(end)) = (self.started_at, self.ended_at)
            && end < start
        {
            return Err("ended at: before the start".into());
        }
        Ok(())
    }
}

vocabulary!(
    /// ICRC-VIS-a: the five conditions the authorities accept before a visit.
    Condition {
        /// 1. all places of detention and all detainees.
        AllPlacesAndDetainees => "all-places-and-detainees",
        /// 2. all premises used by and for detainees.
        AllPremises => "all-premises",
        /// 3. private interviews with detainees the delegates select (GC3-126-b).
        PrivateInterviews => "private-interviews",
        /// 4. repeat visits as often as necessary (GC3-126-c).
        RepeatVisits => "repeat-visits",
        /// 5. a list of detainees, or registration by the delegates.
        ListOrRegistration => "list-or-registration",
    }
);

vocabulary!(
    Outcome {
        Granted => "granted",
        PartlyGranted => "partly-granted",
        Refused => "refused",
    }
);

/// How one condition went on one visit, with the reason the authority gave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConditionRecord {
    pub condition: Condition,
    pub outcome: Outcome,
    /// The authority's reason; required unless granted.
    pub reason: Option<String>,
}

impl ConditionRecord {
    /// # Errors
    /// A condition partly granted or refused without the authority's reason.
    pub fn validate(&self) -> Result<(), String> {
        match (&self.outcome, self.reason.as_deref().map(str::trim)) {
            (Outcome::Granted, _) => Ok(()),
            (_, None | Some("")) => Err(format!(
                "{}: the authority's reason is recorded when a condition is {}",
                self.condition, self.outcome
            )),
            (_, Some(reason)) => super::text("reason", reason, 2000),
        }
    }
}

vocabulary!(
    /// The grounds the authority gave for refusing or restricting access.
    RefusalGround {
        /// GC3-126-c, GC4-143: the only admissible ground, exceptionally and temporarily.
        ImperativeMilitaryNecessity => "imperative-military-necessity",
        Security => "security",
        Administrative => "administrative",
        Health => "health",
        NoneGiven => "none-given",
        Other => "other",
    }
);

/// A refusal or restriction of access, a first-class record (GC3-126-c).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessRefusal {
    pub id: RefusalId,
    /// The visit during which it happened, if any (a refusal may come before any visit).
    pub visit: Option<VisitId>,
    pub place: PlaceId,
    pub refused_at: OffsetDateTime,
    /// What was refused: the whole place, some premises, some persons.
    pub scope: String,
    pub ground: RefusalGround,
    /// The authority's words.
    pub grounds_text: Option<String>,
    /// The end the authority announced, if any.
    pub expected_end: Option<OffsetDateTime>,
    /// When access was in fact restored.
    pub actual_end: Option<OffsetDateTime>,
}

impl AccessRefusal {
    /// # Errors
    /// An empty scope, or an end before the refusal.
    pub fn validate(&self) -> Result<(), String> {
        super::text("scope", &self.scope, 500)?;
        if let Some(text) = &self.grounds_text {
            super::text("grounds", text, 2000)?;
        }
        for (field, end) in [
            ("expected end", self.expected_end),
            ("actual end", self.actual_end),
        ] {
            if end.is_some_and(|end| end < self.refused_at) {
                return Err(format!("{field}: before the refusal"));
            }
        }
        Ok(())
    }

    /// How long access was refused, up to `now` while it lasts.
    #[must_use]
    pub fn duration(&self, now: OffsetDateTime) -> Duration {
        self.actual_end.unwrap_or(now).max(self.refused_at) - self.refused_at
    }
}

/// GC3-126-c: access granted again after a refusal, recorded later than the refusal itself. The
/// refusal stays as it was recorded (append-only); its end is this record, so the time series
/// shows both the refusal and when access was restored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefusalEnd {
    pub refusal: RefusalId,
    /// When access was in fact granted again.
    pub ended_at: OffsetDateTime,
    /// What the authority said or what changed.
    pub note: Option<String>,
}

impl RefusalEnd {
    /// Checks the end against the refusal it lifts.
    ///
    /// # Errors
    /// A refusal already ended, an end before the refusal or in the future, or an empty note.
    pub fn check(&self, refusal: &AccessRefusal, now: OffsetDateTime) -> Result<(), String> {
        if let Some(end) = refusal.actual_end {
            return Err(format!(
                "ended at: access was already granted again on {}",
                end.date()
            ));
        }
        if self.ended_at < refusal.refused_at {
            return Err("ended at: before the refusal".into());
        }
        if self.ended_at > now + Duration::minutes(5) {
            return Err("ended at: in the future".into());
        }
        if let Some(note) = &self.note {
            super::text("note", note, 2000)?;
        }
        Ok(())
    }
}

/// Why a refusal does not meet "imperative military necessity, exceptional and temporary".
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Concern {
    /// GC3-126-c: any other ground is not admissible.
    GroundNotAdmissible(RefusalGround),
    /// Still in force and no end announced: not "temporary".
    NoEndAnnounced,
    /// Refused at the same place this many times: not "exceptional".
    Repeated { times: usize },
    /// Lasted (or lasts) longer than `days`.
    Prolonged { days: i64 },
}

impl Concern {
    #[must_use]
    pub fn sentence(&self) -> String {
        match self {
            Self::GroundNotAdmissible(ground) => format!(
                "ground {ground}: only imperative military necessity may restrict a visit (GC III 126, GC IV 143)"
            ),
            Self::NoEndAnnounced => {
                "no end announced: a restriction is only temporary (GC III 126)".into()
            }
            Self::Repeated { times } => format!(
                "refused {times} times at this place: a restriction is only exceptional (GC III 126)"
            ),
            Self::Prolonged { days } => format!("lasting {days} days so far or in all"),
        }
    }
}

/// Days after which a refusal is reported as prolonged.
pub const PROLONGED_AFTER_DAYS: i64 = 7;

/// GC3-126-c: the concerns about one refusal, given every refusal on record.
#[must_use]
pub fn assess_refusal(
    refusal: &AccessRefusal,
    all: &[AccessRefusal],
    now: OffsetDateTime,
) -> Vec<Concern> {
    let mut concerns = Vec::new();
    if refusal.ground != RefusalGround::ImperativeMilitaryNecessity {
        concerns.push(Concern::GroundNotAdmissible(refusal.ground));
    }
    if refusal.actual_end.is_none() && refusal.expected_end.is_none() {
        concerns.push(Concern::NoEndAnnounced);
    }
    let times = all.iter().filter(|r| r.place == refusal.place).count();
    if times > 1 {
        concerns.push(Concern::Repeated { times });
    }
    let days = refusal.duration(now).whole_days();
    if days > PROLONGED_AFTER_DAYS {
        concerns.push(Concern::Prolonged { days });
    }
    concerns
}

/// The time series per place: how often, for how long, whether one is in force.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefusalSummary {
    pub place: PlaceId,
    pub count: usize,
    pub total: Duration,
    pub in_force: bool,
    pub first: OffsetDateTime,
    pub last: OffsetDateTime,
}

/// Refusals grouped by place, in order of first refusal.
#[must_use]
pub fn summarise_refusals(all: &[AccessRefusal], now: OffsetDateTime) -> Vec<RefusalSummary> {
    let mut out: Vec<RefusalSummary> = Vec::new();
    let mut ordered: Vec<&AccessRefusal> = all.iter().collect();
    ordered.sort_by_key(|r| (r.refused_at, r.id));
    for refusal in ordered {
        let in_force = refusal.actual_end.is_none_or(|end| end > now);
        if let Some(summary) = out.iter_mut().find(|s| s.place == refusal.place) {
            summary.count += 1;
            summary.total += refusal.duration(now);
            summary.in_force |= in_force;
            summary.last = refusal.refused_at;
        } else {
            out.push(RefusalSummary {
                place: refusal.place,
                count: 1,
                total: refusal.duration(now),
                in_force,
                first: refusal.refused_at,
                last: refusal.refused_at,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    fn refusal(place: PlaceId, ground: RefusalGround, days: Option<i64>) -> AccessRefusal {
        let at = datetime!(2026-03-01 08:00 UTC);
        AccessRefusal {
            id: RefusalId::new(),
            visit: None,
            place,
            refused_at: at,
            scope: "whole place".into(),
            ground,
            grounds_text: None,
            expected_end: None,
            actual_end: days.map(|d| at + Duration::days(d)),
        }
    }

    #[test]
    fn a_condition_not_granted_needs_the_authoritys_reason() {
        let mut record = ConditionRecord {
            condition: Condition::PrivateInterviews,
            outcome: Outcome::Refused,
            reason: None,
        };
        assert!(
            record
                .validate()
                .unwrap_err()
                .contains("private-interviews")
        );
        record.reason = Some("interviews only with a guard present".into());
        assert!(record.validate().is_ok());
        record.outcome = Outcome::Granted;
        record.reason = None;
        assert!(record.validate().is_ok());
        assert_eq!(Condition::ALL.len(), 5, "ICRC-VIS-a: five conditions");
    }

    #[test]
    fn only_imperative_military_necessity_exceptional_and_temporary_passes() {
        let place = PlaceId::new();
        let now = datetime!(2026-03-03 08:00 UTC);
        let ok = refusal(place, RefusalGround::ImperativeMilitaryNecessity, Some(1));
        assert!(assess_refusal(&ok, std::slice::from_ref(&ok), now).is_empty());
        let security = refusal(place, RefusalGround::Security, None);
        let both = [ok.clone(), security.clone()];
        let concerns = assess_refusal(&security, &both, datetime!(2026-03-20 08:00 UTC));
        assert!(concerns.contains(&Concern::GroundNotAdmissible(RefusalGround::Security)));
        assert!(concerns.contains(&Concern::NoEndAnnounced));
        assert!(concerns.contains(&Concern::Repeated { times: 2 }));
        assert!(concerns.contains(&Concern::Prolonged { days: 19 }));
        let summary = summarise_refusals(&both, now);
        assert_eq!(summary.len(), 1);
        assert_eq!(summary[0].count, 2);
        assert!(summary[0].in_force);
        assert_eq!(summary[0].total, Duration::days(3));
    }

    #[test]
    fn a_refusal_is_lifted_once_after_it_began() {
        let refusal = refusal(PlaceId::new(), RefusalGround::Security, None);
        let now = datetime!(2026-03-10 08:00 UTC);
        let end = RefusalEnd {
            refusal: refusal.id,
            ended_at: datetime!(2026-03-04 08:00 UTC),
            note: Some("access granted after talks".into()),
        };
        assert!(end.check(&refusal, now).is_ok());
        let early = RefusalEnd {
            ended_at: datetime!(2026-02-01 08:00 UTC),
            ..end.clone()
        };
        assert_eq!(
            early.check(&refusal, now).unwrap_err(),
            "ended at: before the refusal"
        );
        let mut ended = refusal.clone();
        ended.actual_end = Some(datetime!(2026-03-02 08:00 UTC));
        assert!(end.check(&ended, now).unwrap_err().contains("already"));
    }
}
