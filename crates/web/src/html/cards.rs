//! The capture card (GC III Annex IV B, GC3-70-c) and the internment card (GC IV Annex III,
//! GC4-106) as printable pages, every label in two languages: the detainee's (from the language
//! of their name, or `?lang=`) and the bureau's (`?bureau=`, English by default). The print
//! stylesheet lays each out as a post card.
//!
//! The labels are a small table per language ([`LANGUAGES`]): English, French, Russian,
//! Ukrainian and Arabic (right to left). Any other language falls back to English, and the page
//! says so. The values are shown as recorded, in their own script; an absence shows its reason,
//! and "declined" stays distinct from "unknown".

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use domain::{
    AbsenceReason, AssertedValue, CurrentView, EventKind, FieldKey, NamePartKind, Presence,
};
use serde::Deserialize;

use crate::authz::{Authorized, Register};
use crate::error::AppResult;
use crate::html::register::person_id;
use crate::html::{Layout, date, render};
use crate::state::AppState;

/// The label keys of both cards.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Label {
    CaptureTitle,
    InternmentTitle,
    PowMail,
    InterneeMail,
    PostageFree,
    PostCard,
    ImportantCapture,
    ImportantInternment,
    AddresseeCapture,
    AddresseeInternment,
    WriteLegibly,
    Power,
    Nationality,
    Surname,
    FirstNames,
    FatherName,
    BirthDate,
    BirthPlace,
    Rank,
    ServiceNumber,
    Occupation,
    AddressBefore,
    NextOfKin,
    TakenPrisoner,
    Interned,
    ComingFrom,
    Health,
    PresentAddress,
    Date,
    Signature,
    Footer,
    Declined,
    Unknown,
    HealthOptions,
}

/// One language's labels: the code, the direction, and the words.
pub(crate) struct Labels {
    pub code: &'static str,
    pub name: &'static str,
    pub rtl: bool,
    words: fn(Label) -> &'static str,
}

impl Labels {
    pub(crate) fn get(&self, label: Label) -> &'static str {
        (self.words)(label)
    }
}

pub(crate) const LANGUAGES: [Labels; 5] = [
    Labels {
        code: "en",
        name: "English",
        rtl: false,
        words: english,
    },
    Labels {
        code: "fr",
        name: "Français",
        rtl: false,
        words: french,
    },
    Labels {
        code: "ru",
        name: "Русский",
        rtl: false,
        words: russian,
    },
    Labels {
        code: "uk",
        name: "Українська",
        rtl: false,
        words: ukrainian,
    },
    Labels {
        code: "ar",
        name: "العربية",
        rtl: true,
        words: arabic,
    },
];

/// The labels of `code` (its primary subtag), or English.
pub(crate) fn labels(code: &str) -> (&'static Labels, bool) {
    let primary = code.split('-').next().unwrap_or("").to_ascii_lowercase();
    match LANGUAGES.iter().find(|l| l.code == primary) {
        Some(labels) => (labels, true),
        None => (&LANGUAGES[0], false),
    }
}

#[allow(clippy::too_many_lines)]
fn english(label: Label) -> &'static str {
    use Label as L;
    match label {
        L::CaptureTitle => "Capture card for prisoner of war",
        L::InternmentTitle => "Internment card",
        L::PowMail => "Prisoner of war mail",
        L::InterneeMail => "Civilian internee mail",
        L::PostageFree => "Postage free",
        L::PostCard => "Post card",
        L::ImportantCapture => {
            "This card must be completed by each prisoner immediately after being taken prisoner and each time his address is changed (by reason of transfer to a hospital or to another camp). This card is distinct from the special card which each prisoner is allowed to send to his relatives."
        }
        L::ImportantInternment => {
            "This card must be completed by each internee immediately on being interned and each time his address is altered by reason of transfer to another place of internment or to a hospital. This card is not the same as the special card which each internee is allowed to send to his relatives."
        }
        L::AddresseeCapture => {
            "Central Prisoners of War Agency, International Committee of the Red Cross, Geneva, Switzerland"
        }
        L::AddresseeInternment => {
            "Central Information Agency for Protected Persons, International Committee of the Red Cross"
        }
        L::WriteLegibly => "Write legibly and in block letters",
        L::Power => "Power on which the prisoner depends",
        L::Nationality => "Nationality",
        L::Surname => "Name",
        L::FirstNames => "First names (in full)",
        L::FatherName => "First name of father",
        L::BirthDate => "Date of birth",
        L::BirthPlace => "Place of birth",
        L::Rank => "Rank",
        L::ServiceNumber => "Service number",
        L::Occupation => "Occupation",
        L::AddressBefore => "Address before detention",
        L::NextOfKin => "Address of next of kin",
        L::TakenPrisoner => "Taken prisoner on",
        L::Interned => "Interned on",
        L::ComingFrom => "or coming from (camp, hospital, etc.)",
        L::Health => "State of health",
        L::PresentAddress => "Present address",
        L::Date => "Date",
        L::Signature => "Signature",
        L::Footer => {
            "Strike out what is not applicable. Do not add any remarks. See explanations overleaf."
        }
        L::Declined => "declined",
        L::Unknown => "unknown",
        L::HealthOptions => {
            "good health · not wounded · recovered · convalescent · sick · slightly wounded · seriously wounded"
        }
    }
}

