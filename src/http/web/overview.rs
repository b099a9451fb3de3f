//! The worklist's overview as the page shows it: a sentence per currency and a bar chart
//! of amounts by weeks left, drawn here as SVG shapes inline in the page (CSP allows no
//! script and no style attributes; SVG geometry attributes and classes are neither).

use crate::domain::Money;
use crate::service::overview::{CurrencyOverview, Overview};
use crate::store::overview::WEEK_BUCKETS;

use super::i18n::Tr;

/// The chart's drawing box (`viewBox`): bars stand on `BASE`, at most `TALLEST` high.
const WIDTH: i64 = 400;
const SLOT: i64 = WIDTH / WEEK_BUCKETS as i64;
const BAR: i64 = SLOT - 14;
const BASE: i64 = 110;
const TALLEST: i64 = 100;

pub struct Bar {
    pub x: i64,
    pub y: i64,
    pub width: i64,
    pub height: i64,
    /// Centre of the slot, for the tick label.
    pub mid: i64,
    /// "0–6", …, "49+": the days left the bar stands for.
    pub tick: String,
    /// "0–6 days: SEK 1,200.00", the bar's tooltip and part of the text alternative.
    pub value: String,
}

pub struct CurrencyView {
    pub code: &'static str,
    pub awaiting: String,
    pub soon: String,
    pub any_soon: bool,
    pub title: String,
    /// The chart as text, for screen readers (the SVG's description).
    pub summary: String,
    pub bars: Vec<Bar>,
}

pub struct CompanyView {
    pub name: String,
    pub count: i64,
    pub amount: String,
}

pub struct OverviewView {
    pub currencies: Vec<CurrencyView>,
    pub companies: Vec<CompanyView>,
    pub more_companies: i64,
}

pub fn view(o: &Overview, t: Tr) -> OverviewView {
    OverviewView {
        currencies: o.currencies.iter().map(|c| currency(c, t)).collect(),
        companies: o
            .companies
            .iter()
            .map(|l| CompanyView {
                name: l.name.clone(),
                count: l.count,
                amount: t.money(Money::from_minor(l.sum_minor, l.currency)),
            })
            .collect(),
        more_companies: i64::try_from(o.more_companies).unwrap_or(i64::MAX),
    }
}

fn currency(c: &CurrencyOverview, t: Tr) -> CurrencyView {
    let money = |minor| t.money(Money::from_minor(minor, c.currency));
    let tallest = c.by_week_minor.iter().copied().max().unwrap_or(0).max(1);
    let bars: Vec<Bar> = c
        .by_week_minor
        .iter()
        .enumerate()
        .map(|(k, &sum)| {
            let k = k as i64;
            let from = 7 * k;
            let last = k == WEEK_BUCKETS as i64 - 1;
            let (tick, days) = if last {
                (format!("{from}+"), t.overview_days_more(from))
            } else {
                (
                    format!("{from}–{}", from + 6),
                    t.overview_days_range(from, from + 6),
                )
            };
            // Any amount at all shows as a sliver, so a small sum is not read as none.
            let height = if sum > 0 {
                (sum.saturating_mul(TALLEST) / tallest).max(2)
            } else {
                0
            };
            Bar {
                x: k * SLOT + (SLOT - BAR) / 2,
                y: BASE - height,
                width: BAR,
                height,
                mid: k * SLOT + SLOT / 2,
                tick,
                value: format!("{days}: {}", money(sum)),
            }
        })
        .collect();
    CurrencyView {
        code: c.currency.code(),
        awaiting: t.overview_awaiting(c.count, &money(c.sum_minor)),
        soon: t.overview_expiring_soon(c.expiring_soon, &money(c.expiring_soon_minor)),
        any_soon: c.expiring_soon > 0,
        title: t.overview_chart_title(c.currency.code()),
        summary: bars
            .iter()
            .map(|b| b.value.as_str())
            .collect::<Vec<_>>()
            .join("; "),
        bars,
    }
}
