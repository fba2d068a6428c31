//! The envelope, keys, ledger, receipts and bundles, end to end in memory.

use domain::{AbsenceReason, AssertedValue, FieldKey, PartialDate, Presence, Sex};
use whereabouts_transmit::{
    Admission, CardField, Channel, Content, Envelope, Header, KeyOwner, KeyRing, Ledger,
    PersonCard, PublicKeySet, Purpose, ReceiptStatus, Revocation, SecretKey, SignedReceipt,
    VerifyError, bundle::BundleError, open_bundle, receipt::Acknowledgement, seal_bundle,
};

const NOW: &str = "2026-11-27T08:00:00Z";

struct Party {
    tenant: SecretKey,
    officer: SecretKey,
    name: &'static str,
}

fn party(slug: &'static str) -> Party {
    let tenant = SecretKey::generate(
        KeyOwner {
            tenant: slug.into(),
            officer: None,
        },
        NOW,
    )
    .expect("tenant key");
    let officer = SecretKey::generate(
        KeyOwner {
            tenant: slug.into(),
            officer: Some("Officer Ilse Varga".into()),
        },
        NOW,
    )
    .expect("officer key");
    Party {
        tenant,
        officer,
        name: slug,
    }
}

fn key_set(p: &Party, revoked: Vec<Revocation>) -> PublicKeySet {
    PublicKeySet::sign(
        p.name,
        vec![p.tenant.public.clone(), p.officer.public.clone()],
        revoked,
        &p.tenant,
    )
    .expect("key set")
}

fn header(sender: &str, recipient: &str, sequence: u64) -> Header {
    Header {
        format: whereabouts_transmit::FORMAT_VERSION,
        sender: sender.into(),
        recipient: recipient.into(),
        channel: Channel::Agency,
        purpose: Purpose::Notification,
        sequence,
        created_at: NOW.into(),
        officer: "Officer Ilse Varga".into(),
    }
}

fn card(reference: &str) -> Content {
    Content::CaptureCard(PersonCard {
        reference: reference.into(),
        category: "pow".into(),
        registered_at: NOW.into(),
        fields: vec![
            CardField::from_domain(
                FieldKey::Sex,
                &Presence::Present(AssertedValue::Sex(Sex::Male)),
            ),
            CardField::from_domain(
                FieldKey::BirthDate,
                &Presence::Present(AssertedValue::Date(
                    PartialDate::parse("1990-04-02").expect("date"),
                )),
            ),
            CardField::from_domain(
                FieldKey::FatherName,
                &Presence::Absent(AbsenceReason::DeclinedByPerson),
            ),
        ],
        detriment: None,
    })
}

fn seal(p: &Party, recipient: &str, sequence: u64) -> Envelope {
    Envelope::seal(
        header(p.name, recipient, sequence),
        vec![card("A-0001")],
        &p.officer,
        &p.tenant,
    )
    .expect("seal")
}

fn agency_ring(bureau: &Party) -> KeyRing {
    let mut ring = KeyRing::new();
    ring.pin(&key_set(bureau, vec![])).expect("pin");
    ring
}

#[test]
fn gc3_122_h_a_signed_envelope_verifies_at_its_recipient() {
    let bureau = party("bureau-north");
    let envelope = seal(&bureau, "agency", 1);
    let wire = envelope.to_bytes();
    let verified = Envelope::from_bytes(&wire)
        .expect("parse")
        .verify("agency", &agency_ring(&bureau))
        .expect("verify");
    assert_eq!(verified.header.sequence, 1);
    assert_eq!(verified.contents, vec![card("A-0001")]);
    assert_eq!(verified.officer_key, bureau.officer.public.id);
    assert_eq!(verified.tenant_key, bureau.tenant.public.id);
    assert!(verified.content_hash.starts_with("sha256:"));
}

#[test]
fn card_fields_round_trip_to_the_domain() {
    let Content::CaptureCard(card) = card("X") else {
        unreachable!()
    };
    let (field, value) = card.fields[2].to_domain().expect("field");
    assert_eq!(field, FieldKey::FatherName);
    assert_eq!(value, Presence::Absent(AbsenceReason::DeclinedByPerson));
    let (field, value) = card.fields[1].to_domain().expect("date");
    assert_eq!(field, FieldKey::BirthDate);
    assert_eq!(
        value.value().map(AssertedValue::display).as_deref(),
        Some("1990-04-02")
    );
    let mut wrong = card.fields[0].clone();
    wrong.field = "birth_date".into();
    let error = wrong.to_domain().expect_err("sex is not a date");
    assert_eq!(error.field, "birth_date");
    wrong.field = "shoe_size".into();
    assert!(
        wrong
            .to_domain()
            .expect_err("unknown")
            .problem
            .contains("shoe_size")
    );
}

