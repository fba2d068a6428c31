//! A person's events and the notifications recorded against them.
//!
//! Times are whole minutes relative to `now` (floored to the minute): negative is in the past,
//! and nothing later than 0 is generated. Events follow `domain::Event::check_against`: the
//! capture or arrest comes first, every later event is strictly later than the one before it,
//! places are set where an event needs one, and after a terminal event only a recapture (after a
//! successful escape) may follow.

use domain::{Channel, EventKind, NotificationKind, PersonCategory, RuleId};

use crate::rng::Rng;
use crate::world::PlaceIndex;

pub(crate) const HOUR: i64 = 60;
pub(crate) const DAY: i64 = 24 * HOUR;

#[derive(Clone, Copy, Debug)]
pub(crate) struct Ev {
    pub kind: EventKind,
    pub t: i64,
    pub place: Option<usize>,
    pub place_to: Option<usize>,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Notice {
    pub rule: RuleId,
    pub channel: Channel,
    pub event_index: usize,
    pub kind: NotificationKind,
    pub t: i64,
}

struct Timeline<'a> {
    rng: &'a mut Rng,
    places: &'a PlaceIndex,
    events: Vec<Ev>,
    t: i64,
    /// Where the person is held now.
    at: Option<usize>,
}

impl Timeline<'_> {
    /// Records an event `delay` minutes (at least one) after the last; `None` when that would be
    /// after now, which ends the timeline.
    fn push(
        &mut self,
        kind: EventKind,
        delay: i64,
        place: Option<usize>,
        place_to: Option<usize>,
    ) -> Option<()> {
        let t = self.t + delay.max(1);
        if t > 0 {
            return None;
        }
        self.t = t;
        self.events.push(Ev {
            kind,
            t,
            place,
            place_to,
        });
        Some(())
    }

    /// Lets time pass without an event; `None` when that reaches now.
    fn wait(&mut self, delay: i64) -> Option<()> {
        self.t += delay;
        (self.t < 0).then_some(())
    }

    fn pick(&mut self, places: &[usize]) -> usize {
        *self.rng.pick(places)
    }

    /// Another place from `places` than the current one, where there is one.
    fn pick_other(&mut self, places: &[usize]) -> usize {
        let choice = self.pick(places);
        if Some(choice) == self.at && places.len() > 1 {
            let position = places.iter().position(|p| *p == choice).unwrap_or(0);
            return places[(position + 1 + self.rng.index(places.len() - 1)) % places.len()];
        }
        choice
    }

    fn minutes(&mut self, lo: i64, hi: i64) -> i64 {
        self.rng.range(lo, hi)
    }

    fn transfer(&mut self, to: usize, delay: i64) -> Option<()> {
        let from = self.at;
        self.push(EventKind::TransferDeparture, delay, from, Some(to))?;
        let travel = self.minutes(4 * HOUR, 2 * DAY);
        self.push(EventKind::TransferArrival, travel, Some(to), None)?;
        self.at = Some(to);
        Some(())
    }

    /// A stay in hospital: admission, perhaps serious illness (which may end in death or, for a
    /// prisoner of war, repatriation), discharge. `Some(true)` when the record was closed.
    fn hospital(
        &mut self,
        delay: i64,
        serious_share: f64,
        category: PersonCategory,
    ) -> Option<bool> {
        let places = self.places;
        let infirmary = self.rng.chance(0.3);
        let hospital = if infirmary {
            self.pick(&places.infirmaries)
        } else {
            self.pick(&places.hospitals)
        };
        self.push(EventKind::HospitalAdmission, delay, Some(hospital), None)?;
        let serious = !infirmary && self.rng.chance(serious_share);
        if serious {
            let delay = self.minutes(30, 6 * HOUR);
            self.push(
                EventKind::SeriousIllnessDeclared,
                delay,
                Some(hospital),
                None,
            )?;
            if self.rng.chance(0.07) {
                let delay = self.minutes(DAY, 25 * DAY);
                self.push(EventKind::Death, delay, Some(hospital), None)?;
                return Some(true);
            }
            if category == PersonCategory::PrisonerOfWar && self.rng.chance(0.12) {
                // GC III 110: the seriously wounded are repatriated directly.
                let delay = self.minutes(14 * DAY, 50 * DAY);
                self.push(EventKind::Repatriation, delay, Some(hospital), None)?;
                return Some(true);
            }
            let delay = self.minutes(4 * DAY, 30 * DAY);
            self.push(EventKind::SeriousIllnessEnded, delay, Some(hospital), None)?;
        }
        let delay = self.minutes(2 * DAY, 20 * DAY);
        self.push(EventKind::HospitalDischarge, delay, Some(hospital), None)?;
        Some(false)
    }

    /// An escape: recaptured soon, successful (and perhaps recaptured much later), or still at
    /// large. `Some(true)` when the timeline should stop.
    fn escape(&mut self, delay: i64) -> Option<bool> {
        let (from, places) = (self.at, self.places);
        self.push(EventKind::Escape, delay, from, None)?;
        let roll = self.rng.unit();
        if roll < 0.55 {
            let delay = self.minutes(2 * HOUR, 5 * DAY);
            let prison = self.pick(&places.prisons);
            self.push(EventKind::Recapture, delay, Some(prison), None)?;
            self.at = Some(prison);
            return Some(false);
        }
        if roll < 0.85 {
            let delay = self.minutes(DAY, 5 * DAY);
            self.push(EventKind::SuccessfulEscape, delay, None, None)?;
            if self.rng.chance(0.15) {
                let delay = self.minutes(5 * DAY, 40 * DAY);
                let prison = self.pick(&places.prisons);
                self.push(EventKind::Recapture, delay, Some(prison), None)?;
                self.at = Some(prison);
                return Some(false);
            }
            return Some(true);
        }
        // Still at large: the record stays open.
        Some(true)
    }
}