#[allow(clippy::too_many_lines)]
fn french(label: Label) -> &'static str {
    use Label as L;
    match label {
        L::CaptureTitle => "Carte de capture de prisonnier de guerre",
        L::InternmentTitle => "Carte d'internement",
        L::PowMail => "Service des prisonniers de guerre",
        L::InterneeMail => "Service des internés civils",
        L::PostageFree => "Franc de port",
        L::PostCard => "Carte postale",
        L::ImportantCapture => {
            "Cette carte doit être remplie par chaque prisonnier immédiatement après avoir été fait prisonnier et chaque fois que son adresse vient à changer (transfert dans un hôpital ou dans un autre camp). Elle est indépendante de la carte spéciale que le prisonnier a le droit d'envoyer à sa famille."
        }
        L::ImportantInternment => {
            "Cette carte doit être remplie par chaque interné immédiatement après son internement et chaque fois que son adresse vient à changer (transfert dans un autre lieu d'internement ou dans un hôpital). Elle est indépendante de la carte spéciale que l'interné a le droit d'envoyer à sa famille."
        }
        L::AddresseeCapture => {
            "Agence centrale des prisonniers de guerre, Comité international de la Croix-Rouge, Genève, Suisse"
        }
        L::AddresseeInternment => {
            "Agence centrale de renseignements sur les personnes protégées, Comité international de la Croix-Rouge"
        }
        L::WriteLegibly => "Écrire lisiblement et en caractères d'imprimerie",
        L::Power => "Puissance dont relève le prisonnier",
        L::Nationality => "Nationalité",
        L::Surname => "Nom",
        L::FirstNames => "Prénoms (en entier)",
        L::FatherName => "Prénom du père",
        L::BirthDate => "Date de naissance",
        L::BirthPlace => "Lieu de naissance",
        L::Rank => "Grade",
        L::ServiceNumber => "Numéro matricule",
        L::Occupation => "Profession",
        L::AddressBefore => "Adresse avant la détention",
        L::NextOfKin => "Adresse de la famille",
        L::TakenPrisoner => "Fait prisonnier le",
        L::Interned => "Interné le",
        L::ComingFrom => "ou venant de (camp, hôpital, etc.)",
        L::Health => "État de santé",
        L::PresentAddress => "Adresse actuelle",
        L::Date => "Date",
        L::Signature => "Signature",
        L::Footer => {
            "Biffer ce qui ne convient pas. Ne rien ajouter à ces indications. Voir les explications au verso."
        }
        L::Declined => "refusé",
        L::Unknown => "inconnu",
        L::HealthOptions => {
            "bonne santé · non blessé · guéri · convalescent · malade · légèrement blessé · gravement blessé"
        }
    }
}

