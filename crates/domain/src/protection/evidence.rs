//! Evidence under a chain of custody (ICRC-VIS-f, §9.7; the Berkeley Protocol's authenticity,
//! identity and persistence, with separate evidentiary and working copies).
//!
//! A file is kept with its SHA-256 and capture time. A link that could not be saved is kept as
//! such: Whereabouts never fetches anything itself; capture is an upload of what a delegate
//! saved. Each item's custody entries form a hash chain (each entry's hash covers the previous
//! one), so an entry changed, removed or reordered after the fact breaks the chain.

use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::vocabulary;
use crate::ids::EvidenceId;

vocabulary!(
    /// §9.7 Evidence.kind, plus posts saved from social media.
    EvidenceKind {
        MedicalObservation => "medical-observation",
        Photo => "photo",
        Document => "document",
        WitnessStatement => "witness-statement",
        ForensicReport => "forensic-report",
        OfficialRecord => "official-record",
        SocialMediaPost => "social-media-post",
    }
);

vocabulary!(
    /// Berkeley Protocol: the original is never altered; work happens on copies.
    CopyRole {
        Evidentiary => "evidentiary",
        Working => "working",
    }
);

vocabulary!(
    CustodyAction {
        /// Saved by the delegate (the capture time is the item's).
        Captured => "captured",
        /// Received into the unit's store.
        Received => "received",
        Transferred => "transferred",
        /// A working copy was made from this item.
        Copied => "copied",
        Verified => "verified",
        Viewed => "viewed",
    }
);

/// One item: a file (hash and size) or a link that could not be saved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EvidenceItem {
    pub id: EvidenceId,
    pub kind: EvidenceKind,
    pub role: CopyRole,
    /// A working copy names its evidentiary original.
    pub derived_from: Option<EvidenceId>,
    pub title: String,
    /// Where it was found (a post's address), as the delegate gave it.
    pub source_url: Option<String>,
    /// When the delegate saved it.
    pub captured_at: OffsetDateTime,
    /// SHA-256 of the file, hex; `None` for a link that could not be saved.
    pub sha256: Option<String>,
    pub size: Option<u64>,
    pub media_type: Option<String>,
    /// Why the link could not be saved ("deleted", "login wall", …).
    pub unavailable: Option<String>,
}

impl EvidenceItem {
    /// # Errors
    /// A working copy without its original (or an original that names one), neither a file nor
    /// an unavailable link, or a malformed hash.
    pub fn validate(&self) -> Result<(), String> {
        super::text("title", &self.title, 500)?;
        match (self.role, self.derived_from) {
            (CopyRole::Working, None) => {
                return Err("derived from: a working copy names its evidentiary original".into());
            }
            (CopyRole::Evidentiary, Some(_)) => {
                return Err("derived from: an evidentiary copy is an original".into());
            }
            _ => {}
        }
        match (&self.sha256, &self.unavailable) {
            (Some(hash), None) => {
                if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err("sha256: 64 hexadecimal digits".into());
                }
            }
            (None, Some(reason)) => {
                super::text("unavailable", reason, 500)?;
                if self.source_url.is_none() {
                    return Err("source url: an unavailable link names its address".into());
                }
            }
            (Some(_), Some(_)) => {
                return Err("an item is either a saved file or an unavailable link".into());
            }
            (None, None) => return Err("an item is a saved file or an unavailable link".into()),
        }
        if let Some(url) = &self.source_url {
            super::text("source url", url, 2000)?;
        }
        Ok(())
    }
}

/// One entry of an item's chain of custody.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustodyEntry {
    pub evidence: EvidenceId,
    /// 1, 2, 3, … per item.
    pub sequence: u32,
    pub at: OffsetDateTime,
    pub by: String,
    pub action: CustodyAction,
    pub note: Option<String>,
    /// Hex SHA-256 of the previous entry's `hash`, or of nothing for the first.
    pub previous: String,
    /// Hex SHA-256 over this entry's fields and `previous`.
    pub hash: String,
}

/// The hash of an entry: SHA-256 over its fields, length-prefixed, and the previous hash.
#[must_use]
pub fn chain_hash(
    evidence: EvidenceId,
    sequence: u32,
    at: OffsetDateTime,
    by: &str,
    action: CustodyAction,
    note: Option<&str>,
    previous: &str,
) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"whereabouts/custody/v1\n");
    let at = at.format(&Rfc3339).unwrap_or_default();
    let sequence = sequence.to_string();
    for part in [
        evidence.to_string().as_str(),
        sequence.as_str(),
        at.as_str(),
        by,
        action.code(),
        note.unwrap_or(""),
        previous,
    ] {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part.as_bytes());
    }
    hex::encode(hasher.finalize())
}

/// The `previous` of the first entry.
#[must_use]
pub fn chain_start() -> String {
    hex::encode(Sha256::digest(b""))
}

/// What is wrong with a chain, naming the entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CustodyFault {
    Empty,
    /// The first entry is not the capture or receipt.
    FirstNotCapture {
        sequence: u32,
    },
    Gap {
        expected: u32,
        found: u32,
    },
    /// An entry dated before its predecessor.
    OutOfOrder {
        sequence: u32,
    },
    /// An entry's hash does not match its fields, or does not follow the previous one.
    HashMismatch {
        sequence: u32,
    },
}

