//! The one place the agency's pages ask for match proposals.
//!
//! The matching engine (`crates/matching`, issue 3) was not committed when this was written, so
//! [`propose`] and [`explain_pair`] run a small stand-in: each name part and the birth year are
//! compared on a common Latin key (a transliteration table for Cyrillic, then folding of letters
//! that transliteration schemes disagree on), with an edit-distance similarity. It finds
//! Олександр Коваленко from "Oleksandr KOVALENKO" and says why, but it is not the engine: no
//! phonetic keys, no name-frequency weights, no blocking (it reads every person of the tenant).
//! Replacing it means replacing the bodies of these two functions; the pages, the decision
//! workflow and the stored explanations (MATCH-7) do not change.

use domain::{AssertedValue, CurrentView, FieldKey, NamePartKind, PersonId, PersonName, Presence};
use store::{PersonRecord, TenantScope, TracingRequest};

use crate::error::AppResult;
use crate::state::AppState;

/// Recorded with every decision (MATCH-7), so that a decision can be traced to what proposed it.
pub(crate) const ALGORITHM: &str = "web-stand-in/1";

/// Proposals scoring below this are not shown.
pub(crate) const THRESHOLD: f64 = 0.55;

/// One feature of a comparison, as the review page shows it.
#[derive(Clone, Debug, serde::Serialize)]
pub(crate) struct FeatureExplanation {
    pub feature: &'static str,
    /// As the family wrote it.
    pub request_value: Option<String>,
    /// As the record holds it.
    pub record_value: Option<String>,
    /// The Latin keys actually compared: request, record.
    pub keys: Option<(String, String)>,
    /// `agree`, `close`, `disagree`, `missing`.
    pub outcome: &'static str,
    /// Similarity in 0..=1, when both sides have a value.
    pub similarity: Option<f64>,
    pub weight: f64,
}

/// A proposed person for a request.
#[derive(Clone, Debug)]
pub(crate) struct Proposal {
    pub person: PersonId,
    pub reference: String,
    pub display_name: Option<String>,
    /// 0..=1.
    pub score: f64,
    pub features: Vec<FeatureExplanation>,
}

/// The best `limit` proposals for `request` among the tenant's persons, best first.
pub(crate) async fn propose(
    state: &AppState,
    scope: &TenantScope,
    request: &TracingRequest,
    limit: usize,
) -> AppResult<Vec<Proposal>> {
    let mut proposals = Vec::new();
    let mut after = None;
    loop {
        let ids = state.store.person_ids_after(scope, after, 500).await?;
        let Some(last) = ids.last().copied() else {
            break;
        };
        after = Some(last);
        for record in state.store.person_records(scope, &ids).await? {
            let proposal = explain_pair(request, &record);
            if proposal.score >= THRESHOLD {
                proposals.push(proposal);
            }
        }
    }
    proposals.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(a.reference.cmp(&b.reference))
    });
    proposals.truncate(limit);
    Ok(proposals)
}

