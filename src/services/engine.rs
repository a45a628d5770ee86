//! The engine: the rules in force, kept in memory, and the I/O around the pure evaluator.
//!
//! Evaluation runs inside the write transaction that stores a check-in (or marks a device
//! offline): the readings, the evaluation state, the alerts and the outbox rows commit together
//! or not at all. So an acknowledged check-in has been evaluated exactly once, a restart carries
//! on from the stored state (a hold that had run 8 of 10 minutes fires 2 minutes later), and a
//! notice is never lost between an alert opening and its delivery. States live in the database
//! only while something is pending or firing: a healthy device costs one indexed read per
//! check-in and no writes.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock};

use rusqlite::{Connection, OptionalExtension, params};

use super::alert_tickets as tickets;
use crate::db::alerts::{self, Firing};
use crate::db::{DbError, rfc3339, rules as stored};
use crate::monitoring::series;
use crate::notify::{Event, Message};
use crate::protocol::{Report, SmartDisk, Watch};
use crate::rules::condition::Condition;
use crate::rules::eval::{KeyState, Reading, Transition};
use crate::rules::maintenance::Window;
use crate::rules::scope::{DeviceFacts, DeviceView, Scope, winners};
use crate::rules::{Rule, Severity};

/// How often a disk's fill trend is fitted again (it moves slowly; fitting reads history).
const FORECAST_EVERY: i64 = 3600;
/// How often a silenced offline device is looked at again, to judge it fresh when the window ends.
const SILENCED_RECHECK: i64 = 60;

/// Rules and maintenance windows in force, indexed by scope.
#[derive(Debug, Default)]
pub struct Book {
    pub rules: Vec<Rule>,
    pub windows: Vec<Window>,
    /// Each rule's `kind_key`, worked out once rather than at every check-in.
    kinds: Vec<String>,
    global: Vec<usize>,
    by_client: HashMap<i64, Vec<usize>>,
    by_site: HashMap<i64, Vec<usize>>,
    by_device: HashMap<i64, Vec<usize>>,
    by_tag: HashMap<String, Vec<usize>>,
}

impl Book {
    pub fn new(rules: Vec<Rule>, windows: Vec<Window>) -> Book {
        let kinds = rules.iter().map(|r| r.condition.kind_key()).collect();
        let mut book = Book { rules, windows, kinds, ..Default::default() };
        for (i, r) in book.rules.iter().enumerate() {
            match &r.scope {
                Scope::Global => book.global.push(i),
                Scope::Client { client_id } => book.by_client.entry(*client_id).or_default().push(i),
                Scope::Site { site_id } => book.by_site.entry(*site_id).or_default().push(i),
                Scope::Device { device_id } => book.by_device.entry(*device_id).or_default().push(i),
                Scope::Tag { tag } => book.by_tag.entry(tag.to_lowercase()).or_default().push(i),
            }
        }
        book
    }

    /// The enabled rules that apply to a device: per kind, the most specific matching rule (a
    /// disabled one there switches the kind off for that device).
    pub fn applicable(&self, d: &DeviceFacts) -> Vec<&Rule> {
        let mut candidates: Vec<usize> = self.global.clone();
        candidates.extend(self.by_client.get(&d.client_id).into_iter().flatten());
        if let Some(site) = d.site_id {
            candidates.extend(self.by_site.get(&site).into_iter().flatten());
        }
        candidates.extend(self.by_device.get(&d.device_id).into_iter().flatten());
        for t in &d.tags {
            candidates.extend(self.by_tag.get(t.as_str()).into_iter().flatten());
        }
        candidates.sort_unstable();
        candidates.dedup();
        winners(d, candidates.iter().map(|&i| (i, &self.rules[i].scope, self.kinds[i].as_str())))
            .into_iter()
            .map(|i| &self.rules[i])
            .filter(|r| r.enabled)
            .collect()
    }

    /// Whether a maintenance window covers the device now.
    pub fn silenced(&self, d: &DeviceFacts, now: i64) -> bool {
        self.windows.iter().any(|w| w.covers(d, now))
    }

    /// The processes and services the device's rules want watched.
    pub fn watch_for(&self, d: &DeviceFacts) -> Watch {
        let mut w = Watch::default();
        for r in self.applicable(d) {
            match &r.condition {
                Condition::Process { name, .. } => w.processes.push(name.clone()),
                Condition::Service { name, .. } => w.services.push(name.clone()),
                _ => {}
            }
        }
        w
    }
}

