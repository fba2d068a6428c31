//! The demo's same-person proposals at the agency (issue 5, item 3): a few of the persons the
//! bureaus notified are registered a second time at the agency, as an ICRC delegate wrote them
//! down on a visit (in Latin letters, under the delegate's own reference), so that a caseworker
//! who opens "Same person?" finds pairs to confirm or reject. Then the same pass the server runs
//! compares every agency person. All fictional.

use domain::{AssertedValue, Confidence, CurrentView, FieldKey, Presence, SourceKind, Tenant};
use store::{NewAssertion, NewPerson, NewSource, Store};
use time::OffsetDateTime;

/// Every this-many-th person of the agency's records is registered again.
const STRIDE: usize = 300;
/// At most this many second records.
const SECOND_RECORDS: usize = 6;

/// Registers the second records and runs the same-person pass; answers how many persons were
/// registered again and how many pairs the engine proposes.
pub async fn demo(store: &Store, agency: &Tenant) -> anyhow::Result<(usize, usize)> {
    let scope = store.operator_scope(agency, "demo");
    let ids = crate::demo_tracing::all_person_ids(store, &scope).await?;
    let chosen: Vec<_> = ids.iter().skip(7).step_by(STRIDE).copied().collect();
    let records = store.person_records(&scope, &chosen).await?;
    let source = store
        .record_source(
            &scope,
            &NewSource {
                kind: SourceKind::IcrcRegistration,
                reference:
                    "registrations by an ICRC delegate on a visit (synthetic, fictional data)"
                        .into(),
                collected_by: "delegate (demo)".into(),
                collected_at: OffsetDateTime::now_utc(),
                language: Some("en".parse().map_err(|e| anyhow::anyhow!("{e:?}"))?),
                script: None,
                confidence: Confidence::MEDIUM,
            },
        )
        .await?;
    let mut made = 0;
    for record in &records {
        if made == SECOND_RECORDS {
            break;
        }
        let view = CurrentView::project(&record.assertions);
        let Some(AssertedValue::Name(name)) = view.value(FieldKey::Name) else {
            continue;
        };
        let Some(latin) = crate::demo_tracing::as_a_family_writes(name) else {
            continue;
        };
        made += 1;
        let mut assertions = vec![NewAssertion {
            field: FieldKey::Name,
            value: Presence::Present(AssertedValue::Name(latin)),
            locator: format!("visit registration {made}, name as the person spelt it"),
        }];
        for field in [FieldKey::BirthDate, FieldKey::Sex, FieldKey::Nationality] {
            if let Some(value) = view.value(field) {
                assertions.push(NewAssertion {
                    field,
                    value: Presence::Present(value.clone()),
                    locator: format!("visit registration {made}"),
                });
            }
        }
        store
            .register_person(
                &scope,
                source,
                &NewPerson {
                    reference: format!("ICRC-VISIT-{made:04}"),
                    category: record.person.category,
                    assertions,
                    events: Vec::new(),
                },
            )
            .await?;
    }
    let started = std::time::Instant::now();
    let proposed = web::links::propose_same_person(store, &scope)
        .await
        .map_err(|e| anyhow::anyhow!("same-person pass: {e}"))?;
    println!(
        "same-person pass over the agency's {} persons: {:.1} s",
        ids.len() + made,
        started.elapsed().as_secs_f64()
    );
    Ok((made, proposed))
}
