//! What the rules look up in a bundle's events: events by ID, the policy decisions,
//! approval decisions, credential issues and revocations by the IDs that reference
//! them, each event's time, and its causal ancestors.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, Utc};

use crate::event::{Actor, Event, Kind};

/// How far up a causal chain the rules look: enough for any real chain of
/// causes, and a bound on the work a bundle of long chains can cause.
pub const MAX_DEPTH: usize = 1024;

/// The events of a bundle, indexed. Events are held in bundle order; "slot" below
/// means an index into that order, "position" the event's position in the bundle.
pub(super) struct Index<'a> {
    events: Vec<(usize, &'a Event)>,
    times: Vec<Option<DateTime<Utc>>>,
    by_id: BTreeMap<&'a str, usize>,
    decisions: BTreeMap<&'a str, Vec<usize>>,
    approval_decisions: BTreeMap<&'a str, Vec<usize>>,
    approval_requests: BTreeMap<&'a str, Vec<usize>>,
    issuing: BTreeMap<&'a str, usize>,
    revokes: BTreeMap<&'a str, Vec<usize>>,
    identities: BTreeSet<&'a str>,
    skew: Duration,
}

impl<'a> Index<'a> {
    pub(super) fn new(events: &'a [(usize, Event)], skew_seconds: u32) -> Index<'a> {
        let mut sorted: Vec<(usize, &'a Event)> = events.iter().map(|(p, e)| (*p, e)).collect();
        sorted.sort_by_key(|(p, _)| *p);
        let times = sorted
            .iter()
            .map(|(_, e)| crate::time::parse(&e.time))
            .collect();
        let mut index = Index {
            events: Vec::new(),
            times,
            by_id: BTreeMap::new(),
            decisions: BTreeMap::new(),
            approval_decisions: BTreeMap::new(),
            approval_requests: BTreeMap::new(),
            issuing: BTreeMap::new(),
            revokes: BTreeMap::new(),
            identities: BTreeSet::new(),
            skew: Duration::seconds(i64::from(skew_seconds)),
        };
        for (slot, (_, e)) in sorted.iter().enumerate() {
            index.by_id.entry(e.id.as_str()).or_insert(slot);
            match e.kind {
                Kind::PolicyDecision => {
                    if let Some(d) = &e.decision {
                        index
                            .decisions
                            .entry(d.decision_id.as_str())
                            .or_default()
                            .push(slot);
                    }
                }
                Kind::ApprovalDecision => {
                    if let Some(a) = &e.approval {
                        index
                            .approval_decisions
                            .entry(a.approval_id.as_str())
                            .or_default()
                            .push(slot);
                    }
                }
                Kind::ApprovalRequest => {
                    if let Some(a) = &e.approval {
                        index
                            .approval_requests
                            .entry(a.approval_id.as_str())
                            .or_default()
                            .push(slot);
                    }
                }
                Kind::CredentialIssue | Kind::CredentialExchange => {
                    if let Some(c) = &e.credential {
                        index.issuing.entry(c.token_id.as_str()).or_insert(slot);
                    }
                }
                Kind::CredentialRevoke => {
                    if let Some(c) = &e.credential {
                        index
                            .revokes
                            .entry(c.token_id.as_str())
                            .or_default()
                            .push(slot);
                    }
                }
                _ => {}
            }
            for actor in actors_of(e) {
                index.identities.insert(actor.id.as_str());
                if let Some(name) = actor.name.as_deref() {
                    index.identities.insert(name);
                }
            }
        }
        index.events = sorted;
        index
    }

    /// How many events.
    pub(super) fn len(&self) -> usize {
        self.events.len()
    }

    /// The events in bundle order, each with its slot and bundle position.
    pub(super) fn iter(&self) -> impl Iterator<Item = (usize, usize, &'a Event)> + '_ {
        self.events
            .iter()
            .enumerate()
            .map(|(slot, (pos, e))| (slot, *pos, *e))
    }

    /// The event in `slot`.
    pub(super) fn event(&self, slot: usize) -> Option<&'a Event> {
        self.events.get(slot).map(|(_, e)| *e)
    }

    /// The slot of the event at bundle position `pos`.
    pub(super) fn slot_at(&self, pos: usize) -> Option<usize> {
        self.events.binary_search_by_key(&pos, |(p, _)| *p).ok()
    }

    /// The bundle position of the event in `slot`.
    pub(super) fn pos(&self, slot: usize) -> usize {
        self.events.get(slot).map_or(0, |(p, _)| *p)
    }

    /// The time of the event in `slot`.
    pub(super) fn time(&self, slot: usize) -> Option<DateTime<Utc>> {
        self.times.get(slot).copied().flatten()
    }

    /// The time the event in `slot` states, as written.
    pub(super) fn time_text(&self, slot: usize) -> &'a str {
        self.event(slot).map_or("", |e| e.time.as_str())
    }

    /// The tolerated clock skew.
    pub(super) fn skew(&self) -> Duration {
        self.skew
    }

    /// Whether the event in `a` comes before the one in `b`: by time, then by
    /// bundle position (by position alone when a time is unreadable).
    pub(super) fn earlier(&self, a: usize, b: usize) -> bool {
        match (self.time(a), self.time(b)) {
            (Some(ta), Some(tb)) => (ta, self.pos(a)) < (tb, self.pos(b)),
            _ => self.pos(a) < self.pos(b),
        }
    }

    /// The slot of the event with this ID (the first, if several share it).
    pub(super) fn by_id(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }

    /// The slot of the event's parent, when it is in the bundle.
    pub(super) fn parent(&self, slot: usize) -> Option<usize> {
        self.event(slot)
            .and_then(|e| e.parent.as_deref())
            .and_then(|p| self.by_id(p))
            .filter(|&p| p != slot)
    }

    /// The event's causal ancestors, nearest first: its parent, the parent's
    /// parent, and so on, as far as they are in the bundle and at most
    /// [`MAX_DEPTH`] up. A cycle ends the walk.
    pub(super) fn ancestors(&self, slot: usize) -> Vec<usize> {
        let mut out = Vec::new();
        let mut seen = BTreeSet::from([slot]);
        let mut at = self.parent(slot);
        while let Some(p) = at {
            if !seen.insert(p) || out.len() >= MAX_DEPTH {
                break;
            }
            out.push(p);
            at = self.parent(p);
        }
        out
    }

    /// The event itself, then its ancestors.
    pub(super) fn lineage(&self, slot: usize) -> Vec<usize> {
        let mut out = vec![slot];
        out.extend(self.ancestors(slot));
        out
    }

    /// The `policy.decision` events with this decision ID.
    pub(super) fn decisions(&self, id: &str) -> &[usize] {
        self.decisions.get(id).map_or(&[], Vec::as_slice)
    }

    /// The `approval.decision` events for this approval ID.
    pub(super) fn approval_decisions(&self, id: &str) -> &[usize] {
        self.approval_decisions.get(id).map_or(&[], Vec::as_slice)
    }

    /// The `approval.request` events for this approval ID.
    pub(super) fn approval_requests(&self, id: &str) -> &[usize] {
        self.approval_requests.get(id).map_or(&[], Vec::as_slice)
    }

    /// The first `credential.issue` or `credential.exchange` event that made this token.
    pub(super) fn issuing(&self, token: &str) -> Option<usize> {
        self.issuing.get(token).copied()
    }

    /// The `credential.revoke` events of this token.
    pub(super) fn revokes(&self, token: &str) -> &[usize] {
        self.revokes.get(token).map_or(&[], Vec::as_slice)
    }

    /// Whether some actor in the bundle (acting, initiating, acted for, delegated
    /// to, asked or deciding) has this ID or name.
    pub(super) fn is_identity(&self, name: &str) -> bool {
        self.identities.contains(name)
    }

    /// The actor IDs in the bundle whose ID or name is `name`.
    pub(super) fn ids_named(&self, name: &str) -> BTreeSet<&'a str> {
        let mut out = BTreeSet::new();
        for (_, e) in &self.events {
            for actor in actors_of(e) {
                if names(actor, name) {
                    out.insert(actor.id.as_str());
                }
            }
        }
        out
    }
}

