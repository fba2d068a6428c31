//! The receiver's ledger logic: per sender → recipient channel, which sequence numbers have
//! been accepted with which content hash. The store keeps the rows; this decides.
//!
//! - The same envelope again (same sequence, same hash) is a [`Admission::Duplicate`]: it has
//!   no further effect, and the receiver answers with the same acknowledgement.
//! - A known sequence number with a different hash is a [`Admission::SequenceReused`]: a
//!   replay or a forgery by someone holding the keys, refused.
//! - A sequence number beyond the next expected one is accepted, and the numbers skipped are
//!   reported as missing until they arrive (a lost or reordered bundle).

use std::collections::{BTreeMap, HashMap};

use crate::envelope::{Channel, Header};

/// One direction of one channel.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ChannelKey {
    pub sender: String,
    pub recipient: String,
    pub channel: Channel,
}

impl ChannelKey {
    #[must_use]
    pub fn of(header: &Header) -> Self {
        Self {
            sender: header.sender.clone(),
            recipient: header.recipient.clone(),
            channel: header.channel,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Admission {
    /// Apply it. `missing` lists the earlier sequence numbers not yet received.
    New { missing: Vec<u64> },
    /// Already applied: do nothing.
    Duplicate,
    /// The number was used before for other contents: refuse.
    SequenceReused {
        sequence: u64,
        accepted_hash: String,
    },
    /// Sequence numbers start at 1.
    ZeroSequence,
}

#[derive(Clone, Debug, Default)]
pub struct Ledger {
    accepted: HashMap<ChannelKey, BTreeMap<u64, String>>,
}

impl Ledger {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Loads an accepted envelope, e.g. from the store.
    pub fn record(&mut self, key: ChannelKey, sequence: u64, hash: String) {
        self.accepted.entry(key).or_default().insert(sequence, hash);
    }

    /// Decides what to do with an envelope whose signatures have been checked, and records it
    /// when it is new.
    pub fn admit(&mut self, header: &Header, hash: &str) -> Admission {
        if header.sequence == 0 {
            return Admission::ZeroSequence;
        }
        let key = ChannelKey::of(header);
        let seen = self.accepted.entry(key.clone()).or_default();
        if let Some(accepted) = seen.get(&header.sequence) {
            return if accepted == hash {
                Admission::Duplicate
            } else {
                Admission::SequenceReused {
                    sequence: header.sequence,
                    accepted_hash: accepted.clone(),
                }
            };
        }
        seen.insert(header.sequence, hash.to_owned());
        Admission::New {
            missing: self.missing(&key),
        }
    }

    /// The sequence numbers below the highest accepted one that have not arrived.
    #[must_use]
    pub fn missing(&self, key: &ChannelKey) -> Vec<u64> {
        let Some(seen) = self.accepted.get(key) else {
            return Vec::new();
        };
        let Some(&highest) = seen.keys().next_back() else {
            return Vec::new();
        };
        (1..highest).filter(|n| !seen.contains_key(n)).collect()
    }

    /// The next sequence number a sender should use on a channel, from its own record of what
    /// it sent: one more than the highest.
    #[must_use]
    pub fn next_sequence(sent: impl IntoIterator<Item = u64>) -> u64 {
        sent.into_iter().max().unwrap_or(0) + 1
    }
}
