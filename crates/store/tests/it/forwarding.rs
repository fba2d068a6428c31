//! Forwarding on both backends (issue 5, migration 0007): peer settings, detriment flags
//! (GC4-137-b) and the agency's forwarding decisions (GC3-123-a, GC4-140-a), each recorded in
//! its tenant and invisible from another tenant's scope.

use domain::PersonId;
use whereabouts_store::{NewForwardingDecision, NewPeer, NewTransmission, StoreError};

/// A certificate pin (the SHA-256 of a peer's TLS certificate).
const PIN: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

use crate::harness::{backends, register_pow as register, seed};

fn decision(person: PersonId, recipient: &str, forwarded: bool) -> NewForwardingDecision {
    NewForwardingDecision {
        person,
        recipient: recipient.into(),
        forwarded,
        fields_forwarded: if forwarded {
            vec![
                "surname".into(),
                "given_names".into(),
                "service_number".into(),
            ]
        } else {
            vec![]
        },
        fields_withheld: if forwarded {
            vec!["protection_notes: never forwarded".into()]
        } else {
            vec!["*: flagged detrimental (GC4-137-b)".into()]
        },
        reason: if forwarded {
            "GC3-122-d particulars".into()
        } else {
            "detrimental to the person or relatives".into()
        },
    }
}

fn envelope(recipient: &str, sequence: i64, persons: Vec<PersonId>) -> NewTransmission {
    NewTransmission {
        recipient: recipient.into(),
        channel: "agency".into(),
        sequence,
        content_hash: format!("sha256:{sequence:064}"),
        envelope: format!("{{\"sequence\":{sequence}}}"),
        officer: "Officer Varga".into(),
        persons,
        notices: Vec::new(),
    }
}