#[allow(clippy::too_many_lines)]
fn russian(label: Label) -> &'static str {
    use Label as L;
    match label {
        L::CaptureTitle => "Карточка военнопленного о взятии в плен",
        L::InternmentTitle => "Карточка интернированного",
        L::PowMail => "Почта военнопленных",
        L::InterneeMail => "Почта интернированных гражданских лиц",
        L::PostageFree => "Бесплатно",
        L::PostCard => "Почтовая карточка",
        L::ImportantCapture => {
            "Эта карточка заполняется каждым военнопленным немедленно после взятия в плен и каждый раз при перемене адреса (перевод в госпиталь или в другой лагерь). Она не заменяет особой карточки, которую военнопленный может послать своей семье."
        }
        L::ImportantInternment => {
            "Эта карточка заполняется каждым интернированным немедленно после интернирования и каждый раз при перемене адреса (перевод в другое место интернирования или в госпиталь). Она не заменяет особой карточки, которую интернированный может послать своей семье."
        }
        L::AddresseeCapture => {
            "Центральное агентство по делам военнопленных, Международный комитет Красного Креста, Женева, Швейцария"
        }
        L::AddresseeInternment => {
            "Центральное справочное агентство по делам покровительствуемых лиц, Международный комитет Красного Креста"
        }
        L::WriteLegibly => "Писать разборчиво, печатными буквами",
        L::Power => "Держава, от которой зависит военнопленный",
        L::Nationality => "Гражданство",
        L::Surname => "Фамилия",
        L::FirstNames => "Имена (полностью)",
        L::FatherName => "Имя отца",
        L::BirthDate => "Дата рождения",
        L::BirthPlace => "Место рождения",
        L::Rank => "Воинское звание",
        L::ServiceNumber => "Личный номер",
        L::Occupation => "Профессия",
        L::AddressBefore => "Адрес до задержания",
        L::NextOfKin => "Адрес семьи",
        L::TakenPrisoner => "Взят в плен",
        L::Interned => "Интернирован",
        L::ComingFrom => "или прибыл из (лагерь, госпиталь и т. д.)",
        L::Health => "Состояние здоровья",
        L::PresentAddress => "Настоящий адрес",
        L::Date => "Дата",
        L::Signature => "Подпись",
        L::Footer => "Ненужное зачеркнуть. Ничего не добавлять. См. пояснения на обороте.",
        L::Declined => "отказался сообщить",
        L::Unknown => "неизвестно",
        L::HealthOptions => {
            "здоров · не ранен · выздоровел · выздоравливает · болен · легко ранен · тяжело ранен"
        }
    }
}

#[allow(clippy::too_many_lines)]
fn ukrainian(label: Label) -> &'static str {
    use Label as L;
    match label {
        L::CaptureTitle => "Картка військовополоненого про взяття в полон",
        L::InternmentTitle => "Картка інтернованого",
        L::PowMail => "Пошта військовополонених",
        L::InterneeMail => "Пошта інтернованих цивільних осіб",
        L::PostageFree => "Безкоштовно",
        L::PostCard => "Поштова картка",
        L::ImportantCapture => {
            "Цю картку заповнює кожен військовополонений одразу після взяття в полон і щоразу, коли змінюється його адреса (переведення до шпиталю чи іншого табору). Вона не замінює окремої картки, яку військовополонений може надіслати родині."
        }
        L::ImportantInternment => {
            "Цю картку заповнює кожен інтернований одразу після інтернування і щоразу, коли змінюється його адреса (переведення до іншого місця інтернування чи шпиталю). Вона не замінює окремої картки, яку інтернований може надіслати родині."
        }
        L::AddresseeCapture => {
            "Центральне агентство у справах військовополонених, Міжнародний комітет Червоного Хреста, Женева, Швейцарія"
        }
        L::AddresseeInternment => {
            "Центральне довідкове агентство у справах осіб, що перебувають під захистом, Міжнародний комітет Червоного Хреста"
        }
        L::WriteLegibly => "Писати розбірливо, друкованими літерами",
        L::Power => "Держава, від якої залежить військовополонений",
        L::Nationality => "Громадянство",
        L::Surname => "Прізвище",
        L::FirstNames => "Імена (повністю)",
        L::FatherName => "Ім'я батька",
        L::BirthDate => "Дата народження",
        L::BirthPlace => "Місце народження",
        L::Rank => "Військове звання",
        L::ServiceNumber => "Особовий номер",
        L::Occupation => "Професія",
        L::AddressBefore => "Адреса до затримання",
        L::NextOfKin => "Адреса родини",
        L::TakenPrisoner => "Взятий у полон",
        L::Interned => "Інтернований",
        L::ComingFrom => "або прибув з (табір, шпиталь тощо)",
        L::Health => "Стан здоров'я",
        L::PresentAddress => "Теперішня адреса",
        L::Date => "Дата",
        L::Signature => "Підпис",
        L::Footer => "Непотрібне закреслити. Нічого не додавати. Див. пояснення на звороті.",
        L::Declined => "відмовився повідомити",
        L::Unknown => "невідомо",
        L::HealthOptions => {
            "здоровий · не поранений · одужав · одужує · хворий · легко поранений · тяжко поранений"
        }
    }
}