/// The engine's handle in the server's state.
pub struct Engine {
    book: RwLock<Arc<Book>>,
    /// `[monitoring] offline_after`, for the offline rule's sentence.
    pub offline_after: i64,
    /// How links in notices reach the UI.
    pub public_url: String,
}

impl Engine {
    pub fn new(offline_after: i64, public_url: &str) -> Engine {
        Engine {
            book: RwLock::new(Arc::new(Book::default())),
            offline_after,
            public_url: public_url.trim_end_matches('/').to_owned(),
        }
    }

    /// The rules and windows in force now (a snapshot: later changes do not affect it).
    pub fn book(&self) -> Arc<Book> {
        self.book.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Reloads rules and maintenance windows after they changed.
    pub async fn reload(&self, db: &crate::db::Db) -> Result<(), DbError> {
        let (rules, windows) = db.read(|c| Ok((stored::all(c)?, crate::db::maintenance::load_all(c)?))).await?;
        *self.book.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(Book::new(rules, windows));
        Ok(())
    }

    /// A context for one transaction's worth of evaluation.
    pub fn context(&self) -> Context {
        Context { book: self.book(), offline_after: self.offline_after, public_url: self.public_url.clone() }
    }
}

/// What an evaluation needs, to move into a write job.
#[derive(Clone)]
pub struct Context {
    pub book: Arc<Book>,
    pub offline_after: i64,
    pub public_url: String,
}

/// What an evaluation changed, for live updates and to wake the notifier.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Outcome {
    /// Alerts opened, changed or resolved: (alert, device, client).
    pub alerts: Vec<(i64, i64, i64)>,
    /// Notices queued in the outbox.
    pub notices: usize,
}

impl Outcome {
    /// Adds what another evaluation in the same transaction changed.
    pub fn merge(&mut self, other: Outcome) {
        self.alerts.extend(other.alerts);
        self.notices += other.notices;
    }
}

/// One device's evaluation inside a transaction: its states, loaded once, saved once.
struct Run<'a> {
    conn: &'a Connection,
    ctx: &'a Context,
    device: DeviceView,
    silenced: bool,
    states: HashMap<(i64, String), KeyState>,
    loaded: HashMap<(i64, String), KeyState>,
    notices: Vec<(i64, Message)>,
    opened: HashSet<i64>,
    resolved: HashSet<i64>,
    changed: Vec<i64>,
}

