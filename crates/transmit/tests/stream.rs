//! Format 2: chunked bundles and streamed envelopes. Every chunk is authenticated with its
//! position and whether it is the last, so a bundle cut anywhere, reordered, altered or
//! extended is refused; the notices are checked against the signed manifest as they are read.

use std::io::{BufReader, Read};

use whereabouts_transmit::stream::{
    self, BundleReader, CHUNK, NoticeReader, StreamError, bundle_error, open_stream_bundle,
    seal_stream_bundle, seal_streamed,
};
use whereabouts_transmit::{
    BundleError, Channel, Content, Envelope, EventNotice, Header, KeyOwner, KeyRing, PublicKeySet,
    Purpose, SecretKey, VerifyError,
};

const NOW: &str = "2026-11-27T08:00:00Z";

fn key(tenant: &str, officer: Option<&str>) -> SecretKey {
    SecretKey::generate(
        KeyOwner {
            tenant: tenant.into(),
            officer: officer.map(str::to_owned),
        },
        NOW,
    )
    .unwrap()
}

fn read_all<R: Read>(mut reader: BundleReader<R>) -> Result<Vec<u8>, BundleError> {
    let mut out = Vec::new();
    reader
        .read_to_end(&mut out)
        .map_err(|e| bundle_error(&e).expect("a bundle error"))?;
    Ok(out)
}

fn open(bundle: &[u8], keys: &[SecretKey]) -> Result<Vec<u8>, BundleError> {
    let (_, reader) = open_stream_bundle(bundle, keys)?;
    read_all(reader)
}

/// Plaintext of `len` bytes that differ from chunk to chunk.
fn plain(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

fn header_len(bundle: &[u8]) -> usize {
    5 + bundle[5..].iter().position(|&b| b == b'\n').unwrap() + 1
}

#[test]
fn every_length_round_trips_and_the_last_chunk_is_always_short() {
    let agency = key("agency", None);
    for len in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, 3 * CHUNK + 17] {
        let data = plain(len);
        let bundle = seal_stream_bundle(&data, &agency.public).unwrap();
        let body = bundle.len() - header_len(&bundle);
        // One 16-byte tag per chunk; a multiple of CHUNK ends with an empty last chunk.
        assert_eq!(body, len + 16 * (len / CHUNK + 1), "length {len}");
        assert_eq!(open(&bundle, std::slice::from_ref(&agency)).unwrap(), data);
    }
}

#[test]
fn a_bundle_cut_reordered_altered_or_extended_is_refused() {
    let agency = key("agency", None);
    let data = plain(3 * CHUNK + 100);
    let bundle = seal_stream_bundle(&data, &agency.public).unwrap();
    let start = header_len(&bundle);
    let sealed = CHUNK + 16;
    let keys = std::slice::from_ref(&agency);
    // Cut at a chunk boundary: the last chunk is missing.
    for cut in [start + sealed, start + 2 * sealed, start + 3 * sealed] {
        assert_eq!(
            open(&bundle[..cut], keys),
            Err(BundleError::Truncated),
            "cut at {cut}"
        );
    }
    // Cut inside a chunk, or inside the last one: the short chunk does not open.
    for cut in [start + 10, start + sealed + 5000, bundle.len() - 1] {
        assert_eq!(
            open(&bundle[..cut], keys),
            Err(BundleError::Decryption),
            "cut at {cut}"
        );
    }
    // The last byte altered.
    let mut last = bundle.clone();
    let end = last.len() - 1;
    last[end] ^= 1;
    assert_eq!(open(&last, keys), Err(BundleError::Decryption));
    // Two chunks swapped.
    let mut swapped = bundle[..start].to_vec();
    swapped.extend_from_slice(&bundle[start + sealed..start + 2 * sealed]);
    swapped.extend_from_slice(&bundle[start..start + sealed]);
    swapped.extend_from_slice(&bundle[start + 2 * sealed..]);
    assert_eq!(open(&swapped, keys), Err(BundleError::Decryption));
    // One byte altered in the second chunk: the first chunk opens, the second does not.
    let mut altered = bundle.clone();
    altered[start + sealed + 7] ^= 1;
    let (_, mut reader) = open_stream_bundle(altered.as_slice(), keys).unwrap();
    let mut first = vec![0u8; CHUNK];
    reader.read_exact(&mut first).unwrap();
    assert_eq!(first, data[..CHUNK]);
    let mut rest = Vec::new();
    let error = reader.read_to_end(&mut rest).unwrap_err();
    assert_eq!(bundle_error(&error), Some(BundleError::Decryption));
    // A byte appended after the last chunk.
    let mut extended = bundle.clone();
    extended.push(0);
    assert!(open(&extended, keys).is_err());
    // The header is authenticated too: another chunk size or recipient line fails.
    let mut header = bundle.clone();
    let at = start - 3;
    header[at] ^= 1;
    assert!(open(&header, keys).is_err());
    // Another tenant's key: refused before decryption.
    let other = key("bureau-b", None);
    assert!(matches!(
        open(&bundle, std::slice::from_ref(&other)),
        Err(BundleError::WrongRecipient { .. })
    ));
    // Not a bundle, or a header that never ends.
    assert_eq!(open(b"WAB1\n{}", keys), Err(BundleError::NotABundle));
    let endless = [b"WAB2\n".as_slice(), &[b'x'; 5000]].concat();
    assert!(matches!(
        open(&endless, keys),
        Err(BundleError::BadHeader(_))
    ));
}

