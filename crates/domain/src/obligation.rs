//! Obligations and deadlines (§9.5 "Obligation", §10): what each party owes, computed from
//! events and the notifications recorded against them.

use std::fmt;
use std::str::FromStr;

use time::{Duration, OffsetDateTime};

use crate::event::{Event, EventKind};
use crate::ids::{EventId, NotificationId, PersonId, PlaceId, SourceId};
use crate::person::PersonCategory;
use crate::place::PlaceKind;

/// The requirement a deadline comes from (§10), e.g. `GC3-70-a`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RuleId {
    /// §10 #1–2: capture card within one week of capture or arrival at a camp; again on
    /// sickness, hospital admission or transfer.
    Gc3_70a,
    /// §10 #4: internment card within one week of internment or arrival.
    Gc4_106a,
    /// §10 #6: the bureau forwards a POW's information to the power concerned through the
    /// protecting power and likewise through the agency.
    Gc3_122c,
    /// §10 #9: changes (transfer, hospital, escape, recapture, release, repatriation, death).
    Gc3_122e,
    /// §10 #10: weekly health reports on the seriously ill or wounded (POWs).
    Gc3_122f,
    /// §10 #7: a civilian in custody for more than two weeks, or interned, is recorded and
    /// transmitted.
    Gc4_136b,
    /// §10 #10: weekly health reports on seriously ill or wounded civilians.
    Gc4_138b,
    /// §10 #8: AP I detainees held more than two weeks, or who die in detention.
    Ap1_33b,
    /// §10 #12: the complete list of transferred persons, before departure.
    Gc3_46a,
    /// §10 #31: death certificate or certified list to the bureau, as rapidly as possible.
    Gc3_120b,
    /// §10 #32: certified copy of an internee's death record to the protecting power and agency.
    Gc4_129a,
    /// §10 #38 and #40: review of internment at least twice yearly.
    Gc4_43a,
}

impl RuleId {
    pub const ALL: [RuleId; 12] = [
        Self::Gc3_70a,
        Self::Gc4_106a,
        Self::Gc3_122c,
        Self::Gc3_122e,
        Self::Gc3_122f,
        Self::Gc4_136b,
        Self::Gc4_138b,
        Self::Ap1_33b,
        Self::Gc3_46a,
        Self::Gc3_120b,
        Self::Gc4_129a,
        Self::Gc4_43a,
    ];

    /// The requirement ID as written in `gc-requirements.md`.
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::Gc3_70a => "GC3-70-a",
            Self::Gc4_106a => "GC4-106-a",
            Self::Gc3_122c => "GC3-122-c",
            Self::Gc3_122e => "GC3-122-e",
            Self::Gc3_122f => "GC3-122-f",
            Self::Gc4_136b => "GC4-136-b",
            Self::Gc4_138b => "GC4-138-b",
            Self::Ap1_33b => "AP1-33-b",
            Self::Gc3_46a => "GC3-46-a",
            Self::Gc3_120b => "GC3-120-b",
            Self::Gc4_129a => "GC4-129-a",
            Self::Gc4_43a => "GC4-43-a",
        }
    }

    /// What is owed, in a clerk's words.
    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Self::Gc3_70a => "Capture card (GC III 70)",
            Self::Gc4_106a => "Internment card (GC IV 106)",
            Self::Gc3_122c => "Notify the power concerned (GC III 122)",
            Self::Gc3_122e => "Notify a change (GC III 122)",
            Self::Gc3_122f => "Weekly health report (GC III 122)",
            Self::Gc4_136b => "Record and transmit civilian in custody (GC IV 136)",
            Self::Gc4_138b => "Weekly health report (GC IV 138)",
            Self::Ap1_33b => "AP I 33 detainee information",
            Self::Gc3_46a => "List of transferred persons before departure (GC III 46)",
            Self::Gc3_120b => "Death certificate to the bureau (GC III 120)",
            Self::Gc4_129a => "Death record to protecting power and agency (GC IV 129)",
            Self::Gc4_43a => "Review of internment (GC IV 43 / 78)",
        }
    }
}

impl fmt::Display for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for RuleId {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|rule| rule.code() == s)
            .ok_or_else(|| format!("unknown rule {s:?}"))
    }
}

/// XC-5: the channel a notification went through. Each is tracked on its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Channel {
    /// The Central Tracing Agency.
    Agency,
    /// The protecting power (or its substitute).
    ProtectingPower,
    /// The family, directly (GC3-70-b: the capture card goes to the family too).
    Family,
    /// The detaining party's own bureau (GC3-120-b: death certificates reach the bureau).
    Bureau,
    /// An internal act with no recipient, such as an internment review (GC4-43-a).
    Internal,
}

impl Channel {
    pub const ALL: [Channel; 5] = [
        Self::Agency,
        Self::ProtectingPower,
        Self::Family,
        Self::Bureau,
        Self::Internal,
    ];

    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::Agency => "agency",
            Self::ProtectingPower => "protecting-power",
            Self::Family => "family",
            Self::Bureau => "bureau",
            Self::Internal => "internal",
        }
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Channel {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|channel| channel.code() == s)
            .ok_or_else(|| format!("unknown channel {s:?}"))
    }
}

/// What a notification did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NotificationKind {
    /// It was sent.
    Sent,
    /// GC3-70-e: the card was offered and the person declined to write it. The obligation to
    /// enable them is met; the bureau's own duty (GC3-122) is not affected.
    OfferedDeclined,
}

impl NotificationKind {
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::Sent => "sent",
            Self::OfferedDeclined => "offered-declined",
        }
    }
}

impl FromStr for NotificationKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "sent" => Ok(Self::Sent),
            "offered-declined" => Ok(Self::OfferedDeclined),
            other => Err(format!("unknown notification kind {other:?}")),
        }
    }
}

/// A record that the party did what a rule asks: a card sent, a change notified, a report made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notification {
    pub id: NotificationId,
    pub person: PersonId,
    pub rule: RuleId,
    /// The event the notification answers. `None` answers the rule's earliest open obligation.
    pub trigger_event: Option<EventId>,
    pub channel: Channel,
    pub kind: NotificationKind,
    pub sent_at: OffsetDateTime,
    pub source: SourceId,
    /// A reference to the card, list or transmission.
    pub reference: String,
}

/// Targets for the obligations the treaties phrase as "immediately", "promptly" or "as rapidly
/// as possible" (§10: "ASAP rows get a configurable target SLA"). These are design choices, not
/// treaty numbers; the bureau sets them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeadlinePolicy {
    /// GC3-70-a: the target after capture when the person has not reached a camp. The hard
    /// limit of seven days after arrival at a camp still applies.
    pub capture_card_after_capture: Duration,
    /// "Immediately", "promptly", "as rapidly as possible", "without delay".
    pub asap: Duration,
}

impl Default for DeadlinePolicy {
    fn default() -> Self {
        Self {
            capture_card_after_capture: Duration::days(7),
            asap: Duration::days(3),
        }
    }
}

/// Where an obligation stands at a given moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObligationStatus {
    /// Not yet met, and the due time has not passed.
    Due,
    /// Not met, and the due time has passed.
    Overdue,
    /// Met by a notification, on time or late.
    Done { at: OffsetDateTime, late: bool },
}

impl ObligationStatus {
    #[must_use]
    pub const fn code(self) -> &'static str {
        match self {
            Self::Due => "due",
            Self::Overdue => "overdue",
            Self::Done { late: false, .. } => "done",
            Self::Done { late: true, .. } => "done-late",
        }
    }
}

/// One thing a party owes, with its deadline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Obligation {
    pub rule: RuleId,
    pub person: PersonId,
    /// The event that started the clock.
    pub trigger_event: EventId,
    pub channel: Channel,
    pub due_at: OffsetDateTime,
    pub status: ObligationStatus,
    /// The notification that met it.
    pub met_by: Option<NotificationId>,
    /// GC4-43-a: the event that met it, for obligations met by an act rather than a notification
    /// (an internment review is met by the next `InternmentReview` event).
    pub met_by_event: Option<EventId>,
}

/// Tally of obligations by status.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Not met, and the due time has not passed.
    pub due: usize,
    /// Not met, and the due time has passed.
    pub overdue: usize,
    /// Met on time.
    pub done: usize,
    /// Met after the due time.
    pub done_late: usize,
}

impl Tally {
    /// The obligations not yet met (due or overdue).
    #[must_use]
    pub const fn open(&self) -> usize {
        self.due + self.overdue
    }

    #[must_use]
    pub const fn total(&self) -> usize {
        self.due + self.overdue + self.done + self.done_late
    }

    /// Counts one more obligation in the given status.
    pub fn add(&mut self, status: ObligationStatus) {
        match status {
            ObligationStatus::Due => self.due += 1,
            ObligationStatus::Overdue => self.overdue += 1,
            ObligationStatus::Done { late: false, .. } => self.done += 1,
            ObligationStatus::Done { late: true, .. } => self.done_late += 1,
        }
    }
}

/// Counts obligations by status.
#[must_use]
pub fn tally(obligations: &[Obligation]) -> Tally {
    let mut tally = Tally::default();
    for obligation in obligations {
        tally.add(obligation.status);
    }
    tally
}

/// Everything the deadline engine needs to know about one person.
pub struct PersonFacts<'a> {
    pub person: PersonId,
    pub category: PersonCategory,
    /// The person's events, in any order. Events of another person are ignored.
    pub events: &'a [Event],
    /// The notifications recorded for the person, in any order. Those of another person are
    /// ignored.
    pub notifications: &'a [Notification],
    /// The kind of a place of detention, to tell camps from other places (GC3-70-a, GC4-106-a).
    pub place_kind: &'a dyn Fn(PlaceId) -> Option<PlaceKind>,
}

