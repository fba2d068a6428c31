//! Pull (issue 5: "the server pushes and pulls on its own"): each round, for every peer set
//! with `--pull`, the sender loop asks the peer's outbox (`POST <url>/api/v1/transmissions/
//! outbox`) for what waits for this tenant, one envelope at a time, with a request signed by
//! this tenant's key ([`transmit::SignedPullRequest`]). Each bundle fetched goes through the same
//! receiving path as a push or a file ([`super::receive_from`], spooled to a temporary file
//! first, so its size does not matter), and its signed receipt travels back with the next
//! request. A peer that cannot be reached is retried with the push's backoff; nothing is lost
//! either side: the holder keeps an envelope until a receipt for it arrives, and an envelope
//! fetched twice is a duplicate.

use std::time::Duration;

use store::{Store, TenantScope};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::push::{Endpoint, PushError, Sink, exchange};
use super::{OwnKeys, TransmissionResult, keys_error, now_text, receive_from};

/// The answer's header that says how many envelopes wait, the one in the answer included.
pub const PENDING_HEADER: &str = "x-whereabouts-pending";
/// Where a holder's outbox answers.
pub const OUTBOX_PATH: &str = "/api/v1/transmissions/outbox";
/// The largest bundle fetched (as the receive endpoint accepts).
pub const FETCH_LIMIT: usize = 256 * 1024 * 1024;
/// Envelopes fetched from one peer in one round at most; the rest wait for the next round.
pub const PER_ROUND: usize = 100;

/// Checks a pull request's date against `now` (within [`transmit::pull::PULL_WINDOW_SECONDS`]).
///
/// # Errors
/// A date that is not RFC 3339, or too far from `now`, named in words.
pub fn check_date(at: &str, now: OffsetDateTime) -> Result<(), String> {
    let at = OffsetDateTime::parse(at, &Rfc3339)
        .map_err(|e| format!("the request's date {at:?} is not RFC 3339: {e}"))?;
    let skew = (now - at).whole_seconds().abs();
    if skew > transmit::pull::PULL_WINDOW_SECONDS {
        return Err(format!(
            "the request is dated {skew} s from this server's clock (at most {} s): check both \
             clocks",
            transmit::pull::PULL_WINDOW_SECONDS
        ));
    }
    Ok(())
}

/// What one pull from one peer did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PullReport {
    /// Envelopes fetched and applied (or answered as duplicates).
    pub fetched: usize,
    /// Envelopes fetched and rejected (each with its signed receipt back to the holder).
    pub rejected: usize,
    /// Set when the peer could not be reached or refused the request.
    pub failure: Option<String>,
}

/// Fetches what `peer` holds for this tenant, one envelope at a time, applying each and
/// returning its receipt with the next request, until the peer says nothing waits (or after
/// [`PER_ROUND`] envelopes).
///
/// # Errors
/// This tenant's own failures (keys, database); a peer that is down or refuses is a
/// `failure` in the report.
pub async fn pull_pending(
    store: &Store,
    tenant: &domain::Tenant,
    scope: &TenantScope,
    peer: &str,
    endpoint: &Endpoint,
    timeout: Duration,
) -> TransmissionResult<PullReport> {
    let own = OwnKeys::load(store, scope).await?;
    let seal = own.current(None)?;
    let mut report = PullReport::default();
    let mut receipts: Vec<String> = Vec::new();
    loop {
        let request = transmit::PullRequest {
            format: transmit::FORMAT_VERSION,
            requester: tenant.slug.clone(),
            holder: peer.to_owned(),
            at: now_text(),
            receipts: std::mem::take(&mut receipts),
        };
        let signed = transmit::SignedPullRequest::sign(&request, &seal).map_err(keys_error)?;
        let file = tempfile::tempfile().map_err(keys_error)?;
        let mut sink = Sink::File(file);
        let answer = exchange(
            endpoint,
            OUTBOX_PATH,
            "application/json",
            signed.to_bytes(),
            timeout,
            &mut sink,
            FETCH_LIMIT,
        )
        .await;
        let status = match answer {
            Ok((status, _)) => status,
            Err(error) => {
                report.failure = Some(error.to_string());
                break;
            }
        };
        let Sink::File(mut file) = sink else {
            break;
        };
        match status {
            204 => break,
            200 => {}
            other => {
                use std::io::{Read as _, Seek as _};
                let mut text = String::new();
                let _ = file.seek(std::io::SeekFrom::Start(0));
                let _ = file.take(4096).read_to_string(&mut text);
                report.failure = Some(
                    PushError::Refused {
                        status: other,
                        answer: text.trim().to_owned(),
                    }
                    .to_string(),
                );
                break;
            }
        }
        if report.fetched + report.rejected >= PER_ROUND {
            // The receipts went with this request; this envelope and the rest wait for the
            // next round.
            break;
        }
        {
            use std::io::Seek as _;
            file.seek(std::io::SeekFrom::Start(0)).map_err(keys_error)?;
        }
        let received = receive_from(store, tenant, scope, file).await?;
        if received.outcome.rejection_code().is_some() {
            report.rejected += 1;
        } else {
            report.fetched += 1;
        }
        receipts.push(String::from_utf8(received.receipt.to_bytes()).map_err(keys_error)?);
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_checked_against_the_clock() {
        let now = OffsetDateTime::parse("2026-11-01T12:00:00Z", &Rfc3339).unwrap();
        assert!(check_date("2026-11-01T12:04:00Z", now).is_ok());
        assert!(check_date("2026-11-01T11:56:00+00:00", now).is_ok());
        let error = check_date("2026-11-01T11:50:00Z", now).unwrap_err();
        assert!(error.contains("600 s"), "{error}");
        let error = check_date("yesterday", now).unwrap_err();
        assert!(error.contains("not RFC 3339"), "{error}");
    }
}