/// Compares one request with one record, feature by feature.
pub(crate) fn explain_pair(request: &TracingRequest, record: &PersonRecord) -> Proposal {
    let view = CurrentView::project(&record.assertions);
    let name = view.value(FieldKey::Name).and_then(|value| match value {
        AssertedValue::Name(name) => Some(name.clone()),
        _ => None,
    });
    let sought = &request.request.sought_name;
    let mut features = vec![
        name_feature(
            "Family name",
            sought,
            name.as_ref(),
            &[NamePartKind::Family, NamePartKind::Unsplit],
            3.0,
        ),
        name_feature(
            "Given name",
            sought,
            name.as_ref(),
            &[NamePartKind::Given],
            2.0,
        ),
    ];
    let father_record = text_value(&view, FieldKey::FatherName);
    let patronymic = part_text(sought, &[NamePartKind::Patronymic])
        .or_else(|| request.request.sought_father_name.clone());
    let record_patronymic = name
        .as_ref()
        .and_then(|n| part_text(n, &[NamePartKind::Patronymic]))
        .or(father_record);
    features.push(text_feature(
        "Patronymic or father's name",
        patronymic,
        record_patronymic,
        1.0,
    ));
    let request_year = request.request.sought_birth.as_ref().map(|d| {
        (
            d.earliest().year(),
            d.latest().year(),
            d.original().to_owned(),
        )
    });
    let record_birth = match view.value(FieldKey::BirthDate) {
        Some(AssertedValue::Date(date)) => Some((
            date.earliest().year(),
            date.latest().year(),
            date.original().to_owned(),
        )),
        _ => None,
    };
    features.push(match (request_year, record_birth) {
        (Some((a0, a1, a_text)), Some((b0, b1, b_text))) => {
            let overlap = a0 <= b1 && b0 <= a1;
            let near = (a0 - b1).abs().min((b0 - a1).abs()) <= 1;
            FeatureExplanation {
                feature: "Year of birth",
                request_value: Some(a_text),
                record_value: Some(b_text),
                keys: None,
                outcome: if overlap {
                    "agree"
                } else if near {
                    "close"
                } else {
                    "disagree"
                },
                similarity: Some(if overlap {
                    1.0
                } else if near {
                    0.6
                } else {
                    0.0
                }),
                weight: 1.5,
            }
        }
        (a, b) => missing("Year of birth", a.map(|x| x.2), b.map(|x| x.2), 1.5),
    });
    features.push(text_feature(
        "Place of birth",
        request.request.sought_birth_place.clone(),
        text_value(&view, FieldKey::BirthPlace),
        0.5,
    ));
    let (total, weight) = features
        .iter()
        .filter_map(|f| f.similarity.map(|s| (s * f.weight, f.weight)))
        .fold((0.0, 0.0), |(t, w), (s, fw)| (t + s, w + fw));
    // Names carry the decision: without a family-name comparison nothing is proposed.
    let has_family = features[0].similarity.is_some();
    let score = if weight > 0.0 && has_family {
        total / weight
    } else {
        0.0
    };
    Proposal {
        person: record.person.id,
        reference: record.person.reference.clone(),
        display_name: name.as_ref().map(PersonName::display),
        score,
        features,
    }
}

fn text_value(view: &CurrentView<'_>, field: FieldKey) -> Option<String> {
    view.fields
        .get(&field)
        .and_then(|f| f.standing.first())
        .and_then(|a| match &a.value {
            Presence::Present(value) => Some(value.display()),
            Presence::Absent(_) => None,
        })
}

fn part_text(name: &PersonName, kinds: &[NamePartKind]) -> Option<String> {
    let parts: Vec<&str> = name
        .parts()
        .iter()
        .filter(|p| kinds.contains(&p.kind))
        .map(domain::NamePart::value)
        .collect();
    (!parts.is_empty()).then(|| parts.join(" "))
}

fn missing(
    feature: &'static str,
    request_value: Option<String>,
    record_value: Option<String>,
    weight: f64,
) -> FeatureExplanation {
    FeatureExplanation {
        feature,
        request_value,
        record_value,
        keys: None,
        outcome: "missing",
        similarity: None,
        weight,
    }
}

fn name_feature(
    feature: &'static str,
    sought: &PersonName,
    record: Option<&PersonName>,
    kinds: &[NamePartKind],
    weight: f64,
) -> FeatureExplanation {
    let request_value = part_text(sought, kinds);
    let record_value = record.and_then(|n| part_text(n, kinds));
    text_feature(feature, request_value, record_value, weight)
}