/// GC3-70-a, GC4-106-a: "not more than one week after arrival"; also the weekly health report.
const WEEK: Duration = Duration::days(7);
/// GC4-136-b: "kept in custody for more than two weeks".
const CUSTODY_THRESHOLD: Duration = Duration::days(14);
/// GC4-43-a: "at least twice yearly".
const REVIEW_INTERVAL: Duration = Duration::days(182);

/// The obligations a person's record carries at `now`, with their status (§10).
///
/// Pure: the result depends only on the arguments. Events dated after `now` and notifications sent
/// after `now` are ignored, so the same facts give the history as it stood at any moment.
///
/// # Custody (XC-1)
///
/// Events are taken in order of occurrence (then of recording). A `FellIntoPower` opens a custody
/// episode; a terminal event closes it; a `Recapture` after a closure re-opens it (as
/// [`crate::person::Custody`] does). Events outside an episode (before any capture, or after a
/// closure) trigger nothing: a closed record owes only what its terminal event and earlier events
/// triggered.
///
/// Obligations that exist only while the person is held (capture and internment cards, weekly
/// health reports, internment reviews) lapse, and are not returned, when custody closed at or
/// before their due time without their being met: a released or dead person cannot be enabled to
/// write a card. Transmissions never lapse.
///
/// # Rules
///
/// * GC3-70-a (prisoners of war) and GC4-106-a (civilian internees): a card on channels
///   [`Channel::Agency`] and [`Channel::Family`] (GC3-70-b: every card goes to both). The first
///   card of a POW is triggered by the capture, due at the earlier of capture +
///   `policy.capture_card_after_capture` and the first arrival at a camp + 7 days. The first card
///   of an internee is triggered by the internment decision or the first arrival at a place of
///   internment, whichever is first, and is due 7 days after it. A new card ("likewise") is due 7
///   days after each serious illness, hospital admission, and arrival at a camp other than the
///   current one after the first.
/// * GC3-122-c (POWs): the capture is forwarded on [`Channel::ProtectingPower`] and on
///   [`Channel::Agency`] (XC-5), due capture + `policy.asap`.
/// * GC4-136-b (civilians): custody lasting more than 14 days owes a record and transmission on
///   both channels, due on day 15 (capture + 14 days) + `asap`, unless an internment decision came
///   first; each internment decision owes one, due decision + `asap`. AP1-33-b's "held more than
///   two weeks" is the same trigger and is folded in here.
/// * Changes (transfer, hospital admission, escape, recapture, release, repatriation, handover,
///   successful escape, death), due event + `asap`, on both channels because GC III 122(5) and
///   GC IV 137(1) transmit them "in the same way" as the first information (XC-5). A transfer
///   counts once: its departure, or its arrival when no departure is recorded. For POWs and
///   unidentified persons the rule is GC3-122-e, and a recapture is owed on a channel only when an
///   escape since the last capture was notified on that channel (GC3-94-a). For civilians the rule
///   is GC4-136-b, and a change is owed only once the person is a Bureau case: after day 15 of
///   custody, or at or after an internment decision; earlier changes are folded into that first
///   transmission.
/// * Weekly health reports while seriously ill, on [`Channel::Agency`]: GC3-122-f (POWs),
///   GC4-138-b (civilians). An illness runs from `SeriousIllnessDeclared` to
///   `SeriousIllnessEnded`, the end of custody, or `now`. Week *k* runs from declared + 7(*k*−1)
///   days to its due time, declared + 7*k* days. The first week is always owed, and so is each
///   later week that starts within the illness (the week running now is owed, and `Due`). A report
///   sent within a week's window meets that week on time; reports left over then meet missed
///   weeks, earliest first, late, if they were sent after the missed week's due time.
/// * GC3-46-a (POWs): the list of transferred persons, on [`Channel::Internal`] (it is drawn up,
///   not sent), due at the departure itself. An unlinked list counts from the previous departure
///   (or the start of custody), since it is made before the departure.
/// * Deaths: GC3-120-b (POWs) the death certificate to the [`Channel::Bureau`]; GC4-129-a
///   (civilian internees) the certified death record on both channels; AP1-33-b (protected persons
///   in custody otherwise) the death in detention, whatever its length, on [`Channel::Agency`].
///   Internees are not given AP1-33-b as well, since it covers only persons without more
///   favourable treatment under the Conventions, and GC IV 129 is that treatment.
/// * GC4-43-a (civilian internees): each internment decision and each review owes the next review,
///   on [`Channel::Internal`], due 182 days later. It is met by the next `InternmentReview` event
///   ([`Obligation::met_by_event`]), not by a notification.
///
/// # Notifications
///
/// A notification meets an obligation when the rule and the channel match and either it names the
/// obligation's trigger event, or it names none and is the earliest notification not yet used for
/// that rule and channel sent at or after the trigger (obligations taken in order of their
/// triggers). Linked notifications are assigned first. [`NotificationKind::OfferedDeclined`]
/// counts only for GC3-70-a and GC4-106-a (GC3-70-e). The status is `Done { at, late: at >
/// due_at }` when met, else `Overdue` once `now > due_at`, else `Due`.
///
/// The result is sorted by due time, then rule and channel.
#[must_use]
pub fn obligations(
    facts: &PersonFacts<'_>,
    policy: &DeadlinePolicy,
    now: OffsetDateTime,
) -> Vec<Obligation> {
    let mut events: Vec<&Event> = facts
        .events
        .iter()
        .filter(|event| event.person == facts.person && event.occurred_at <= now)
        .collect();
    events.sort_by_key(|event| (event.occurred_at, event.recorded_at));
    let notifications: Vec<&Notification> = facts
        .notifications
        .iter()
        .filter(|notification| notification.person == facts.person && notification.sent_at <= now)
        .collect();
    let episodes = episodes(&events, now);

    let engine = Engine {
        category: facts.category,
        place_kind: facts.place_kind,
        policy,
    };
    let mut pending = Vec::new();
    let mut recaptures = Vec::new();
    for episode in &episodes {
        engine.cards(episode, &mut pending);
        engine.first_information(episode, &mut pending);
        engine.deaths(episode, &mut pending);
        engine.health_reports(episode, &mut pending);
        engine.transfer_lists(episode, &mut pending);
        engine.reviews(episode, &mut pending);
    }
    engine.changes(&episodes, &mut pending, &mut recaptures);
    pending.sort_by_key(|p| (p.match_from, p.due_at, p.rule, p.channel, p.trigger));
    match_notifications(&mut pending, &notifications);

    // GC3-94-a: a recapture is notified on a channel only if an escape was notified there.
    if !recaptures.is_empty() {
        for recapture in &recaptures {
            for channel in [Channel::ProtectingPower, Channel::Agency] {
                let escape_notified = pending.iter().any(|p| {
                    p.rule == RuleId::Gc3_122e
                        && p.channel == channel
                        && p.met.is_some()
                        && recapture.escapes.contains(&p.trigger)
                });
                if escape_notified {
                    pending.push(Pending::notification(
                        RuleId::Gc3_122e,
                        channel,
                        recapture.event,
                        recapture.event.occurred_at + policy.asap,
                    ));
                }
            }
        }
        pending.sort_by_key(|p| (p.match_from, p.due_at, p.rule, p.channel, p.trigger));
        match_notifications(&mut pending, &notifications);
    }

    let mut result: Vec<Obligation> = pending
        .into_iter()
        .filter(|p| {
            // XC-1: in-custody obligations lapse when custody closed before they fell due.
            p.met.is_some() || p.lapses_at.is_none_or(|closed| closed > p.due_at)
        })
        .map(|p| {
            let status = match p.met {
                Some(met) => ObligationStatus::Done {
                    at: met.at,
                    late: met.at > p.due_at,
                },
                None if now > p.due_at => ObligationStatus::Overdue,
                None => ObligationStatus::Due,
            };
            Obligation {
                rule: p.rule,
                person: facts.person,
                trigger_event: p.trigger,
                channel: p.channel,
                due_at: p.due_at,
                status,
                met_by: p.met.and_then(|met| met.notification),
                met_by_event: p.met.and_then(|met| met.event),
            }
        })
        .collect();
    result.sort_by_key(|o| (o.due_at, o.rule, o.channel, o.trigger_event));
    result
}

/// One custody episode (XC-1): from a capture, or a recapture after a closure, to a terminal event.
struct Episode<'e> {
    /// The events of the episode in order; the first is the one that opened it.
    events: Vec<&'e Event>,
    /// The terminal event that closed it.
    closed_at: Option<OffsetDateTime>,
    /// When custody ended: the closure, the next capture, or `now` while open.
    end: OffsetDateTime,
}

impl<'e> Episode<'e> {
    fn start(&self) -> &'e Event {
        self.events[0]
    }
}

/// Splits ordered events into custody episodes, dropping those outside any (XC-1).
fn episodes<'e>(events: &[&'e Event], now: OffsetDateTime) -> Vec<Episode<'e>> {
    let mut episodes: Vec<Episode<'e>> = Vec::new();
    for &event in events {
        let closed = episodes
            .last()
            .is_some_and(|episode| episode.closed_at.is_some());
        let opens = event.kind == EventKind::FellIntoPower
            || (closed && event.kind == EventKind::Recapture);
        if opens {
            if let Some(last) = episodes.last_mut()
                && last.closed_at.is_none()
            {
                last.end = event.occurred_at;
            }
            episodes.push(Episode {
                events: vec![event],
                closed_at: None,
                end: now,
            });
            continue;
        }
        match episodes.last_mut() {
            Some(episode) if episode.closed_at.is_none() => {
                episode.events.push(event);
                if event.kind.is_terminal() {
                    episode.closed_at = Some(event.occurred_at);
                    episode.end = event.occurred_at;
                }
            }
            // XC-1: before any capture, or after the record was closed.
            _ => {}
        }
    }
    episodes
}

