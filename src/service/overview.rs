//! The worklist's overview: what awaits a payment request, per currency, how much of it
//! expires within a week, amounts by weeks left, and (for the global roles) per company.

use std::collections::BTreeMap;

use chrono::Duration;

use crate::domain::policy::{self, Actor};
use crate::domain::{CompanyId, Currency, Principal, READY_TO_SHIP_LIFETIME_DAYS};
use crate::error::AppError;
use crate::state::AppState;
use crate::store::overview::WEEK_BUCKETS;

use super::permitted;

/// At most this many company lines; the rest are counted in `more_companies`.
pub const COMPANY_LINES: usize = 20;

/// The awaiting checkouts of one currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrencyOverview {
    pub currency: Currency,
    pub count: i64,
    pub sum_minor: i64,
    /// How many expire within 7 days (expired ones not yet re-read included).
    pub expiring_soon: i64,
    pub expiring_soon_minor: i64,
    /// Sum of amounts by weeks left: `[0]` expires within 7 days, `[1]` in 7–13 days, …,
    /// the last one later than that.
    pub by_week_minor: [i64; WEEK_BUCKETS],
}

/// One company's awaiting checkouts in one currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompanyLine {
    pub company: CompanyId,
    pub name: String,
    pub currency: Currency,
    pub count: i64,
    pub sum_minor: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Overview {
    /// Ordered by currency code.
    pub currencies: Vec<CurrencyOverview>,
    /// Global roles only (empty otherwise): the largest amounts first, at most
    /// `COMPANY_LINES`.
    pub companies: Vec<CompanyLine>,
    /// Company lines left out of `companies`.
    pub more_companies: usize,
}

impl Overview {
    pub fn expiring_soon(&self) -> i64 {
        self.currencies.iter().map(|c| c.expiring_soon).sum()
    }
}

/// Whose awaiting checkouts the principal's overview adds up: their own company's, or
/// every company's (`None`) for the global roles; refused without a viewing role.
pub(super) fn scope(principal: &Principal) -> Result<Option<CompanyId>, AppError> {
    let actor = Actor::from(principal);
    permitted(policy::may_view_checkouts(actor))?;
    if policy::is_global(actor) {
        Ok(None)
    } else {
        Ok(Some(principal.company.ok_or(AppError::Forbidden)?))
    }
}

/// The overview of every awaiting checkout the principal may see: their own company's,
/// or every company's for superadmins and auditors.
pub async fn overview(state: &AppState, principal: &Principal) -> Result<Overview, AppError> {
    let company = scope(principal)?;
    let global = company.is_none();
    // A checkout expires LIFETIME days after it became ReadyToShip, so "expires before
    // now + 7(k+1) days" is "became ReadyToShip before now + 7(k+1) days - LIFETIME".
    let now = state.clock.now();
    let bounds: [_; WEEK_BUCKETS - 1] = std::array::from_fn(|k| {
        let weeks = i64::try_from(k).unwrap_or(0) + 1;
        now + Duration::days(7 * weeks - READY_TO_SHIP_LIFETIME_DAYS)
    });
    let rows = state.store.awaiting_overview(company, bounds).await?;

    let mut per_currency: BTreeMap<&'static str, CurrencyOverview> = BTreeMap::new();
    let mut per_company: BTreeMap<(CompanyId, &'static str), CompanyLine> = BTreeMap::new();
    for &(company, currency, bucket, n, sum) in &rows {
        let c = per_currency
            .entry(currency.code())
            .or_insert_with(|| CurrencyOverview {
                currency,
                count: 0,
                sum_minor: 0,
                expiring_soon: 0,
                expiring_soon_minor: 0,
                by_week_minor: [0; WEEK_BUCKETS],
            });
        c.count += n;
        c.sum_minor += sum;
        let week = usize::try_from(bucket).unwrap_or(0).min(WEEK_BUCKETS - 1);
        c.by_week_minor[week] += sum;
        if week == 0 {
            c.expiring_soon += n;
            c.expiring_soon_minor += sum;
        }
        if global {
            let line = per_company
                .entry((company, currency.code()))
                .or_insert_with(|| CompanyLine {
                    company,
                    name: String::new(),
                    currency,
                    count: 0,
                    sum_minor: 0,
                });
            line.count += n;
            line.sum_minor += sum;
        }
    }

    let mut companies: Vec<CompanyLine> = per_company.into_values().collect();
    // Amounts of different currencies are not compared: lines are by currency, then the
    // largest amount first.
    companies.sort_by(|a, b| {
        (a.currency.code(), b.sum_minor, b.count, a.company).cmp(&(
            b.currency.code(),
            a.sum_minor,
            a.count,
            b.company,
        ))
    });
    let more_companies = companies.len().saturating_sub(COMPANY_LINES);
    companies.truncate(COMPANY_LINES);
    if !companies.is_empty() {
        let names = state.company_names.get(&state.store).await?;
        for line in &mut companies {
            if let Some((_, n)) = names.iter().find(|(id, _)| *id == line.company) {
                line.name.clone_from(n);
            }
        }
    }
    Ok(Overview {
        currencies: per_currency.into_values().collect(),
        companies,
        more_companies,
    })
}