#[allow(clippy::too_many_lines)]
fn arabic(label: Label) -> &'static str {
    use Label as L;
    match label {
        L::CaptureTitle => "بطاقة أسر لأسير الحرب",
        L::InternmentTitle => "بطاقة اعتقال",
        L::PowMail => "بريد أسرى الحرب",
        L::InterneeMail => "بريد المعتقلين المدنيين",
        L::PostageFree => "معفاة من رسوم البريد",
        L::PostCard => "بطاقة بريدية",
        L::ImportantCapture => {
            "يجب أن يملأ كل أسير هذه البطاقة فور وقوعه في الأسر وفي كل مرة يتغير فيها عنوانه (بسبب نقله إلى مستشفى أو إلى معسكر آخر). وهذه البطاقة مستقلة عن البطاقة الخاصة التي يسمح للأسير بإرسالها إلى عائلته."
        }
        L::ImportantInternment => {
            "يجب أن يملأ كل معتقل هذه البطاقة فور اعتقاله وفي كل مرة يتغير فيها عنوانه بسبب نقله إلى مكان اعتقال آخر أو إلى مستشفى. وهذه البطاقة مستقلة عن البطاقة الخاصة التي يسمح للمعتقل بإرسالها إلى عائلته."
        }
        L::AddresseeCapture => {
            "الوكالة المركزية لأسرى الحرب، اللجنة الدولية للصليب الأحمر، جنيف، سويسرا"
        }
        L::AddresseeInternment => {
            "الوكالة المركزية للاستعلامات عن الأشخاص المحميين، اللجنة الدولية للصليب الأحمر"
        }
        L::WriteLegibly => "يكتب بخط واضح وبحروف منفصلة",
        L::Power => "الدولة التي يتبعها الأسير",
        L::Nationality => "الجنسية",
        L::Surname => "اللقب",
        L::FirstNames => "الأسماء الأولى (كاملة)",
        L::FatherName => "اسم الأب",
        L::BirthDate => "تاريخ الميلاد",
        L::BirthPlace => "مكان الميلاد",
        L::Rank => "الرتبة",
        L::ServiceNumber => "الرقم العسكري",
        L::Occupation => "المهنة",
        L::AddressBefore => "العنوان قبل الاحتجاز",
        L::NextOfKin => "عنوان العائلة",
        L::TakenPrisoner => "أُسر في",
        L::Interned => "اعتُقل في",
        L::ComingFrom => "أو قادم من (معسكر، مستشفى، إلخ)",
        L::Health => "الحالة الصحية",
        L::PresentAddress => "العنوان الحالي",
        L::Date => "التاريخ",
        L::Signature => "التوقيع",
        L::Footer => "اشطب ما لا ينطبق. لا تضف أي ملاحظات. انظر الإيضاحات على الظهر.",
        L::Declined => "رفض الإفصاح",
        L::Unknown => "غير معروف",
        L::HealthOptions => {
            "صحة جيدة · غير جريح · شُفي · في دور النقاهة · مريض · جريح إصابة خفيفة · جريح إصابة خطيرة"
        }
    }
}