#[test]
fn xc4_tampering_is_refused_whether_or_not_the_hash_was_recomputed() {
    let bureau = party("bureau-north");
    let ring = agency_ring(&bureau);
    let mut envelope = seal(&bureau, "agency", 1);
    envelope.body = envelope.body.replace("A-0001", "A-0002");
    assert_eq!(envelope.verify("agency", &ring), Err(VerifyError::Tampered));
    envelope.content_hash = whereabouts_transmit::content_hash(envelope.body.as_bytes());
    assert_eq!(
        envelope.verify("agency", &ring),
        Err(VerifyError::BadSignature("officer"))
    );
}

#[test]
fn a_signature_by_a_stranger_is_refused_as_an_unknown_key() {
    let bureau = party("bureau-north");
    let impostor = party("bureau-north");
    let envelope = seal(&impostor, "agency", 1);
    assert_eq!(
        envelope.verify("agency", &agency_ring(&bureau)),
        Err(VerifyError::UnknownKey(impostor.officer.public.id.clone()))
    );
}

#[test]
fn an_unknown_sender_and_a_wrong_recipient_are_refused() {
    let bureau = party("bureau-north");
    let other = party("bureau-south");
    let ring = agency_ring(&bureau);
    assert_eq!(
        seal(&other, "agency", 1).verify("agency", &ring),
        Err(VerifyError::UnknownSender("bureau-south".into()))
    );
    let error = seal(&bureau, "bureau-south", 1)
        .verify("agency", &ring)
        .expect_err("wrong recipient");
    assert_eq!(error.code(), "wrong-recipient");
}

#[test]
fn a_revoked_officer_key_is_refused_even_for_old_envelopes() {
    let bureau = party("bureau-north");
    let mut ring = agency_ring(&bureau);
    let envelope = seal(&bureau, "agency", 1);
    let revocation = Revocation {
        key: bureau.officer.public.id.clone(),
        revoked_at: "2026-11-27T09:00:00Z".into(),
        reason: "laptop lost".into(),
    };
    // The bureau publishes a new set, signed by its (pinned) tenant key.
    ring.pin(&key_set(&bureau, vec![revocation]))
        .expect("update");
    let error = envelope.verify("agency", &ring).expect_err("revoked");
    assert_eq!(error.code(), "revoked-key");
    assert!(error.to_string().contains("laptop lost"));
    // A later set that forgets the revocation does not take it back.
    ring.pin(&key_set(&bureau, vec![])).expect("update");
    assert_eq!(
        envelope.verify("agency", &ring).expect_err("still").code(),
        "revoked-key"
    );
}

#[test]
fn a_key_update_must_be_signed_by_a_pinned_key() {
    let bureau = party("bureau-north");
    let impostor = party("bureau-north");
    let mut ring = agency_ring(&bureau);
    let error = ring.pin(&key_set(&impostor, vec![])).expect_err("swap");
    assert!(
        error
            .to_string()
            .contains("not signed by a key already pinned")
    );
    // Rotation: a new tenant key, announced in a set signed by the old one.
    let rotated = SecretKey::generate(
        KeyOwner {
            tenant: "bureau-north".into(),
            officer: None,
        },
        NOW,
    )
    .expect("key");
    let set = PublicKeySet::sign(
        "bureau-north",
        vec![
            bureau.tenant.public.clone(),
            rotated.public.clone(),
            bureau.officer.public.clone(),
        ],
        vec![],
        &bureau.tenant,
    )
    .expect("set");
    ring.pin(&set).expect("rotation");
    let envelope = Envelope::seal(
        header("bureau-north", "agency", 2),
        vec![],
        &bureau.officer,
        &rotated,
    )
    .expect("seal");
    envelope
        .verify("agency", &ring)
        .expect("signed with the rotated key");
}

#[test]
fn a_forged_key_set_is_refused() {
    let bureau = party("bureau-north");
    let set = key_set(&bureau, vec![]);
    let mut json: serde_json::Value =
        serde_json::from_slice(&serde_json::to_vec(&set).expect("json")).expect("json");
    let body = json["body"]
        .as_str()
        .expect("body")
        .replace("bureau-north", "bureau-nort");
    json["body"] = body.into();
    let forged: PublicKeySet = serde_json::from_value(json).expect("shape");
    assert!(forged.open().is_err());
}

