//! Reconciliation (ICRC-VIS-a): the persons seen during visits against the persons the
//! detaining party notified. The matching engine scores the pairs (the caller asks it, outside
//! the domain); these rules turn the scores into exactly three kinds of alert:
//!
//! - seen but never notified: no notified person reaches the threshold;
//! - notified but not seen: notified as held at a place the visit went to, and nobody seen
//!   there or elsewhere is that person;
//! - notified as released but seen detained.
//!
//! A seen person is that notified person when the engine's best candidate reaches the
//! threshold. The engine only proposes (MATCH-1): alerts are for a delegate to check.

use time::OffsetDateTime;

use crate::event::EventKind;
use crate::ids::{PersonId, PlaceId, RegistrationId};

/// What the detaining party notified about a person's custody.
#[derive(Clone, Debug, PartialEq)]
pub enum NotifiedStatus {
    /// Held; at this place if the party notified one.
    Held { place: Option<PlaceId> },
    /// XC-1: released, repatriated, handed over, escaped or dead.
    Released { kind: EventKind, at: OffsetDateTime },
    /// Notified, but no custody event.
    Unknown,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Notified {
    pub person: PersonId,
    pub status: NotifiedStatus,
}

/// The engine's best candidate for a person seen, whether or not it reaches the threshold.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Candidate {
    pub notified: PersonId,
    pub probability: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Seen {
    pub registration: RegistrationId,
    pub place: PlaceId,
    /// `None` when the engine found no notified person sharing any key.
    pub best: Option<Candidate>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Alert {
    SeenNeverNotified {
        registration: RegistrationId,
        /// The closest notified person, below the threshold.
        closest: Option<Candidate>,
    },
    NotifiedNotSeen {
        notified: PersonId,
        place: PlaceId,
    },
    ReleasedButSeenDetained {
        registration: RegistrationId,
        candidate: Candidate,
        release: EventKind,
        released_at: OffsetDateTime,
    },
}

impl Alert {
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Self::SeenNeverNotified { .. } => "seen-never-notified",
            Self::NotifiedNotSeen { .. } => "notified-not-seen",
            Self::ReleasedButSeenDetained { .. } => "released-but-seen-detained",
        }
    }
}

/// The alerts for `seen` (persons registered on the visits compared) against `notified`, where
/// `visited` are the places those visits went to. Order: seen persons in input order, then the
/// notified persons not seen in input order.
#[must_use]
pub fn reconcile(
    seen: &[Seen],
    notified: &[Notified],
    visited: &[PlaceId],
    threshold: f64,
) -> Vec<Alert> {
    let mut alerts = Vec::new();
    let mut matched: Vec<PersonId> = Vec::new();
    for person in seen {
        let candidate = person.best.filter(|c| c.probability >= threshold);
        let Some(candidate) = candidate else {
            alerts.push(Alert::SeenNeverNotified {
                registration: person.registration,
                closest: person.best,
            });
            continue;
        };
        matched.push(candidate.notified);
        let status = notified
            .iter()
            .find(|n| n.person == candidate.notified)
            .map(|n| &n.status);
        if let Some(NotifiedStatus::Released { kind, at }) = status {
            alerts.push(Alert::ReleasedButSeenDetained {
                registration: person.registration,
                candidate,
                release: *kind,
                released_at: *at,
            });
        }
    }
    for person in notified {
        if let NotifiedStatus::Held { place: Some(place) } = person.status
            && visited.contains(&place)
            && !matched.contains(&person.person)
        {
            alerts.push(Alert::NotifiedNotSeen {
                notified: person.person,
                place,
            });
        }
    }
    alerts
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn three_kinds_of_alert_and_nothing_else() {
        let camp = PlaceId::new();
        let elsewhere = PlaceId::new();
        let held = PersonId::new();
        let held_not_seen = PersonId::new();
        let held_elsewhere = PersonId::new();
        let released = PersonId::new();
        let notified = vec![
            Notified {
                person: held,
                status: NotifiedStatus::Held { place: Some(camp) },
            },
            Notified {
                person: held_not_seen,
                status: NotifiedStatus::Held { place: Some(camp) },
            },
            Notified {
                person: held_elsewhere,
                status: NotifiedStatus::Held {
                    place: Some(elsewhere),
                },
            },
            Notified {
                person: released,
                status: NotifiedStatus::Released {
                    kind: EventKind::Release,
                    at: datetime!(2026-01-10 00:00 UTC),
                },
            },
        ];
        let seen_held = RegistrationId::new();
        let stranger = RegistrationId::new();
        let seen_released = RegistrationId::new();
        let near = Candidate {
            notified: held_elsewhere,
            probability: 0.2,
        };
        let seen = vec![
            Seen {
                registration: seen_held,
                place: camp,
                best: Some(Candidate {
                    notified: held,
                    probability: 0.99,
                }),
            },
            Seen {
                registration: stranger,
                place: camp,
                best: Some(near),
            },
            Seen {
                registration: seen_released,
                place: camp,
                best: Some(Candidate {
                    notified: released,
                    probability: 0.97,
                }),
            },
        ];
        let alerts = reconcile(&seen, &notified, &[camp], 0.9);
        assert_eq!(
            alerts,
            vec![
                Alert::SeenNeverNotified {
                    registration: stranger,
                    closest: Some(near),
                },
                Alert::ReleasedButSeenDetained {
                    registration: seen_released,
                    candidate: Candidate {
                        notified: released,
                        probability: 0.97
                    },
                    release: EventKind::Release,
                    released_at: datetime!(2026-01-10 00:00 UTC),
                },
                Alert::NotifiedNotSeen {
                    notified: held_not_seen,
                    place: camp,
                },
            ]
        );
    }
}
