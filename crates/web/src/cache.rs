//! A per-tenant cache of something computed from the store, built by one request at a time.
//!
//! Under load, many requests find a stale value at the same moment. Without care, each of them
//! would read the whole tenant and compute it again (a thundering herd); here the first one
//! builds it while the others for the same tenant wait and then share its result. Other tenants
//! are not held up. A write through this server marks the tenant changed ([`TenantCache::changed`]),
//! and the next reader rebuilds.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use domain::TenantId;

use crate::error::{AppError, AppResult};

/// A value and the tenant's generation it was built at.
struct Built<T> {
    value: Arc<T>,
    generation: u64,
}

impl<T> Clone for Built<T> {
    fn clone(&self) -> Self {
        Self {
            value: Arc::clone(&self.value),
            generation: self.generation,
        }
    }
}

/// One tenant's value, and the lock its builder holds.
struct Slot<T> {
    value: Mutex<Option<Built<T>>>,
    builder: tokio::sync::Mutex<()>,
}

impl<T> Default for Slot<T> {
    fn default() -> Self {
        Self {
            value: Mutex::new(None),
            builder: tokio::sync::Mutex::new(()),
        }
    }
}

pub(crate) struct TenantCache<T> {
    slots: Mutex<HashMap<TenantId, Arc<Slot<T>>>>,
    generations: Mutex<HashMap<TenantId, u64>>,
}

impl<T> Default for TenantCache<T> {
    fn default() -> Self {
        Self {
            slots: Mutex::new(HashMap::new()),
            generations: Mutex::new(HashMap::new()),
        }
    }
}

impl<T> TenantCache<T> {
    /// A write through this server changed the tenant's data: the next reader rebuilds.
    pub(crate) fn changed(&self, tenant: TenantId) {
        if let Ok(mut generations) = self.generations.lock() {
            *generations.entry(tenant).or_default() += 1;
        }
    }

    /// The tenant's value: the cached one when it is of the current generation and `is_fresh`
    /// says so, otherwise the result of `build`, which then replaces it.
    ///
    /// A value of the current generation that is merely old (`is_fresh` false) is still served
    /// to everyone else while one request rebuilds it, so that only that request waits; after a
    /// change ([`TenantCache::changed`]) or when there is no value yet, every reader waits for
    /// the one build.
    pub(crate) async fn get<F, Fut>(
        &self,
        tenant: TenantId,
        is_fresh: impl Fn(&T) -> bool,
        build: F,
    ) -> AppResult<Arc<T>>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = AppResult<T>>,
    {
        let generation = self
            .generations
            .lock()
            .map(|g| g.get(&tenant).copied().unwrap_or_default())
            .map_err(|_| poisoned())?;
        let slot = {
            let mut slots = self.slots.lock().map_err(|_| poisoned())?;
            Arc::clone(slots.entry(tenant).or_default())
        };
        let current = |slot: &Slot<T>| -> AppResult<Option<Built<T>>> {
            Ok(slot.value.lock().map_err(|_| poisoned())?.clone())
        };
        let cached = current(&slot)?.filter(|built| built.generation == generation);
        let _building = match cached {
            Some(built) if is_fresh(&built.value) => return Ok(built.value),
            // Old but of this generation: serve it unless this request can be the builder.
            Some(built) => match slot.builder.try_lock() {
                Ok(guard) => guard,
                Err(_) => return Ok(built.value),
            },
            None => {
                let guard = slot.builder.lock().await;
                // Another request may have built it while this one waited.
                if let Some(built) = current(&slot)?
                    && built.generation == generation
                    && is_fresh(&built.value)
                {
                    return Ok(built.value);
                }
                guard
            }
        };
        let value = Arc::new(build().await?);
        *slot.value.lock().map_err(|_| poisoned())? = Some(Built {
            value: Arc::clone(&value),
            generation,
        });
        Ok(value)
    }
}

fn poisoned() -> AppError {
    AppError::Internal("tenant cache poisoned".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn concurrent_readers_of_a_stale_value_build_it_once() {
        let cache: Arc<TenantCache<usize>> = Arc::new(TenantCache::default());
        let builds = Arc::new(AtomicUsize::new(0));
        let tenant = TenantId::new();
        let mut tasks = Vec::new();
        for _ in 0..20 {
            let cache = Arc::clone(&cache);
            let builds = Arc::clone(&builds);
            tasks.push(tokio::spawn(async move {
                cache
                    .get(
                        tenant,
                        |_| true,
                        || async {
                            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                            Ok(builds.fetch_add(1, Ordering::SeqCst) + 1)
                        },
                    )
                    .await
                    .unwrap()
            }));
        }
        for task in tasks {
            assert_eq!(*task.await.unwrap(), 1);
        }
        assert_eq!(builds.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_change_or_a_stale_value_is_rebuilt() {
        let cache: TenantCache<u32> = TenantCache::default();
        let tenant = TenantId::new();
        let other = TenantId::new();
        let first = cache
            .get(tenant, |_| true, || async { Ok(1) })
            .await
            .unwrap();
        assert_eq!(*first, 1);
        // Fresh and unchanged: the cached value.
        let again = cache
            .get(tenant, |_| true, || async { Ok(2) })
            .await
            .unwrap();
        assert_eq!(*again, 1);
        // Another tenant's change does not touch this one.
        cache.changed(other);
        let still = cache
            .get(tenant, |_| true, || async { Ok(3) })
            .await
            .unwrap();
        assert_eq!(*still, 1);
        cache.changed(tenant);
        let changed = cache
            .get(tenant, |_| true, || async { Ok(4) })
            .await
            .unwrap();
        assert_eq!(*changed, 4);
        // Stale by the caller's own test (age, count).
        let stale = cache
            .get(tenant, |v| *v != 4, || async { Ok(5) })
            .await
            .unwrap();
        assert_eq!(*stale, 5);
    }
}
