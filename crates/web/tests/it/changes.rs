//! Changes, deaths and corrections travel (issue 5), on both backends, through the one
//! sending and receiving code the CLI and the server share (`web::transmission`): bureau A
//! notifies its prisoner's capture, hospital admission and death and a corrected name; the
//! agency keeps each with provenance, supersedes (never erases) the earlier name, and forwards
//! the changes to the power of origin (bureau B), kind and time only; the compliance view of
//! bureau A counts the changes as notified (GC3-122-e). Bad notices reject the whole envelope
//! with nothing written.

use domain::{
    AssertedValue, AssertionId, EventKind, FieldKey, NamePartKind, PersonId, Presence, Tenant,
};
use store::{NewAssertion, NewEvent, NewSource, Store, StoredKey, TenantScope};
use time::{Duration, OffsetDateTime};
use transmit::{
    Content, Envelope, EventNotice, Header, KeyOwner, PublicKeySet, Purpose, ReceiptStatus,
    SecretKey,
};
use web::transmission::{
    self as tx, commit_forwarding, commit_prepared, forward_to_origin, prepare_cards,
    receive_bundle,
};

use crate::harness::{App, apps, name};

const OFFICER: &str = "Officer Ilse Varga";

pub(crate) struct Keys {
    pub(crate) seal: SecretKey,
    pub(crate) officer: SecretKey,
}

pub(crate) async fn keys_for(store: &Store, tenant: &Tenant) -> Keys {
    let scope = store.operator_scope(tenant, "test");
    let now = tx::now_text();
    let mut made = Vec::new();
    for officer in [None, Some(OFFICER.to_owned())] {
        let key = SecretKey::generate(
            KeyOwner {
                tenant: tenant.slug.clone(),
                officer: officer.clone(),
            },
            &now,
        )
        .unwrap();
        store
            .add_transmission_key(
                &scope,
                &StoredKey {
                    id: key.public.id.to_string(),
                    officer,
                    public_key: serde_json::to_string(&key.public).unwrap(),
                    signing_seed: key.signing_seed().to_vec(),
                    encryption_secret: key.encryption_secret().map(|s| s.to_vec()),
                    created_at: OffsetDateTime::now_utc(),
                },
            )
            .await
            .unwrap();
        made.push(key);
    }
    let officer = made.pop().unwrap();
    let seal = made.pop().unwrap();
    Keys { seal, officer }
}

/// `from` pins `to`'s public keys.
pub(crate) async fn pin(store: &Store, from: &Tenant, to: &Tenant, keys: &Keys) {
    let set = PublicKeySet::sign(
        &to.name,
        vec![keys.seal.public.clone(), keys.officer.public.clone()],
        vec![],
        &keys.seal,
    )
    .unwrap();
    store
        .pin_peer_key_set(
            &store.operator_scope(from, "test"),
            &to.slug,
            &serde_json::to_string(&set).unwrap(),
        )
        .await
        .unwrap();
}

/// A bundle from `from` to `to` with everything new, recorded as sent.
pub(crate) async fn send(store: &Store, from: &Tenant, to: &str) -> Vec<u8> {
    let scope = store.operator_scope(from, "test");
    let prepared = prepare_cards(
        store,
        from,
        &scope,
        to,
        transmit::Channel::Agency,
        None,
        None,
    )
    .await
    .unwrap()
    .expect("something to send");
    commit_prepared(store, &scope, &prepared).await.unwrap();
    prepared.bundle
}

/// The sequence numbers of `sender`'s envelopes the scope's tenant applied, in the order of its
/// received log.
pub(crate) async fn applied_sequences(
    store: &Store,
    scope: &TenantScope,
    sender: &str,
) -> Vec<Option<i64>> {
    store
        .received_log(scope)
        .await
        .unwrap()
        .iter()
        .filter(|r| r.entry.sender.as_deref() == Some(sender))
        .filter(|r| r.entry.status.code() == "applied")
        .map(|r| r.entry.sequence)
        .collect()
}

pub(crate) async fn receive(store: &Store, tenant: &Tenant, bundle: &[u8]) -> ReceiptStatus {
    let scope = store.operator_scope(tenant, "test");
    receive_bundle(store, tenant, &scope, bundle)
        .await
        .unwrap()
        .outcome
        .status
}

fn kinds(store_events: &[domain::Event]) -> Vec<EventKind> {
    store_events.iter().map(|e| e.kind).collect()
}