/// The rates of what may happen in a period of custody, for one category.
struct Rates {
    hospital: f64,
    serious: f64,
    transfer: f64,
    escape: f64,
    death: f64,
    release: f64,
    repatriation: f64,
    handover: f64,
    review: f64,
}

const POW_RATES: Rates = Rates {
    hospital: 0.05,
    serious: 0.2,
    transfer: 0.06,
    escape: 0.006,
    death: 0.003,
    release: 0.012,
    repatriation: 0.008,
    handover: 0.002,
    review: 0.0,
};

const INTERNEE_RATES: Rates = Rates {
    hospital: 0.04,
    serious: 0.15,
    transfer: 0.03,
    escape: 0.003,
    death: 0.002,
    release: 0.07,
    repatriation: 0.01,
    handover: 0.002,
    review: 0.15,
};

const CUSTODY_RATES: Rates = Rates {
    hospital: 0.03,
    serious: 0.15,
    transfer: 0.03,
    escape: 0.002,
    death: 0.002,
    release: 0.12,
    repatriation: 0.0,
    handover: 0.01,
    review: 0.0,
};

/// The events of one person, captured or arrested at `t0` (minutes before now).
///
/// `out` is cleared and filled, so that one buffer serves many persons.
pub(crate) fn events(
    rng: &mut Rng,
    places: &PlaceIndex,
    category: PersonCategory,
    t0: i64,
    out: &mut Vec<Ev>,
) {
    out.clear();
    let mut timeline = Timeline {
        rng,
        places,
        events: std::mem::take(out),
        t: t0 - 1,
        at: None,
    };
    // `None` only says that the next event would have been after now.
    let _ = run(&mut timeline, category);
    *out = timeline.events;
}

