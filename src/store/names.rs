//! What the global views read of every company — names for the filter and name column,
//! time zones for showing times — cached briefly: with a thousand companies, reading them
//! all on every page would be most of its cost (product.md §7). Changes made through the
//! services clear the cache at once; another instance's changes show within `TTL`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::RwLock;

use super::{Store, StoreResult};
use crate::domain::{CompanyId, Zones};

const TTL: Duration = Duration::from_secs(10);

pub type Names = Arc<Vec<(CompanyId, String)>>;

/// One cached read of every company, kept for `TTL`.
pub struct Cached<T>(RwLock<Option<(Instant, Arc<T>)>>);

impl<T> Default for Cached<T> {
    fn default() -> Self {
        Self(RwLock::new(None))
    }
}

impl<T> Cached<T> {
    pub async fn clear(&self) {
        *self.0.write().await = None;
    }

    async fn get_or<F: Future<Output = StoreResult<T>>>(&self, load: F) -> StoreResult<Arc<T>> {
        if let Some((at, v)) = &*self.0.read().await
            && at.elapsed() < TTL
        {
            return Ok(v.clone());
        }
        let v = Arc::new(load.await?);
        *self.0.write().await = Some((Instant::now(), v.clone()));
        Ok(v)
    }
}

pub type CompanyNames = Cached<Vec<(CompanyId, String)>>;
pub type CompanyZones = Cached<Zones>;

impl CompanyNames {
    /// Every company's id and name, sorted by name.
    pub async fn get(&self, store: &Store) -> StoreResult<Names> {
        self.get_or(store.company_names()).await
    }
}

impl CompanyZones {
    /// Every company's time zone.
    pub async fn get(&self, store: &Store) -> StoreResult<Arc<Zones>> {
        self.get_or(store.company_time_zones()).await
    }
}