pub(crate) async fn record_of(
    store: &Store,
    scope: &TenantScope,
    reference: &str,
) -> store::PersonRecord {
    let id = store
        .person_id_by_reference(scope, reference)
        .await
        .unwrap_or_else(|e| panic!("{reference}: {e}"));
    store.person(scope, id).await.unwrap()
}

fn standing_name(record: &store::PersonRecord) -> String {
    domain::CurrentView::project(&record.assertions)
        .value(FieldKey::Name)
        .map(AssertedValue::display)
        .unwrap_or_default()
}

/// A source for the bureau's own entries.
pub(crate) async fn clerk_source(store: &Store, scope: &TenantScope) -> domain::SourceId {
    store
        .record_source(
            scope,
            &NewSource {
                kind: domain::SourceKind::ClerkEntry,
                reference: "ward report".into(),
                collected_by: "clerk-a".into(),
                collected_at: OffsetDateTime::now_utc(),
                language: None,
                script: None,
                confidence: domain::Confidence::HIGH,
            },
        )
        .await
        .unwrap()
}

/// Records an event of bureau A's prisoner at its camp.
#[derive(Clone, Copy)]
struct At<'a> {
    store: &'a Store,
    scope: &'a TenantScope,
    source: domain::SourceId,
    person: PersonId,
}

async fn event(
    at_: &At<'_>,
    kind: EventKind,
    at: OffsetDateTime,
    place: Option<domain::PlaceId>,
    note: Option<&str>,
) {
    let At {
        store,
        scope,
        source,
        person,
    } = *at_;
    store
        .record_event(
            scope,
            person,
            source,
            &NewEvent {
                kind,
                occurred_at: at,
                place,
                place_to: None,
                locator: "ward report".into(),
                note: note.map(str::to_owned),
            },
        )
        .await
        .unwrap();
}

async fn rename(
    store: &Store,
    scope: &TenantScope,
    source: domain::SourceId,
    person: PersonId,
    family: &str,
) -> AssertionId {
    let record = store.person(scope, person).await.unwrap();
    let standing =
        domain::CurrentView::project(&record.assertions).fields[&FieldKey::Name].standing[0].id;
    store
        .add_assertion(
            scope,
            person,
            source,
            &NewAssertion {
                field: FieldKey::Name,
                value: Presence::Present(name(
                    &[
                        (NamePartKind::Given, "Олександр"),
                        (NamePartKind::Family, family),
                    ],
                    "uk",
                )),
                locator: "correction".into(),
            },
            Some(standing),
        )
        .await
        .unwrap()
}

/// The person's nationality is XB: the agency forwards to bureau B, its power of origin.
async fn national_of_xb(
    store: &Store,
    scope: &TenantScope,
    source: domain::SourceId,
    person: PersonId,
) {
    store
        .add_assertion(
            scope,
            person,
            source,
            &NewAssertion {
                field: FieldKey::Nationality,
                value: Presence::Present(AssertedValue::Country("XB".into())),
                locator: "line 2, column nationality".into(),
            },
            None,
        )
        .await
        .unwrap();
}

pub(crate) struct Three {
    pub(crate) bureau_a: Tenant,
    pub(crate) agency: Tenant,
    pub(crate) bureau_b: Tenant,
    pub(crate) keys_a: Keys,
    pub(crate) keys_agency: Keys,
}

/// Bureau A, the agency and bureau B in one store, with keys: A and the agency pin each other,
/// and so do the agency and B.
pub(crate) async fn three(app: &App) -> Three {
    let store = &app.store;
    let bureau_a = app.fx.tenant_a.clone();
    let agency = app.fx.agency.clone();
    let bureau_b = store.tenant_by_slug("bureau-b").await.unwrap();
    let keys_a = keys_for(store, &bureau_a).await;
    let keys_agency = keys_for(store, &agency).await;
    let keys_b = keys_for(store, &bureau_b).await;
    pin(store, &bureau_a, &agency, &keys_agency).await;
    pin(store, &agency, &bureau_a, &keys_a).await;
    pin(store, &agency, &bureau_b, &keys_b).await;
    pin(store, &bureau_b, &agency, &keys_agency).await;
    Three {
        bureau_a,
        agency,
        bureau_b,
        keys_a,
        keys_agency,
    }
}

fn rule<'r>(
    report: &'r tx::compliance::Compliance,
    code: &str,
    channel: &str,
) -> &'r tx::compliance::RuleRow {
    report
        .rules
        .iter()
        .find(|r| r.rule == code && r.channel == channel)
        .unwrap_or_else(|| panic!("no {code} {channel} row"))
}