fn event(n: usize) -> Content {
    Content::Event(EventNotice {
        reference: format!("A-{n}"),
        kind: "escape".into(),
        occurred_at: NOW.into(),
        note: Some("x".repeat(n % 300)),
        place: None,
        place_to: None,
    })
}

fn header(sequence: u64) -> Header {
    Header {
        format: 2,
        sender: "bureau-a".into(),
        recipient: "agency".into(),
        channel: Channel::Agency,
        purpose: Purpose::Notification,
        sequence,
        created_at: NOW.into(),
        officer: "Officer Ilse Varga".into(),
    }
}

fn ring(seal: &SecretKey, officer: &SecretKey) -> KeyRing {
    let mut ring = KeyRing::new();
    ring.pin(
        &PublicKeySet::sign(
            "Bureau A",
            vec![seal.public.clone(), officer.public.clone()],
            vec![],
            seal,
        )
        .unwrap(),
    )
    .unwrap();
    ring
}

/// Reads a streamed envelope from a bundle: the manifest verified, then every notice.
fn read_streamed(
    bundle: &[u8],
    agency: &SecretKey,
    ring: &KeyRing,
) -> Result<Vec<Content>, StreamError> {
    let (_, reader) =
        open_stream_bundle(bundle, std::slice::from_ref(agency)).map_err(StreamError::Bundle)?;
    let mut input = BufReader::new(reader);
    let mut line = Vec::new();
    stream::read_line(&mut input, stream::MAX_MANIFEST, &mut line)
        .map_err(|e| StreamError::from_io(e, 0))?;
    let envelope = Envelope::from_bytes(&line).map_err(StreamError::Envelope)?;
    let (manifest, _, _) = envelope
        .verify_manifest("agency", ring)
        .map_err(StreamError::Envelope)?;
    let mut notices = NoticeReader::new();
    let mut out = Vec::new();
    while let Some(content) = notices.next(&mut input)? {
        out.push(content);
    }
    notices.finish(&manifest).map_err(StreamError::Envelope)?;
    Ok(out)
}

#[test]
fn a_streamed_envelope_is_checked_against_its_signed_manifest() {
    let agency = key("agency", None);
    let seal = key("bureau-a", None);
    let officer = key("bureau-a", Some("Officer Ilse Varga"));
    let ring = ring(&seal, &officer);
    let contents: Vec<Content> = (0..2000).map(event).collect();
    let (envelope, plain) = seal_streamed(header(1), &contents, &officer, &seal).unwrap();
    assert!(plain.len() > 2 * CHUNK, "spans several chunks");
    let bundle = seal_stream_bundle(&plain, &agency.public).unwrap();
    assert_eq!(read_streamed(&bundle, &agency, &ring).unwrap(), contents);
    assert!(envelope.content_hash.starts_with("sha256:"));

    // A notice left out, added or changed by whoever holds the plaintext: the manifest's hash
    // no longer matches, even re-encrypted to the agency with a valid container.
    let lines: Vec<&[u8]> = plain.split_inclusive(|&b| b == b'\n').collect();
    let rebuild = |lines: &[&[u8]]| {
        let bytes: Vec<u8> = lines.concat();
        seal_stream_bundle(&bytes, &agency.public).unwrap()
    };
    let mut fewer = lines.clone();
    fewer.pop();
    assert_eq!(
        read_streamed(&rebuild(&fewer), &agency, &ring),
        Err(StreamError::Envelope(VerifyError::Tampered))
    );
    let extra = b"{\"type\":\"event\",\"reference\":\"A-1\",\"kind\":\"release\",\"occurred_at\":\"2026-11-27T08:00:00Z\",\"note\":null}\n";
    let mut more = lines.clone();
    more.push(extra);
    assert_eq!(
        read_streamed(&rebuild(&more), &agency, &ring),
        Err(StreamError::Envelope(VerifyError::Tampered))
    );
    // A manifest signed for format 1 cannot pass as format 2, nor the other way round.
    let v1 = Envelope::seal(
        Header {
            format: 1,
            ..header(2)
        },
        vec![event(1)],
        &officer,
        &seal,
    )
    .unwrap();
    assert!(v1.verify_manifest("agency", &ring).is_err());
    assert!(envelope.verify("agency", &ring).is_err());
    // A line that is not a notice is named by its number.
    let mut garbage = lines.clone();
    garbage[3] = b"not json\n";
    match read_streamed(&rebuild(&garbage), &agency, &ring) {
        Err(StreamError::Envelope(VerifyError::Malformed(reason))) => {
            assert!(reason.contains("notice 3"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    // A notice line past the limit is refused without being held whole.
    let mut huge = lines[..1].to_vec();
    let long = vec![b'x'; stream::MAX_NOTICE + 10];
    huge.push(&long);
    assert!(matches!(
        read_streamed(&rebuild(&huge), &agency, &ring),
        Err(StreamError::Envelope(VerifyError::Malformed(reason))) if reason.contains("longer than")
    ));
}
