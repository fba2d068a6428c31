//! Rate limits per client address and per principal (a signed-in user or an API token).
//!
//! The 2022 intruders read more than 515,000 records in bulk (gc-requirements §7.5, SEC-4);
//! a limit does not stop a patient reader, but it turns "the whole registry in an afternoon"
//! into weeks, long enough for the bulk-read alerts and a person to notice.
//!
//! Each key has a token bucket: `burst` requests at once, refilled at `per_minute`. The address
//! limit is a middleware in front of every route (so unauthenticated floods are counted too);
//! the principal limit is checked by the authorization extractors, once the caller is known, so
//! a user cannot multiply their budget by spreading over addresses, nor one user behind a shared
//! proxy address exhaust their colleagues' (the address limit is set higher for that reason).
//! Memory is bounded: at most [`MAX_KEYS`] buckets per limiter; past that, full (idle) buckets are
//! dropped first, and if every bucket is in use the request is refused rather than the map grown.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::AppError;
use crate::state::AppState;

/// The most buckets one limiter keeps.
pub(crate) const MAX_KEYS: usize = 100_000;

/// One limit: a sustained rate and a burst. `per_minute == 0` turns the limit off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    pub per_minute: u32,
    pub burst: u32,
}

impl Limit {
    /// No limit (for load tests and fuzzing on loopback; never in production).
    pub const OFF: Self = Self {
        per_minute: 0,
        burst: 0,
    };

    /// `per_minute` sustained, with a burst of a quarter minute's worth (at least 10).
    #[must_use]
    pub fn per_minute(per_minute: u32) -> Self {
        Self {
            per_minute,
            burst: (per_minute / 4).max(10),
        }
    }

    fn is_off(self) -> bool {
        self.per_minute == 0
    }
}

/// The server's limits. The defaults let a person work at any pace a person can, and a script
/// read about 36,000 records an hour, not millions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimits {
    /// Every request from one client address (IPv6: its /64), signed in or not.
    pub per_address: Limit,
    /// Every request of one signed-in user or one API token.
    pub per_principal: Limit,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            per_address: Limit::per_minute(1200),
            per_principal: Limit::per_minute(600),
        }
    }
}

impl RateLimits {
    pub const OFF: Self = Self {
        per_address: Limit::OFF,
        per_principal: Limit::OFF,
    };
}

struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Token buckets for one kind of key.
pub(crate) struct Limiter<K> {
    limit: Limit,
    buckets: Mutex<HashMap<K, Bucket>>,
}

impl<K: std::hash::Hash + Eq + Clone> Limiter<K> {
    pub fn new(limit: Limit) -> Self {
        Self {
            limit,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one request from `key`'s bucket, or says how long to wait.
    pub fn check(&self, key: &K) -> Result<(), Duration> {
        self.check_at(key, Instant::now())
    }

    fn check_at(&self, key: &K, now: Instant) -> Result<(), Duration> {
        if self.limit.is_off() {
            return Ok(());
        }
        let burst = f64::from(self.limit.burst.max(1));
        let rate = f64::from(self.limit.per_minute) / 60.0;
        // A poisoned lock only means another request panicked mid-update; the counts are
        // still numbers, so carry on with them.
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if !buckets.contains_key(key) && buckets.len() >= MAX_KEYS {
            buckets.retain(|_, b| {
                b.tokens + now.saturating_duration_since(b.at).as_secs_f64() * rate < burst
            });
            if buckets.len() >= MAX_KEYS {
                return Err(Duration::from_secs(1));
            }
        }
        let bucket = buckets.entry(key.clone()).or_insert(Bucket {
            tokens: burst,
            at: now,
        });
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * rate).min(burst);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - bucket.tokens) / rate))
        }
    }
}

/// What the principal limit is keyed on.
#[derive(Clone, Debug, Hash, PartialEq, Eq)]
pub(crate) enum PrincipalKey {
    User(domain::UserId),
    Token(uuid::Uuid),
}