#[tokio::test]
async fn gc3_122_e_changes_deaths_and_corrections_reach_the_agency_and_the_power_of_origin() {
    for app in apps().await {
        let store = &app.store;
        let t = three(&app).await;
        let scope_a = store.operator_scope(&t.bureau_a, "test");
        let scope_agency = store.operator_scope(&t.agency, "test");
        let scope_b = store.operator_scope(&t.bureau_b, "test");
        let source = clerk_source(store, &scope_a).await;
        let pow = app.fx.pow_a;
        // The power of origin is XB: the agency forwards to bureau B.
        national_of_xb(store, &scope_a, source, pow).await;
        let camp = store.places(&scope_a).await.unwrap()[0].id;
        let now = OffsetDateTime::now_utc();
        let bureau = At {
            store,
            scope: &scope_a,
            source,
            person: pow,
        };
        event(
            &bureau,
            EventKind::HospitalAdmission,
            now - Duration::days(2),
            Some(camp),
            Some("wounded in the leg"),
        )
        .await;
        event(
            &bureau,
            EventKind::Death,
            now - Duration::days(1),
            Some(camp),
            Some("septicaemia"),
        )
        .await;

        // 1. The first envelope: the card, then the capture, the admission and the death.
        let first = send(store, &t.bureau_a, "agency").await;
        assert_eq!(
            receive(store, &t.agency, &first).await,
            ReceiptStatus::Applied { applied: 4 },
            "{}",
            app.backend
        );
        let at_agency = record_of(store, &scope_agency, "bureau-a:A-0001").await;
        assert_eq!(
            kinds(&at_agency.events),
            [
                EventKind::FellIntoPower,
                EventKind::HospitalAdmission,
                EventKind::Death
            ],
            "{}",
            app.backend
        );
        // Provenance (XC-3): every event cites the bureau's notification.
        for e in &at_agency.events {
            let source = at_agency.sources.iter().find(|s| s.id == e.source).unwrap();
            assert!(
                source
                    .reference
                    .starts_with("notified by Bureau of Aldera (bureau-a)")
                    || source.reference.contains("(bureau-a)"),
                "{}",
                source.reference
            );
            assert!(
                e.locator.starts_with("envelope bureau-a #1 notice"),
                "{}",
                e.locator
            );
        }
        let admission = &at_agency.events[1];
        assert_eq!(
            admission.note.as_deref(),
            Some("at Табір Північ; wounded in the leg")
        );
        let death = &at_agency.events[2];
        assert_eq!(
            death.note.as_deref(),
            Some("place of death: Табір Північ; cause: septicaemia")
        );
        // The agency holds the person, it does not owe bureau A's deadlines.
        let agency_view = tx::compliance::compute(store, &scope_agency, "agency", now)
            .await
            .unwrap();
        assert!(
            agency_view.rules.iter().all(|r| r.owed == 0),
            "{:?}",
            agency_view.rules
        );

        // 2. Bureau A's compliance: the changes were notified on the agency channel, on time.
        let view = tx::compliance::compute(store, &scope_a, "bureau-a", OffsetDateTime::now_utc())
            .await
            .unwrap();
        let changes = rule(&view, "GC3-122-e", "agency");
        assert_eq!(changes.owed, 2, "{changes:?}");
        assert_eq!(changes.sent_on_time, 2, "{changes:?}");
        assert_eq!(changes.overdue, 0, "{changes:?}");
        // Not on the protecting-power channel: nothing went there.
        let pp = rule(&view, "GC3-122-e", "protecting-power");
        assert_eq!(pp.sent_on_time + pp.sent_late, 0, "{pp:?}");

        // 3. Delivered again: a duplicate, nothing changes.
        assert_eq!(
            receive(store, &t.agency, &first).await,
            ReceiptStatus::Duplicate
        );
        let again = record_of(store, &scope_agency, "bureau-a:A-0001").await;
        assert_eq!(again.events.len(), 3);
        assert_eq!(again.assertions.len(), at_agency.assertions.len());
        // Nothing new: no envelope, no sequence number used.
        assert!(
            prepare_cards(
                store,
                &t.bureau_a,
                &scope_a,
                "agency",
                transmit::Channel::Agency,
                None,
                None
            )
            .await
            .unwrap()
            .is_none()
        );

        // 4. A corrected family name: a new assertion that supersedes, the earlier one kept.
        let before_name = standing_name(&at_agency);
        assert!(before_name.contains("КОВАЛЕНКО"), "{before_name}");
        rename(store, &scope_a, source, pow, "КОВАЛЕНКОВ").await;
        let second = send(store, &t.bureau_a, "agency").await;
        assert_eq!(
            receive(store, &t.agency, &second).await,
            ReceiptStatus::Applied { applied: 1 }
        );
        let corrected = record_of(store, &scope_agency, "bureau-a:A-0001").await;
        assert_eq!(corrected.assertions.len(), at_agency.assertions.len() + 1);
        assert!(standing_name(&corrected).contains("КОВАЛЕНКОВ"));
        let newest = corrected
            .assertions
            .iter()
            .max_by_key(|a| a.recorded_at)
            .unwrap();
        let superseded = newest.supersedes.expect("supersedes the earlier name");
        assert!(
            corrected
                .assertions
                .iter()
                .any(|a| a.id == superseded && a.field == FieldKey::Name),
            "the earlier name is kept"
        );
        // The same value corrected again at the bureau travels, and changes nothing.
        rename(store, &scope_a, source, pow, "КОВАЛЕНКОВ").await;
        let third = send(store, &t.bureau_a, "agency").await;
        assert_eq!(
            receive(store, &t.agency, &third).await,
            ReceiptStatus::Applied { applied: 0 }
        );
        let same = record_of(store, &scope_agency, "bureau-a:A-0001").await;
        assert_eq!(same.assertions.len(), corrected.assertions.len());

        // 5. On to the power of origin: the card, then the changes, kind and time only (and a
        // death's place and cause).
        let agency_tenant = &t.agency;
        let (forwarded, decisions) =
            forward_to_origin(store, agency_tenant, &scope_agency, "bureau-b", "XB", None)
                .await
                .unwrap();
        assert_eq!(forwarded.forwarded, 1, "{}", app.backend);
        commit_forwarding(store, &scope_agency, &forwarded, &decisions)
            .await
            .unwrap();
        let bundle = forwarded.prepared.as_ref().unwrap().bundle.clone();
        assert_eq!(
            receive(store, &t.bureau_b, &bundle).await,
            ReceiptStatus::Applied { applied: 4 }
        );
        let at_origin = record_of(store, &scope_b, "agency:bureau-a:A-0001").await;
        assert_eq!(
            kinds(&at_origin.events),
            [
                EventKind::FellIntoPower,
                EventKind::HospitalAdmission,
                EventKind::Death
            ]
        );
        // The bureau's notes (the ward report) are not listed particulars; the place and the
        // cause of death are (GC3-120-b, GC4-129-a: the death certificate shows them).
        assert!(at_origin.events[..2].iter().all(|e| e.note.is_none()));
        assert_eq!(
            at_origin.events[2].note.as_deref(),
            Some("place of death: Табір Північ; cause: septicaemia"),
            "{}",
            app.backend
        );
        assert!(standing_name(&at_origin).contains("КОВАЛЕНКОВ"));

        // 6. A later correction at bureau A reaches the power of origin as a correction.
        rename(store, &scope_a, source, pow, "КОВАЛЕНКО-ДРУГИЙ").await;
        let fourth = send(store, &t.bureau_a, "agency").await;
        assert_eq!(
            receive(store, &t.agency, &fourth).await,
            ReceiptStatus::Applied { applied: 1 }
        );
        let (forwarded, decisions) =
            forward_to_origin(store, agency_tenant, &scope_agency, "bureau-b", "XB", None)
                .await
                .unwrap();
        assert_eq!(forwarded.changes, 1);
        commit_forwarding(store, &scope_agency, &forwarded, &decisions)
            .await
            .unwrap();
        let bundle = forwarded.prepared.as_ref().unwrap().bundle.clone();
        assert_eq!(
            receive(store, &t.bureau_b, &bundle).await,
            ReceiptStatus::Applied { applied: 1 }
        );
        let at_origin = record_of(store, &scope_b, "agency:bureau-a:A-0001").await;
        assert!(standing_name(&at_origin).contains("КОВАЛЕНКО-ДРУГИЙ"));
        // The forwarding decision is recorded (XC-8).
        let recorded = store
            .forwarding_decisions(&scope_agency, None)
            .await
            .unwrap();
        assert!(
            recorded
                .iter()
                .any(|d| d.decision.fields_forwarded.contains(&"name".to_owned())
                    && d.decision.reason.contains("change or correction")),
            "{recorded:?}"
        );
        // Bureau B holds the person for information: no deadlines of its own.
        let b_view = tx::compliance::compute(store, &scope_b, "bureau-b", now)
            .await
            .unwrap();
        let b_owed: usize = b_view
            .late
            .iter()
            .filter(|l| l.reference.starts_with("agency:"))
            .count();
        assert_eq!(b_owed, 0);
    }
}

