//! `/insights`: lead time, triage, intake, shielding, silos and arrivals over several weeks,
//! as server-drawn SVG charts with the exact figures in tables beside them.

use crate::domain::metrics::{IsoWeek, WeekFigures};
use crate::report::{duration_text, rate_text};
use crate::web::AppState;
use crate::web::error::AppError;
use crate::web::extract::CurrentUser;
use crate::web::view::{Layout, ok};
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 220.0;
const LEFT: f64 = 48.0;
const BOTTOM: f64 = 28.0;
const TOP: f64 = 10.0;

/// Reads one duration out of a week's figures.
type Pick = fn(&WeekFigures) -> Option<i64>;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct InsightsQuery {
    pub weeks: Option<String>,
}

pub struct Label {
    pub at: f64,
    pub text: String,
}

impl Label {
    /// Where an x-axis label sits, as a share of the chart's width: labels are drawn outside
    /// the scaled plot so they keep their size at every width.
    pub fn percent(&self) -> f64 {
        self.at / WIDTH * 100.0
    }
}

pub struct Series {
    pub name: &'static str,
    pub class: &'static str,
    pub points: String,
}

pub struct Segment {
    pub y: f64,
    pub height: f64,
    pub class: &'static str,
    pub title: String,
}

pub struct Bar {
    pub x: f64,
    pub width: f64,
    pub segments: Vec<Segment>,
}

pub struct WeekRow {
    pub week: String,
    pub lead_p50: String,
    pub lead_p90: String,
    pub lead_office_p50: String,
    pub triage_p50: String,
    pub triage_p90: String,
    pub intake: usize,
    pub critical: usize,
    pub important: usize,
    pub can_wait: usize,
    pub none: usize,
    pub shield: String,
    pub reopen: String,
    pub deflected: usize,
    pub deflection: String,
}

pub struct HeatCell {
    pub count: usize,
    pub level: usize,
}

pub struct HeatRow {
    pub name: String,
    pub cells: Vec<HeatCell>,
}

pub struct CategoryLine {
    pub name: String,
    pub resolved: usize,
    pub top: String,
    pub share: String,
    pub bus_factor: String,
    pub entropy: String,
    pub silo: bool,
}

pub struct LoadLine {
    pub name: String,
    pub count: usize,
    pub width: f64,
}

