//! What an envelope carries: a typed list of notices. The JSON shape of each is part of the
//! versioned wire format (`docs/transmissions.md`); a new kind of notice is a new variant, and a
//! changed shape is a new [`crate::FORMAT_VERSION`].

use domain::{
    AbsenceReason, AssertedValue, FieldKey, LanguageTag, NamePart, NamePartKind, PartialDate,
    PersonName, Presence, Sex, Transliteration,
};
use serde::{Deserialize, Serialize};

/// One notice in an envelope.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Content {
    /// GC3-70-a / Annex IV B: the capture card, as the bureau recorded it.
    CaptureCard(PersonCard),
    /// GC4-106 / Annex III: the internment card.
    InternmentCard(PersonCard),
    /// GC3-122-e / GC4-136/137: transfers, releases, repatriations, escapes, hospital.
    Event(EventNotice),
    /// GC3-120, GC4-129/130: death notifications.
    DeathNotification(DeathNotice),
    /// GC3-46-a, GC4-127, GC3-20-a, GC3-119-d: a list of persons, by the sender's references.
    List(ListNotice),
    /// GC3-122-g, GC4-137-a: an enquiry the agency asks of a bureau.
    Enquiry(EnquiryNotice),
    /// GC3-122-g: an answer to an enquiry.
    EnquiryAnswer(EnquiryAnswer),
    /// GC3-122-g, GC4-137-a: the agency withdraws an enquiry it asked of a bureau (the family
    /// found the person, or withdrew its request): no answer is owed any more.
    EnquiryWithdrawal(EnquiryWithdrawal),
    /// Issue 6: a delegate's visit, from a laptop to the protection unit only (ICRC-VIS-e).
    VisitReport(Box<crate::visit::VisitReport>),
}

impl Content {
    /// The sender's person reference the notice is about, if it is about one person.
    #[must_use]
    pub fn person_reference(&self) -> Option<&str> {
        match self {
            Self::CaptureCard(card) | Self::InternmentCard(card) => Some(&card.reference),
            Self::Event(event) => Some(&event.reference),
            Self::DeathNotification(death) => Some(&death.reference),
            Self::List(_)
            | Self::Enquiry(_)
            | Self::EnquiryAnswer(_)
            | Self::EnquiryWithdrawal(_)
            | Self::VisitReport(_) => None,
        }
    }

    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Self::CaptureCard(_) => "capture_card",
            Self::InternmentCard(_) => "internment_card",
            Self::Event(_) => "event",
            Self::DeathNotification(_) => "death_notification",
            Self::List(_) => "list",
            Self::Enquiry(_) => "enquiry",
            Self::EnquiryAnswer(_) => "enquiry_answer",
            Self::EnquiryWithdrawal(_) => "enquiry_withdrawal",
            Self::VisitReport(_) => "visit_report",
        }
    }
}

/// A capture or internment card: the person as the sending bureau knows them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonCard {
    /// The sender's own reference for the person, unique within the sending tenant.
    pub reference: String,
    /// `pow`, `civilian-internee`, … (domain `PersonCategory` codes).
    pub category: String,
    /// When the sender registered the person, RFC 3339.
    pub registered_at: String,
    pub fields: Vec<CardField>,
    /// GC4-137-b: the sending bureau judges transmission to the power of origin detrimental to
    /// the person or relatives, for this reason. The card still goes to the agency, which
    /// never forwards it to the power of origin. Absent when there is no such judgement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detriment: Option<String>,
}

/// One field of a card: the current value or the reason it is absent (XC-2).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardField {
    /// A domain `FieldKey` code such as `name` or `birth_date`.
    pub field: String,
    pub value: CardValue,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CardValue {
    Name {
        parts: Vec<CardNamePart>,
    },
    Sex {
        sex: String,
    },
    /// The date as written; the receiver parses it again.
    Date {
        original: String,
    },
    Country {
        code: String,
    },
    Text {
        text: String,
    },
    /// XC-2: absent, with a reason code such as `declined-by-person`.
    Absent {
        reason: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardNamePart {
    pub kind: String,
    /// In the original script, never rewritten (XC-6).
    pub value: String,
    pub language: Option<String>,
    /// `(scheme, value)` pairs.
    pub transliterations: Vec<(String, String)>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventNotice {
    pub reference: String,
    /// A domain `EventKind` code.
    pub kind: String,
    /// RFC 3339, UTC.
    pub occurred_at: String,
    pub note: Option<String>,
    /// Where it happened, by the sender's name for the place (the receiver has its own places).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
    /// For a transfer: where the person is going (GC3-46-a, GC3-48-a).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place_to: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeathNotice {
    pub reference: String,
    /// RFC 3339, UTC (a plain `YYYY-MM-DD` date is read as midnight UTC).
    pub died_on: String,
    pub place: Option<String>,
    pub cause: Option<String>,
}

/// A named list of persons the sender drew up. No version before issue 5's lists produced or
/// accepted a list, so this shape replaced the earlier placeholder within format 2.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListNotice {
    /// The sender's reference for the list; the same list again changes nothing.
    pub reference: String,
    pub title: String,
    /// The rule the list meets, e.g. `GC3-46-a`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// RFC 3339, UTC.
    pub drawn_at: String,
    /// Who drew it up (XC-4: an accountable officer signs the envelope too).
    pub drawn_by: String,
    /// The rows: the sender's person references, each carried by a card before.
    pub references: Vec<String>,
}

/// An enquiry about a person the recipient holds (`about`, the recipient's own reference) or
/// about a sought person (`sought`, the particulars a family gave; never the family itself).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnquiryNotice {
    /// The asker's reference; the answer names it.
    pub reference: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub about: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sought: Option<String>,
    pub question: String,
    pub asked_by: String,
    /// RFC 3339, UTC.
    pub asked_at: String,
    /// The asker's target for the answer (§10 #47 gives no number), RFC 3339.
    pub due_at: String,
}

/// An answer to an enquiry. No version before issue 5's enquiries produced or accepted one, so
/// this shape replaced the earlier placeholder within format 2.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnquiryAnswer {
    /// The enquiry's reference, as the asker gave it.
    pub enquiry_reference: String,
    /// The answer's own reference; the same answer again changes nothing.
    pub reference: String,
    pub answer: String,
    /// The answering bureau's references of the persons the answer is about.
    pub persons: Vec<String>,
    pub answered_by: String,
    /// RFC 3339, UTC.
    pub answered_at: String,
}