/// Both limiters, shared by every request of one server.
#[derive(Clone)]
pub(crate) struct Limiters {
    pub addresses: Arc<Limiter<IpAddr>>,
    pub principals: Arc<Limiter<PrincipalKey>>,
}

impl Limiters {
    pub fn new(limits: RateLimits) -> Self {
        Self {
            addresses: Arc::new(Limiter::new(limits.per_address)),
            principals: Arc::new(Limiter::new(limits.per_principal)),
        }
    }

    /// For the authorization extractors: one request of this principal.
    pub fn principal(&self, key: &PrincipalKey) -> Result<(), AppError> {
        self.principals.check(key).map_err(|wait| {
            tracing::warn!(limit = "principal", "rate limited");
            AppError::RateLimited(retry_after_secs(wait))
        })
    }
}

fn retry_after_secs(wait: Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
}

/// The address a limit counts: IPv4 as is, IPv6 by its /64 (one host usually holds a whole
/// /64, so counting single addresses would give it 2^64 budgets).
fn address_key(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V4(_) => addr,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let mut segments = v6.segments();
                segments[4..].fill(0);
                IpAddr::V6(segments.into())
            }
        },
    }
}

/// Middleware: the per-address limit, before anything else is done for the request. A request
/// without connection info (an in-process call) is not counted here.
pub(crate) async fn per_address(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let addr = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| address_key(addr.ip()));
    if let Some(addr) = addr
        && let Err(wait) = state.limiters.addresses.check(&addr)
    {
        tracing::warn!(limit = "address", "rate limited");
        let seconds = retry_after_secs(wait);
        if request.uri().path().starts_with("/api/") {
            return api_refusal(seconds);
        }
        return AppError::RateLimited(seconds).into_response();
    }
    next.run(request).await
}

/// The API's shape of the refusal (the per-route JSON middleware is not reached from here).
fn api_refusal(seconds: u64) -> Response {
    let body = serde_json::json!({"error": {
        "code": "rate_limited",
        "message": AppError::RateLimited(seconds).to_string(),
    }});
    let mut response = (
        StatusCode::TOO_MANY_REQUESTS,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_allows_its_burst_then_refills_at_the_rate() {
        let limiter = Limiter::new(Limit {
            per_minute: 60,
            burst: 3,
        });
        let start = Instant::now();
        for _ in 0..3 {
            assert!(limiter.check_at(&1, start).is_ok());
        }
        let wait = limiter.check_at(&1, start).unwrap_err();
        assert!(wait <= Duration::from_secs(1), "{wait:?}");
        // Another key has its own bucket.
        assert!(limiter.check_at(&2, start).is_ok());
        // One second later, one more request (60 a minute).
        assert!(
            limiter
                .check_at(&1, start + Duration::from_millis(1001))
                .is_ok()
        );
        assert!(
            limiter
                .check_at(&1, start + Duration::from_millis(1002))
                .is_err()
        );
    }

    #[test]
    fn off_never_refuses() {
        let limiter = Limiter::new(Limit::OFF);
        let now = Instant::now();
        assert!((0..10_000).all(|_| limiter.check_at(&0, now).is_ok()));
    }

    #[test]
    fn ipv6_is_counted_by_its_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::2".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(address_key(a), address_key(b));
        assert_ne!(address_key(a), address_key(c));
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        assert_eq!(address_key(mapped), "192.0.2.7".parse::<IpAddr>().unwrap());
    }

    #[test]
    fn the_map_stays_bounded() {
        let limiter = Limiter::new(Limit {
            per_minute: 60,
            burst: 1,
        });
        let now = Instant::now();
        for key in 0..MAX_KEYS {
            assert!(limiter.check_at(&key, now).is_ok());
        }
        // Every bucket is in use (empty): a new key is refused, the map does not grow.
        assert!(limiter.check_at(&MAX_KEYS, now).is_err());
        // A second later they have refilled; idle buckets are dropped for the newcomer.
        assert!(
            limiter
                .check_at(&(MAX_KEYS + 1), now + Duration::from_secs(2))
                .is_ok()
        );
        assert!(limiter.buckets.lock().unwrap().len() < 10);
    }
}
