//! The compact form of the assertions a person is registered with (`assertion_packs`,
//! migration 0008). An import used to write about ten `assertions` rows per person, each
//! repeating the tenant, the person, the source and the time (64 bytes of identifiers and 30 of
//! text); SQLite's B-tree work on those rows was most of an import. A pack is one row per
//! person: those four are stored once, in the row's columns, and `body` holds the rest.
//!
//! `body`, version 1 (`varint` is unsigned LEB128):
//!
//! ```text
//! 0x01                      version
//! varint                    number of assertions
//! per assertion:
//!   u8 + bytes              id: how many leading bytes it shares with the previous id, then
//!                           the other 16 - shared bytes (UUID v7 ids made in one millisecond
//!                           share their first six)
//!   varint + UTF-8          field code (`FieldKey::code`)
//!   u8                      0: a value follows, 1: an absence reason follows
//!   varint + UTF-8          the value's JSON (exactly `assertions.value`, see `codec`) or the
//!                           absence code (`assertions.absence`)
//!   varint + varint + UTF-8 locator: bytes shared with the previous locator ("line 7, column "),
//!                           then the rest
//! ```
//!
//! Decoding checks every length and every byte: a damaged body is [`StoreError::Corrupt`],
//! never a panic.

use domain::{Assertion, AssertionId, FieldKey, PersonId, SourceId};
use time::OffsetDateTime;

use crate::codec;
use crate::error::StoreError;

const VERSION: u8 = 1;

fn push_varint(out: &mut Vec<u8>, mut n: usize) {
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn push_text(out: &mut Vec<u8>, text: &str) {
    push_varint(out, text.len());
    out.extend_from_slice(text.as_bytes());
}

fn shared_prefix(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

/// Writes one pack: [`PackWriter::start`], one [`PackWriter::push`] per assertion, then
/// [`PackWriter::body`]. The buffers are kept from person to person.
#[derive(Default)]
pub(crate) struct PackWriter {
    out: Vec<u8>,
    previous_id: [u8; 16],
    previous_locator: String,
}

/// A value's JSON (as in `assertions.value`) or an absence code (as in `assertions.absence`).
pub(crate) enum Packed<'a> {
    Value(&'a str),
    Absence(&'a str),
}

impl PackWriter {
    /// Starts a pack of `count` assertions.
    pub(crate) fn start(&mut self, count: usize) {
        self.out.clear();
        self.out.push(VERSION);
        push_varint(&mut self.out, count);
        self.previous_id = [0; 16];
        self.previous_locator.clear();
    }

    pub(crate) fn push(&mut self, id: AssertionId, field: &str, value: Packed<'_>, locator: &str) {
        let out = &mut self.out;
        let id = id.as_uuid().as_bytes();
        let shared = shared_prefix(id, &self.previous_id);
        // At most 16: one byte.
        out.push(shared as u8);
        out.extend_from_slice(&id[shared..]);
        self.previous_id = *id;
        push_text(out, field);
        match value {
            Packed::Value(json) => {
                out.push(0);
                push_text(out, json);
            }
            Packed::Absence(code) => {
                out.push(1);
                push_text(out, code);
            }
        }
        let mut shared = shared_prefix(locator.as_bytes(), self.previous_locator.as_bytes());
        while !locator.is_char_boundary(shared) {
            shared -= 1;
        }
        push_varint(out, shared);
        push_text(out, &locator[shared..]);
        self.previous_locator.clear();
        self.previous_locator.push_str(locator);
    }

    /// The finished pack.
    pub(crate) fn body(&self) -> &[u8] {
        &self.out
    }
}

/// Reads a body's bytes, naming what is wrong.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(format!("assertion pack: {what}"))
}

impl<'a> Reader<'a> {
    fn byte(&mut self) -> Result<u8, StoreError> {
        let byte = *self
            .bytes
            .get(self.at)
            .ok_or_else(|| corrupt("cut short"))?;
        self.at += 1;
        Ok(byte)
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], StoreError> {
        let end = self
            .at
            .checked_add(n)
            .filter(|end| *end <= self.bytes.len())
            .ok_or_else(|| corrupt("cut short"))?;
        let slice = &self.bytes[self.at..end];
        self.at = end;
        Ok(slice)
    }

    fn varint(&mut self) -> Result<usize, StoreError> {
        let mut n: usize = 0;
        for shift in (0..35).step_by(7) {
            let byte = self.byte()?;
            n |= usize::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(n);
            }
        }
        Err(corrupt("a length is too long"))
    }

    fn text(&mut self) -> Result<&'a str, StoreError> {
        let n = self.varint()?;
        std::str::from_utf8(self.take(n)?).map_err(|_| corrupt("text is not UTF-8"))
    }
}