#[derive(Clone, Copy)]
enum Fulfilment {
    /// Met by a notification for the rule and channel.
    Notification,
    /// GC3-122-f / GC4-138-b: met by a report in the week's window, or a leftover one later.
    WeeklyReport { first_week: bool },
    /// GC4-43-a: met by the next review event.
    ReviewEvent,
}

#[derive(Clone, Copy)]
struct Met {
    at: OffsetDateTime,
    notification: Option<NotificationId>,
    event: Option<EventId>,
}

struct Pending {
    rule: RuleId,
    channel: Channel,
    trigger: EventId,
    /// The earliest time an unlinked notification may meet it: the trigger, or the start of a
    /// health-report week, or the previous departure for a transfer list.
    match_from: OffsetDateTime,
    due_at: OffsetDateTime,
    fulfilment: Fulfilment,
    /// For in-custody obligations: when custody closed, if it did.
    lapses_at: Option<OffsetDateTime>,
    met: Option<Met>,
}

impl Pending {
    fn notification(
        rule: RuleId,
        channel: Channel,
        trigger: &Event,
        due_at: OffsetDateTime,
    ) -> Self {
        Self {
            rule,
            channel,
            trigger: trigger.id,
            match_from: trigger.occurred_at,
            due_at,
            fulfilment: Fulfilment::Notification,
            lapses_at: None,
            met: None,
        }
    }

    fn lapsing(mut self, closed_at: Option<OffsetDateTime>) -> Self {
        self.lapses_at = closed_at;
        self
    }
}

/// A POW recapture whose notification depends on the escape's (GC3-94-a).
struct Recapture<'e> {
    event: &'e Event,
    /// The escapes since the last capture or recapture.
    escapes: Vec<EventId>,
}

struct Engine<'a> {
    category: PersonCategory,
    place_kind: &'a dyn Fn(PlaceId) -> Option<PlaceKind>,
    policy: &'a DeadlinePolicy,
}

impl Engine<'_> {
    fn is_camp_arrival(&self, event: &Event) -> bool {
        matches!(
            event.kind,
            EventKind::ArrivalAtPlace | EventKind::TransferArrival
        ) && event
            .place
            .and_then(|place| (self.place_kind)(place))
            .is_some_and(PlaceKind::is_camp)
    }

    /// One obligation per channel (XC-5: each channel is tracked on its own).
    fn per_channel(
        pending: &mut Vec<Pending>,
        channels: &[Channel],
        make: impl Fn(Channel) -> Pending,
    ) {
        pending.extend(channels.iter().map(|&channel| make(channel)));
    }

    /// GC3-70-a (POWs) and GC4-106-a (civilian internees): capture and internment cards.
    fn cards(&self, episode: &Episode<'_>, pending: &mut Vec<Pending>) {
        const CHANNELS: [Channel; 2] = [Channel::Agency, Channel::Family];
        let rule = match self.category {
            PersonCategory::PrisonerOfWar => RuleId::Gc3_70a,
            PersonCategory::CivilianInternee => RuleId::Gc4_106a,
            PersonCategory::ProtectedPersonInCustody | PersonCategory::Unidentified => return,
        };
        let first_camp = episode
            .events
            .iter()
            .copied()
            .find(|e| self.is_camp_arrival(e));
        let initial: Option<(&Event, OffsetDateTime)> = if rule == RuleId::Gc3_70a {
            // GC3-70-a: "immediately upon capture, or not more than one week after arrival at a
            // camp, even a transit camp": the earlier of the policy target and arrival + 7 days.
            let start = episode.start();
            (start.kind == EventKind::FellIntoPower).then(|| {
                let target = start.occurred_at + self.policy.capture_card_after_capture;
                let due = first_camp.map_or(target, |camp| target.min(camp.occurred_at + WEEK));
                (start, due)
            })
        } else {
            // GC4-106-a: "as soon as interned, or at the latest one week after arrival at a place
            // of internment": from whichever comes first.
            let decision = episode
                .events
                .iter()
                .copied()
                .find(|e| e.kind == EventKind::InternmentDecision);
            let trigger = match (decision, first_camp) {
                (Some(d), Some(c)) => Some(if c.occurred_at < d.occurred_at { c } else { d }),
                (d, c) => d.or(c),
            };
            trigger.map(|t| (t, t.occurred_at + WEEK))
        };
        let likewise_from = match (rule, initial) {
            (RuleId::Gc3_70a, _) => episode.start().occurred_at,
            (_, Some((trigger, _))) => trigger.occurred_at,
            // GC4-106-a: not yet an internee, so no new cards either.
            (_, None) => return,
        };
        if let Some((trigger, due)) = initial {
            Self::per_channel(pending, &CHANNELS, |channel| {
                Pending::notification(rule, channel, trigger, due).lapsing(episode.closed_at)
            });
        }
        // GC3-70-a / GC4-106-a "likewise": sickness, hospital, transfer to another camp.
        let mut current_camp: Option<PlaceId> = None;
        for &event in &episode.events {
            let new_card = match event.kind {
                EventKind::SeriousIllnessDeclared | EventKind::HospitalAdmission => true,
                EventKind::ArrivalAtPlace | EventKind::TransferArrival
                    if self.is_camp_arrival(event) =>
                {
                    let another = current_camp.is_some() && current_camp != event.place;
                    current_camp = event.place;
                    another
                }
                _ => false,
            };
            if new_card && event.occurred_at >= likewise_from {
                Self::per_channel(pending, &CHANNELS, |channel| {
                    Pending::notification(rule, channel, event, event.occurred_at + WEEK)
                        .lapsing(episode.closed_at)
                });
            }
        }
    }

    /// GC3-122-c (POWs) and GC4-136-b (civilians): the first information, on both channels (XC-5).
    fn first_information(&self, episode: &Episode<'_>, pending: &mut Vec<Pending>) {
        const CHANNELS: [Channel; 2] = [Channel::ProtectingPower, Channel::Agency];
        let start = episode.start();
        let asap = self.policy.asap;
        match self.category {
            PersonCategory::PrisonerOfWar => {
                // GC3-122-c: forwarded "immediately" after the capture.
                if start.kind == EventKind::FellIntoPower {
                    Self::per_channel(pending, &CHANNELS, |channel| {
                        Pending::notification(
                            RuleId::Gc3_122c,
                            channel,
                            start,
                            start.occurred_at + asap,
                        )
                    });
                }
            }
            PersonCategory::CivilianInternee | PersonCategory::ProtectedPersonInCustody => {
                let threshold = start.occurred_at + CUSTODY_THRESHOLD;
                let first_decision = episode
                    .events
                    .iter()
                    .find(|e| e.kind == EventKind::InternmentDecision);
                // GC4-136-b (and AP1-33-b, folded in): custody of more than two weeks, unless an
                // internment decision already made the person a Bureau case.
                if episode.end > threshold
                    && first_decision.is_none_or(|d| d.occurred_at > threshold)
                {
                    Self::per_channel(pending, &CHANNELS, |channel| {
                        Pending::notification(RuleId::Gc4_136b, channel, start, threshold + asap)
                    });
                }
                // GC4-136-b: an internment decision, immediately.
                for &decision in episode
                    .events
                    .iter()
                    .filter(|e| e.kind == EventKind::InternmentDecision)
                {
                    Self::per_channel(pending, &CHANNELS, |channel| {
                        Pending::notification(
                            RuleId::Gc4_136b,
                            channel,
                            decision,
                            decision.occurred_at + asap,
                        )
                    });
                }
            }
            PersonCategory::Unidentified => {}
        }
    }

    /// GC3-120-b, GC4-129-a, AP1-33-b: a death in custody.
    fn deaths(&self, episode: &Episode<'_>, pending: &mut Vec<Pending>) {
        let Some(&death) = episode.events.iter().find(|e| e.kind == EventKind::Death) else {
            return;
        };
        let due = death.occurred_at + self.policy.asap;
        let (rule, channels): (RuleId, &[Channel]) = match self.category {
            // GC3-120-b: the death certificate to the bureau, as rapidly as possible.
            PersonCategory::PrisonerOfWar => (RuleId::Gc3_120b, &[Channel::Bureau]),
            // GC4-129-a: a certified copy of the death record to the PP and the agency.
            PersonCategory::CivilianInternee => (
                RuleId::Gc4_129a,
                &[Channel::ProtectingPower, Channel::Agency],
            ),
            // AP1-33-b: death during any period of detention.
            PersonCategory::ProtectedPersonInCustody => (RuleId::Ap1_33b, &[Channel::Agency]),
            PersonCategory::Unidentified => return,
        };
        Self::per_channel(pending, channels, |channel| {
            Pending::notification(rule, channel, death, due)
        });
    }

    /// GC3-122-f (POWs), GC4-138-b (civilians): weekly health reports while seriously ill.
    fn health_reports(&self, episode: &Episode<'_>, pending: &mut Vec<Pending>) {
        let rule = match self.category {
            PersonCategory::PrisonerOfWar => RuleId::Gc3_122f,
            PersonCategory::CivilianInternee | PersonCategory::ProtectedPersonInCustody => {
                RuleId::Gc4_138b
            }
            PersonCategory::Unidentified => return,
        };
        let mut illnesses: Vec<(&Event, OffsetDateTime)> = Vec::new();
        let mut ill_since: Option<&Event> = None;
        for &event in &episode.events {
            match event.kind {
                // A declaration during an illness does not restart the weekly schedule.
                EventKind::SeriousIllnessDeclared if ill_since.is_none() => ill_since = Some(event),
                EventKind::SeriousIllnessEnded => {
                    if let Some(declared) = ill_since.take() {
                        illnesses.push((declared, event.occurred_at));
                    }
                }
                _ => {}
            }
        }
        if let Some(declared) = ill_since {
            illnesses.push((declared, episode.end));
        }
        for (declared, end) in illnesses {
            let mut week = 1;
            loop {
                let window_start = declared.occurred_at + WEEK * (week - 1);
                if week > 1 && window_start >= end {
                    break;
                }
                pending.push(Pending {
                    rule,
                    channel: Channel::Agency,
                    trigger: declared.id,
                    match_from: window_start,
                    due_at: window_start + WEEK,
                    fulfilment: Fulfilment::WeeklyReport {
                        first_week: week == 1,
                    },
                    lapses_at: episode.closed_at,
                    met: None,
                });
                week += 1;
            }
        }
    }

    /// GC3-46-a (POWs): the complete list of transferred prisoners, before departure.
    fn transfer_lists(&self, episode: &Episode<'_>, pending: &mut Vec<Pending>) {
        if self.category != PersonCategory::PrisonerOfWar {
            return;
        }
        let mut list_from = episode.start().occurred_at;
        for &departure in episode
            .events
            .iter()
            .filter(|e| e.kind == EventKind::TransferDeparture)
        {
            let mut p = Pending::notification(
                RuleId::Gc3_46a,
                Channel::Internal,
                departure,
                departure.occurred_at,
            );
            // The list is made before the departure, so an unlinked one counts from the last one.
            p.match_from = list_from;
            pending.push(p);
            list_from = departure.occurred_at;
        }
    }

    /// GC4-43-a (civilian internees): review at least twice yearly, while interned.
    fn reviews(&self, episode: &Episode<'_>, pending: &mut Vec<Pending>) {
        if self.category != PersonCategory::CivilianInternee {
            return;
        }
        for (index, &trigger) in episode.events.iter().enumerate() {
            if !matches!(
                trigger.kind,
                EventKind::InternmentDecision | EventKind::InternmentReview
            ) {
                continue;
            }
            let next_review = episode.events[index + 1..].iter().find(|e| {
                e.kind == EventKind::InternmentReview && e.occurred_at > trigger.occurred_at
            });
            pending.push(Pending {
                rule: RuleId::Gc4_43a,
                channel: Channel::Internal,
                trigger: trigger.id,
                match_from: trigger.occurred_at,
                due_at: trigger.occurred_at + REVIEW_INTERVAL,
                fulfilment: Fulfilment::ReviewEvent,
                lapses_at: episode.closed_at,
                met: next_review.map(|review| Met {
                    at: review.occurred_at,
                    notification: None,
                    event: Some(review.id),
                }),
            });
        }
    }

    /// GC3-122-e (POWs, unidentified) and GC4-136-b (civilians): changes, on both channels (XC-5).
    /// POW recaptures are returned apart: they depend on the escape's notification (GC3-94-a).
    fn changes<'e>(
        &self,
        episodes: &[Episode<'e>],
        pending: &mut Vec<Pending>,
        recaptures: &mut Vec<Recapture<'e>>,
    ) {
        const CHANNELS: [Channel; 2] = [Channel::ProtectingPower, Channel::Agency];
        let civilian = self.category.is_civilian();
        let rule = if civilian {
            RuleId::Gc4_136b
        } else {
            RuleId::Gc3_122e
        };
        let mut escapes: Vec<EventId> = Vec::new();
        for episode in episodes {
            let start = episode.start();
            let threshold = start.occurred_at + CUSTODY_THRESHOLD;
            let first_decision = episode
                .events
                .iter()
                .find(|e| e.kind == EventKind::InternmentDecision)
                .map(|e| e.occurred_at);
            // GC4-136-b: a civilian is a Bureau case after two weeks or once interned.
            let bureau_case =
                |at: OffsetDateTime| at > threshold || first_decision.is_some_and(|d| d <= at);
            let mut departed = false;
            for &event in &episode.events {
                let owed = match event.kind {
                    EventKind::FellIntoPower => {
                        escapes.clear();
                        false
                    }
                    EventKind::TransferDeparture => {
                        departed = true;
                        true
                    }
                    // One notification per transfer: the arrival only when no departure is known.
                    EventKind::TransferArrival => !std::mem::replace(&mut departed, false),
                    EventKind::Escape | EventKind::SuccessfulEscape => {
                        escapes.push(event.id);
                        true
                    }
                    EventKind::Recapture if !civilian => {
                        // GC3-94-a: decided once the escape's notifications are matched.
                        recaptures.push(Recapture {
                            event,
                            escapes: std::mem::take(&mut escapes),
                        });
                        false
                    }
                    EventKind::Recapture => {
                        escapes.clear();
                        true
                    }
                    EventKind::HospitalAdmission
                    | EventKind::Release
                    | EventKind::Repatriation
                    | EventKind::HandoverToOtherPower
                    | EventKind::Death => true,
                    EventKind::ArrivalAtPlace
                    | EventKind::InternmentDecision
                    | EventKind::InternmentReview
                    | EventKind::HospitalDischarge
                    | EventKind::SeriousIllnessDeclared
                    | EventKind::SeriousIllnessEnded => false,
                };
                if owed && (!civilian || bureau_case(event.occurred_at)) {
                    Self::per_channel(pending, &CHANNELS, |channel| {
                        Pending::notification(
                            rule,
                            channel,
                            event,
                            event.occurred_at + self.policy.asap,
                        )
                    });
                }
            }
        }
    }
}