fn run(tl: &mut Timeline<'_>, category: PersonCategory) -> Option<()> {
    let places = tl.places;
    let rates = match category {
        PersonCategory::PrisonerOfWar | PersonCategory::Unidentified => &POW_RATES,
        PersonCategory::CivilianInternee => &INTERNEE_RATES,
        PersonCategory::ProtectedPersonInCustody => &CUSTODY_RATES,
    };
    match category {
        PersonCategory::PrisonerOfWar | PersonCategory::Unidentified => {
            let point = tl
                .rng
                .chance(0.85)
                .then(|| tl.pick(&places.collecting_points));
            tl.push(EventKind::FellIntoPower, 1, point, None)?;
            tl.at = point;
            let wounded = if category == PersonCategory::Unidentified {
                0.4
            } else {
                0.06
            };
            if tl.rng.chance(wounded) {
                // Wounded when captured: to hospital first, then to a camp.
                let delay = tl.minutes(2 * HOUR, 36 * HOUR);
                if tl.hospital(delay, 0.5, category)? {
                    return Some(());
                }
                let camp = tl.pick(&places.pow_camps);
                let delay = tl.minutes(4 * HOUR, 2 * DAY);
                tl.push(EventKind::ArrivalAtPlace, delay, Some(camp), None)?;
                tl.at = Some(camp);
            } else {
                let transit = tl.pick(&places.transit_camps);
                let delay = tl.minutes(12 * HOUR, 4 * DAY);
                tl.push(EventKind::ArrivalAtPlace, delay, Some(transit), None)?;
                tl.at = Some(transit);
                if tl.rng.chance(0.75) {
                    let camp = tl.pick(&places.pow_camps);
                    let delay = tl.minutes(3 * DAY, 20 * DAY);
                    tl.transfer(camp, delay)?;
                }
            }
        }
        PersonCategory::CivilianInternee => {
            let roll = tl.rng.unit();
            let place = if roll < 0.5 {
                Some(tl.pick(&places.police_stations))
            } else if roll < 0.7 {
                Some(tl.pick(&places.prisons))
            } else {
                None
            };
            tl.push(EventKind::FellIntoPower, 1, place, None)?;
            tl.at = place;
            let delay = tl.minutes(DAY, 10 * DAY);
            tl.push(EventKind::InternmentDecision, delay, None, None)?;
            let camp = tl.pick(&places.internment_places);
            let delay = tl.minutes(6 * HOUR, 3 * DAY);
            tl.push(EventKind::ArrivalAtPlace, delay, Some(camp), None)?;
            tl.at = Some(camp);
        }
        PersonCategory::ProtectedPersonInCustody => {
            let place = tl.rng.chance(0.7).then(|| tl.pick(&places.police_stations));
            tl.push(EventKind::FellIntoPower, 1, place, None)?;
            tl.at = place;
            if tl.rng.chance(0.6) {
                let prison = tl.pick(&places.prisons);
                let delay = tl.minutes(12 * HOUR, 3 * DAY);
                tl.push(EventKind::ArrivalAtPlace, delay, Some(prison), None)?;
                tl.at = Some(prison);
            }
        }
    }
    let mut reviewed = false;
    for _ in 0..10 {
        let delay = tl.minutes(3 * DAY, 30 * DAY);
        let mut roll = tl.rng.unit();
        let mut next = |rate: f64| {
            let hit = roll < rate;
            roll -= rate;
            hit
        };
        if next(rates.hospital) {
            if tl.hospital(delay, rates.serious, category)? {
                return Some(());
            }
        } else if next(rates.transfer) {
            let options = match category {
                PersonCategory::CivilianInternee => &places.internment_places,
                PersonCategory::ProtectedPersonInCustody => &places.prisons,
                _ => &places.pow_camps,
            };
            let to = tl.pick_other(options);
            tl.transfer(to, delay)?;
        } else if next(rates.escape) {
            if tl.escape(delay)? {
                return Some(());
            }
        } else if next(rates.death) {
            let at = tl.at;
            tl.push(EventKind::Death, delay, at, None)?;
            return Some(());
        } else if next(rates.release) {
            let at = tl.at;
            tl.push(EventKind::Release, delay, at, None)?;
            return Some(());
        } else if next(rates.repatriation) {
            let at = tl.at;
            tl.push(EventKind::Repatriation, delay, at, None)?;
            return Some(());
        } else if next(rates.handover) {
            let at = tl.at;
            tl.push(EventKind::HandoverToOtherPower, delay, at, None)?;
            return Some(());
        } else if !reviewed && next(rates.review) {
            reviewed = true;
            let at = tl.at;
            tl.push(EventKind::InternmentReview, delay, at, None)?;
        } else {
            tl.wait(delay)?;
        }
    }
    Some(())
}