/// Seals an envelope from bureau A with `contents` as sequence `sequence`, encrypted to the
/// agency.
async fn forged(store: &Store, t: &Three, sequence: u64, contents: Vec<Content>) -> Vec<u8> {
    forged_with(
        store,
        t,
        &t.keys_a,
        Purpose::Notification,
        sequence,
        contents,
    )
    .await
}

/// The same, signed with `keys` (bureau A's, or a forger's) and for `purpose`.
pub(crate) async fn forged_with(
    store: &Store,
    t: &Three,
    keys: &Keys,
    purpose: Purpose,
    sequence: u64,
    contents: Vec<Content>,
) -> Vec<u8> {
    let ring = tx::load_ring(store, &store.operator_scope(&t.bureau_a, "test"))
        .await
        .unwrap();
    let recipient = tx::recipient_key(&ring, "agency").unwrap().clone();
    let header = Header {
        format: transmit::FORMAT_VERSION,
        sender: "bureau-a".into(),
        recipient: "agency".into(),
        channel: transmit::Channel::Agency,
        purpose,
        sequence,
        created_at: tx::now_text(),
        officer: OFFICER.into(),
    };
    let envelope = Envelope::seal(header, contents, &keys.officer, &keys.seal).unwrap();
    transmit::seal_bundle(&envelope.to_bytes(), &recipient).unwrap()
}

