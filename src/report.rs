//! The weekly handover report: what the outgoing goalkeeper hands to the next one. One builder,
//! three renderings (page, Markdown, JSON), all from the same figures.

use crate::db::memo::HistoryMemo;
use crate::db::{DbConnection, knowledge, metrics as store, requests as request_store};
use crate::domain::metrics::{self, Concentration, IsoWeek, Rate, WeekFigures};
use crate::domain::office::TeamSettings;
use crate::domain::{CategoryId, UserId};
use chrono::{DateTime, Utc};
use diesel::QueryResult;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The knowledge-concentration window: the 12 local ISO weeks up to and including the selected one.
pub const CONCENTRATION_WEEKS: u32 = 12;

#[derive(Debug, Clone, Serialize)]
pub struct Named {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct CountLine {
    pub name: String,
    pub count: usize,
    pub previous: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct OpenRequest {
    pub id: i64,
    pub title: String,
    pub state: String,
    pub owner: Option<String>,
    pub age_seconds: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Topic {
    pub word: String,
    pub requests: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct SiloFlag {
    pub category: String,
    pub top_handler: String,
    pub top_share: f64,
    pub resolved: usize,
    pub bus_factor: Option<usize>,
}

/// An answer that solved problems before they were filed.
#[derive(Debug, Clone, Serialize)]
pub struct HelpfulAnswer {
    pub id: i64,
    pub title: String,
    pub deflected: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Notes {
    pub text: String,
    pub by: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize)]
pub struct WeeklyReport {
    pub week: String,
    pub previous_week: String,
    pub timezone: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub goalkeeper: Option<Named>,
    pub next_goalkeeper: Option<Named>,
    pub figures: WeekFigures,
    pub previous: WeekFigures,
    pub intake_by_category: Vec<CountLine>,
    pub intake_by_tier: Vec<CountLine>,
    pub routed_load: Vec<CountLine>,
    pub open_requests: Vec<OpenRequest>,
    pub recurring_topics: Vec<Topic>,
    pub concentration: Vec<Concentration>,
    pub silos: Vec<SiloFlag>,
    /// The answers that deflected the most requests in the week.
    pub helpful_answers: Vec<HelpfulAnswer>,
    pub notes: Option<Notes>,
    pub generated_at: DateTime<Utc>,
}

/// The figures (before deflections), arrivals and coverage of `weeks`, computed from the
/// request summaries and routing events of their span, in one snapshot.
fn compute_weeks(conn: &mut DbConnection, weeks: &[IsoWeek], team: &TeamSettings) -> QueryResult<Vec<store::KeptWeek>> {
    let tz = team.timezone();
    let (Some(first), Some(last)) = (weeks.first(), weeks.last()) else { return Ok(Vec::new()) };
    let (from, to) = (first.bounds(tz).0, last.bounds(tz).1);
    crate::db::read_transaction(conn, |conn| {
        let summaries = store::summaries(conn, from, to)?;
        let routings = store::routings(conn, from, to)?;
        Ok(weeks
            .iter()
            .map(|w| {
                let bounds = w.bounds(tz);
                let filed = summaries.iter().map(|r| r.filed_at).filter(|at| bounds.0 <= *at && *at < bounds.1);
                store::KeptWeek {
                    figures: metrics::week_figures_from(&summaries, &routings, bounds, &team.office),
                    arrivals: metrics::arrivals_by_hour_of_week(filed, tz),
                    coverage: metrics::coverage_from(&summaries, bounds),
                }
            })
            .collect())
    })
}

/// The figures (before deflections) and arrivals of these weeks, in order: finished weeks from
/// what was kept, the others computed from the request summaries, and finished ones kept for the
/// next reader. Weeks still running are computed again only once an event was written (`memo`).
/// Runs its own short transactions.
pub fn weeks_data(
    conn: &mut DbConnection,
    memo: &HistoryMemo,
    weeks: &[IsoWeek],
    team: &TeamSettings,
    now: DateTime<Utc>,
) -> QueryResult<Vec<store::KeptWeek>> {
    let tz = team.timezone();
    let key = store::settings_key(&team.office);
    let names: Vec<String> = weeks.iter().map(IsoWeek::to_string).collect();
    let (generation, mut kept) = crate::db::read_transaction(conn, |conn| store::kept_weeks(conn, &key, &names))?;
    let finished = |w: &IsoWeek| w.bounds(tz).1 <= now;
    let (to_compute, running): (Vec<IsoWeek>, Vec<IsoWeek>) =
        weeks.iter().copied().filter(|w| !(finished(w) && kept.contains_key(&w.to_string()))).partition(finished);
    if !to_compute.is_empty() {
        let computed: Vec<(IsoWeek, store::KeptWeek)> =
            to_compute.iter().copied().zip(compute_weeks(conn, &to_compute, team)?).collect();
        let to_keep: Vec<store::WeekToKeep> =
            computed.iter().map(|(w, k)| (w.to_string(), w.bounds(tz), k.clone())).collect();
        // Keeping is an optimisation: a database that refuses writes still answers the read.
        if let Err(e) = store::keep_weeks(conn, &key, generation, &to_keep, now) {
            tracing::warn!(error = %e, "could not keep week figures");
        }
        kept.extend(computed.into_iter().map(|(w, k)| (w.to_string(), k)));
    }
    for week in running {
        let figures = memo.get_or_compute(conn, &format!("week {week} {key}"), |conn| {
            Ok::<_, diesel::result::Error>(compute_weeks(conn, &[week], team)?.pop().unwrap_or_default())
        })?;
        kept.insert(week.to_string(), (*figures).clone());
    }
    Ok(names.iter().map(|n| kept.remove(n).unwrap_or_default()).collect())
}

/// The `count` weeks ending with `last`, oldest first.
pub fn weeks_ending(last: IsoWeek, count: usize) -> Vec<IsoWeek> {
    let mut weeks = vec![last];
    while weeks.len() < count {
        let earlier = weeks[weeks.len() - 1].previous();
        weeks.push(earlier);
    }
    weeks.reverse();
    weeks
}

/// The coverage matrix over the concentration window ending with `last`, from the weeks' data.
pub fn window_coverage(data: &HashMap<IsoWeek, store::KeptWeek>, last: IsoWeek) -> BTreeMap<i64, BTreeMap<i64, usize>> {
    let mut matrix = BTreeMap::new();
    for week in weeks_ending(last, CONCENTRATION_WEEKS as usize) {
        if let Some(kept) = data.get(&week) {
            metrics::add_coverage(&mut matrix, &kept.coverage);
        }
    }
    matrix
}

/// Builds the report of `week` as of `now`.
pub fn weekly(
    conn: &mut DbConnection,
    memo: &HistoryMemo,
    week: IsoWeek,
    team: &TeamSettings,
    now: DateTime<Utc>,
) -> QueryResult<WeeklyReport> {
    let tz = team.timezone();
    let bounds = week.bounds(tz);
    let previous = week.previous();
    let previous_bounds = previous.bounds(tz);

    // A finished week's figures come from what was kept (see `weeks_data`); the window of the
    // silo figures ends with this week and includes the previous one.
    let window_weeks = weeks_ending(week, CONCENTRATION_WEEKS as usize);
    let data: HashMap<IsoWeek, store::KeptWeek> =
        window_weeks.iter().copied().zip(weeks_data(conn, memo, &window_weeks, team, now)?).collect();
    let previous_kept = data.get(&previous).cloned().unwrap_or_default();
    let kept = data.get(&week).cloned().unwrap_or_default();
    let deflected = knowledge::deflected_between(conn, previous_bounds.0, bounds.1)?;
    let figures = kept.figures.with_deflections(&deflected, bounds);
    let previous_figures = previous_kept.figures.with_deflections(&deflected, previous_bounds);
    let helpful_answers = knowledge::most_helpful(conn, bounds, 5)?
        .into_iter()
        .map(|(r, deflected)| HelpfulAnswer { id: r.id.0, title: r.title, deflected })
        .collect();

    // People, categories and the rota as kept for the team's setup (one statement to check it).
    let setup = memo.team_setup(conn)?;
    let name = |id: i64| {
        setup.person(UserId(id)).map(|(u, _)| u.name.clone()).unwrap_or_else(|| crate::app::names::unknown_user(id))
    };
    let category_name =
        |id: i64| setup.category_name(CategoryId(id)).map(str::to_owned).unwrap_or_else(|| format!("category #{id}"));

    let roster = setup.roster(now);
    let goalkeeper_of = |week: IsoWeek| {
        let (from, to) = week.bounds(tz);
        roster.longest_on_duty(from, to).map(|g| Named { id: g.0, name: name(g.0) })
    };
    let (goalkeeper, next_goalkeeper) = (goalkeeper_of(week), goalkeeper_of(week.next()));
    let rotation_size = roster.size_before(bounds.1);

    let merge = |now: &BTreeMap<i64, usize>, before: &BTreeMap<i64, usize>, label: &dyn Fn(i64) -> String| {
        let keys: BTreeSet<i64> = now.keys().chain(before.keys()).copied().collect();
        let mut lines: Vec<CountLine> = keys
            .into_iter()
            .map(|k| CountLine {
                name: label(k),
                count: now.get(&k).copied().unwrap_or(0),
                previous: before.get(&k).copied().unwrap_or(0),
            })
            .collect();
        lines.sort_by(|a, b| b.count.cmp(&a.count).then(a.name.cmp(&b.name)));
        lines
    };
    let intake_by_category = merge(&figures.intake_by_category, &previous_figures.intake_by_category, &category_name);
    let routed_load = merge(&figures.routed_load, &previous_figures.routed_load, &|id| name(id));
    let intake_by_tier = ["critical", "important", "can_wait", "none"]
        .iter()
        .map(|tier| CountLine {
            name: (*tier).to_owned(),
            count: figures.intake_by_tier.get(*tier).copied().unwrap_or(0),
            previous: previous_figures.intake_by_tier.get(*tier).copied().unwrap_or(0),
        })
        .collect();

    let concentration: Vec<Concentration> = window_coverage(&data, week)
        .into_iter()
        .map(|(category, counts)| Concentration::of(category, counts, rotation_size))
        .collect();
    let silos = concentration
        .iter()
        .filter(|c| c.silo)
        .map(|c| SiloFlag {
            category: category_name(c.category),
            top_handler: c.top_handler.map(name).unwrap_or_default(),
            top_share: c.top_share.unwrap_or_default(),
            resolved: c.resolved,
            bus_factor: c.bus_factor,
        })
        .collect();

    let recurring_topics = memo
        .get_or_compute(conn, &format!("topics {week} {}", tz.name()), |conn| {
            let titles = store::titles_filed(conn, bounds.0, bounds.1)?;
            Ok::<_, diesel::result::Error>(metrics::recurring_topics(titles.iter().map(String::as_str), 2))
        })?
        .iter()
        .map(|(word, requests)| Topic { word: word.clone(), requests: *requests })
        .collect();

    // Every open request, oldest first.
    let open_requests: Vec<OpenRequest> = memo
        .get_or_compute(conn, "open requests", request_store::open_now)?
        .iter()
        .map(|r| OpenRequest {
            id: r.id.0,
            title: r.title.clone(),
            state: r.state.as_str().to_owned(),
            owner: r.owner.map(|o| name(o.0)),
            age_seconds: (now - r.filed_at).num_seconds(),
        })
        .collect();

    let notes = store::notes(conn, &week.to_string())?.map(|(text, by, at)| Notes { text, by: name(by.0), at });
    Ok(WeeklyReport {
        week: week.to_string(),
        previous_week: previous.to_string(),
        timezone: tz.name().to_owned(),
        starts_at: bounds.0,
        ends_at: bounds.1,
        goalkeeper,
        next_goalkeeper,
        figures,
        previous: previous_figures,
        intake_by_category,
        intake_by_tier,
        routed_load,
        open_requests,
        recurring_topics,
        concentration,
        silos,
        helpful_answers,
        notes,
        generated_at: now,
    })
}

/// "3 h 20 min", "2 d 4 h", or "no data".
pub fn duration_text(seconds: Option<i64>) -> String {
    let Some(seconds) = seconds else { return "no data".into() };
    let minutes = seconds / 60;
    match minutes {
        m if m < 60 => format!("{m} min"),
        m if m < 60 * 24 => format!("{} h {} min", m / 60, m % 60),
        m => format!("{} d {} h", m / (60 * 24), (m / 60) % 24),
    }
}

pub fn rate_text(rate: &Rate) -> String {
    match rate.share {
        Some(share) => format!("{:.0} % ({} of {})", share * 100.0, rate.count, rate.of),
        None => "no data".into(),
    }
}

/// People's text (titles, names) inside Markdown: one line, and every character Markdown or
/// HTML would act on escaped, so a title like `<img onerror=…>` or `[x](javascript:…)` stays
/// text wherever the report is pasted and rendered.
pub fn cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' | '\r' => out.push(' '),
            '\\' | '`' | '*' | '_' | '[' | ']' | '(' | ')' | '<' | '>' | '|' | '#' | '!' | '~' | '&' | '{' | '}' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// A row of the times table: label, this week, the week before (seconds; none for no data).
pub type TimeRow = (String, Option<i64>, Option<i64>);

impl WeeklyReport {
    /// Lead time, time to triage and first response, p50 and p90, in calendar time and in office
    /// hours, beside the previous week: the same rows for every rendering.
    pub fn time_rows(&self) -> Vec<TimeRow> {
        let (f, p) = (&self.figures, &self.previous);
        let figures = [
            ("Lead time", &f.lead_time, &p.lead_time),
            ("Time to triage", &f.time_to_triage, &p.time_to_triage),
            ("First response", &f.time_to_first_response, &p.time_to_first_response),
        ];
        let mut rows = Vec::new();
        for (name, now, before) in figures {
            rows.push((format!("{name} p50"), now.p50_seconds, before.p50_seconds));
            rows.push((format!("{name} p90"), now.p90_seconds, before.p90_seconds));
            rows.push((format!("{name} p50 (office hours)"), now.office_p50_seconds, before.office_p50_seconds));
            rows.push((format!("{name} p90 (office hours)"), now.office_p90_seconds, before.office_p90_seconds));
        }
        rows
    }

    pub fn to_markdown(&self) -> String {
        use std::fmt::Write;
        let mut md = String::new();
        let f = &self.figures;
        let p = &self.previous;
        let _ = writeln!(md, "# Weekly handover report {}\n", self.week);
        let _ = writeln!(
            md,
            "Week {} ({}), generated {}.\n",
            self.week,
            self.timezone,
            self.generated_at.format("%Y-%m-%d %H:%M UTC")
        );
        let who = |n: &Option<Named>| n.as_ref().map(|n| cell(&n.name)).unwrap_or_else(|| "nobody".into());
        let _ = writeln!(
            md,
            "- Goalkeeper: {}\n- Next goalkeeper: {}\n",
            who(&self.goalkeeper),
            who(&self.next_goalkeeper)
        );
        let _ = writeln!(md, "## Times\n\n| figure | this week | {} |\n| --- | --- | --- |", self.previous_week);
        let rows = self.time_rows();
        for (label, now, before) in rows {
            let _ = writeln!(md, "| {label} | {} | {} |", duration_text(now), duration_text(before));
        }
        let _ = writeln!(
            md,
            "\n## Intake and outcomes\n\n| figure | this week | {} |\n| --- | --- | --- |",
            self.previous_week
        );
        let _ = writeln!(md, "| Requests filed | {} | {} |", f.intake, p.intake);
        let _ = writeln!(
            md,
            "| Closed by the goalkeeper alone | {} | {} |",
            f.closed.by_goalkeeper_alone, p.closed.by_goalkeeper_alone
        );
        let _ = writeln!(md, "| Closed after routing | {} | {} |", f.closed.after_routing, p.closed.after_routing);
        let _ = writeln!(md, "| Rejected | {} | {} |", f.closed.rejected, p.closed.rejected);
        let _ = writeln!(md, "| Closed otherwise | {} | {} |", f.closed.other, p.closed.other);
        let _ =
            writeln!(md, "| Goalkeeper shield rate | {} | {} |", rate_text(&f.shield_rate), rate_text(&p.shield_rate));
        let _ = writeln!(md, "| Reopen rate | {} | {} |", rate_text(&f.reopen_rate), rate_text(&p.reopen_rate));
        let _ = writeln!(md, "| Solved by an existing answer (deflected) | {} | {} |", f.deflected, p.deflected);
        let _ =
            writeln!(md, "| Deflection rate | {} | {} |", rate_text(&f.deflection_rate), rate_text(&p.deflection_rate));
        for (title, lines) in [
            ("By category", &self.intake_by_category),
            ("By service tier", &self.intake_by_tier),
            ("Routed to", &self.routed_load),
        ] {
            let _ = writeln!(md, "\n### {title}\n\n| | this week | {} |\n| --- | --- | --- |", self.previous_week);
            for line in lines {
                let _ = writeln!(md, "| {} | {} | {} |", cell(&line.name), line.count, line.previous);
            }
        }
        let _ = writeln!(md, "\n## Still open ({})\n", self.open_requests.len());
        for r in &self.open_requests {
            let owner = r.owner.as_deref().map(cell).unwrap_or_else(|| "nobody".into());
            let _ = writeln!(
                md,
                "- #{} {} — {}, {} old, owner {}",
                r.id,
                cell(&r.title),
                r.state,
                duration_text(Some(r.age_seconds)),
                owner
            );
        }
        let _ = writeln!(md, "\n## Recurring topics\n");
        if self.recurring_topics.is_empty() {
            let _ = writeln!(md, "None this week.");
        }
        for t in &self.recurring_topics {
            let _ = writeln!(
                md,
                "- {} ({} requests): a candidate for docs, automation or teaching",
                cell(&t.word),
                t.requests
            );
        }
        let _ = writeln!(md, "\n## Answers that solved problems before they were filed\n");
        if self.helpful_answers.is_empty() {
            let _ = writeln!(md, "None this week.");
        }
        for a in &self.helpful_answers {
            let _ = writeln!(md, "- #{} {}: {} deflected", a.id, cell(&a.title), a.deflected);
        }
        let _ = writeln!(md, "\n## Knowledge silos (last {CONCENTRATION_WEEKS} weeks)\n");
        if self.silos.is_empty() {
            let _ = writeln!(md, "No silos.");
        }
        for s in &self.silos {
            let _ = writeln!(
                md,
                "- {}: {} handled {:.0} % of {} resolved requests; pair someone else with them",
                cell(&s.category),
                cell(&s.top_handler),
                s.top_share * 100.0,
                s.resolved
            );
        }
        let _ = writeln!(md, "\n## Notes from the goalkeeper\n");
        match &self.notes {
            Some(notes) => {
                let _ = writeln!(md, "{}\n\n— {}", notes.text, cell(&notes.by));
            }
            None => {
                let _ = writeln!(md, "No notes.");
            }
        }
        md
    }
}

/// Whether `user` may write the handover notes of `week`: its goalkeeper, or an admin.
pub fn may_write_notes(report: &WeeklyReport, user: UserId, is_admin: bool) -> bool {
    is_admin || report.goalkeeper.as_ref().is_some_and(|g| g.id == user.0)
}

#[cfg(test)]
mod tests {
    use super::cell;

    #[test]
    fn people_text_stays_text_in_markdown() {
        assert_eq!(cell("<img src=x onerror=alert(1)>"), "\\<img src=x onerror=alert\\(1\\)\\>");
        assert_eq!(cell("[click](javascript:alert(1))"), "\\[click\\]\\(javascript:alert\\(1\\)\\)");
        assert_eq!(cell("a | b\nc"), "a \\| b c");
        assert_eq!(cell("Disk full on db-3"), "Disk full on db-3");
    }
}