/// How a bureau keeps its deadlines.
#[derive(Clone, Copy)]
pub(crate) struct Compliance {
    pub on_time: f64,
    pub late: f64,
}

/// The channels a card goes to (GC3-70-b: to the family and to the agency).
const CARD: [Channel; 2] = [Channel::Agency, Channel::Family];
/// The channels information is forwarded on (GC3-122-c, GC IV 137: through the protecting power
/// and through the agency; XC-5 tracks each on its own).
const FORWARD: [Channel; 2] = [Channel::ProtectingPower, Channel::Agency];

struct Notices<'a> {
    rng: &'a mut Rng,
    compliance: Compliance,
    out: Vec<Notice>,
}

impl Notices<'_> {
    /// When the bureau acts on something due `due` minutes after `from`: on time, late, or not
    /// (yet).
    fn outcome(&mut self, from: i64, due: i64) -> Option<i64> {
        let roll = self.rng.unit();
        if roll < self.compliance.on_time {
            Some(from + self.rng.range(10, due.max(11)))
        } else if roll < self.compliance.on_time + self.compliance.late {
            Some(from + due + self.rng.range(HOUR, 14 * DAY))
        } else {
            None
        }
    }

    /// Records the notification on each channel, usually together, now and then not on one of
    /// them. A notification that would be sent after now is not recorded: it is still owed.
    fn send(
        &mut self,
        rule: RuleId,
        channels: &[Channel],
        event_index: usize,
        sent: Option<i64>,
    ) -> u8 {
        let Some(sent) = sent else { return 0 };
        let mut mask = 0;
        for (number, channel) in channels.iter().enumerate() {
            let t = sent + self.rng.range(0, HOUR);
            if t > 0 || (channels.len() > 1 && self.rng.chance(0.04)) {
                continue;
            }
            let kind = NotificationKind::Sent;
            self.out.push(Notice {
                rule,
                channel: *channel,
                event_index,
                kind,
                t,
            });
            mask |= 1 << number;
        }
        mask
    }

    /// An obligation due `due` minutes after `from`, on each of `channels`. Returns a bit per
    /// channel that was notified.
    fn owe(
        &mut self,
        rule: RuleId,
        channels: &[Channel],
        event_index: usize,
        from: i64,
        due: i64,
    ) -> u8 {
        let sent = self.outcome(from, due);
        self.send(rule, channels, event_index, sent)
    }

    /// A capture or internment card to the family and the agency, due a week after `from`. The
    /// person may decline to write it (GC3-70-e).
    fn card(&mut self, rule: RuleId, event_index: usize, from: i64) {
        let before = self.out.len();
        self.owe(rule, &CARD, event_index, from, 7 * DAY);
        if self.out.len() > before && self.rng.chance(0.03) {
            for notice in &mut self.out[before..] {
                notice.kind = NotificationKind::OfferedDeclined;
            }
        }
    }

    /// GC3-94-a: a prisoner's recapture, notified on the channels where the escape was (a bit
    /// per channel of [`FORWARD`]).
    fn recapture(&mut self, escape_notified: u8, event_index: usize, t: i64) {
        let mut channels = [Channel::Agency; 2];
        let mut count = 0;
        for (number, channel) in FORWARD.iter().enumerate() {
            if escape_notified & (1 << number) != 0 {
                channels[count] = *channel;
                count += 1;
            }
        }
        self.owe(
            RuleId::Gc3_122e,
            &channels[..count],
            event_index,
            t,
            3 * DAY,
        );
    }

    /// GC3-46-a: the list of transferred prisoners, drawn up before the departure.
    fn transfer_list(&mut self, event_index: usize, departure: i64) {
        let roll = self.rng.unit();
        let t = if roll < self.compliance.on_time {
            departure - self.rng.range(HOUR, 2 * DAY)
        } else if roll < self.compliance.on_time + self.compliance.late {
            departure + self.rng.range(HOUR, 3 * DAY)
        } else {
            return;
        };
        self.send(RuleId::Gc3_46a, &[Channel::Internal], event_index, Some(t));
    }

    /// Weekly health reports while a person is seriously ill (GC3-122-f, GC4-138-b): one for each
    /// week that starts during the illness, the first always; a report sent within the week meets
    /// it on time.
    fn weekly(&mut self, rule: RuleId, event_index: usize, declared: i64, until: i64) {
        let mut start = declared;
        while start == declared || start < until {
            let due = start + 7 * DAY;
            let roll = self.rng.unit();
            let sent = if roll < self.compliance.on_time {
                Some(due - self.rng.range(HOUR, 2 * DAY))
            } else if roll < self.compliance.on_time + self.compliance.late {
                Some(due + self.rng.range(HOUR, 3 * DAY))
            } else {
                None
            };
            self.send(rule, &[Channel::Agency], event_index, sent);
            start = due;
        }
    }
}