fn notice(reference: &str, kind: &str, at: OffsetDateTime) -> Content {
    Content::Event(EventNotice {
        reference: reference.into(),
        kind: kind.into(),
        occurred_at: at
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap(),
        note: None,
        place: None,
        place_to: None,
    })
}

#[tokio::test]
async fn a_bad_change_rejects_the_whole_envelope_with_nothing_written() {
    for app in apps().await {
        let store = &app.store;
        let t = three(&app).await;
        let scope_agency = store.operator_scope(&t.agency, "test");
        let first = send(store, &t.bureau_a, "agency").await;
        assert!(matches!(
            receive(store, &t.agency, &first).await,
            ReceiptStatus::Applied { .. }
        ));
        let held = record_of(store, &scope_agency, "bureau-a:A-0001").await;
        let yesterday = OffsetDateTime::now_utc() - Duration::days(1);
        let cases: Vec<(Vec<Content>, &str)> = vec![
            // An event for a person whose card never arrived.
            (
                vec![notice("A-404", "escape", yesterday)],
                "whose card was never received",
            ),
            // An unknown kind of event.
            (
                vec![notice("A-0001", "teleported", yesterday)],
                "unknown event kind",
            ),
            // A time that is not one.
            (
                vec![Content::Event(EventNotice {
                    reference: "A-0001".into(),
                    kind: "escape".into(),
                    occurred_at: "last tuesday".into(),
                    note: None,
                    place: None,
                    place_to: None,
                })],
                "not an RFC 3339 time",
            ),
            // XC-1: a recapture with no escape; the valid release before it is not kept either.
            (
                vec![
                    notice("A-0001", "release", yesterday - Duration::hours(2)),
                    notice("A-0001", "recapture", yesterday),
                ],
                "notice 2",
            ),
            // An event dated in the future.
            (
                vec![notice(
                    "A-0001",
                    "escape",
                    OffsetDateTime::now_utc() + Duration::days(5),
                )],
                "more than a day after",
            ),
            // A note past 2,000 characters.
            (
                vec![Content::Event(EventNotice {
                    reference: "A-0001".into(),
                    kind: "escape".into(),
                    occurred_at: yesterday
                        .format(&time::format_description::well_known::Rfc3339)
                        .unwrap(),
                    note: Some("x".repeat(2100)),
                    place: None,
                    place_to: None,
                })],
                "at most 2000",
            ),
        ];
        for (i, (contents, expected)) in cases.into_iter().enumerate() {
            let sequence = 2 + u64::try_from(i).unwrap();
            let bundle = forged(store, &t, sequence, contents).await;
            match receive(store, &t.agency, &bundle).await {
                ReceiptStatus::Rejected { code, reason } => {
                    assert_eq!(code, "invalid-content", "{reason}");
                    assert!(reason.contains(expected), "{expected:?} not in {reason:?}");
                }
                other => panic!("case {i} ({expected}) was not rejected: {other:?}"),
            }
            let after = record_of(store, &scope_agency, "bureau-a:A-0001").await;
            assert_eq!(after.events.len(), held.events.len(), "case {i}");
            assert_eq!(after.assertions.len(), held.assertions.len(), "case {i}");
        }
        // Every refusal left a ledger row.
        let rejected = store
            .received_log(&scope_agency)
            .await
            .unwrap()
            .iter()
            .filter(|r| r.entry.status == store::ReceivedStatus::Rejected)
            .count();
        assert_eq!(rejected, 6, "{}", app.backend);
    }
}

