//! The fuzz targets' bodies: each takes arbitrary bytes and feeds them to one parser of outside
//! input, checking only what must hold for every input (no panic, bounded output, no 5xx). The
//! same functions run under cargo-fuzz (`fuzz/fuzz_targets/*.rs`, coverage-guided) and in
//! `cargo test` over the corpus kept in `fuzz/corpus/<target>/` plus bounded property tests
//! (`tests/it`), so CI exercises every target in bounded time. See docs/security.md, "Fuzzing".
//!
//! The CSV person import and the linkage CSV reader live in the `whereabouts` binary; their
//! property and corpus tests are in `crates/cli/src/fuzz_csv.rs`.
#![forbid(unsafe_code)]

mod api;

pub use api::ApiTarget;

/// The targets, by the name of their corpus directory.
pub const TARGETS: [&str; 5] = [
    "names",
    "matching_record",
    "transmit_bundle",
    "transmit_envelope",
    "api_json",
];

/// Text from bytes as a user or a file would give it: invalid UTF-8 replaced.
fn text(data: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(data)
}

/// Every name function over one input: total, bounded (`names`' documented invariants).
pub fn names(data: &[u8]) {
    use names::{Lang, Scheme};
    let text = text(data);
    let normal = names::normalize(&text);
    assert!(
        normal.chars().count() <= text.chars().count() * 18 + 8,
        "normalize blew up"
    );
    let _ = names::detect_script(&text);
    let _ = names::normalize_identifier(&text);
    let _ = names::parse_full_name(&text);
    for scheme in [
        Scheme::UkNational2010,
        Scheme::RuIcao9303,
        Scheme::RuGost779B,
        Scheme::RuBgnPcgn,
        Scheme::BeNational2007,
        Scheme::BePassport,
        Scheme::AzCyrillicToLatin,
        Scheme::ArAlaLc,
        Scheme::ArDin31635,
        Scheme::ArCommon,
        Scheme::ArFrench,
        Scheme::HyEasternBgn,
        Scheme::HyWestern,
        Scheme::KaNational2002,
        Scheme::FaBgnPcgn,
        Scheme::PrsBgnPcgn,
        Scheme::PsBgnPcgn,
    ] {
        let _ = names::transliterate(&text, scheme);
    }
    for token in names::tokens(&text).iter().take(8) {
        for hint in [
            None,
            Some(Lang::Uk),
            Some(Lang::Ru),
            Some(Lang::Be),
            Some(Lang::Ar),
            Some(Lang::HyEastern),
            Some(Lang::HyWestern),
            Some(Lang::Ka),
            Some(Lang::Az),
            Some(Lang::Fa),
            Some(Lang::Prs),
            Some(Lang::Ps),
        ] {
            let romanized = names::romanize(token, hint);
            assert!(romanized.len() <= names::MAX_ROMANIZATIONS);
            let keys = names::keys(token, hint);
            assert!(keys.len() <= names::MAX_KEYS);
            assert!(
                keys.iter().all(|k| k
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')),
                "{keys:?}"
            );
        }
        let _ = names::surname_stem(token);
        let _ = names::given_name_group(&names::key(token));
    }
}

/// One matching record from outside fields (`\x1f`-separated, in the contract's column order),
/// analysed and compared with itself and with a fixed record.
pub fn matching_record(data: &[u8]) {
    let text = text(data);
    let mut record = matching::Record::new("fuzz");
    for (column, value) in matching::COLUMNS.iter().zip(text.split('\u{1f}')) {
        record.set(column, value);
    }
    let _ = matching::BirthDate::parse(&record.birth_date);
    let mut other = matching::Record::new("fixed");
    other.set("family_name", "Kovalenko");
    other.set("given_name", "Oleksandr");
    other.set("birth_date", "1990");
    let mut corpus = matching::Corpus::new();
    let a = corpus.analyse(&record);
    let b = corpus.analyse(&other);
    let _ = matching::compare(&corpus, &a, &a);
    let _ = matching::compare(&corpus, &a, &b);
}

/// The fixed recipient key the bundle target opens with.
fn recipient() -> &'static transmit::SecretKey {
    static KEY: std::sync::OnceLock<transmit::SecretKey> = std::sync::OnceLock::new();
    KEY.get_or_init(|| {
        transmit::SecretKey::generate(
            transmit::KeyOwner {
                tenant: "fuzz-recipient".into(),
                officer: None,
            },
            "2026-11-01T00:00:00Z",
        )
        .expect("a key")
    })
}

/// A bundle from a USB stick: its header, then an attempt to open it.
pub fn transmit_bundle(data: &[u8]) {
    let _ = transmit::bundle_header(data);
    let _ = transmit::open_bundle(data, std::slice::from_ref(recipient()));
    // Any envelope bytes seal and open again unchanged.
    let sealed = transmit::seal_bundle(data, &recipient().public).expect("sealing never fails");
    let opened =
        transmit::open_bundle(&sealed, std::slice::from_ref(recipient())).expect("opens again");
    assert_eq!(opened, data);
}

/// An envelope, a receipt and a public key set as they arrive from a peer: parsed, and verified
/// against an empty key ring (nothing may verify without a pinned key).
pub fn transmit_envelope(data: &[u8]) {
    let ring = transmit::KeyRing::new();
    if let Ok(envelope) = transmit::Envelope::from_bytes(data) {
        let _ = envelope.unverified_header();
        assert!(
            envelope.verify("fuzz-recipient", &ring).is_err(),
            "verified with no pinned key"
        );
    }
    let _ = transmit::receipt::SignedReceipt::from_bytes(data);
    if let Ok(set) = serde_json::from_slice::<transmit::PublicKeySet>(data) {
        let _ = set.open();
    }
}