/// The assertions of one pack, with the provenance its row holds. With `only`, the others are
/// skipped without decoding their values (a person list needs only names).
///
/// # Errors
/// [`StoreError::Corrupt`] for a damaged body.
pub(crate) fn decode(
    body: &[u8],
    person: PersonId,
    source: SourceId,
    recorded_at: OffsetDateTime,
    only: Option<FieldKey>,
) -> Result<Vec<Assertion>, StoreError> {
    let mut reader = Reader { bytes: body, at: 0 };
    if reader.byte()? != VERSION {
        return Err(corrupt("unknown version"));
    }
    let count = reader.varint()?;
    // Each assertion takes at least six bytes: a count beyond that is damage, not a reason to
    // reserve memory.
    if count > body.len() / 6 {
        return Err(corrupt("more assertions than bytes"));
    }
    let mut out = Vec::with_capacity(if only.is_some() { 1 } else { count });
    let mut id = [0u8; 16];
    let mut locator = String::new();
    for _ in 0..count {
        let shared = usize::from(reader.byte()?);
        if shared > 16 {
            return Err(corrupt("an id shares more than 16 bytes"));
        }
        id[shared..].copy_from_slice(reader.take(16 - shared)?);
        let field: FieldKey = reader.text()?.parse().map_err(StoreError::Corrupt)?;
        let tag = reader.byte()?;
        let text = reader.text()?;
        let shared = reader.varint()?;
        let rest = reader.text()?;
        if shared > locator.len() || !locator.is_char_boundary(shared) {
            return Err(corrupt("a locator shares more than the previous one holds"));
        }
        locator.truncate(shared);
        locator.push_str(rest);
        if only.is_some_and(|only| only != field) {
            continue;
        }
        let value = match tag {
            0 => codec::decode(Some(text), None)?,
            1 => codec::decode(None, Some(text))?,
            _ => return Err(corrupt("neither a value nor an absence")),
        };
        out.push(Assertion {
            id: AssertionId::from_uuid(uuid::Uuid::from_bytes(id)),
            person,
            field,
            value,
            source,
            locator: locator.clone(),
            recorded_at,
            supersedes: None,
        });
    }
    if reader.at != body.len() {
        return Err(corrupt("bytes after the last assertion"));
    }
    Ok(out)
}