/// GC4-137-b: a bureau that judges transmission to the power of origin detrimental only after
/// the person's first card went to the agency: the flag travels once, with a correction card
/// that carries no field; the agency keeps it (nothing is withheld from the agency) and from
/// then on forwards nothing more of the person to the power of origin.
#[tokio::test]
async fn gc4_137_b_a_flag_set_after_the_first_card_travels_and_withholds_from_then_on() {
    for app in apps().await {
        let store = &app.store;
        let t = three(&app).await;
        let scope_a = store.operator_scope(&t.bureau_a, "test");
        let scope_agency = store.operator_scope(&t.agency, "test");
        let scope_b = store.operator_scope(&t.bureau_b, "test");
        let source = clerk_source(store, &scope_a).await;
        let pow = app.fx.pow_a;
        national_of_xb(store, &scope_a, source, pow).await;
        // The card goes to the agency and on to the power of origin.
        let first = send(store, &t.bureau_a, "agency").await;
        assert!(matches!(
            receive(store, &t.agency, &first).await,
            ReceiptStatus::Applied { .. }
        ));
        let (forwarded, decisions) =
            forward_to_origin(store, &t.agency, &scope_agency, "bureau-b", "XB", None)
                .await
                .unwrap();
        assert_eq!(forwarded.forwarded, 1, "{}", app.backend);
        commit_forwarding(store, &scope_agency, &forwarded, &decisions)
            .await
            .unwrap();
        let bundle = forwarded.prepared.as_ref().unwrap().bundle.clone();
        assert!(matches!(
            receive(store, &t.bureau_b, &bundle).await,
            ReceiptStatus::Applied { .. }
        ));

        // Then the bureau flags the person, and the person is admitted to hospital.
        store
            .flag_detriment(&scope_a, pow, "relatives at risk after a new statement")
            .await
            .unwrap();
        let camp = store.places(&scope_a).await.unwrap()[0].id;
        let bureau = At {
            store,
            scope: &scope_a,
            source,
            person: pow,
        };
        event(
            &bureau,
            EventKind::HospitalAdmission,
            OffsetDateTime::now_utc() - Duration::hours(3),
            Some(camp),
            None,
        )
        .await;
        let second = send(store, &t.bureau_a, "agency").await;
        assert!(matches!(
            receive(store, &t.agency, &second).await,
            ReceiptStatus::Applied { .. }
        ));
        // The agency holds the flag and the change: nothing is withheld from it.
        let at_agency = record_of(store, &scope_agency, "bureau-a:A-0001").await;
        let flags = store.detriment_flags(&scope_agency).await.unwrap();
        assert_eq!(
            flags.get(&at_agency.person.id).map(Vec::as_slice),
            Some(&["relatives at risk after a new statement".to_owned()][..]),
            "{}",
            app.backend
        );
        assert_eq!(
            kinds(&at_agency.events).last(),
            Some(&EventKind::HospitalAdmission)
        );
        // The flag travelled once: nothing new to send.
        let again = prepare_cards(
            store,
            &t.bureau_a,
            &scope_a,
            "agency",
            transmit::Channel::Agency,
            None,
            None,
        )
        .await
        .unwrap();
        assert!(again.is_none(), "{}", app.backend);

        // From then on the agency forwards nothing more of the person to the power of origin.
        let (forwarded, _) =
            forward_to_origin(store, &t.agency, &scope_agency, "bureau-b", "XB", None)
                .await
                .unwrap();
        assert_eq!(forwarded.changes, 0, "{}", app.backend);
        assert!(forwarded.prepared.is_none());
        let at_origin = record_of(store, &scope_b, "agency:bureau-a:A-0001").await;
        assert!(
            !kinds(&at_origin.events).contains(&EventKind::HospitalAdmission),
            "{:?}",
            at_origin.events
        );
    }
}