/// One line of a card: the label in both languages and the value as recorded.
struct CardLine {
    number: &'static str,
    label_a: String,
    label_b: String,
    value: Option<String>,
    /// `declined`, `unknown`, … when the value is absent, in both languages where known.
    absence: Option<(String, &'static str)>,
}

#[derive(Template)]
#[template(path = "card.html")]
struct CardPage {
    layout: Layout,
    title_a: &'static str,
    title_b: &'static str,
    lang_a: &'static str,
    lang_b: &'static str,
    dir_a: &'static str,
    dir_b: &'static str,
    mail_a: &'static str,
    mail_b: &'static str,
    free_a: &'static str,
    free_b: &'static str,
    post_a: &'static str,
    post_b: &'static str,
    important_a: &'static str,
    important_b: &'static str,
    addressee_a: &'static str,
    addressee_b: &'static str,
    legibly_a: &'static str,
    legibly_b: &'static str,
    footer_a: &'static str,
    footer_b: &'static str,
    lines: Vec<CardLine>,
    /// Set when the detainee's language has no label table: the page says English is used.
    fallback: Option<String>,
    reference: String,
    person_id: String,
    languages: Vec<(&'static str, &'static str)>,
    kind: &'static str,
}

#[derive(Deserialize)]
pub(crate) struct CardQuery {
    /// The detainee's language; by default the language of their name.
    lang: Option<String>,
    /// The bureau's language; English by default.
    bureau: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum CardKind {
    Capture,
    Internment,
}

/// `GET /persons/{id}/capture-card`: GC III Annex IV B (GC3-70-c).
pub(crate) async fn capture_card(
    state: State<AppState>,
    member: Authorized<Register>,
    path: Path<String>,
    query: Query<CardQuery>,
) -> AppResult<Response> {
    card(state, member, path, query, CardKind::Capture).await
}

/// `GET /persons/{id}/internment-card`: GC IV Annex III.
pub(crate) async fn internment_card(
    state: State<AppState>,
    member: Authorized<Register>,
    path: Path<String>,
    query: Query<CardQuery>,
) -> AppResult<Response> {
    card(state, member, path, query, CardKind::Internment).await
}

#[allow(clippy::too_many_lines)]
async fn card(
    State(state): State<AppState>,
    member: Authorized<Register>,
    Path(id): Path<String>,
    Query(query): Query<CardQuery>,
    kind: CardKind,
) -> AppResult<Response> {
    let person = person_id(&id)?;
    let record = state.store.person(&member.scope, person).await?;
    let places = state.store.places(&member.scope).await?;
    let view = CurrentView::project(&record.assertions);
    let name = view.value(FieldKey::Name).and_then(|v| match v {
        AssertedValue::Name(name) => Some(name.clone()),
        _ => None,
    });
    let name_language = name.as_ref().and_then(|n| {
        n.parts()
            .iter()
            .find_map(|p| p.language.as_ref().map(|l| l.as_str().to_owned()))
    });
    let wanted = query
        .lang
        .clone()
        .filter(|l| !l.trim().is_empty())
        .or(name_language)
        .unwrap_or_else(|| "en".into());
    let (a, known) = labels(&wanted);
    let (b, _) = labels(query.bureau.as_deref().unwrap_or("en"));
    let fallback = (!known).then(|| wanted.clone());

    let field = |key: FieldKey| -> (Option<String>, Option<(String, &'static str)>) {
        let Some(standing) = view.fields.get(&key).and_then(|f| f.standing.first()) else {
            return (None, None);
        };
        match &standing.value {
            Presence::Present(value) => (Some(value.display()), None),
            Presence::Absent(reason) => {
                let (word_a, word_b) = match reason {
                    AbsenceReason::DeclinedByPerson => {
                        (a.get(Label::Declined), b.get(Label::Declined))
                    }
                    AbsenceReason::Unknown => (a.get(Label::Unknown), b.get(Label::Unknown)),
                    other => (other.label(), other.label()),
                };
                let text = if word_a == word_b {
                    word_a.to_owned()
                } else {
                    format!("{word_a} / {word_b}")
                };
                (None, Some((text, reason.code())))
            }
        }
    };
    let name_part = |kinds: &[NamePartKind]| -> Option<String> {
        let name = name.as_ref()?;
        let parts: Vec<&str> = name
            .parts()
            .iter()
            .filter(|p| kinds.contains(&p.kind))
            .map(domain::NamePart::value)
            .collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    };
    let line =
        |number, label: Label, value: (Option<String>, Option<(String, &'static str)>)| CardLine {
            number,
            label_a: a.get(label).to_owned(),
            label_b: b.get(label).to_owned(),
            value: value.0,
            absence: value.1,
        };
    let since = record
        .events
        .iter()
        .find(|e| e.kind == EventKind::FellIntoPower)
        .map(|e| date(e.occurred_at));
    let present = record
        .events
        .iter()
        .rev()
        .find_map(|e| match e.kind {
            EventKind::ArrivalAtPlace | EventKind::TransferArrival => e.place,
            EventKind::TransferDeparture => e.place_to,
            _ => None,
        })
        .and_then(|id| places.iter().find(|p| p.id == id))
        .map(|p| match &p.postal_address {
            Some(address) => format!("{} — {address}", p.name),
            None => p.name.clone(),
        });
    let name_absence = name
        .is_none()
        .then(|| field(FieldKey::Name))
        .and_then(|f| f.1);
    let surname = (
        name_part(&[NamePartKind::Family, NamePartKind::Unsplit]),
        name_absence.clone(),
    );
    let first = (
        name_part(&[NamePartKind::Given, NamePartKind::Patronymic]),
        name_absence,
    );
    // B10 / I10: "taken prisoner on … — or — coming from …" (GC3-70-a: a new card on each move).
    let coming_from = |mut line: CardLine| {
        line.label_a = format!("{} — {}", line.label_a, a.get(Label::ComingFrom));
        line.label_b = format!("{} — {}", line.label_b, b.get(Label::ComingFrom));
        line
    };
    let lines = match kind {
        CardKind::Capture => vec![
            line("1", Label::Power, field(FieldKey::Nationality)),
            line("2", Label::Surname, surname),
            line("3", Label::FirstNames, first),
            line("4", Label::FatherName, field(FieldKey::FatherName)),
            line("5", Label::BirthDate, field(FieldKey::BirthDate)),
            line("6", Label::BirthPlace, field(FieldKey::BirthPlace)),
            line("7", Label::Rank, field(FieldKey::Rank)),
            line("8", Label::ServiceNumber, field(FieldKey::ServiceNumber)),
            line("9", Label::NextOfKin, field(FieldKey::PersonToInform)),
            coming_from(line("10", Label::TakenPrisoner, (since, None))),
            line(
                "11",
                Label::Health,
                (Some(a.get(Label::HealthOptions).to_owned()), None),
            ),
            line("12", Label::PresentAddress, (present, None)),
            line("13", Label::Date, (None, None)),
            line("14", Label::Signature, (None, None)),
        ],
        CardKind::Internment => vec![
            line("1", Label::Nationality, field(FieldKey::Nationality)),
            line("2", Label::Surname, surname),
            line("3", Label::FirstNames, first),
            line("4", Label::FatherName, field(FieldKey::FatherName)),
            line("5", Label::BirthDate, field(FieldKey::BirthDate)),
            line("6", Label::BirthPlace, field(FieldKey::BirthPlace)),
            line("7", Label::Occupation, field(FieldKey::Occupation)),
            line("8", Label::AddressBefore, field(FieldKey::LastResidence)),
            line("9", Label::NextOfKin, field(FieldKey::PersonToInform)),
            coming_from(line("10", Label::Interned, (since, None))),
            line(
                "11",
                Label::Health,
                (Some(a.get(Label::HealthOptions).to_owned()), None),
            ),
            line("12", Label::PresentAddress, (present, None)),
            line("13", Label::Date, (None, None)),
            line("14", Label::Signature, (None, None)),
        ],
    };
    let (title, mail, important, addressee) = match kind {
        CardKind::Capture => (
            Label::CaptureTitle,
            Label::PowMail,
            Label::ImportantCapture,
            Label::AddresseeCapture,
        ),
        CardKind::Internment => (
            Label::InternmentTitle,
            Label::InterneeMail,
            Label::ImportantInternment,
            Label::AddresseeInternment,
        ),
    };
    let layout = Layout::new(&state, &member.signed_in, b.get(title)).await?;
    let dir = |l: &Labels| if l.rtl { "rtl" } else { "ltr" };
    render(&CardPage {
        layout,
        title_a: a.get(title),
        title_b: b.get(title),
        lang_a: a.code,
        lang_b: b.code,
        dir_a: dir(a),
        dir_b: dir(b),
        mail_a: a.get(mail),
        mail_b: b.get(mail),
        free_a: a.get(Label::PostageFree),
        free_b: b.get(Label::PostageFree),
        post_a: a.get(Label::PostCard),
        post_b: b.get(Label::PostCard),
        important_a: a.get(important),
        important_b: b.get(important),
        addressee_a: a.get(addressee),
        addressee_b: b.get(addressee),
        legibly_a: a.get(Label::WriteLegibly),
        legibly_b: b.get(Label::WriteLegibly),
        footer_a: a.get(Label::Footer),
        footer_b: b.get(Label::Footer),
        lines,
        fallback,
        reference: record.person.reference,
        person_id: person.to_string(),
        languages: LANGUAGES.iter().map(|l| (l.code, l.name)).collect(),
        kind: match kind {
            CardKind::Capture => "capture-card",
            CardKind::Internment => "internment-card",
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_has_every_label_and_unknown_falls_back_to_english() {
        let all = [
            Label::CaptureTitle,
            Label::InternmentTitle,
            Label::Surname,
            Label::Footer,
            Label::Declined,
            Label::Unknown,
        ];
        for language in &LANGUAGES {
            for label in all {
                assert!(
                    !language.get(label).is_empty(),
                    "{} {label:?}",
                    language.code
                );
            }
            // Declined is never worded as unknown.
            assert_ne!(language.get(Label::Declined), language.get(Label::Unknown));
        }
        assert_eq!(labels("uk-UA").0.code, "uk");
        assert!(labels("AR").0.rtl);
        let (fallback, known) = labels("ka");
        assert_eq!(fallback.code, "en");
        assert!(!known);
    }
}
