//! The demo's family tracing requests at the agency, so that a caseworker who logs in finds
//! work: families who write the name as they know it, in Latin letters from abroad, with a birth
//! year at most, for persons the bureaus registered in Cyrillic or Arabic script; and one request
//! for a person no bureau has registered (still searched for). All fictional.

use anyhow::Context;
use domain::{
    AssertedValue, CurrentView, FieldKey, LanguageTag, NamePart, NamePartKind, PartialDate,
    PersonId, PersonName, Tenant,
};
use store::{NewTracingRequest, Store, TenantScope};

/// Every this-many-th person of the agency's records is sought by a family.
const STRIDE: usize = 450;
/// At most this many requests for registered persons.
const REQUESTS: usize = 10;

const RELATIONSHIPS: [&str; 5] = ["parent", "spouse or partner", "sibling", "child", "parent"];

/// Every person id of the scope's tenant, in id order, read a page of 1,000 at a time.
pub(crate) async fn all_person_ids(
    store: &Store,
    scope: &TenantScope,
) -> anyhow::Result<Vec<PersonId>> {
    let mut ids = Vec::new();
    let mut after = None;
    loop {
        let page = store.person_ids_after(scope, after, 1000).await?;
        let Some(last) = page.last().copied() else {
            break;
        };
        after = Some(last);
        ids.extend(page);
    }
    Ok(ids)
}

/// Takes in the demo's tracing requests at `agency`; answers how many.
pub async fn demo(store: &Store, agency: &Tenant) -> anyhow::Result<usize> {
    let scope = store.operator_scope(agency, "demo");
    let ids = all_person_ids(store, &scope).await?;
    let chosen: Vec<_> = ids.iter().step_by(STRIDE).copied().collect();
    let records = store.person_records(&scope, &chosen).await?;
    let mut made = 0;
    for record in records.iter() {
        if made == REQUESTS {
            break;
        }
        let view = CurrentView::project(&record.assertions);
        let Some(AssertedValue::Name(name)) = view.value(FieldKey::Name) else {
            continue;
        };
        let Some(sought) = as_a_family_writes(name) else {
            continue;
        };
        let birth_year = match view.value(FieldKey::BirthDate) {
            Some(AssertedValue::Date(date)) => {
                PartialDate::parse(&date.earliest().year().to_string()).ok()
            }
            _ => None,
        };
        made += 1;
        let request = family_request(
            made,
            format!("Family member {made}"),
            RELATIONSHIPS[made % RELATIONSHIPS.len()],
            sought,
            birth_year,
            "No news since the fighting near the river crossing in the spring; a neighbour said he was taken away (fictional).",
            made % 2 == 0,
        );
        store
            .create_tracing_request(&scope, &request)
            .await
            .context("a demo tracing request")?;
    }
    // A person no bureau has registered: the request stays open with nothing proposed above
    // the floor, which is what most requests look like on their first day.
    let unknown = PersonName::new(vec![
        NamePart::new(NamePartKind::Given, "Hrant", Some(language("en")?))?,
        NamePart::new(NamePartKind::Family, "Zakarian", Some(language("en")?))?,
    ])?;
    made += 1;
    let request = family_request(
        made,
        "Family member of Hrant Zakarian".to_owned(),
        "sibling",
        unknown,
        PartialDate::parse("1979").ok(),
        "Went to look for his brother at the checkpoint and did not come back (fictional).",
        false,
    );
    store
        .create_tracing_request(&scope, &request)
        .await
        .context("a demo tracing request")?;
    Ok(made)
}

/// The demo's request number `n`, in English, by letter, with consent to trace.
fn family_request(
    n: usize,
    enquirer_name: String,
    relationship: &str,
    sought_name: PersonName,
    sought_birth: Option<PartialDate>,
    circumstances: &str,
    consent_share: bool,
) -> NewTracingRequest {
    NewTracingRequest {
        reference: format!("TR-DEMO-{n:03}"),
        enquirer_name,
        enquirer_contact: "by letter through the tracing office (fictional)".to_owned(),
        relationship: relationship.to_owned(),
        sought_name,
        sought_birth,
        sought_birth_place: None,
        sought_father_name: None,
        circumstances: circumstances.to_owned(),
        consent_tracing: true,
        consent_share,
        language: Some("en".to_owned()),
    }
}

/// The name as a relative abroad writes it: given and family names only, in Latin letters (the
/// first of the engine's romanisations, capitalised), the patronymic or father's name left out.
/// `None` when the record has no given or no family name.
pub(crate) fn as_a_family_writes(name: &PersonName) -> Option<PersonName> {
    let latin = |kind: NamePartKind| -> Option<String> {
        let part = name.part(kind)?;
        let words: Vec<String> = names::tokens(part.value())
            .iter()
            .filter_map(|token| names::romanize(token, None).into_iter().next())
            .map(|word| capitalise(&word))
            .collect();
        (!words.is_empty()).then(|| words.join(" "))
    };
    let given = latin(NamePartKind::Given)?;
    let family = latin(NamePartKind::Family)?;
    let en = language("en").ok();
    PersonName::new(vec![
        NamePart::new(NamePartKind::Given, &given, en.clone()).ok()?,
        NamePart::new(NamePartKind::Family, &family, en).ok()?,
    ])
    .ok()
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

fn language(tag: &str) -> anyhow::Result<LanguageTag> {
    tag.parse()
        .map_err(|e| anyhow::anyhow!("language tag {tag}: {e:?}"))
}
