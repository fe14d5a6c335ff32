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
    /// Each event's parent's slot, when in the bundle (and not itself).
    parents: Vec<Option<usize>>,
    /// Whether each event lies on a cycle of parents.
    on_cycle: Vec<bool>,
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
            parents: Vec::new(),
            on_cycle: Vec::new(),
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
        index.parents = sorted
            .iter()
            .enumerate()
            .map(|(slot, (_, e))| {
                e.parent
                    .as_deref()
                    .and_then(|p| index.by_id.get(p).copied())
                    .filter(|&p| p != slot)
            })
            .collect();
        index.on_cycle = cycles(&index.parents);
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

    /// The time the event in `slot` states, as people read it
    /// (`2026-11-17 14:03:44 UTC`, see [`crate::time::readable`]).
    pub(super) fn time_text(&self, slot: usize) -> String {
        self.event(slot)
            .map_or_else(String::new, |e| crate::time::readable(&e.time))
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

    /// The slot of the event's parent, when it is in the bundle.
    pub(super) fn parent(&self, slot: usize) -> Option<usize> {
        self.parents.get(slot).copied().flatten()
    }

    /// The event's causal ancestors, nearest first: its parent, the parent's
    /// parent, and so on, as far as they are in the bundle and at most
    /// [`MAX_DEPTH`] up. A cycle ends the walk.
    pub(super) fn ancestors(&self, slot: usize) -> Vec<usize> {
        // Parents make a functional graph: a walk meets at most one cycle, and
        // once on it, it ends where it entered it (or where it started).
        let mut out = Vec::new();
        let mut entered: Option<usize> = None;
        let mut at = self.parent(slot);
        while let Some(p) = at {
            if p == slot || entered == Some(p) || out.len() >= MAX_DEPTH {
                break;
            }
            if entered.is_none() && self.on_cycle.get(p).copied().unwrap_or(false) {
                entered = Some(p);
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

/// Which nodes of the functional graph `parents` lie on a cycle.
fn cycles(parents: &[Option<usize>]) -> Vec<bool> {
    // 0: not visited, 1: on the path being walked, 2: done.
    let mut state = vec![0u8; parents.len()];
    let mut on_cycle = vec![false; parents.len()];
    for start in 0..parents.len() {
        let mut path = Vec::new();
        let mut at = Some(start);
        while let Some(n) = at {
            match state.get(n).copied() {
                Some(0) => {
                    if let Some(s) = state.get_mut(n) {
                        *s = 1;
                    }
                    path.push(n);
                    at = parents.get(n).copied().flatten();
                }
                Some(1) => {
                    // Back on the path: from `n` on, the path is a cycle.
                    let from = path.iter().position(|&p| p == n).unwrap_or(path.len());
                    for &p in path.get(from..).unwrap_or_default() {
                        if let Some(c) = on_cycle.get_mut(p) {
                            *c = true;
                        }
                    }
                    break;
                }
                _ => break,
            }
        }
        for p in path {
            if let Some(s) = state.get_mut(p) {
                *s = 2;
            }
        }
    }
    on_cycle
}

/// Every actor an event names.
fn actors_of(e: &Event) -> Vec<&Actor> {
    let mut out = vec![&e.actor];
    out.extend(e.initiator.as_deref());
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
    use super::{glob, Index};
    use crate::event::Event;

    fn events(parents: &[(&str, Option<&str>)]) -> Vec<(usize, Event)> {
        parents
            .iter()
            .enumerate()
            .map(|(n, (id, parent))| {
                let mut v = serde_json::json!({
                    "emitter": "e", "seq": n, "prev": null, "time": "2026-11-20T10:00:00Z",
                    "id": id, "kind": "system", "actor": { "type": "system", "id": "s" },
                });
                if let Some(p) = parent {
                    v["parent"] = (*p).into();
                }
                (n, Event::from_value(v).unwrap())
            })
            .collect()
    }

    #[test]
    fn ancestors_stop_at_cycles_and_missing_parents() {
        // a <- b <- c, c -> d -> e -> c (a cycle), f -> f, g -> nowhere.
        let e = events(&[
            ("a", None),
            ("b", Some("a")),
            ("c", Some("d")),
            ("d", Some("e")),
            ("e", Some("c")),
            ("x", Some("d")),
            ("f", Some("f")),
            ("g", Some("nowhere")),
            ("h", Some("b")),
        ]);
        let index = Index::new(&e, 0);
        assert_eq!(index.ancestors(8), vec![1, 0]);
        assert_eq!(index.ancestors(2), vec![3, 4]);
        assert_eq!(index.ancestors(5), vec![3, 4, 2]);
        assert_eq!(index.ancestors(6), Vec::<usize>::new());
        assert_eq!(index.ancestors(7), Vec::<usize>::new());
        assert_eq!(index.lineage(1), vec![1, 0]);
    }

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