/// The notifications recorded against a person's events, following the deadlines of §10 as the
/// domain computes them (`domain::obligation`): most are met on time, some late, some not yet.
///
/// - Cards, to the agency and the family: GC3-70-a for prisoners of war, due a week after the
///   capture; GC4-106-a for civilian internees, due a week after the internment decision; and
///   again ("likewise") after serious illness, hospital admission and arrival at another camp.
/// - First information, through the protecting power and the agency: GC3-122-c on a POW's
///   capture; GC4-136-b on an internment decision, or on day 15 of a civilian's custody.
/// - Changes, through the protecting power and the agency: GC3-122-e (POWs and the unidentified)
///   or GC4-136-b (civilians, once they are a Bureau case) on transfer, hospital admission,
///   escape, recapture (for a POW only where the escape was notified, GC3-94-a), release,
///   repatriation, handover and death.
/// - GC3-46-a, internal: the list of transferred prisoners, before the departure.
/// - Weekly health reports to the agency: GC3-122-f (POWs), GC4-138-b (civilians).
/// - Deaths: GC3-120-b to the bureau (POWs); GC4-129-a through the protecting power and the agency
///   (internees); AP1-33-b to the agency (other protected persons in custody).
/// - GC4-43-a internment reviews are met by the review events themselves, not by notifications.
///
/// `out` is cleared and filled, so that one buffer serves many persons.
pub(crate) fn notifications(
    rng: &mut Rng,
    places: &PlaceIndex,
    category: PersonCategory,
    events: &[Ev],
    compliance: Compliance,
    out: &mut Vec<Notice>,
) {
    out.clear();
    let mut notices = Notices {
        rng,
        compliance,
        out: std::mem::take(out),
    };
    let pow = category == PersonCategory::PrisonerOfWar;
    let civilian = category.is_civilian();
    let change_rule = if civilian {
        RuleId::Gc4_136b
    } else {
        RuleId::Gc3_122e
    };
    let asap = 3 * DAY;

    // The custody episode (XC-1): opened by the capture, or by a recapture after a closure.
    let mut start = 0;
    let mut closed = false;
    let mut decision: Option<i64> = None;
    let mut camp: Option<usize> = None;
    // Channels on which an escape since the last capture was notified (GC3-94-a).
    let mut escape_notified = 0u8;
    for (index, event) in events.iter().enumerate() {
        let t = event.t;
        let opens = event.kind == EventKind::FellIntoPower
            || (closed && event.kind == EventKind::Recapture);
        if opens {
            start = t;
            closed = false;
            decision = None;
            camp = None;
            let end = events[index + 1..]
                .iter()
                .find(|later| later.kind.is_terminal())
                .map_or(0, |later| later.t);
            if event.kind == EventKind::FellIntoPower {
                escape_notified = 0;
                if pow {
                    notices.card(RuleId::Gc3_70a, index, t);
                    notices.owe(RuleId::Gc3_122c, &FORWARD, index, t, asap);
                }
            } else if !civilian {
                // GC3-94-a: a recapture after a successful escape, where the escape was notified.
                notices.recapture(escape_notified, index, t);
                escape_notified = 0;
            }
            // GC4-136-b: custody of more than two weeks without an internment decision first.
            let day15 = t + 14 * DAY;
            let decided_first = events[index + 1..]
                .iter()
                .any(|later| later.kind == EventKind::InternmentDecision && later.t <= day15);
            if civilian && end > day15 && !decided_first {
                notices.owe(RuleId::Gc4_136b, &FORWARD, index, day15, asap);
            }
            continue;
        }
        if closed {
            continue;
        }
        // A civilian is a Bureau case after two weeks in custody, or once interned.
        let bureau_case = !civilian || t > start + 14 * DAY || decision.is_some_and(|d| d <= t);
        let camp_arrival = matches!(
            event.kind,
            EventKind::ArrivalAtPlace | EventKind::TransferArrival
        ) && places.is_camp(event.place);
        let card_rule = match category {
            PersonCategory::PrisonerOfWar => Some(RuleId::Gc3_70a),
            PersonCategory::CivilianInternee if decision.is_some() => Some(RuleId::Gc4_106a),
            _ => None,
        };
        match event.kind {
            EventKind::InternmentDecision => {
                if decision.is_none() && category == PersonCategory::CivilianInternee {
                    notices.card(RuleId::Gc4_106a, index, t);
                }
                decision.get_or_insert(t);
                notices.owe(RuleId::Gc4_136b, &FORWARD, index, t, asap);
            }
            _ if camp_arrival => {
                let another = camp.is_some() && camp != event.place;
                camp = event.place;
                if let (true, Some(rule)) = (another, card_rule) {
                    notices.card(rule, index, t);
                }
            }
            EventKind::HospitalAdmission | EventKind::SeriousIllnessDeclared => {
                if let Some(rule) = card_rule {
                    notices.card(rule, index, t);
                }
                if event.kind == EventKind::SeriousIllnessDeclared
                    && category != PersonCategory::Unidentified
                {
                    let rule = if pow {
                        RuleId::Gc3_122f
                    } else {
                        RuleId::Gc4_138b
                    };
                    let until = events[index + 1..]
                        .iter()
                        .find(|later| {
                            later.kind == EventKind::SeriousIllnessEnded || later.kind.is_terminal()
                        })
                        .map_or(0, |later| later.t);
                    notices.weekly(rule, index, t, until);
                }
            }
            _ => {}
        }
        match event.kind {
            EventKind::TransferDeparture if pow => notices.transfer_list(index, t),
            EventKind::Death => {
                let death: Option<(RuleId, &[Channel])> = match category {
                    PersonCategory::PrisonerOfWar => Some((RuleId::Gc3_120b, &[Channel::Bureau])),
                    PersonCategory::CivilianInternee => Some((RuleId::Gc4_129a, &FORWARD)),
                    PersonCategory::ProtectedPersonInCustody => {
                        Some((RuleId::Ap1_33b, &[Channel::Agency]))
                    }
                    PersonCategory::Unidentified => None,
                };
                if let Some((rule, channels)) = death {
                    notices.owe(rule, channels, index, t, asap);
                }
            }
            _ => {}
        }
        // Changes (GC3-122-e, GC4-136-b). A transfer counts once, at its departure.
        match event.kind {
            EventKind::TransferDeparture
            | EventKind::HospitalAdmission
            | EventKind::Release
            | EventKind::Repatriation
            | EventKind::HandoverToOtherPower
            | EventKind::Death
                if bureau_case =>
            {
                notices.owe(change_rule, &FORWARD, index, t, asap);
            }
            EventKind::Escape | EventKind::SuccessfulEscape if bureau_case => {
                escape_notified |= notices.owe(change_rule, &FORWARD, index, t, asap);
            }
            EventKind::Recapture if civilian && bureau_case => {
                notices.owe(change_rule, &FORWARD, index, t, asap);
            }
            EventKind::Recapture if !civilian => {
                notices.recapture(escape_notified, index, t);
                escape_notified = 0;
            }
            _ => {}
        }
        if event.kind.is_terminal() {
            closed = true;
        }
    }
    *out = notices.out;
}
