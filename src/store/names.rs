//! Company names for the global views' filter and name column, cached briefly: with a
//! thousand companies, reading them all on every worklist page would be most of its cost
//! (product.md §7). Changes made through the services clear the cache at once; another
//! instance's changes show within `TTL`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::RwLock;

use super::{Store, StoreResult};
use crate::domain::CompanyId;

const TTL: Duration = Duration::from_secs(10);

pub type Names = Arc<Vec<(CompanyId, String)>>;

#[derive(Default)]
pub struct CompanyNames(RwLock<Option<(Instant, Names)>>);

impl CompanyNames {
    pub async fn clear(&self) {
        *self.0.write().await = None;
    }

    /// Every company's id and name, sorted by name.
    pub async fn get(&self, store: &Store) -> StoreResult<Names> {
        if let Some((at, names)) = &*self.0.read().await
            && at.elapsed() < TTL
        {
            return Ok(names.clone());
        }
        let names: Names = Arc::new(store.company_names().await?);
        *self.0.write().await = Some((Instant::now(), names.clone()));
        Ok(names)
    }
}