#[tokio::test]
async fn peer_settings_latest_wins_are_checked_and_stay_in_their_tenant() {
    for backend in backends().await {
        let store = &backend.store;
        let f = seed(store).await;
        store
            .set_peer(
                &f.scope_a,
                &NewPeer {
                    url: Some("http://agency.example:8080"),
                    ..NewPeer::new("agency", "agency")
                },
            )
            .await
            .unwrap();
        store
            .set_peer(
                &f.scope_a,
                &NewPeer {
                    origin: Some("XS"),
                    outbox: true,
                    ..NewPeer::new("sarn", "protecting-power")
                },
            )
            .await
            .unwrap();
        // A later setting replaces the earlier one for the same peer.
        store
            .set_peer(
                &f.scope_a,
                &NewPeer {
                    url: Some("https://agency.example"),
                    origin: Some("XB"),
                    tls_pin: Some(PIN),
                    pull: true,
                    ..NewPeer::new("agency", "agency")
                },
            )
            .await
            .unwrap();
        let peers = store.peers(&f.scope_a).await.unwrap();
        let summary: Vec<_> = peers
            .iter()
            .map(|p| {
                (
                    p.peer.as_str(),
                    p.url.as_deref(),
                    p.origin.as_deref(),
                    p.channel.as_str(),
                    p.tls_pin.as_deref(),
                    p.pull,
                    p.outbox,
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                (
                    "agency",
                    Some("https://agency.example"),
                    Some("XB"),
                    "agency",
                    Some(PIN),
                    true,
                    false
                ),
                (
                    "sarn",
                    None,
                    Some("XS"),
                    "protecting-power",
                    None,
                    false,
                    true
                ),
            ],
            "{}",
            backend.name
        );
        // Each refusal names what is wrong; nothing is stored.
        let bad_pin = "sha256:ABC";
        for (setting, expected) in [
            (NewPeer::new("x", "courier"), "channel \"courier\""),
            (
                NewPeer {
                    url: Some("ftp://agency"),
                    ..NewPeer::new("x", "agency")
                },
                "peer URL \"ftp://agency\"",
            ),
            (
                NewPeer {
                    origin: Some("xb"),
                    ..NewPeer::new("x", "agency")
                },
                "origin \"xb\"",
            ),
            (
                NewPeer {
                    origin: Some("XBB"),
                    ..NewPeer::new("x", "agency")
                },
                "origin \"XBB\"",
            ),
            (NewPeer::new("  ", "agency"), "a peer's name"),
            // No web certificate authorities: https:// only with the peer's certificate pinned.
            (
                NewPeer {
                    url: Some("https://agency.example"),
                    ..NewPeer::new("x", "agency")
                },
                "https:// needs the peer's certificate pinned",
            ),
            (
                NewPeer {
                    url: Some("http://agency.example"),
                    tls_pin: Some(PIN),
                    ..NewPeer::new("x", "agency")
                },
                "a certificate pin needs an https:// URL",
            ),
            (
                NewPeer {
                    url: Some("https://agency.example"),
                    tls_pin: Some(bad_pin),
                    ..NewPeer::new("x", "agency")
                },
                "certificate pin \"sha256:ABC\"",
            ),
            (
                NewPeer {
                    pull: true,
                    ..NewPeer::new("x", "agency")
                },
                "pulling from a peer needs its URL",
            ),
        ] {
            match store.set_peer(&f.scope_a, &setting).await {
                Err(StoreError::Invalid(message)) => {
                    assert!(message.contains(expected), "{message}");
                }
                other => panic!("{expected}: {other:?}"),
            }
        }
        assert_eq!(store.peers(&f.scope_a).await.unwrap().len(), 2);
        // Tenancy: the other bureau sees none of it, and its own setting does not leak back.
        assert!(store.peers(&f.scope_b).await.unwrap().is_empty());
        store
            .set_peer(
                &f.scope_b,
                &NewPeer {
                    url: Some("http://elsewhere:1"),
                    ..NewPeer::new("agency", "agency")
                },
            )
            .await
            .unwrap();
        assert_eq!(
            store.peers(&f.scope_a).await.unwrap()[0].url.as_deref(),
            Some("https://agency.example")
        );
    }
}

#[tokio::test]
async fn a_peers_pull_interval_is_stored_bounded_and_replaced_by_the_next_setting() {
    for backend in backends().await {
        let store = &backend.store;
        let f = seed(store).await;
        let pulled = |every: Option<i64>| NewPeer {
            url: Some("http://bureau-xa.example:8080"),
            pull: true,
            pull_every: every,
            ..NewPeer::new("bureau-xa", "agency")
        };
        store
            .set_peer(&f.scope_a, &pulled(Some(3600)))
            .await
            .unwrap();
        store
            .set_peer(&f.scope_a, &NewPeer::new("bureau-xb", "agency"))
            .await
            .unwrap();
        let every = |peers: &[whereabouts_store::PeerSetting]| -> Vec<(String, Option<i64>)> {
            peers
                .iter()
                .map(|p| (p.peer.clone(), p.pull_every))
                .collect()
        };
        let peers = store.peers(&f.scope_a).await.unwrap();
        assert_eq!(
            every(&peers),
            [
                ("bureau-xa".to_owned(), Some(3600)),
                ("bureau-xb".to_owned(), None)
            ],
            "{}",
            backend.name
        );
        // The bounds themselves are accepted; the latest setting wins, and dropping the
        // interval returns the peer to every round.
        store.set_peer(&f.scope_a, &pulled(Some(10))).await.unwrap();
        store
            .set_peer(&f.scope_a, &pulled(Some(86_400)))
            .await
            .unwrap();
        assert_eq!(
            every(&store.peers(&f.scope_a).await.unwrap())[0].1,
            Some(86_400)
        );
        store.set_peer(&f.scope_a, &pulled(None)).await.unwrap();
        assert_eq!(every(&store.peers(&f.scope_a).await.unwrap())[0].1, None);
        // Out of bounds, or without pull: refused by name, nothing stored.
        for (setting, expected) in [
            (
                pulled(Some(9)),
                "pull interval 9 s: expected 10 to 86400 seconds",
            ),
            (pulled(Some(86_401)), "pull interval 86401 s"),
            (pulled(Some(-5)), "pull interval -5 s"),
            (
                NewPeer {
                    pull_every: Some(60),
                    ..NewPeer::new("bureau-xb", "agency")
                },
                "a pull interval needs pull",
            ),
        ] {
            match store.set_peer(&f.scope_a, &setting).await {
                Err(StoreError::Invalid(message)) => {
                    assert!(message.contains(expected), "{message}");
                }
                other => panic!("{expected}: {other:?}"),
            }
        }
        assert_eq!(
            every(&store.peers(&f.scope_a).await.unwrap()),
            [
                ("bureau-xa".to_owned(), None),
                ("bureau-xb".to_owned(), None)
            ],
            "{}",
            backend.name
        );
        // Another tenant sees none of it.
        assert!(store.peers(&f.scope_b).await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn gc4_137_b_detriment_flags_accumulate_and_stay_in_their_tenant() {
    for backend in backends().await {
        let store = &backend.store;
        let f = seed(store).await;
        let a1 = register(store, &f.scope_a, f.source_a, "A-1").await;
        let a2 = register(store, &f.scope_a, f.source_a, "A-2").await;
        let b1 = register(store, &f.scope_b, f.source_b, "B-1").await;
        store
            .flag_detriment(&f.scope_a, a1, "asylum claim pending")
            .await
            .unwrap();
        store
            .flag_detriment(&f.scope_a, a1, "relatives at risk")
            .await
            .unwrap();
        let flags = store.detriment_flags(&f.scope_a).await.unwrap();
        assert_eq!(flags.len(), 1, "{}", backend.name);
        assert_eq!(
            flags[&a1],
            ["asylum claim pending", "relatives at risk"],
            "reasons oldest first; a later flag adds, never replaces"
        );
        assert!(!flags.contains_key(&a2));
        // Another tenant's person answers as if it did not exist, both ways.
        assert!(matches!(
            store.flag_detriment(&f.scope_a, b1, "x").await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            store.flag_detriment(&f.scope_b, a1, "x").await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            store.flag_detriment(&f.scope_a, a2, "   ").await,
            Err(StoreError::Invalid(_))
        ));
        assert!(store.detriment_flags(&f.scope_b).await.unwrap().is_empty());
        assert_eq!(store.detriment_flags(&f.scope_a).await.unwrap().len(), 1);
    }
}

#[tokio::test]
async fn forwarding_decisions_name_their_envelope_and_stay_in_their_tenant() {
    for backend in backends().await {
        let store = &backend.store;
        let f = seed(store).await;
        let a1 = register(store, &f.scope_a, f.source_a, "A-1").await;
        let a2 = register(store, &f.scope_a, f.source_a, "A-2").await;
        let b1 = register(store, &f.scope_b, f.source_b, "B-1").await;
        assert_eq!(
            store
                .persons_without_forwarding(&f.scope_a, "bureau-xb")
                .await
                .unwrap(),
            [a1, a2],
            "{}",
            backend.name
        );
        let sent = envelope("bureau-xb", 1, vec![a1]);
        let id = store
            .record_forwarding(
                &f.scope_a,
                Some(&sent),
                &[
                    decision(a1, "bureau-xb", true),
                    decision(a2, "bureau-xb", false),
                ],
            )
            .await
            .unwrap()
            .expect("the envelope is recorded");
        let all = store.forwarding_decisions(&f.scope_a, None).await.unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].decision, decision(a1, "bureau-xb", true));
        assert_eq!(
            all[0].transmission,
            Some(id),
            "forwarded names its envelope"
        );
        assert_eq!(all[1].decision, decision(a2, "bureau-xb", false));
        assert_eq!(all[1].transmission, None, "withheld travels in no envelope");
        assert!(all.iter().all(|d| d.decided_by == f.scope_a.actor_name()));
        let one = store
            .forwarding_decisions(&f.scope_a, Some(a2))
            .await
            .unwrap();
        assert_eq!(one.len(), 1);
        assert!(!one[0].decision.forwarded);
        // Decided for this recipient, not for another.
        assert!(
            store
                .persons_without_forwarding(&f.scope_a, "bureau-xb")
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            store
                .persons_without_forwarding(&f.scope_a, "sarn")
                .await
                .unwrap(),
            [a1, a2]
        );
        // The envelope waits for its receipt and carried a1 only.
        let pending = store
            .pending_transmissions(&f.scope_a, "bureau-xb")
            .await
            .unwrap();
        assert_eq!(pending.len(), 1);
        assert_eq!(pending[0].id, id);
        assert_eq!(
            store.transmission_envelope(&f.scope_a, id).await.unwrap(),
            sent.envelope
        );
        assert_eq!(
            store.transmission_items(&f.scope_a).await.unwrap(),
            [(id, a1)]
        );

        // A decision about another tenant's person refuses the whole batch: neither the
        // envelope nor the other decisions are kept.
        let refused = store
            .record_forwarding(
                &f.scope_a,
                Some(&envelope("sarn", 1, vec![a1])),
                &[decision(a1, "sarn", true), decision(b1, "sarn", true)],
            )
            .await;
        assert!(
            matches!(refused, Err(StoreError::UnknownPerson(p)) if p == b1),
            "{refused:?}"
        );
        assert_eq!(
            store
                .forwarding_decisions(&f.scope_a, None)
                .await
                .unwrap()
                .len(),
            2
        );
        assert!(
            store
                .pending_transmissions(&f.scope_a, "sarn")
                .await
                .unwrap()
                .is_empty()
        );
        // An empty reason is refused.
        let mut blank = decision(a1, "sarn", false);
        blank.reason = " ".into();
        assert!(matches!(
            store.record_forwarding(&f.scope_a, None, &[blank]).await,
            Err(StoreError::Invalid(_))
        ));

        // Tenancy: bureau B sees no decision, no envelope, no item of bureau A, and only its
        // own persons wait for a decision.
        assert!(
            store
                .forwarding_decisions(&f.scope_b, None)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(
            store
                .forwarding_decisions(&f.scope_b, Some(a1))
                .await
                .unwrap()
                .is_empty()
        );
        assert!(
            store
                .pending_transmissions(&f.scope_b, "bureau-xb")
                .await
                .unwrap()
                .is_empty()
        );
        assert!(matches!(
            store.transmission_envelope(&f.scope_b, id).await,
            Err(StoreError::NotFound)
        ));
        assert!(
            store
                .transmission_items(&f.scope_b)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            store
                .persons_without_forwarding(&f.scope_b, "bureau-xb")
                .await
                .unwrap(),
            [b1]
        );
    }
}