/// Whether a notification can count for an obligation of this rule and channel.
fn counts_for(notification: &Notification, rule: RuleId, channel: Channel) -> bool {
    notification.rule == rule
        && notification.channel == channel
        && match notification.kind {
            NotificationKind::Sent => true,
            // GC3-70-e: declining the card meets the duty to enable it, and only that duty.
            NotificationKind::OfferedDeclined => matches!(rule, RuleId::Gc3_70a | RuleId::Gc4_106a),
        }
}

fn met_by(notification: &Notification) -> Met {
    Met {
        at: notification.sent_at,
        notification: Some(notification.id),
        event: None,
    }
}

/// Assigns notifications to the pending obligations (sorted by `match_from`). Review obligations
/// keep the event that met them.
fn match_notifications(pending: &mut [Pending], notifications: &[&Notification]) {
    let mut used = vec![false; notifications.len()];
    let take =
        |used: &mut [bool], p: &Pending, accept: &dyn Fn(&Notification) -> bool| -> Option<Met> {
            let (index, notification) = notifications
                .iter()
                .enumerate()
                .filter(|(i, n)| !used[*i] && counts_for(n, p.rule, p.channel) && accept(n))
                .min_by_key(|(_, n)| (n.sent_at, n.id))?;
            used[index] = true;
            Some(met_by(notification))
        };
    for p in pending.iter_mut() {
        if !matches!(p.fulfilment, Fulfilment::ReviewEvent) {
            p.met = None;
        }
    }
    // Notifications that name their trigger event.
    for p in pending.iter_mut() {
        if matches!(p.fulfilment, Fulfilment::Notification) {
            let trigger = p.trigger;
            p.met = take(&mut used, p, &|n| n.trigger_event == Some(trigger));
        }
    }
    // Unlinked notifications: the earliest one sent at or after the trigger.
    for p in pending.iter_mut() {
        if matches!(p.fulfilment, Fulfilment::Notification) && p.met.is_none() {
            let from = p.match_from;
            p.met = take(&mut used, p, &|n| {
                n.trigger_event.is_none() && n.sent_at >= from
            });
        }
    }
    // GC3-122-f / GC4-138-b: first the reports within each week's window, then leftovers, late.
    for p in pending.iter_mut() {
        if let Fulfilment::WeeklyReport { first_week } = p.fulfilment {
            let (trigger, from, due) = (p.trigger, p.match_from, p.due_at);
            p.met = take(&mut used, p, &|n| {
                n.trigger_event.is_none_or(|t| t == trigger)
                    && (n.sent_at > from || (first_week && n.sent_at == from))
                    && n.sent_at <= due
            });
        }
    }
    for p in pending.iter_mut() {
        if matches!(p.fulfilment, Fulfilment::WeeklyReport { .. }) && p.met.is_none() {
            let (trigger, due) = (p.trigger, p.due_at);
            p.met = take(&mut used, p, &|n| {
                n.trigger_event.is_none_or(|t| t == trigger) && n.sent_at > due
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;
    use uuid::Uuid;

    use super::*;

    const CAMP_A: PlaceId = PlaceId::from_uuid(Uuid::from_u128(1));
    const CAMP_B: PlaceId = PlaceId::from_uuid(Uuid::from_u128(2));
    const TRANSIT: PlaceId = PlaceId::from_uuid(Uuid::from_u128(3));
    const HOSPITAL: PlaceId = PlaceId::from_uuid(Uuid::from_u128(4));
    const POLICE: PlaceId = PlaceId::from_uuid(Uuid::from_u128(5));

    fn kind_of(place: PlaceId) -> Option<PlaceKind> {
        match place {
            p if p == CAMP_A || p == CAMP_B => Some(PlaceKind::PowCamp),
            p if p == TRANSIT => Some(PlaceKind::TransitCamp),
            p if p == HOSPITAL => Some(PlaceKind::Hospital),
            p if p == POLICE => Some(PlaceKind::PoliceStation),
            _ => None,
        }
    }

    /// Day `d` after the capture, which is at day 0.
    fn day(d: i64) -> OffsetDateTime {
        datetime!(2026-03-01 10:00 UTC) + Duration::days(d)
    }

    struct Record {
        person: PersonId,
        category: PersonCategory,
        events: Vec<Event>,
        notifications: Vec<Notification>,
        policy: DeadlinePolicy,
    }

    impl Record {
        fn new(category: PersonCategory) -> Self {
            Self {
                person: PersonId::new(),
                category,
                events: Vec::new(),
                notifications: Vec::new(),
                policy: DeadlinePolicy::default(),
            }
        }

        fn event_at(
            &mut self,
            kind: EventKind,
            at: OffsetDateTime,
            place: Option<PlaceId>,
        ) -> EventId {
            let id = EventId::new();
            self.events.push(Event {
                id,
                person: self.person,
                kind,
                occurred_at: at,
                recorded_at: at,
                place,
                place_to: None,
                source: SourceId::new(),
                locator: String::new(),
                note: None,
            });
            id
        }

        fn event(&mut self, kind: EventKind, d: i64) -> EventId {
            self.event_at(kind, day(d), None)
        }

        fn arrive(&mut self, kind: EventKind, d: i64, place: PlaceId) -> EventId {
            self.event_at(kind, day(d), Some(place))
        }

        fn notify_at(
            &mut self,
            rule: RuleId,
            channel: Channel,
            trigger: Option<EventId>,
            kind: NotificationKind,
            at: OffsetDateTime,
        ) -> NotificationId {
            let id = NotificationId::new();
            self.notifications.push(Notification {
                id,
                person: self.person,
                rule,
                trigger_event: trigger,
                channel,
                kind,
                sent_at: at,
                source: SourceId::new(),
                reference: String::new(),
            });
            id
        }

        fn notify(
            &mut self,
            rule: RuleId,
            channel: Channel,
            trigger: Option<EventId>,
            d: i64,
        ) -> NotificationId {
            self.notify_at(rule, channel, trigger, NotificationKind::Sent, day(d))
        }

        fn at(&self, now: OffsetDateTime) -> Vec<Obligation> {
            let facts = PersonFacts {
                person: self.person,
                category: self.category,
                events: &self.events,
                notifications: &self.notifications,
                place_kind: &kind_of,
            };
            obligations(&facts, &self.policy, now)
        }

        fn on(&self, d: i64) -> Vec<Obligation> {
            self.at(day(d))
        }
    }

    fn of(obligations: &[Obligation], rule: RuleId, channel: Channel) -> Vec<Obligation> {
        obligations
            .iter()
            .filter(|o| o.rule == rule && o.channel == channel)
            .cloned()
            .collect()
    }

    /// The one obligation of the rule and channel.
    fn one(obligations: &[Obligation], rule: RuleId, channel: Channel) -> Obligation {
        let found = of(obligations, rule, channel);
        assert_eq!(found.len(), 1, "{rule} on {channel}: {found:#?}");
        found.into_iter().next().unwrap()
    }

    fn rules(obligations: &[Obligation]) -> Vec<(RuleId, Channel)> {
        let mut rules: Vec<_> = obligations.iter().map(|o| (o.rule, o.channel)).collect();
        rules.sort();
        rules
    }

    fn done(d: i64, late: bool) -> ObligationStatus {
        ObligationStatus::Done { at: day(d), late }
    }

    // --- GC3-70-a: capture card -------------------------------------------------------------

    #[test]
    fn gc3_70a_capture_card_due_seven_days_after_capture_without_a_camp() {
        let mut pow = Record::new(PersonCategory::PrisonerOfWar);
        let capture = pow.event(EventKind::FellIntoPower, 0);
        // A police station is not a camp: it does not start the one-week clock.
        pow.arrive(EventKind::ArrivalAtPlace, 1, POLICE);
        let all = pow.on(3);
        for channel in [Channel::Agency, Channel::Family] {
            let card = one(&all, RuleId::Gc3_70a, channel);
            assert_eq!(card.trigger_event, capture);
            assert_eq!(card.person, pow.person);
            assert_eq!(card.due_at, day(7));
            assert_eq!(card.status, ObligationStatus::Due);
            assert_eq!(card.met_by, None);
        }
    }

    #[test]
    fn gc3_70a_capture_card_due_earlier_when_camp_arrival_plus_seven_is_earlier() {
        let mut pow = Record::new(PersonCategory::PrisonerOfWar);
        pow.policy.capture_card_after_capture = Duration::days(10);
        let capture = pow.event(EventKind::FellIntoPower, 0);
        pow.arrive(EventKind::ArrivalAtPlace, 1, TRANSIT); // "even a transit camp"
        let card = one(&pow.on(2), RuleId::Gc3_70a, Channel::Agency);
        assert_eq!(card.trigger_event, capture);
        assert_eq!(card.due_at, day(8));
        // Without the camp the policy target of 10 days applies.
        let mut other = Record::new(PersonCategory::PrisonerOfWar);
        other.policy.capture_card_after_capture = Duration::days(10);
        other.event(EventKind::FellIntoPower, 0);
        assert_eq!(
            one(&other.on(2), RuleId::Gc3_70a, Channel::Agency).due_at,
            day(10)
        );
    }

    #[test]
    fn gc3_70a_policy_target_binds_when_shorter_than_camp_arrival_plus_seven() {
        let mut pow = Record::new(PersonCategory::PrisonerOfWar);
        pow.policy.capture_card_after_capture = Duration::hours(24);
        pow.event(EventKind::FellIntoPower, 0);
        pow.arrive(EventKind::ArrivalAtPlace, 1, CAMP_A);
        assert_eq!(
            one(&pow.on(1), RuleId::Gc3_70a, Channel::Agency).due_at,
            day(1)
        );
    }

    #[test]
    fn gc3_70a_card_met_on_time_and_late_per_channel() {
        let mut pow = Record::new(PersonCategory::PrisonerOfWar);
        let capture = pow.event(EventKind::FellIntoPower, 0);
        let to_agency = pow.notify(RuleId::Gc3_70a, Channel::Agency, None, 5);
        let to_family = pow.notify(RuleId::Gc3_70a, Channel::Family, Some(capture), 9);
        let all = pow.on(12);
        let agency = one(&all, RuleId::Gc3_70a, Channel::Agency);
        assert_eq!(agency.status, done(5, false));
        assert_eq!(agency.met_by, Some(to_agency));
        let family = one(&all, RuleId::Gc3_70a, Channel::Family);
        assert_eq!(family.status, done(9, true));
        assert_eq!(family.met_by, Some(to_family));
        // A card sent exactly at the due time is on time.
        let mut exact = Record::new(PersonCategory::PrisonerOfWar);
        exact.event(EventKind::FellIntoPower, 0);
        exact.notify(RuleId::Gc3_70a, Channel::Agency, None, 7);
        assert_eq!(
            one(&exact.on(8), RuleId::Gc3_70a, Channel::Agency).status,
            done(7, false)
        );
    }

    #[test]
    fn gc3_70a_card_overdue_after_due_time() {
        let mut pow = Record::new(PersonCategory::PrisonerOfWar);
        pow.event(EventKind::FellIntoPower, 0);
        assert_eq!(
            one(&pow.on(7), RuleId::Gc3_70a, Channel::Agency).status,
            ObligationStatus::Due
        );
        assert_eq!(
            one(
                &pow.at(day(7) + Duration::seconds(1)),
                RuleId::Gc3_70a,
                Channel::Agency
            )
            .status,
            ObligationStatus::Overdue
        );
    }

    #[test]
    fn gc3_70e_declined_card_meets_the_card_but_not_the_bureau_duty() {
        let mut pow = Record::new(PersonCategory::PrisonerOfWar);
        let capture = pow.event(EventKind::FellIntoPower, 0);
        let declined = pow.notify_at(
            RuleId::Gc3_70a,
            Channel::Agency,
            Some(capture),
            NotificationKind::OfferedDeclined,
            day(1),
        );
        // GC3-70-e: declining does not stop the bureau's duty (GC3-122-c).
        pow.notify_at(
            RuleId::Gc3_122c,
            Channel::Agency,
            Some(capture),
            NotificationKind::OfferedDeclined,
            day(1),
        );
        let all = pow.on(10);
        let card = one(&all, RuleId::Gc3_70a, Channel::Agency);
        assert_eq!(card.status, done(1, false));
        assert_eq!(card.met_by, Some(declined));
        assert_eq!(
            one(&all, RuleId::Gc3_122c, Channel::Agency).status,
            ObligationStatus::Overdue
        );
    }

    #[test]
    fn gc3_70a_new_cards_on_sickness_hospital_and_transfer_to_another_camp() {
        let mut pow = Record::new(PersonCategory::PrisonerOfWar);
        let capture = pow.event(EventKind::FellIntoPower, 0);
        pow.arrive(EventKind::ArrivalAtPlace, 1, CAMP_A);
        let sick = pow.event(EventKind::SeriousIllnessDeclared, 10);
        let hospital = pow.arrive(EventKind::HospitalAdmission, 11, HOSPITAL);
        pow.event(EventKind::SeriousIllnessEnded, 18);
        // Back to the same camp: not "another camp".
        pow.arrive(EventKind::TransferArrival, 20, CAMP_A);
        pow.event(EventKind::TransferDeparture, 30);
        let camp_b = pow.arrive(EventKind::TransferArrival, 31, CAMP_B);
        let cards = of(&pow.on(32), RuleId::Gc3_70a, Channel::Agency);
        let got: Vec<_> = cards.iter().map(|c| (c.trigger_event, c.due_at)).collect();
        assert_eq!(
            got,
            vec![
                (capture, day(7)),
                (sick, day(17)),
                (hospital, day(18)),
                (camp_b, day(38))
            ]
        );
        assert_eq!(of(&pow.on(32), RuleId::Gc3_70a, Channel::Family).len(), 4);
    }

    #[test]
    fn gc3_70a_only_for_prisoners_of_war() {
        for category in [
            PersonCategory::Unidentified,
            PersonCategory::ProtectedPersonInCustody,
        ] {
            let mut person = Record::new(category);
            person.event(EventKind::FellIntoPower, 0);
            person.arrive(EventKind::ArrivalAtPlace, 1, CAMP_A);
            assert!(
                of(&person.on(10), RuleId::Gc3_70a, Channel::Agency).is_empty(),
                "{category}"
            );
        }
    }

    #[test]
    fn gc3_70a_card_lapses_when_released_before_it_is_due_xc1() {
        let mut pow = Record::new(PersonCategory::PrisonerOfWar);
        let capture = pow.event(EventKind::FellIntoPower, 0);
        let release = pow.event(EventKind::Release, 2);
        let all = pow.on(30);
        assert!(of(&all, RuleId::Gc3_70a, Channel::Agency).is_empty());
        // The transmissions do not lapse: GC3-122-c and the release (GC3-122-e) are still owed.
        assert_eq!(
            one(&all, RuleId::Gc3_122c, Channel::Agency).trigger_event,
            capture
        );
        let change = one(&all, RuleId::Gc3_122e, Channel::ProtectingPower);
        assert_eq!((change.trigger_event, change.due_at), (release, day(5)));
        // A card sent before the release still shows as done.
        pow.notify(RuleId::Gc3_70a, Channel::Agency, None, 1);
        assert_eq!(
            one(&pow.on(30), RuleId::Gc3_70a, Channel::Agency).status,
            done(1, false)
        );
    }

    // --- GC3-122-c and XC-5: both channels --------------------------------------------------

    #[test]
    fn gc3_122c_forwarded_on_both_channels_each_tracked_alone_xc5() {
        let mut pow = Record::new(PersonCategory::PrisonerOfWar);
        let capture = pow.event(EventKind::FellIntoPower, 0);
        let sent = pow.notify(RuleId::Gc3_122c, Channel::Agency, Some(capture), 2);
        let all = pow.on(5);
        let agency = one(&all, RuleId::Gc3_122c, Channel::Agency);
        assert_eq!(agency.due_at, day(3));
        assert_eq!(agency.status, done(2, false));
        assert_eq!(agency.met_by, Some(sent));
        let pp = one(&all, RuleId::Gc3_122c, Channel::ProtectingPower);
        assert_eq!(pp.due_at, day(3));
        assert_eq!(pp.status, ObligationStatus::Overdue);
    }

    #[test]
    fn xc5_notifications_for_the_wrong_channel_or_rule_do_not_count() {
        let mut pow = Record::new(PersonCategory::PrisonerOfWar);
        let capture = pow.event(EventKind::FellIntoPower, 0);
        pow.notify(RuleId::Gc3_70a, Channel::ProtectingPower, Some(capture), 1);
        pow.notify(RuleId::Gc3_70a, Channel::Bureau, None, 1);
        pow.notify(RuleId::Gc3_122c, Channel::Family, None, 1);
        pow.notify(RuleId::Gc4_106a, Channel::Agency, Some(capture), 1);
        let all = pow.on(10);
        assert_eq!(
            one(&all, RuleId::Gc3_70a, Channel::Agency).status,
            ObligationStatus::Overdue
        );
        assert_eq!(
            one(&all, RuleId::Gc3_70a, Channel::Family).status,
            ObligationStatus::Overdue
        );
        assert_eq!(
            one(&all, RuleId::Gc3_122c, Channel::Agency).status,
            ObligationStatus::Overdue
        );
        assert_eq!(
            one(&all, RuleId::Gc3_122c, Channel::ProtectingPower).status,
            ObligationStatus::Overdue
        );
    }

    #[test]
    fn gc3_122c_unlinked_notification_before_the_trigger_does_not_count() {
        let mut pow = Record::new(PersonCategory::PrisonerOfWar);
        pow.notify_at(
            RuleId::Gc3_122c,
            Channel::Agency,
            None,
            NotificationKind::Sent,
            day(0) - Duration::hours(1),
        );
        pow.event(EventKind::FellIntoPower, 0);
        assert_eq!(
            one(&pow.on(4), RuleId::Gc3_122c, Channel::Agency).status,
            ObligationStatus::Overdue
        );
    }

    // --- GC3-122-e: changes -----------------------------------------------------------------

    #[test]
    fn gc3_122e_one_change_per_transfer_and_linked_notifications_win() {
        let mut pow = Record::new(PersonCategory::PrisonerOfWar);
        pow.event(EventKind::FellIntoPower, 0);
        let departure = pow.event(EventKind::TransferDeparture, 5);
        pow.arrive(EventKind::TransferArrival, 6, CAMP_A);
        // An arrival with no departure recorded is a transfer of its own.
        let lone_arrival = pow.arrive(EventKind::TransferArrival, 10, CAMP_B);
        let hospital = pow.arrive(EventKind::HospitalAdmission, 12, HOSPITAL);
        pow.event(EventKind::HospitalDischarge, 14);
        let escape = pow.event(EventKind::Escape, 20);
        // Linked to the escape; the unlinked one goes to the earliest unmet change (the departure).
        let for_escape = pow.notify(RuleId::Gc3_122e, Channel::Agency, Some(escape), 21);
        let unlinked = pow.notify(RuleId::Gc3_122e, Channel::Agency, None, 22);
        let changes = of(&pow.on(30), RuleId::Gc3_122e, Channel::Agency);
        let got: Vec<_> = changes
            .iter()
            .map(|c| (c.trigger_event, c.due_at, c.status, c.met_by))
            .collect();
        assert_eq!(
            got,
            vec![
                (departure, day(8), done(22, true), Some(unlinked)),
                (lone_arrival, day(13), ObligationStatus::Overdue, None),
                (hospital, day(15), ObligationStatus::Overdue, None),
                (escape, day(23), done(21, false), Some(for_escape)),
            ]
        );
        assert_eq!(
            of(&pow.on(30), RuleId::Gc3_122e, Channel::ProtectingPower).len(),
            4
        );
    }

    #[test]
    fn gc3_94a_recapture_notified_only_on_channels_where_the_escape_was() {
        let mut pow = Record::new(PersonCategory::PrisonerOfWar);
        pow.event(EventKind::FellIntoPower, 0);
        let escape = pow.event(EventKind::Escape, 10);
        pow.notify(RuleId::Gc3_122e, Channel::Agency, Some(escape), 11);
        let recapture = pow.event(EventKind::Recapture, 12);
        let all = pow.on(20);
        let agency = of(&all, RuleId::Gc3_122e, Channel::Agency);
        assert_eq!(agency.len(), 2);
        assert_eq!(agency[1].trigger_event, recapture);
        assert_eq!(agency[1].due_at, day(15));
        assert_eq!(agency[1].status, ObligationStatus::Overdue);
        // The escape was never notified to the protecting power: no recapture notice owed there.
        let pp = one(&all, RuleId::Gc3_122e, Channel::ProtectingPower);
        assert_eq!(
            (pp.trigger_event, pp.status),
            (escape, ObligationStatus::Overdue)
        );
    }

    #[test]
    fn gc3_94a_recapture_after_successful_escape_reopens_custody_xc1() {
        let mut pow = Record::new(PersonCategory::PrisonerOfWar);
        let capture = pow.event(EventKind::FellIntoPower, 0);
        let success = pow.event(EventKind::SuccessfulEscape, 10);
        pow.notify(
            RuleId::Gc3_122e,
            Channel::ProtectingPower,
            Some(success),
            10,
        );
        pow.event(EventKind::Release, 11); // after the closure: ignored
        let recapture = pow.event(EventKind::Recapture, 40);
        let hospital = pow.arrive(EventKind::HospitalAdmission, 41, HOSPITAL);
        let all = pow.on(42);
        let pp: Vec<_> = of(&all, RuleId::Gc3_122e, Channel::ProtectingPower)
            .iter()
            .map(|c| c.trigger_event)
            .collect();
        assert_eq!(pp, vec![success, recapture, hospital]);
        let agency: Vec<_> = of(&all, RuleId::Gc3_122e, Channel::Agency)
            .iter()
            .map(|c| c.trigger_event)
            .collect();
        assert_eq!(agency, vec![success, hospital]);
        // No new capture card or GC3-122-c for a recapture; a card for the hospital admission.
        // The first capture card fell due (day 7) before the escape (day 10), so it stays owed.
        assert_eq!(
            one(&all, RuleId::Gc3_122c, Channel::Agency).trigger_event,
            capture
        );
        let cards: Vec<_> = of(&all, RuleId::Gc3_70a, Channel::Agency)
            .iter()
            .map(|c| (c.trigger_event, c.status))
            .collect();
        assert_eq!(
            cards,
            vec![
                (capture, ObligationStatus::Overdue),
                (hospital, ObligationStatus::Due)
            ]
        );
    }

    #[test]
    fn gc3_122e_unidentified_persons_owe_changes_only() {
        let mut person = Record::new(PersonCategory::Unidentified);
        person.event(EventKind::FellIntoPower, 0);
        let hospital = person.arrive(EventKind::HospitalAdmission, 3, HOSPITAL);
        let all = person.on(10);
        assert_eq!(
            rules(&all),
            vec![
                (RuleId::Gc3_122e, Channel::Agency),
                (RuleId::Gc3_122e, Channel::ProtectingPower)
            ]
        );
        assert!(
            all.iter()
                .all(|o| o.trigger_event == hospital && o.due_at == day(6))
        );
    }

    // --- GC4-136-b and AP1-33-b: civilians --------------------------------------------------

    #[test]
    fn gc4_136b_civilian_released_before_day_15_owes_nothing() {
        let mut civilian = Record::new(PersonCategory::ProtectedPersonInCustody);
        civilian.event(EventKind::FellIntoPower, 0);
        civilian.arrive(EventKind::TransferArrival, 4, POLICE);
        civilian.event(EventKind::Release, 14); // exactly two weeks: not "more than two weeks"
        assert_eq!(civilian.on(60), vec![]);
    }

    #[test]
    fn gc4_136b_civilian_held_20_days_owes_record_and_transmission() {
        let mut civilian = Record::new(PersonCategory::ProtectedPersonInCustody);
        let arrest = civilian.event(EventKind::FellIntoPower, 0);
        // Still within two weeks: nothing owed yet.
        assert_eq!(civilian.on(14), vec![]);
        let all = civilian.on(20);
        for channel in [Channel::ProtectingPower, Channel::Agency] {
            let record = one(&all, RuleId::Gc4_136b, channel);
            assert_eq!(record.trigger_event, arrest);
            assert_eq!(record.due_at, day(17)); // day 15 (capture + 14 days) + 3 days ASAP
            assert_eq!(record.status, ObligationStatus::Overdue);
        }
        assert_eq!(all.len(), 2);
        // A transmission made early (recording from day 1 is recommended) meets it.
        civilian.notify(RuleId::Gc4_136b, Channel::Agency, None, 2);
        assert_eq!(
            one(&civilian.on(20), RuleId::Gc4_136b, Channel::Agency).status,
            done(2, false)
        );
    }

    #[test]
    fn gc4_136b_changes_count_once_the_civilian_is_a_bureau_case() {
        let mut civilian = Record::new(PersonCategory::ProtectedPersonInCustody);
        let arrest = civilian.event(EventKind::FellIntoPower, 0);
        civilian.arrive(EventKind::HospitalAdmission, 5, HOSPITAL); // folded into day 15
        let hospital = civilian.arrive(EventKind::HospitalAdmission, 16, HOSPITAL);
        let release = civilian.event(EventKind::Release, 20);
        let got: Vec<_> = of(&civilian.on(30), RuleId::Gc4_136b, Channel::Agency)
            .iter()
            .map(|o| (o.trigger_event, o.due_at))
            .collect();
        assert_eq!(
            got,
            vec![(arrest, day(17)), (hospital, day(19)), (release, day(23))]
        );
    }

    #[test]
    fn gc4_136b_internment_decision_triggers_at_once() {
        let mut internee = Record::new(PersonCategory::CivilianInternee);
        internee.event(EventKind::FellIntoPower, 0);
        let decision = internee.event(EventKind::InternmentDecision, 2);
        let transfer = internee.event(EventKind::TransferDeparture, 5);
        let all = internee.on(30);
        let got: Vec<_> = of(&all, RuleId::Gc4_136b, Channel::ProtectingPower)
            .iter()
            .map(|o| (o.trigger_event, o.due_at))
            .collect();
        // No day-15 obligation: the decision came first. The transfer follows the decision.
        assert_eq!(got, vec![(decision, day(5)), (transfer, day(8))]);
        assert_eq!(of(&all, RuleId::Gc4_136b, Channel::Agency).len(), 2);
        // GC3-46-a is for prisoners of war only.
        assert!(of(&all, RuleId::Gc3_46a, Channel::Internal).is_empty());
    }

    #[test]
    fn gc4_136b_late_internment_decision_adds_to_the_day_15_record() {
        let mut internee = Record::new(PersonCategory::CivilianInternee);
        let arrest = internee.event(EventKind::FellIntoPower, 0);
        let decision = internee.event(EventKind::InternmentDecision, 20);
        let got: Vec<_> = of(&internee.on(30), RuleId::Gc4_136b, Channel::Agency)
            .iter()
            .map(|o| (o.trigger_event, o.due_at))
            .collect();
        assert_eq!(got, vec![(arrest, day(17)), (decision, day(23))]);
    }

    #[test]
    fn ap1_33b_death_in_detention_of_any_length() {
        let mut civilian = Record::new(PersonCategory::ProtectedPersonInCustody);
        civilian.event(EventKind::FellIntoPower, 0);
        let death = civilian.event(EventKind::Death, 3);
        let all = civilian.on(10);
        // Only AP1-33-b: three days is no GC4-136-b case, and GC4-129-a is for internees.
        assert_eq!(rules(&all), vec![(RuleId::Ap1_33b, Channel::Agency)]);
        assert_eq!(all[0].trigger_event, death);
        assert_eq!(all[0].due_at, day(6));
        assert_eq!(all[0].status, ObligationStatus::Overdue);
    }

    // --- Deaths ---------------------------------------------------------------------------------

    #[test]
    fn gc3_120b_pow_death_certificate_to_the_bureau_and_gc3_122e_change() {
        let mut pow = Record::new(PersonCategory::PrisonerOfWar);
        pow.event(EventKind::FellIntoPower, 0);
        pow.notify(RuleId::Gc3_70a, Channel::Agency, None, 1);
        pow.notify(RuleId::Gc3_70a, Channel::Family, None, 1);
        pow.notify(RuleId::Gc3_122c, Channel::Agency, None, 1);
        pow.notify(RuleId::Gc3_122c, Channel::ProtectingPower, None, 1);
        let death = pow.event(EventKind::Death, 20);
        let certificate = pow.notify(RuleId::Gc3_120b, Channel::Bureau, None, 21);
        let all = pow.on(30);
        let bureau = one(&all, RuleId::Gc3_120b, Channel::Bureau);
        assert_eq!(bureau.trigger_event, death);
        assert_eq!(bureau.due_at, day(23));
        assert_eq!(bureau.status, done(21, false));
        assert_eq!(bureau.met_by, Some(certificate));
        for channel in [Channel::ProtectingPower, Channel::Agency] {
            let change = one(&all, RuleId::Gc3_122e, channel);
            assert_eq!((change.trigger_event, change.due_at), (death, day(23)));
        }
        assert_eq!(
            tally(&all),
            Tally {
                due: 0,
                overdue: 2,
                done: 5,
                done_late: 0
            }
        );
    }

    #[test]
    fn gc4_129a_internee_death_record_to_pp_and_agency() {
        let mut internee = Record::new(PersonCategory::CivilianInternee);
        internee.event(EventKind::FellIntoPower, 0);
        internee.event(EventKind::InternmentDecision, 0);
        let death = internee.event(EventKind::Death, 30);
        let all = internee.on(31);
        for channel in [Channel::ProtectingPower, Channel::Agency] {
            let record = one(&all, RuleId::Gc4_129a, channel);
            assert_eq!((record.trigger_event, record.due_at), (death, day(33)));
            assert_eq!(record.status, ObligationStatus::Due);
            assert!(
                of(&all, RuleId::Gc4_136b, channel)
                    .iter()
                    .any(|o| o.trigger_event == death)
            );
        }
        assert!(of(&all, RuleId::Ap1_33b, Channel::Agency).is_empty());
        assert!(of(&all, RuleId::Gc3_120b, Channel::Bureau).is_empty());
    }

    // --- GC4-106-a: internment card ---------------------------------------------------------

    #[test]
    fn gc4_106a_internment_card_from_the_decision_or_first_arrival() {
        let mut internee = Record::new(PersonCategory::CivilianInternee);
        internee.event(EventKind::FellIntoPower, 0);
        let arrival = internee.arrive(EventKind::ArrivalAtPlace, 3, CAMP_A);
        internee.event(EventKind::InternmentDecision, 5);
        let camp_b = internee.arrive(EventKind::TransferArrival, 20, CAMP_B);
        let all = internee.on(21);
        let got: Vec<_> = of(&all, RuleId::Gc4_106a, Channel::Agency)
            .iter()
            .map(|o| (o.trigger_event, o.due_at))
            .collect();
        assert_eq!(got, vec![(arrival, day(10)), (camp_b, day(27))]);
        assert_eq!(of(&all, RuleId::Gc4_106a, Channel::Family).len(), 2);

        let mut decided = Record::new(PersonCategory::CivilianInternee);
        decided.event(EventKind::FellIntoPower, 0);
        let decision = decided.event(EventKind::InternmentDecision, 1);
        decided.arrive(EventKind::ArrivalAtPlace, 4, CAMP_A);
        decided.notify_at(
            RuleId::Gc4_106a,
            Channel::Agency,
            None,
            NotificationKind::OfferedDeclined,
            day(9),
        );
        let card = one(&decided.on(12), RuleId::Gc4_106a, Channel::Agency);
        assert_eq!((card.trigger_event, card.due_at), (decision, day(8)));
        assert_eq!(card.status, done(9, true));
    }

    #[test]
    fn gc4_106a_no_card_before_internment() {
        let mut internee = Record::new(PersonCategory::CivilianInternee);
        internee.event(EventKind::FellIntoPower, 0);
        internee.arrive(EventKind::HospitalAdmission, 1, HOSPITAL);
        assert!(of(&internee.on(10), RuleId::Gc4_106a, Channel::Agency).is_empty());
    }

    // --- GC3-122-f / GC4-138-b: weekly health reports ---------------------------------------

    #[test]
    fn gc3_122f_weekly_health_reports_while_seriously_ill() {
        let mut pow = Record::new(PersonCategory::PrisonerOfWar);
        pow.event(EventKind::FellIntoPower, 0);
        let sick = pow.event(EventKind::SeriousIllnessDeclared, 2);
        let week1 = pow.notify(RuleId::Gc3_122f, Channel::Agency, None, 3);
        // Nothing in week 2 (days 9–16). Two reports in week 3: the second makes up week 2, late.
        let week3 = pow.notify(RuleId::Gc3_122f, Channel::Agency, Some(sick), 17);
        let makeup = pow.notify(RuleId::Gc3_122f, Channel::Agency, None, 18);
        let reports = of(&pow.on(24), RuleId::Gc3_122f, Channel::Agency);
        let got: Vec<_> = reports
            .iter()
            .map(|o| (o.trigger_event, o.due_at, o.status, o.met_by))
            .collect();
        assert_eq!(
            got,
            vec![
                (sick, day(9), done(3, false), Some(week1)),
                (sick, day(16), done(18, true), Some(makeup)),
                (sick, day(23), done(17, false), Some(week3)),
                // The week running now (days 23–30) is owed and due.
                (sick, day(30), ObligationStatus::Due, None),
            ]
        );
    }

    #[test]
    fn gc3_122f_missed_week_stays_overdue_without_a_spare_report() {
        let mut pow = Record::new(PersonCategory::PrisonerOfWar);
        pow.event(EventKind::FellIntoPower, 0);
        pow.event(EventKind::SeriousIllnessDeclared, 0);
        pow.notify(RuleId::Gc3_122f, Channel::Agency, None, 7);
        pow.notify(RuleId::Gc3_122f, Channel::Agency, None, 21);
        // A report on another channel does not count (XC-5).
        pow.notify(RuleId::Gc3_122f, Channel::ProtectingPower, None, 14);
        let statuses: Vec<_> = of(&pow.on(22), RuleId::Gc3_122f, Channel::Agency)
            .iter()
            .map(|o| (o.due_at, o.status))
            .collect();
        assert_eq!(
            statuses,
            vec![
                (day(7), done(7, false)),
                (day(14), ObligationStatus::Overdue),
                (day(21), done(21, false)),
                (day(28), ObligationStatus::Due),
            ]
        );
        assert_eq!(
            tally(&of(&pow.on(22), RuleId::Gc3_122f, Channel::Agency)),
            Tally {
                due: 1,
                overdue: 1,
                done: 2,
                done_late: 0
            }
        );
    }

    #[test]
    fn gc3_122f_health_reports_stop_when_the_illness_ends() {
        let mut pow = Record::new(PersonCategory::PrisonerOfWar);
        pow.event(EventKind::FellIntoPower, 0);
        pow.event(EventKind::SeriousIllnessDeclared, 0);
        pow.event(EventKind::SeriousIllnessEnded, 10);
        let dues: Vec<_> = of(&pow.on(60), RuleId::Gc3_122f, Channel::Agency)
            .iter()
            .map(|o| (o.due_at, o.status))
            .collect();
        // Week 2 (days 7–14) was running when the illness ended, so it is still owed.
        assert_eq!(
            dues,
            vec![
                (day(7), ObligationStatus::Overdue),
                (day(14), ObligationStatus::Overdue)
            ]
        );
    }

    #[test]
    fn gc3_122f_running_week_lapses_on_death_but_death_is_notified() {
        let mut pow = Record::new(PersonCategory::PrisonerOfWar);
        pow.event(EventKind::FellIntoPower, 0);
        pow.event(EventKind::SeriousIllnessDeclared, 0);
        let death = pow.event(EventKind::Death, 10);
        let all = pow.on(30);
        let dues: Vec<_> = of(&all, RuleId::Gc3_122f, Channel::Agency)
            .iter()
            .map(|o| o.due_at)
            .collect();
        assert_eq!(dues, vec![day(7)]);
        assert_eq!(
            one(&all, RuleId::Gc3_120b, Channel::Bureau).trigger_event,
            death
        );
    }

    #[test]
    fn gc4_138b_weekly_health_reports_for_civilians() {
        let mut internee = Record::new(PersonCategory::CivilianInternee);
        internee.event(EventKind::FellIntoPower, 0);
        internee.event(EventKind::InternmentDecision, 0);
        let sick = internee.event(EventKind::SeriousIllnessDeclared, 1);
        internee.notify(RuleId::Gc3_122f, Channel::Agency, None, 2); // the POW rule: does not count
        // Day 9 is within week 2 (days 8–15): it is week 2's report, and week 1 was missed.
        internee.notify(RuleId::Gc4_138b, Channel::Agency, None, 9);
        let reports = of(&internee.on(10), RuleId::Gc4_138b, Channel::Agency);
        let got: Vec<_> = reports
            .iter()
            .map(|o| (o.trigger_event, o.due_at, o.status))
            .collect();
        assert_eq!(
            got,
            vec![
                (sick, day(8), ObligationStatus::Overdue),
                (sick, day(15), done(9, false))
            ]
        );
        assert!(of(&internee.on(10), RuleId::Gc3_122f, Channel::Agency).is_empty());
    }

    // --- GC3-46-a: transfer list --------------------------------------------------------------

    #[test]
    fn gc3_46a_transfer_list_before_departure() {
        let mut pow = Record::new(PersonCategory::PrisonerOfWar);
        pow.event(EventKind::FellIntoPower, 0);
        let first = pow.event(EventKind::TransferDeparture, 10);
        pow.arrive(EventKind::TransferArrival, 11, CAMP_A);
        let second = pow.event(EventKind::TransferDeparture, 20);
        pow.arrive(EventKind::TransferArrival, 21, CAMP_B);
        let third = pow.event(EventKind::TransferDeparture, 30);
        let on_time = pow.notify(RuleId::Gc3_46a, Channel::Internal, None, 9);
        let late = pow.notify(RuleId::Gc3_46a, Channel::Internal, Some(second), 22);
        let lists = of(&pow.on(31), RuleId::Gc3_46a, Channel::Internal);
        let got: Vec<_> = lists
            .iter()
            .map(|o| (o.trigger_event, o.due_at, o.status, o.met_by))
            .collect();
        assert_eq!(
            got,
            vec![
                (first, day(10), done(9, false), Some(on_time)),
                (second, day(20), done(22, true), Some(late)),
                (third, day(30), ObligationStatus::Overdue, None),
            ]
        );
    }

    // --- GC4-43-a: internment review ----------------------------------------------------------

    #[test]
    fn gc4_43a_review_at_least_twice_yearly() {
        let mut internee = Record::new(PersonCategory::CivilianInternee);
        internee.event(EventKind::FellIntoPower, 0);
        let decision = internee.event(EventKind::InternmentDecision, 0);
        let review = internee.event(EventKind::InternmentReview, 150);
        // A notification does not meet a review: only the review itself does.
        internee.notify(RuleId::Gc4_43a, Channel::Internal, None, 300);
        let reviews = of(&internee.on(400), RuleId::Gc4_43a, Channel::Internal);
        let got: Vec<_> = reviews
            .iter()
            .map(|o| {
                (
                    o.trigger_event,
                    o.due_at,
                    o.status,
                    o.met_by,
                    o.met_by_event,
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (decision, day(182), done(150, false), None, Some(review)),
                (review, day(332), ObligationStatus::Overdue, None, None),
            ]
        );
    }

    #[test]
    fn gc4_43a_late_review_and_release_before_due_xc1() {
        let mut internee = Record::new(PersonCategory::CivilianInternee);
        internee.event(EventKind::FellIntoPower, 0);
        let decision = internee.event(EventKind::InternmentDecision, 0);
        let review = internee.event(EventKind::InternmentReview, 190);
        internee.event(EventKind::Release, 200);
        let reviews = of(&internee.on(400), RuleId::Gc4_43a, Channel::Internal);
        // The late review is done late; the next one lapsed with the release.
        assert_eq!(reviews.len(), 1);
        assert_eq!(reviews[0].trigger_event, decision);
        assert_eq!(reviews[0].status, done(190, true));
        assert_eq!(reviews[0].met_by_event, Some(review));
    }

    // --- XC-1 and time ----------------------------------------------------------------------

    #[test]
    fn xc1_events_after_closure_are_ignored() {
        let mut pow = Record::new(PersonCategory::PrisonerOfWar);
        pow.event(EventKind::FellIntoPower, 0);
        let death = pow.event(EventKind::Death, 5);
        pow.arrive(EventKind::HospitalAdmission, 6, HOSPITAL);
        pow.event(EventKind::SeriousIllnessDeclared, 7);
        pow.event(EventKind::TransferDeparture, 8);
        let all = pow.on(20);
        assert_eq!(
            rules(&all),
            vec![
                (RuleId::Gc3_122c, Channel::Agency),
                (RuleId::Gc3_122c, Channel::ProtectingPower),
                (RuleId::Gc3_122e, Channel::Agency),
                (RuleId::Gc3_122e, Channel::ProtectingPower),
                (RuleId::Gc3_120b, Channel::Bureau),
            ]
        );
        assert!(
            all.iter()
                .filter(|o| o.rule != RuleId::Gc3_122c)
                .all(|o| o.trigger_event == death)
        );
    }

    #[test]
    fn xc10_events_and_notifications_after_now_are_ignored() {
        let mut pow = Record::new(PersonCategory::PrisonerOfWar);
        pow.event(EventKind::FellIntoPower, 0);
        pow.event(EventKind::Death, 5);
        pow.notify(RuleId::Gc3_70a, Channel::Agency, None, 3);
        let all = pow.on(2);
        assert!(of(&all, RuleId::Gc3_120b, Channel::Bureau).is_empty());
        assert!(of(&all, RuleId::Gc3_122e, Channel::Agency).is_empty());
        assert_eq!(
            one(&all, RuleId::Gc3_70a, Channel::Agency).status,
            ObligationStatus::Due
        );
        assert_eq!(
            one(&pow.on(4), RuleId::Gc3_70a, Channel::Agency).status,
            done(3, false)
        );
    }

    #[test]
    fn xc1_nothing_is_owed_before_a_capture_is_recorded() {
        let mut pow = Record::new(PersonCategory::PrisonerOfWar);
        pow.arrive(EventKind::HospitalAdmission, 0, HOSPITAL);
        assert_eq!(pow.on(30), vec![]);
        // Events and notifications of another person are not this person's.
        let mut other = Record::new(PersonCategory::PrisonerOfWar);
        other.event(EventKind::FellIntoPower, 0);
        pow.events.extend(other.events);
        assert_eq!(pow.on(30), vec![]);
    }

    #[test]
    fn tally_counts_each_status() {
        let mut pow = Record::new(PersonCategory::PrisonerOfWar);
        pow.event(EventKind::FellIntoPower, 0);
        pow.notify(RuleId::Gc3_70a, Channel::Agency, None, 1);
        pow.notify(RuleId::Gc3_70a, Channel::Family, None, 6);
        pow.notify(RuleId::Gc3_122c, Channel::Agency, None, 5);
        let all = pow.on(5);
        // GC3-70-a: agency done, family due. GC3-122-c: agency done late, PP overdue.
        let counts = tally(&all);
        assert_eq!(
            counts,
            Tally {
                due: 1,
                overdue: 1,
                done: 1,
                done_late: 1
            }
        );
        assert_eq!((counts.open(), counts.total()), (2, 4));
        assert_eq!(tally(&[]), Tally::default());
        assert_eq!(
            ObligationStatus::Done {
                at: day(0),
                late: true
            }
            .code(),
            "done-late"
        );
    }
}