/// The withdrawal of an enquiry: sent by the asker, only after the enquiry itself, once per
/// recipient. The same withdrawal again changes nothing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnquiryWithdrawal {
    /// The enquiry's reference, as the asker gave it.
    pub enquiry_reference: String,
    /// Why the question no longer stands (the caseworker's words; never the enquirer's
    /// identity or contact details).
    pub reason: String,
    pub withdrawn_by: String,
    /// RFC 3339, UTC.
    pub withdrawn_at: String,
}

/// A card field the receiver cannot take: it names the field and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("field {field:?}: {problem}")]
pub struct ContentError {
    pub field: String,
    pub problem: String,
}

impl CardField {
    /// The card form of a domain value.
    #[must_use]
    pub fn from_domain(field: FieldKey, value: &Presence<AssertedValue>) -> Self {
        let value = match value {
            Presence::Absent(reason) => CardValue::Absent {
                reason: reason.code().to_owned(),
            },
            Presence::Present(AssertedValue::Name(name)) => CardValue::Name {
                parts: name
                    .parts()
                    .iter()
                    .map(|part| CardNamePart {
                        kind: part.kind.code().to_owned(),
                        value: part.value().to_owned(),
                        language: part.language.as_ref().map(|l| l.as_str().to_owned()),
                        transliterations: part
                            .transliterations
                            .iter()
                            .map(|t| (t.scheme.clone(), t.value.clone()))
                            .collect(),
                    })
                    .collect(),
            },
            Presence::Present(AssertedValue::Sex(sex)) => CardValue::Sex {
                sex: sex.code().to_owned(),
            },
            Presence::Present(AssertedValue::Date(date)) => CardValue::Date {
                original: date.original().to_owned(),
            },
            Presence::Present(AssertedValue::Country(code)) => {
                CardValue::Country { code: code.clone() }
            }
            Presence::Present(AssertedValue::Text(text)) => CardValue::Text { text: text.clone() },
        };
        Self {
            field: field.code().to_owned(),
            value,
        }
    }

    /// Back to a domain field and value, checked as the registry checks its own input.
    ///
    /// # Errors
    /// An unknown field, a value of the wrong kind for the field, or a value that does not
    /// parse (name part, sex, date, absence reason).
    pub fn to_domain(&self) -> Result<(FieldKey, Presence<AssertedValue>), ContentError> {
        let fail = |problem: String| ContentError {
            field: self.field.clone(),
            problem,
        };
        let field: FieldKey = self.field.parse().map_err(fail)?;
        let value = match &self.value {
            CardValue::Absent { reason } => {
                let reason = reason
                    .parse::<AbsenceReason>()
                    .map_err(|e| fail(e.to_string()))?;
                return Ok((field, Presence::Absent(reason)));
            }
            CardValue::Name { parts } => {
                let mut built = Vec::with_capacity(parts.len());
                for part in parts {
                    let kind = part
                        .kind
                        .parse::<NamePartKind>()
                        .map_err(|e| fail(e.to_string()))?;
                    let language = match &part.language {
                        Some(tag) => Some(
                            tag.parse::<LanguageTag>()
                                .map_err(|e| fail(e.to_string()))?,
                        ),
                        None => None,
                    };
                    let mut name_part = NamePart::new(kind, &part.value, language)
                        .map_err(|e| fail(e.to_string()))?;
                    name_part.transliterations = part
                        .transliterations
                        .iter()
                        .map(|(scheme, value)| Transliteration {
                            value: value.clone(),
                            scheme: scheme.clone(),
                        })
                        .collect();
                    built.push(name_part);
                }
                AssertedValue::Name(PersonName::new(built).map_err(|e| fail(e.to_string()))?)
            }
            CardValue::Sex { sex } => {
                AssertedValue::Sex(sex.parse::<Sex>().map_err(|e| fail(e.to_string()))?)
            }
            CardValue::Date { original } => {
                AssertedValue::Date(PartialDate::parse(original).map_err(|e| fail(e.to_string()))?)
            }
            CardValue::Country { code } => AssertedValue::Country(code.clone()),
            CardValue::Text { text } => AssertedValue::Text(text.clone()),
        };
        if !field.accepts(&value) {
            return Err(fail("the value is of the wrong kind for this field".into()));
        }
        Ok((field, Presence::Present(value)))
    }
}