#[derive(Template)]
#[template(path = "insights.html")]
struct InsightsPage {
    layout: Layout,
    weeks: usize,
    choices: Vec<usize>,
    rows: Vec<WeekRow>,
    width: f64,
    height: f64,
    left: f64,
    y_label_percent: f64,
    plot_bottom: f64,
    lines: Vec<Series>,
    line_y: Vec<Label>,
    x_labels: Vec<Label>,
    bars: Vec<Bar>,
    bar_y: Vec<Label>,
    shield_y: Vec<Label>,
    shield_bars: Vec<Bar>,
    categories: Vec<String>,
    coverage: Vec<HeatRow>,
    concentration: Vec<CategoryLine>,
    load: Vec<LoadLine>,
    arrivals: Vec<HeatRow>,
    days: [&'static str; 7],
}

/// Maps a value in `[0, max]` to the plot's y coordinate.
fn y_of(value: f64, max: f64) -> f64 {
    let plot = HEIGHT - BOTTOM - TOP;
    TOP + plot - if max > 0.0 { value / max * plot } else { 0.0 }
}

fn x_of(index: usize, count: usize) -> f64 {
    let plot = WIDTH - LEFT - 10.0;
    LEFT + if count > 1 { index as f64 * plot / (count - 1) as f64 } else { plot / 2.0 }
}

fn ticks(max: f64, unit: &str) -> Vec<Label> {
    (0..=4)
        .map(|i| {
            let value = max * f64::from(i) / 4.0;
            Label { at: y_of(value, max), text: format!("{value:.0}{unit}") }
        })
        .collect()
}

fn level(count: usize, max: usize) -> usize {
    if count == 0 || max == 0 { 0 } else { (count * 4).div_ceil(max).min(4) }
}

pub async fn page(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<InsightsQuery>,
) -> Result<HttpResponse, AppError> {
    user.require_engineer()?;
    let _turn = state.heavy_turn().await?;
    let count =
        query.weeks.as_deref().and_then(|w| w.parse::<usize>().ok()).filter(|w| (1..=52).contains(w)).unwrap_or(12);
    let ctx = user.context(&state).await?;
    let insights = state.db(move |conn| Ok(crate::app::insights::insights(conn, &ctx, count)?)).await?;
    let figures = &insights.weeks;
    let weeks: Vec<IsoWeek> = figures.iter().map(|(w, _)| *w).collect();
    let (matrix, categories) = (&insights.matrix, &insights.categories);
    let name = |id: i64| insights.name(id);

    let rows = figures
        .iter()
        .map(|(w, f)| {
            let tier = |t: &str| f.intake_by_tier.get(t).copied().unwrap_or(0);
            WeekRow {
                week: w.to_string(),
                lead_p50: duration_text(f.lead_time.p50_seconds),
                lead_p90: duration_text(f.lead_time.p90_seconds),
                lead_office_p50: duration_text(f.lead_time.office_p50_seconds),
                triage_p50: duration_text(f.time_to_triage.p50_seconds),
                triage_p90: duration_text(f.time_to_triage.p90_seconds),
                intake: f.intake,
                critical: tier("critical"),
                important: tier("important"),
                can_wait: tier("can_wait"),
                none: tier("none"),
                shield: rate_text(&f.shield_rate),
                reopen: rate_text(&f.reopen_rate),
                deflected: f.deflected,
                deflection: rate_text(&f.deflection_rate),
            }
        })
        .collect();

    // Line chart, in hours: weeks without data leave a gap.
    let hours = |s: Option<i64>| s.map(|s| s as f64 / 3600.0);
    let picks: [(&str, &str, Pick); 3] = [
        ("Lead time p50", "series-a", |f| f.lead_time.p50_seconds),
        ("Lead time p90", "series-b", |f| f.lead_time.p90_seconds),
        ("Time to triage p50", "series-c", |f| f.time_to_triage.p50_seconds),
    ];
    let max_hours = figures
        .iter()
        .flat_map(|(_, f)| picks.iter().filter_map(|(_, _, pick)| hours(pick(f))))
        .fold(1.0f64, f64::max)
        .ceil();
    let lines = picks
        .iter()
        .map(|(name, class, pick)| Series {
            name,
            class,
            points: figures
                .iter()
                .enumerate()
                .filter_map(|(i, (_, f))| {
                    hours(pick(f)).map(|h| format!("{:.1},{:.1}", x_of(i, count), y_of(h, max_hours)))
                })
                .collect::<Vec<_>>()
                .join(" "),
        })
        .collect();
    let x_labels = weeks
        .iter()
        .enumerate()
        .filter(|(i, _)| count <= 13 || i % (count / 12 + 1) == 0)
        .map(|(i, w)| Label { at: x_of(i, count), text: format!("W{:02}", w.week) })
        .collect();

    // Stacked bars: intake by tier.
    let max_intake = figures.iter().map(|(_, f)| f.intake).max().unwrap_or(0).max(1) as f64;
    let slot = (WIDTH - LEFT - 10.0) / count as f64;
    let bars = figures
        .iter()
        .enumerate()
        .map(|(i, (w, f))| {
            let mut base = 0.0;
            let segments = [
                ("critical", "tier-fill-critical"),
                ("important", "tier-fill-important"),
                ("can_wait", "tier-fill-can_wait"),
                ("none", "tier-fill-none"),
            ]
            .iter()
            .filter_map(|(tier, class)| {
                let value = f.intake_by_tier.get(*tier).copied().unwrap_or(0) as f64;
                (value > 0.0).then(|| {
                    let top = y_of(base + value, max_intake);
                    let segment = Segment {
                        y: top,
                        height: y_of(base, max_intake) - top,
                        class,
                        title: format!("{w}: {value} {tier}"),
                    };
                    base += value;
                    segment
                })
            })
            .collect();
            Bar { x: LEFT + i as f64 * slot + slot * 0.15, width: slot * 0.7, segments }
        })
        .collect();
    let shield_bars = figures
        .iter()
        .enumerate()
        .map(|(i, (w, f))| {
            let share = f.shield_rate.share.unwrap_or(0.0) * 100.0;
            let top = y_of(share, 100.0);
            Bar {
                x: LEFT + i as f64 * slot + slot * 0.15,
                width: slot * 0.7,
                segments: vec![Segment {
                    y: top,
                    height: y_of(0.0, 100.0) - top,
                    class: "series-fill-a",
                    title: format!("{w}: {}", rate_text(&f.shield_rate)),
                }],
            }
        })
        .collect();

    // Coverage and concentration over the last 12 weeks.
    let mut engineers: BTreeSet<i64> = matrix.values().flat_map(|m| m.keys().copied()).collect();
    engineers.extend(figures.iter().flat_map(|(_, f)| f.routed_load.keys().copied()));
    let max_cell = matrix.values().flat_map(|m| m.values().copied()).max().unwrap_or(0);
    let category_ids: Vec<i64> = categories.keys().copied().collect();
    let coverage = engineers
        .iter()
        .map(|e| HeatRow {
            name: name(*e),
            cells: category_ids
                .iter()
                .map(|c| {
                    let count = matrix.get(c).and_then(|m| m.get(e)).copied().unwrap_or(0);
                    HeatCell { count, level: level(count, max_cell) }
                })
                .collect(),
        })
        .collect();
    let concentration = insights
        .concentration
        .iter()
        .map(|figures| CategoryLine {
            name: categories.get(&figures.category).cloned().unwrap_or_default(),
            resolved: figures.resolved,
            top: figures.top_handler.map(&name).unwrap_or_else(|| "—".into()),
            share: figures.top_share.map(|s| format!("{:.0} %", s * 100.0)).unwrap_or_else(|| "no data".into()),
            bus_factor: figures.bus_factor.map(|b| b.to_string()).unwrap_or_else(|| "no data".into()),
            entropy: figures.normalized_entropy.map(|e| format!("{e:.2}")).unwrap_or_else(|| "no data".into()),
            silo: figures.silo,
        })
        .collect();
    let mut totals: BTreeMap<i64, usize> = BTreeMap::new();
    for (_, f) in figures {
        for (engineer, routed) in &f.routed_load {
            *totals.entry(*engineer).or_default() += routed;
        }
    }
    let max_load = totals.values().copied().max().unwrap_or(1).max(1) as f64;
    let mut load: Vec<LoadLine> = totals
        .into_iter()
        .map(|(e, c)| LoadLine { name: name(e), count: c, width: c as f64 / max_load * 100.0 })
        .collect();
    load.sort_by_key(|l| std::cmp::Reverse(l.count));

    let arrivals_counts = &insights.arrivals;
    let max_arrivals = arrivals_counts.iter().copied().max().unwrap_or(0);
    // An hour a row and a weekday a column: seven columns fit a phone without a scroll box.
    let arrivals = (0..24)
        .map(|h| HeatRow {
            name: format!("{h:02}:00"),
            cells: (0..7)
                .map(|d| {
                    let count = arrivals_counts[d * 24 + h];
                    HeatCell { count, level: level(count, max_arrivals) }
                })
                .collect(),
        })
        .collect();

    ok(&InsightsPage {
        layout: user.layout("Insights", "insights"),
        weeks: count,
        choices: vec![4, 12, 26, 52],
        rows,
        width: WIDTH,
        height: HEIGHT,
        left: LEFT,
        y_label_percent: (LEFT - 6.0) / WIDTH * 100.0,
        plot_bottom: HEIGHT - BOTTOM,
        lines,
        line_y: ticks(max_hours, " h"),
        x_labels,
        bars,
        bar_y: ticks(max_intake, ""),
        shield_y: ticks(100.0, " %"),
        shield_bars,
        categories: categories.values().cloned().collect(),
        coverage,
        concentration,
        load,
        arrivals,
        days: ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
    })
}