/// Every actor an event names.
fn actors_of(e: &Event) -> Vec<&Actor> {
    let mut out = vec![&e.actor];
    out.extend(e.initiator.as_ref());
    out.extend(e.on_behalf_of.iter());
    if let Some(d) = &e.delegation {
        out.push(&d.to);
    }
    if let Some(a) = &e.approval {
        out.extend(a.asked_of.iter());
        out.extend(a.decided_by.as_ref());
    }
    out
}

/// Whether `actor`'s ID or name is `name`.
pub(super) fn names(actor: &Actor, name: &str) -> bool {
    actor.id == name || actor.name.as_deref() == Some(name)
}

/// The actor as a reviewer reads it: its name and, when different, its ID.
pub(super) fn who(actor: &Actor) -> String {
    match actor.name.as_deref() {
        Some(name) if name != actor.id => format!("{name} ({})", actor.id),
        _ => actor.id.clone(),
    }
}

/// Whether `text` matches `pattern`, where `*` matches any run of characters
/// (none included) and every other character itself.
pub(crate) fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0usize, 0usize);
    // Where the last `*` was, and where in the text its match would resume.
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(c) if Some(c) == t.get(ti) => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    p.get(pi..).unwrap_or_default().iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::glob;

    #[test]
    fn globs_match_runs() {
        assert!(glob("*prod*", "config://prod/x"));
        assert!(glob("*prod*", "prod"));
        assert!(!glob("*prod*", "config://staging/x"));
        assert!(glob("svc-*-shared", "svc-reporting-shared"));
        assert!(!glob("svc-*-shared", "svc-reporting-shared2"));
        assert!(glob("a*b*c", "aXbYbZc"));
        assert!(glob("", ""));
        assert!(!glob("", "a"));
        assert!(glob("*", ""));
        assert!(glob("exact", "exact"));
        assert!(!glob("exact", "exactly"));
    }
}