impl<'a> Run<'a> {
    fn start(conn: &'a Connection, ctx: &'a Context, device_id: i64, now: i64) -> Result<Option<Run<'a>>, DbError> {
        let Some(device) = crate::db::devices::view(conn, device_id)? else { return Ok(None) };
        let silenced = ctx.book.silenced(&device.facts, now);
        let states: HashMap<(i64, String), KeyState> =
            stored::states_of_device(conn, device_id)?.into_iter().map(|s| ((s.rule_id, s.subject), s.state)).collect();
        Ok(Some(Run::with(conn, ctx, device, silenced, states)))
    }

    fn with(
        conn: &'a Connection,
        ctx: &'a Context,
        device: DeviceView,
        silenced: bool,
        states: HashMap<(i64, String), KeyState>,
    ) -> Run<'a> {
        Run {
            conn,
            ctx,
            device,
            silenced,
            loaded: states.clone(),
            states,
            notices: Vec::new(),
            opened: HashSet::new(),
            resolved: HashSet::new(),
            changed: Vec::new(),
        }
    }

    /// Resolves, without a notice, what rules that no longer apply to the device left open.
    fn retire_inapplicable(&mut self, applicable: &[&Rule], now: i64) -> Result<(), DbError> {
        let ids: HashSet<i64> = applicable.iter().map(|r| r.id).collect();
        let gone: Vec<(i64, String)> = self.states.keys().filter(|(rule, _)| !ids.contains(rule)).cloned().collect();
        for key in gone {
            let state = self.states.remove(&key).unwrap_or_default();
            if let (Some(_), Some(alert)) = (state.firing, state.alert_id)
                && alerts::resolve(self.conn, alert, "the rule no longer applies to this device", now)?
            {
                tickets::alert_resolved(self.conn, alert, "the rule no longer applies to this device", now)?;
                self.changed.push(alert);
            }
        }
        Ok(())
    }

    /// Steps one key with one reading and records what that changed.
    fn step(
        &mut self,
        rule: &Rule,
        subject: &str,
        reading: Option<&Reading>,
        at: i64,
        now: i64,
    ) -> Result<(), DbError> {
        let key = (rule.id, subject.to_owned());
        let mut state = self.states.remove(&key).unwrap_or_default();
        let transition = state.step(reading, at, rule.timing(), self.silenced);
        self.apply(rule, subject, &mut state, transition, reading, now)?;
        self.states.insert(key, state);
        Ok(())
    }

    fn apply(
        &mut self,
        rule: &Rule,
        subject: &str,
        state: &mut KeyState,
        transition: Option<Transition>,
        reading: Option<&Reading>,
        now: i64,
    ) -> Result<(), DbError> {
        let summary = reading.map_or_else(|| format!("{subject} is no longer reported"), |r| r.summary.clone());
        let (value, threshold) = reading.map_or((None, None), |r| (r.value, r.threshold));
        let firing = |severity: Severity| Firing {
            rule_id: rule.id,
            rule_name: &rule.name,
            device_id: self.device.facts.device_id,
            client_id: self.device.facts.client_id,
            subject,
            severity,
            summary: &summary,
            value,
            threshold,
        };
        match transition {
            Some(Transition::Open(severity)) => {
                let id = alerts::open(self.conn, &firing(severity), now)?;
                state.alert_id = Some(id);
                let link = format!("{}/#/alerts/{id}", self.ctx.public_url);
                let opened = tickets::OpenedAlert { id, severity, summary: &summary, link: &link };
                tickets::alert_opened(self.conn, &opened, rule, &self.device, now)?;
                self.opened.insert(id);
                self.changed.push(id);
                self.notice(id, Event::Opened, rule, subject, severity, &summary, value, threshold);
            }
            Some(Transition::Reopen(severity)) => {
                let Some(id) = state.alert_id else { return Ok(()) };
                alerts::reopen(self.conn, id, &firing(severity), now)?;
                let what = format!("The alert fired again ({summary}); it keeps clearing and coming back.");
                tickets::alert_changed(self.conn, id, severity, &what, now)?;
                self.resolved.remove(&id);
                self.changed.push(id);
                let flapping = format!("{summary} (flapping: it keeps clearing and coming back)");
                self.notice(id, Event::Opened, rule, subject, severity, &flapping, value, threshold);
            }
            Some(Transition::Severity(severity)) => {
                let Some(id) = state.alert_id else { return Ok(()) };
                alerts::change_severity(self.conn, id, &firing(severity), now)?;
                let what = format!("The alert is now {}: {summary}.", severity.as_str());
                tickets::alert_changed(self.conn, id, severity, &what, now)?;
                self.changed.push(id);
                self.notice(id, Event::Severity, rule, subject, severity, &summary, value, threshold);
            }
            Some(Transition::Resolve) => {
                let Some(id) = state.alert_id else { return Ok(()) };
                if alerts::resolve(self.conn, id, &format!("cleared: {summary}"), now)? {
                    tickets::alert_resolved(self.conn, id, &summary, now)?;
                    self.resolved.insert(id);
                    self.changed.push(id);
                    let severity = alerts::get(self.conn, id)?
                        .and_then(|a| Severity::parse(&a.severity))
                        .unwrap_or(Severity::Warning);
                    self.notice(id, Event::Resolved, rule, subject, severity, &summary, value, threshold);
                }
            }
            None => {
                if let (Some(_), Some(id)) = (state.firing, state.alert_id) {
                    alerts::refresh(self.conn, id, &summary, value, threshold)?;
                }
            }
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn notice(
        &mut self,
        alert_id: i64,
        event: Event,
        rule: &Rule,
        subject: &str,
        severity: Severity,
        summary: &str,
        value: Option<f64>,
        threshold: Option<f64>,
    ) {
        if self.silenced {
            return;
        }
        let d = &self.device;
        let message = crate::notify::alert_message(&crate::notify::AlertNotice {
            event,
            severity,
            alert_id,
            rule: &rule.name,
            client_id: d.facts.client_id,
            client: &d.client,
            device_id: d.facts.device_id,
            device: &d.hostname,
            subject,
            summary,
            value,
            threshold,
            base: &self.ctx.public_url,
        });
        self.notices.push((alert_id, message));
    }

    /// Saves changed states and queues the notices. An alert that opened and resolved within this
    /// one transaction (a spooled backlog replayed) is kept in the history but not announced.
    fn finish(self, now: i64) -> Result<Outcome, DbError> {
        let device_id = self.device.facts.device_id;
        for (key, state) in &self.states {
            let before = self.loaded.get(key);
            // Unchanged, or idle and never stored: nothing to write (the healthy common case).
            if before != Some(state) && !(before.is_none() && state.is_idle(now)) {
                let due = self.due_at(key.0, state, now);
                stored::save_state(self.conn, device_id, key.0, &key.1, state, due, now)?;
            }
        }
        for key in self.loaded.keys().filter(|k| !self.states.contains_key(*k)) {
            stored::save_state(self.conn, device_id, key.0, &key.1, &KeyState::default(), None, now)?;
        }
        let mut notices = 0;
        let transient: HashSet<i64> = self.opened.intersection(&self.resolved).copied().collect();
        for (alert_id, mut message) in self.notices {
            if transient.contains(&alert_id) {
                continue;
            }
            message.at = rfc3339(now);
            notices += crate::db::notifications::enqueue(self.conn, &message, now)?;
        }
        let mut changed = self.changed;
        changed.sort_unstable();
        changed.dedup();
        let (client_id, device) = (self.device.facts.client_id, device_id);
        Ok(Outcome { alerts: changed.into_iter().map(|a| (a, device, client_id)).collect(), notices })
    }

    /// When a timer must look at this state again: a running offline hold, or a silenced
    /// offline device (to judge it fresh when the window ends).
    fn due_at(&self, rule_id: i64, state: &KeyState, now: i64) -> Option<i64> {
        let rule = self.ctx.book.rules.iter().find(|r| r.id == rule_id)?;
        if !matches!(rule.condition, Condition::Offline { .. }) {
            return None;
        }
        if state.memo.is_some() {
            return Some(now + SILENCED_RECHECK);
        }
        state.hold_due(rule.timing())
    }
}

/// Evaluates a check-in: `reports` are the ones it newly stored, oldest first; `dropped` the
/// reports the agent's spool lost. Runs in the check-in's transaction, after it was stored.
pub fn on_check_in(
    conn: &Connection,
    ctx: &Context,
    device_id: i64,
    reports: &[&Report],
    dropped: u64,
    now: i64,
) -> Result<(Outcome, Watch), DbError> {
    let Some(mut run) = Run::start(conn, ctx, device_id, now)? else {
        return Ok((Outcome::default(), Watch::default()));
    };
    let book = ctx.book.clone();
    let rules = book.applicable(&run.device.facts);
    run.retire_inapplicable(&rules, now)?;

    for report in reports {
        // A report's own time orders its readings; one from the future (a wrong agent clock) counts as now.
        let at = report.collected_at.min(now);
        for rule in &rules {
            if let Some(readings) = rule.condition.read_metrics(&report.metrics) {
                step_all(&mut run, rule, readings, at, now)?;
            }
            if let Some(smart) = report.smart.as_ref().filter(|s| s.available) {
                step_smart(&mut run, rule, &smart.disks, at, now)?;
            }
        }
    }
    let latest = reports.iter().max_by_key(|r| r.collected_at);
    for rule in &rules {
        match &rule.condition {
            Condition::Offline { .. } => {
                let r = rule.condition.read_online(true, ctx.offline_after);
                run.step(rule, "", r.as_ref(), now, now)?;
                if let Some(state) = run.states.get_mut(&(rule.id, String::new())) {
                    state.memo = None;
                }
            }
            Condition::SpoolDropped { .. } => {
                let r = rule.condition.read_dropped(dropped);
                run.step(rule, "", r.as_ref(), now, now)?;
            }
            Condition::SecurityUpdates { .. } => {
                let patches: Option<(Option<i64>, u32, bool)> = conn
                    .prepare_cached("SELECT security_since, security, known FROM device_patches WHERE device_id = ?1")?
                    .query_row([device_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                    .optional()?;
                if let Some((since, count, true)) = patches {
                    let r = rule.condition.read_security(since, count, now);
                    run.step(rule, "", r.as_ref(), now, now)?;
                }
            }
            Condition::DiskForecast { window_hours, .. } => {
                if let Some(report) = latest {
                    forecast(&mut run, rule, report, i64::from(*window_hours) * 3600, now)?;
                }
            }
            _ => {}
        }
    }
    let watch = book.watch_for(&run.device.facts);
    Ok((run.finish(now)?, watch))
}

/// Steps every subject a condition read, and resolves subjects it no longer sees.
fn step_all(run: &mut Run, rule: &Rule, readings: Vec<(String, Reading)>, at: i64, now: i64) -> Result<(), DbError> {
    let seen: HashSet<&str> = readings.iter().map(|(s, _)| s.as_str()).collect();
    let missing: Vec<String> = run
        .states
        .keys()
        .filter(|(r, s)| *r == rule.id && !seen.contains(s.as_str()))
        .map(|(_, s)| s.clone())
        .collect();
    for subject in missing {
        run.step(rule, &subject, None, at, now)?;
    }
    for (subject, reading) in &readings {
        run.step(rule, subject, Some(reading), at, now)?;
    }
    Ok(())
}

/// SMART: compared with the disk's previous reading (kept in the state's memo) to tell rising counters.
fn step_smart(run: &mut Run, rule: &Rule, disks: &[SmartDisk], at: i64, now: i64) -> Result<(), DbError> {
    let previous: HashMap<String, SmartDisk> = run
        .states
        .iter()
        .filter(|((r, _), _)| *r == rule.id)
        .filter_map(|((_, s), st)| Some((s.clone(), serde_json::from_value(st.memo.clone()?).ok()?)))
        .collect();
    let Some(readings) = rule.condition.read_smart(disks, |s| previous.get(s).cloned()) else { return Ok(()) };
    let readings: Vec<(String, Reading, SmartDisk)> = readings.into_iter().map(|(s, r, d)| (s, r, d.clone())).collect();
    step_all(run, rule, readings.iter().map(|(s, r, _)| (s.clone(), r.clone())).collect(), at, now)?;
    for (subject, _, disk) in readings {
        if let Some(state) = run.states.get_mut(&(rule.id, subject)) {
            state.memo = serde_json::to_value(&disk).ok();
        }
    }
    Ok(())
}

/// The fill trend of each filesystem, fitted at most every `FORECAST_EVERY` from 5-minute rollups.
fn forecast(run: &mut Run, rule: &Rule, report: &Report, window: i64, now: i64) -> Result<(), DbError> {
    let device_id = run.device.facts.device_id;
    let mut readings = Vec::new();
    for fs in &report.metrics.filesystems {
        let key = (rule.id, fs.mount.clone());
        let memo = run.states.get(&key).and_then(|s| s.memo.clone());
        let fitted_at = memo.as_ref().and_then(|m| m["at"].as_i64());
        let days = match fitted_at {
            Some(t) if now - t < FORECAST_EVERY => memo.as_ref().and_then(|m| m["days"].as_f64()),
            _ => {
                let samples: Vec<(i64, f64)> = run
                    .conn
                    .prepare_cached(
                        "SELECT r.bucket, r.sum / r.count FROM rollups_5m r JOIN metric_series s ON s.id = r.series_id
                         WHERE s.device_id = ?1 AND s.metric = ?2 AND s.subject = ?3 AND r.bucket >= ?4",
                    )?
                    .query_map(params![device_id, series::DISK_USED_BYTES, fs.mount, now - window], |r| {
                        Ok((r.get(0)?, r.get(1)?))
                    })?
                    .collect::<Result<_, _>>()?;
                let capacity = fs.used_bytes.saturating_add(fs.available_bytes) as f64;
                // Less than a sixth of the window is too little history to call a trend.
                let enough = samples.len() as i64 * 300 >= window / 6;
                let days = if enough { crate::rules::forecast::days_until_full(&samples, capacity) } else { None };
                let state = run.states.entry(key).or_default();
                state.memo = Some(serde_json::json!({ "at": now, "days": days }));
                days
            }
        };
        if let Some(r) = rule.condition.read_forecast(&fs.mount, days) {
            readings.push((fs.mount.clone(), r));
        }
    }
    step_all(run, rule, readings, now, now)
}

/// Evaluates a device the offline timer just marked offline.
pub fn on_offline(conn: &Connection, ctx: &Context, device_id: i64, now: i64) -> Result<Outcome, DbError> {
    let Some(mut run) = Run::start(conn, ctx, device_id, now)? else { return Ok(Outcome::default()) };
    let book = ctx.book.clone();
    for rule in book.applicable(&run.device.facts) {
        if let Some(r) = rule.condition.read_online(false, ctx.offline_after) {
            run.step(rule, "", Some(&r), now, now)?;
            let silenced = run.silenced;
            if let Some(state) = run.states.get_mut(&(rule.id, String::new())) {
                // Remember to look again when the window ends, unless an alert is already open.
                state.memo = (silenced && state.firing.is_none()).then(|| serde_json::json!({ "silenced": true }));
            }
        }
    }
    run.finish(now)
}

/// Finishes timer holds that are due (offline rules with a hold, silenced offline devices).
pub fn on_timer(conn: &Connection, ctx: &Context, now: i64) -> Result<Outcome, DbError> {
    let mut out = Outcome::default();
    let mut devices: Vec<i64> = stored::due_states(conn, now)?.into_iter().map(|(d, _, _)| d).collect();
    devices.sort_unstable();
    devices.dedup();
    for device_id in devices {
        let online: Option<bool> =
            conn.query_row("SELECT online FROM devices WHERE id = ?1", [device_id], |r| r.get(0)).optional()?;
        match online {
            Some(false) => out.merge(on_offline(conn, ctx, device_id, now)?),
            // Back online (its check-in evaluates it) or gone: the timer has nothing to finish.
            _ => {
                conn.execute("UPDATE rule_state SET due_at = NULL WHERE device_id = ?1", [device_id])?;
            }
        }
    }
    Ok(out)
}

/// Re-notifies unacknowledged alerts whose rule's interval has passed since the last notice.
/// Inside a maintenance window the reminder is skipped and its clock restarts.
pub fn renotify(conn: &Connection, ctx: &Context, now: i64) -> Result<Outcome, DbError> {
    let mut out = Outcome::default();
    for id in alerts::due_for_renotify(conn, now)? {
        alerts::mark_notified(conn, id, now)?;
        let Some(alert) = alerts::get(conn, id)? else { continue };
        let Some(device) = crate::db::devices::view(conn, alert.device_id)? else { continue };
        if ctx.book.silenced(&device.facts, now) {
            continue;
        }
        let Some(rule) = alert.rule_id.and_then(|r| ctx.book.rules.iter().find(|x| x.id == r)) else { continue };
        let severity = Severity::parse(&alert.severity).unwrap_or(Severity::Warning);
        let mut run = Run::with(conn, ctx, device, false, HashMap::new());
        let summary = format!("still unresolved: {}", alert.summary);
        run.notice(id, Event::Renotify, rule, &alert.subject, severity, &summary, alert.value, alert.threshold);
        alerts::event(conn, id, now, "notified", "reminder: still unresolved", None)?;
        out.merge(run.finish(now)?);
    }
    Ok(out)
}

/// Resolves, without notices, the unresolved alerts of a rule on devices it no longer applies
/// to (after the rule was edited, disabled, overridden or deleted). Their evaluation state goes
/// with them.
pub fn reconcile_rule(conn: &Connection, ctx: &Context, rule_id: i64, now: i64) -> Result<Outcome, DbError> {
    let mut out = Outcome::default();
    for (alert, device_id, client_id) in alerts::unresolved_of_rule(conn, rule_id)? {
        let applies = match crate::db::devices::view(conn, device_id)? {
            Some(d) => ctx.book.applicable(&d.facts).iter().any(|r| r.id == rule_id),
            None => false,
        };
        if !applies {
            let reason = if ctx.book.rules.iter().any(|r| r.id == rule_id) {
                "the rule no longer applies to this device"
            } else {
                "the rule was deleted"
            };
            if alerts::resolve(conn, alert, reason, now)? {
                tickets::alert_resolved(conn, alert, reason, now)?;
                out.alerts.push((alert, device_id, client_id));
            }
            conn.execute("DELETE FROM rule_state WHERE rule_id = ?1 AND device_id = ?2", [rule_id, device_id])?;
        }
    }
    Ok(out)
}

impl Outcome {
    /// After the evaluation committed: live updates for the alerts it changed, and the notifier
    /// woken for the notices it queued.
    pub fn announce(&self, live: &super::live::Live, notifications: &super::delivery::Notifications) {
        for &(alert_id, device_id, client_id) in &self.alerts {
            live.send(super::live::LiveEvent::AlertChanged { alert_id, device_id, client_id });
        }
        if self.notices > 0 {
            notifications.wake.notify_one();
        }
    }
}