fn text_feature(
    feature: &'static str,
    request_value: Option<String>,
    record_value: Option<String>,
    weight: f64,
) -> FeatureExplanation {
    let (Some(a), Some(b)) = (&request_value, &record_value) else {
        return missing(feature, request_value, record_value, weight);
    };
    let (key_a, key_b) = (latin_key(a), latin_key(b));
    let similarity = similarity(&key_a, &key_b);
    FeatureExplanation {
        feature,
        outcome: if similarity >= 0.95 {
            "agree"
        } else if similarity >= 0.75 {
            "close"
        } else {
            "disagree"
        },
        similarity: Some(similarity),
        keys: Some((key_a, key_b)),
        request_value,
        record_value,
        weight,
    }
}

/// A Latin key for comparison: Cyrillic transliterated letter by letter (close to the
/// Ukrainian national and ICAO schemes), Latin folded to ASCII for common diacritics, then the
/// letters that schemes disagree on folded together (h/g, y/i/j, w/v, x/ks).
pub(crate) fn latin_key(text: &str) -> String {
    let mut latin = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        let mapped: &str = match c {
            'а' => "a",
            'б' => "b",
            'в' => "v",
            'г' => "h",
            'ґ' => "g",
            'д' => "d",
            'е' | 'э' | 'ё' | 'є' => "e",
            'ж' => "zh",
            'з' => "z",
            'и' | 'ы' | 'і' | 'ї' | 'й' => "i",
            'к' => "k",
            'л' => "l",
            'м' => "m",
            'н' => "n",
            'о' => "o",
            'п' => "p",
            'р' => "r",
            'с' => "s",
            'т' => "t",
            'у' => "u",
            'ф' => "f",
            'х' => "kh",
            'ц' => "ts",
            'ч' => "ch",
            'ш' => "sh",
            'щ' => "shch",
            'ь' | 'ъ' | '\'' | '’' | 'ʼ' => "",
            'ю' => "iu",
            'я' => "ia",
            'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' => "a",
            'é' | 'è' | 'ê' | 'ë' => "e",
            'í' | 'ì' | 'î' | 'ï' => "i",
            'ó' | 'ò' | 'ô' | 'ö' | 'õ' => "o",
            'ú' | 'ù' | 'û' | 'ü' => "u",
            'ç' | 'č' | 'ć' => "c",
            'š' | 'ś' => "s",
            'ž' | 'ź' | 'ż' => "z",
            'ł' => "l",
            'ñ' | 'ń' => "n",
            'ř' => "r",
            c if c.is_ascii_alphanumeric() => {
                latin.push(c);
                continue;
            }
            c if c.is_alphabetic() => {
                latin.push(c);
                continue;
            }
            _ => " ",
        };
        latin.push_str(mapped);
    }
    let folded: String = latin
        .replace("kh", "h")
        .replace("x", "ks")
        .replace("yu", "iu")
        .replace("ya", "ia")
        .replace("ye", "e")
        .replace("zh", "j")
        .chars()
        .map(|c| match c {
            'g' => 'h',
            'y' | 'j' => 'i',
            'w' => 'v',
            other => other,
        })
        .collect();
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// 1 − normalised Levenshtein distance over characters.
pub(crate) fn similarity(a: &str, b: &str) -> f64 {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        current[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    let distance = previous[b.len()];
    #[allow(clippy::cast_precision_loss)]
    let similarity = 1.0 - distance as f64 / a.len().max(b.len()) as f64;
    similarity
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cyrillic_and_latin_spellings_share_a_key() {
        assert_eq!(latin_key("Коваленко"), latin_key("KOVALENKO"));
        assert_eq!(latin_key("Олександр"), latin_key("Oleksandr"));
        // Ukrainian г is h, Russian г is g: folded together.
        assert_eq!(latin_key("Григорій"), latin_key("Grigorii"));
        assert!(similarity(&latin_key("Олександр"), &latin_key("Aleksandr")) > 0.75);
        assert!(similarity(&latin_key("Коваленко"), &latin_key("Petrenko")) < 0.6);
        assert!((similarity("abc", "abc") - 1.0).abs() < f64::EPSILON);
        assert!(similarity("", "abc").abs() < f64::EPSILON);
    }
}
