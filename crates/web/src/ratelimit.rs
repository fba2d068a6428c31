//! A per-client-address request limit: at most `limit` requests in each fixed window of
//! `window`. In memory, per server process; for endpoints that take no session or token (the
//! transmission receive endpoint), where a caller is known only by its address.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Addresses remembered before expired windows are swept out.
const SWEEP_AT: usize = 10_000;

pub(crate) struct RateLimit {
    limit: u32,
    window: Duration,
    seen: Mutex<HashMap<Option<IpAddr>, (Instant, u32)>>,
}

impl RateLimit {
    pub(crate) fn new(limit: u32, window: Duration) -> Self {
        Self {
            limit,
            window,
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// Counts a request from `address`: `Ok(())` when within the limit, otherwise the whole
    /// seconds until the window opens again. An unknown address shares one budget.
    pub(crate) fn check(&self, address: Option<IpAddr>, now: Instant) -> Result<(), u64> {
        let Ok(mut seen) = self.seen.lock() else {
            // A poisoned lock refuses rather than lets everything through.
            return Err(self.window.as_secs().max(1));
        };
        if seen.len() >= SWEEP_AT {
            let window = self.window;
            seen.retain(|_, (start, _)| now.duration_since(*start) < window);
        }
        let entry = seen.entry(address).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        if entry.1 >= self.limit {
            let left = self.window.saturating_sub(now.duration_since(entry.0));
            return Err(left.as_secs().max(1));
        }
        entry.1 += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_address_and_opens_again_after_the_window() {
        let limit = RateLimit::new(2, Duration::from_secs(60));
        let a = Some(IpAddr::from([192, 0, 2, 1]));
        let b = Some(IpAddr::from([192, 0, 2, 2]));
        let t0 = Instant::now();
        assert_eq!(limit.check(a, t0), Ok(()));
        assert_eq!(limit.check(a, t0), Ok(()));
        assert_eq!(limit.check(a, t0 + Duration::from_secs(10)), Err(50));
        assert_eq!(limit.check(b, t0), Ok(()));
        assert_eq!(limit.check(a, t0 + Duration::from_secs(60)), Ok(()));
    }
}