#[test]
fn the_ledger_applies_once_reports_gaps_and_refuses_reused_numbers() {
    let bureau = party("bureau-north");
    let mut ledger = Ledger::new();
    let first = seal(&bureau, "agency", 1);
    let third = seal(&bureau, "agency", 3);
    let h1 = header("bureau-north", "agency", 1);
    let h3 = header("bureau-north", "agency", 3);
    assert_eq!(
        ledger.admit(&h1, &first.content_hash),
        Admission::New { missing: vec![] }
    );
    assert_eq!(ledger.admit(&h1, &first.content_hash), Admission::Duplicate);
    assert_eq!(
        ledger.admit(&h3, &third.content_hash),
        Admission::New { missing: vec![2] }
    );
    assert!(matches!(
        ledger.admit(&h3, &first.content_hash),
        Admission::SequenceReused { sequence: 3, .. }
    ));
    let h2 = header("bureau-north", "agency", 2);
    assert_eq!(
        ledger.admit(&h2, "sha256:2"),
        Admission::New { missing: vec![] }
    );
    // Channels are independent.
    let mut pp = header("bureau-north", "agency", 1);
    pp.channel = Channel::ProtectingPower;
    assert_eq!(
        ledger.admit(&pp, "sha256:x"),
        Admission::New { missing: vec![] }
    );
    assert_eq!(
        ledger.admit(&header("bureau-north", "agency", 0), "h"),
        Admission::ZeroSequence
    );
    assert_eq!(Ledger::next_sequence([1, 3, 2]), 4);
    assert_eq!(Ledger::next_sequence([]), 1);
}

#[test]
fn xc5_the_recipient_signs_an_acknowledgement_the_sender_can_check() {
    let bureau = party("bureau-north");
    let agency = party("agency");
    let ack = Acknowledgement {
        format: whereabouts_transmit::FORMAT_VERSION,
        envelope_hash: "sha256:00".into(),
        recipient: "agency".into(),
        sender: "bureau-north".into(),
        channel: Some(Channel::Agency),
        sequence: Some(1),
        received_at: NOW.into(),
        status: ReceiptStatus::Applied { applied: 1 },
        missing: vec![],
        letters: vec![],
    };
    // A receipt without letters reads and signs as before the field existed.
    assert!(!serde_json::to_string(&ack).unwrap().contains("letters"));
    let receipt = SignedReceipt::sign(&ack, &agency.tenant).expect("sign");
    let mut ring = KeyRing::new();
    ring.pin(&key_set(&agency, vec![])).expect("pin");
    let read = SignedReceipt::from_bytes(&receipt.to_bytes()).expect("parse");
    assert_eq!(read.verify(&ring).expect("verify"), ack);
    let mut forged = read.clone();
    forged.body = forged.body.replace("\"applied\":1", "\"applied\":9");
    assert_eq!(
        forged.verify(&ring),
        Err(VerifyError::BadSignature("receipt"))
    );
    // A receipt cannot be signed with an officer key, nor in the name of another tenant.
    assert!(SignedReceipt::sign(&ack, &agency.officer).is_err());
    assert!(SignedReceipt::sign(&ack, &bureau.tenant).is_err());
}

#[test]
fn a_bundle_opens_only_for_its_recipient_and_refuses_alteration() {
    let bureau = party("bureau-north");
    let agency = party("agency");
    let other = party("bureau-south");
    let wire = seal(&bureau, "agency", 1).to_bytes();
    let bundle = seal_bundle(&wire, &agency.tenant.public).expect("seal");
    assert!(bundle.starts_with(b"WAB1\n"));
    assert!(
        !bundle.windows(6).any(|w| w == b"A-0001"),
        "contents are encrypted"
    );
    assert_eq!(
        open_bundle(&bundle, std::slice::from_ref(&agency.tenant)).expect("open"),
        wire
    );
    assert!(matches!(
        open_bundle(&bundle, std::slice::from_ref(&other.tenant)),
        Err(BundleError::WrongRecipient { .. })
    ));
    let mut altered = bundle.clone();
    let last = altered.len() - 1;
    altered[last] ^= 1;
    assert_eq!(
        open_bundle(&altered, std::slice::from_ref(&agency.tenant)),
        Err(BundleError::Decryption)
    );
    // The clear header is authenticated too.
    let text = String::from_utf8_lossy(&bundle[..300]).to_string();
    let nonce_at = text.find("\"nonce\":\"").expect("nonce") + 9;
    let mut altered = bundle.clone();
    altered[nonce_at] = if altered[nonce_at] == b'0' {
        b'1'
    } else {
        b'0'
    };
    assert_eq!(
        open_bundle(&altered, std::slice::from_ref(&agency.tenant)),
        Err(BundleError::Decryption)
    );
    assert_eq!(
        open_bundle(b"hello", std::slice::from_ref(&agency.tenant)),
        Err(BundleError::NotABundle)
    );
    // Officer keys have no encryption half.
    assert_eq!(
        seal_bundle(&wire, &agency.officer.public),
        Err(BundleError::NoEncryptionKey)
    );
}

#[test]
fn stored_secret_halves_rebuild_the_same_key() {
    let bureau = party("bureau-north");
    let rebuilt = SecretKey::from_parts(
        bureau.tenant.public.owner.clone(),
        NOW,
        &bureau.tenant.signing_seed(),
        bureau.tenant.encryption_secret(),
    );
    assert_eq!(rebuilt.public, bureau.tenant.public);
}