impl std::fmt::Display for CustodyFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Empty => f.write_str("no custody entry"),
            Self::FirstNotCapture { sequence } => {
                write!(
                    f,
                    "entry {sequence}: the first entry is not a capture or receipt"
                )
            }
            Self::Gap { expected, found } => {
                write!(f, "entry {found}: expected entry {expected}")
            }
            Self::OutOfOrder { sequence } => {
                write!(f, "entry {sequence}: dated before the entry it follows")
            }
            Self::HashMismatch { sequence } => {
                write!(
                    f,
                    "entry {sequence}: hash does not match its contents or chain"
                )
            }
        }
    }
}

/// Checks an item's chain, given in sequence order. Returns every fault found.
#[must_use]
pub fn verify_chain(evidence: EvidenceId, entries: &[CustodyEntry]) -> Vec<CustodyFault> {
    let Some(first) = entries.first() else {
        return vec![CustodyFault::Empty];
    };
    let mut faults = Vec::new();
    if !matches!(
        first.action,
        CustodyAction::Captured | CustodyAction::Received
    ) {
        faults.push(CustodyFault::FirstNotCapture {
            sequence: first.sequence,
        });
    }
    let mut previous = chain_start();
    let mut previous_at = None;
    for (i, entry) in entries.iter().enumerate() {
        let expected = u32::try_from(i + 1).unwrap_or(u32::MAX);
        if entry.sequence != expected {
            faults.push(CustodyFault::Gap {
                expected,
                found: entry.sequence,
            });
        }
        if previous_at.is_some_and(|at| entry.at < at) {
            faults.push(CustodyFault::OutOfOrder {
                sequence: entry.sequence,
            });
        }
        let recomputed = chain_hash(
            evidence,
            entry.sequence,
            entry.at,
            &entry.by,
            entry.action,
            entry.note.as_deref(),
            &previous,
        );
        if entry.evidence != evidence || entry.previous != previous || entry.hash != recomputed {
            faults.push(CustodyFault::HashMismatch {
                sequence: entry.sequence,
            });
        }
        previous.clone_from(&entry.hash);
        previous_at = Some(entry.at);
    }
    faults
}

/// The next entry of a chain whose last entry is `last`.
#[must_use]
pub fn next_entry(
    evidence: EvidenceId,
    last: Option<&CustodyEntry>,
    at: OffsetDateTime,
    by: &str,
    action: CustodyAction,
    note: Option<&str>,
) -> CustodyEntry {
    // Both backends keep instants to the microsecond: hash what will be read back.
    let at = at
        .replace_nanosecond(at.nanosecond() / 1000 * 1000)
        .unwrap_or(at);
    let sequence = last.map_or(1, |e| e.sequence + 1);
    let previous = last.map_or_else(chain_start, |e| e.hash.clone());
    let hash = chain_hash(evidence, sequence, at, by, action, note, &previous);
    CustodyEntry {
        evidence,
        sequence,
        at,
        by: by.to_owned(),
        action,
        note: note.map(str::to_owned),
        previous,
        hash,
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn a_changed_removed_or_reordered_entry_breaks_the_chain() {
        let id = EvidenceId::new();
        let first = next_entry(
            id,
            None,
            datetime!(2026-02-01 10:00 UTC),
            "delegate",
            CustodyAction::Captured,
            None,
        );
        let second = next_entry(
            id,
            Some(&first),
            datetime!(2026-02-02 10:00 UTC),
            "archivist",
            CustodyAction::Received,
            Some("from the field"),
        );
        let third = next_entry(
            id,
            Some(&second),
            datetime!(2026-02-03 10:00 UTC),
            "analyst",
            CustodyAction::Copied,
            None,
        );
        let chain = vec![first.clone(), second.clone(), third.clone()];
        assert!(verify_chain(id, &chain).is_empty());
        let mut changed = chain.clone();
        changed[1].by = "someone else".into();
        assert_eq!(
            verify_chain(id, &changed),
            vec![CustodyFault::HashMismatch { sequence: 2 }],
            "only the changed entry fails: the next one still follows its stored hash"
        );
        let removed = vec![first, third];
        assert!(verify_chain(id, &removed).contains(&CustodyFault::Gap {
            expected: 2,
            found: 3
        }));
        assert_eq!(verify_chain(id, &[]), vec![CustodyFault::Empty]);
    }

    #[test]
    fn an_item_is_a_file_or_an_unavailable_link() {
        let mut item = EvidenceItem {
            id: EvidenceId::new(),
            kind: EvidenceKind::SocialMediaPost,
            role: CopyRole::Evidentiary,
            derived_from: None,
            title: "post".into(),
            source_url: Some("https://social.example/post/1".into()),
            captured_at: datetime!(2026-02-01 10:00 UTC),
            sha256: None,
            size: None,
            media_type: None,
            unavailable: Some("deleted before it could be saved".into()),
        };
        assert!(item.validate().is_ok());
        item.unavailable = None;
        assert!(item.validate().is_err());
        item.sha256 = Some("ab".repeat(32));
        assert!(item.validate().is_ok());
        item.role = CopyRole::Working;
        assert!(item.validate().unwrap_err().contains("original"));
    }
}