/// Whether the pack holds assertion `wanted`, and its field: what a correction that supersedes
/// it needs to know.
///
/// # Errors
/// [`StoreError::Corrupt`] for a damaged body.
pub(crate) fn field_of(body: &[u8], wanted: AssertionId) -> Result<Option<FieldKey>, StoreError> {
    let nil = PersonId::from_uuid(uuid::Uuid::nil());
    let source = SourceId::from_uuid(uuid::Uuid::nil());
    Ok(decode(body, nil, source, OffsetDateTime::UNIX_EPOCH, None)?
        .into_iter()
        .find(|a| a.id == wanted)
        .map(|a| a.field))
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::{AbsenceReason, AssertedValue, Presence, Sex};

    fn sample() -> Vec<(AssertionId, FieldKey, Presence<AssertedValue>, String)> {
        vec![
            (
                AssertionId::new(),
                FieldKey::Sex,
                Presence::Present(AssertedValue::Sex(Sex::Female)),
                "line 2, column sex".into(),
            ),
            (
                AssertionId::new(),
                FieldKey::Nationality,
                Presence::Absent(AbsenceReason::DeclinedByPerson),
                "line 2, column nationality".into(),
            ),
            (
                AssertionId::new(),
                FieldKey::Unit,
                Presence::Present(AssertedValue::Text("в/ч 17959 \"Північ\"\n".into())),
                // Shares "line 2, column " and a Cyrillic prefix cut inside a character.
                "line 2, column підрозділ".into(),
            ),
            (
                AssertionId::new(),
                FieldKey::Rank,
                Presence::Present(AssertedValue::Text("рядовий".into())),
                "line 2, column підпис".into(),
            ),
        ]
    }

    fn encode(rows: &[(AssertionId, FieldKey, Presence<AssertedValue>, String)]) -> Vec<u8> {
        let mut writer = PackWriter::default();
        // Twice: a writer reused from an earlier person leaves nothing behind.
        for _ in 0..2 {
            writer.start(rows.len());
            for (id, field, value, locator) in rows {
                let (json, absence) = codec::encode(value);
                let packed = match (&json, absence) {
                    (Some(json), _) => Packed::Value(json),
                    (None, absence) => Packed::Absence(absence.unwrap_or_default()),
                };
                writer.push(*id, field.code(), packed, locator);
            }
        }
        writer.body().to_vec()
    }

    #[test]
    fn a_pack_decodes_to_the_same_assertions_with_their_provenance() {
        let rows = sample();
        let body = encode(&rows);
        let person = PersonId::new();
        let source = SourceId::new();
        let at = OffsetDateTime::now_utc();
        let back = decode(&body, person, source, at, None).unwrap();
        assert_eq!(back.len(), rows.len());
        for (assertion, (id, field, value, locator)) in back.iter().zip(&rows) {
            assert_eq!(assertion.id, *id);
            assert_eq!(assertion.person, person);
            assert_eq!(assertion.field, *field);
            assert_eq!(&assertion.value, value);
            assert_eq!(assertion.source, source);
            assert_eq!(&assertion.locator, locator);
            assert_eq!(assertion.recorded_at, at);
            assert_eq!(assertion.supersedes, None);
        }
        let ranks = decode(&body, person, source, at, Some(FieldKey::Rank)).unwrap();
        assert_eq!(ranks.len(), 1);
        assert_eq!(ranks[0].locator, "line 2, column підпис");
        assert_eq!(
            field_of(&body, rows[1].0).unwrap(),
            Some(FieldKey::Nationality)
        );
        assert_eq!(field_of(&body, AssertionId::new()).unwrap(), None);
    }

    #[test]
    fn a_pack_is_smaller_than_its_rows() {
        let rows = sample();
        let body = encode(&rows);
        let row_bytes: usize = rows
            .iter()
            .map(|(_, field, value, locator)| {
                let (v, a) = codec::encode(value);
                // id, tenant, person, source; field, value or absence, locator, time.
                64 + field.code().len()
                    + v.map_or(0, |v| v.len())
                    + a.map_or(0, str::len)
                    + locator.len()
                    + 30
            })
            .sum();
        assert!(body.len() * 2 < row_bytes, "{} vs {row_bytes}", body.len());
    }

    #[test]
    fn an_empty_pack_decodes_to_nothing() {
        let body = encode(&[]);
        let back = decode(
            &body,
            PersonId::new(),
            SourceId::new(),
            OffsetDateTime::UNIX_EPOCH,
            None,
        )
        .unwrap();
        assert!(back.is_empty());
    }

    #[test]
    fn every_damaged_body_is_an_error_never_a_panic() {
        let body = encode(&sample());
        let decode_all = |bytes: &[u8]| {
            decode(
                bytes,
                PersonId::new(),
                SourceId::new(),
                OffsetDateTime::UNIX_EPOCH,
                None,
            )
        };
        // Every truncation, and every single byte set to each of a few values.
        for cut in 0..body.len() {
            assert!(decode_all(&body[..cut]).is_err(), "cut at {cut}");
        }
        for at in 0..body.len() {
            for byte in [0x00, 0x01, 0x10, 0x11, 0x7f, 0x80, 0xc3, 0xff] {
                let mut damaged = body.clone();
                damaged[at] = byte;
                let _ = decode_all(&damaged);
            }
        }
        let mut longer = body.clone();
        longer.push(0);
        assert!(decode_all(&longer).is_err());
        assert!(decode_all(&[2, 0]).is_err());
        assert!(decode_all(&[1, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]).is_err());
    }
}
