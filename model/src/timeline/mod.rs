//! The delegation timeline: a bundle's verified events laid out as lanes (one per
//! actor, then one per credential) along a time axis, with the links between them.
//!
//! [`Timeline::build`] is pure and runs where the bundle was verified (in the
//! browser's verification worker), from the events `evidence` handed over and the
//! report it made; the console draws it (`app::components::timeline`) and the
//! printable report pictures it ([`picture`]).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use evidence::bundle::{Check, Report};
use evidence::event::{ActorType, Event, Kind};
use serde::{Deserialize, Serialize};

pub mod picture;
pub mod scale;

/// What a lane stands for; lanes are grouped in this order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LaneKind {
    /// A person.
    Human,
    /// An agent no other agent delegated to.
    Agent,
    /// An agent another agent delegated a task to.
    SubAgent,
    /// A service account or workload identity.
    Service,
    /// A tool.
    Tool,
    /// Infrastructure (gateways, policy engines, identity providers).
    System,
    /// A credential, from issue to expiry or revocation.
    Credential,
    /// Events whose content could not be read (their signature failed).
    Unreadable,
}

impl LaneKind {
    /// The kind as a reviewer reads it.
    pub fn label(self) -> &'static str {
        match self {
            LaneKind::Human => "Human",
            LaneKind::Agent => "Agent",
            LaneKind::SubAgent => "Sub-agent",
            LaneKind::Service => "Service account",
            LaneKind::Tool => "Tool",
            LaneKind::System => "System",
            LaneKind::Credential => "Credential",
            LaneKind::Unreadable => "Unreadable",
        }
    }
}

/// One swimlane.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Lane {
    /// The actor's identity or the credential's token ID.
    pub id: String,
    /// What is shown.
    pub label: String,
    /// What it stands for.
    pub kind: LaneKind,
    /// For a credential: when it was issued, expires and was revoked (ms since the
    /// epoch), and its issuer and scope, as its events state them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential: Option<CredentialSpan>,
}

/// A credential's life as its events state it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CredentialSpan {
    /// Who issued it.
    pub issuer: Option<String>,
    /// Whom it was issued to.
    pub subject: Option<String>,
    /// What it allows.
    pub scope: Vec<String>,
    /// Issued (ms since the epoch).
    pub issued: Option<i64>,
    /// Expires (ms since the epoch).
    pub expires: Option<i64>,
    /// Revoked (ms since the epoch), by the earliest revocation event.
    pub revoked: Option<i64>,
    /// The token it was exchanged from.
    pub exchanged_from: Option<String>,
    /// The first event that names it (ms since the epoch).
    pub first_seen: Option<i64>,
}

/// How far an event can be trusted, worst first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    /// The signature did not hold: nothing it says can be read.
    Unreadable,
    /// The event's place in its chain or under the Merkle root failed: it was
    /// added, removed, moved or edited.
    Failed,
    /// Intact, but its key is not certified by a trusted root for that time (not
    /// certified, revoked, outside its validity), or a check could not be made; as
    /// for the bundle's status, this is "untrusted", not "tampered".
    Untrusted,
    /// Every check passed.
    Verified,
}

impl Standing {
    /// An event's standing from its checks.
    pub fn of(integrity: &Check, trust: &Check, chain: &Check, inclusion: &Check) -> Standing {
        let failed = |c: &Check| matches!(c, Check::Fail(_));
        if failed(integrity) {
            Standing::Unreadable
        } else if failed(chain) || failed(inclusion) {
            Standing::Failed
        } else if *trust != Check::Pass
            || [integrity, chain, inclusion]
                .iter()
                .any(|c| matches!(c, Check::Unknown(_)))
        {
            Standing::Untrusted
        } else {
            Standing::Verified
        }
    }

    /// The standing as a reviewer reads it.
    pub fn label(self) -> &'static str {
        match self {
            Standing::Unreadable => "signature not verified: content unknown",
            Standing::Failed => "chain or inclusion failed",
            Standing::Untrusted => "untrusted",
            Standing::Verified => "verified",
        }
    }
}

/// One event, placed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Mark {
    /// Its position in the bundle.
    pub index: u32,
    /// The lane it is drawn in.
    pub lane: u32,
    /// When (ms since the epoch); an unreadable event takes the time of the readable
    /// event before it in the bundle.
    pub at: i64,
    /// The time as signed, or empty for an unreadable event.
    pub time: String,
    /// The event's kind, or empty for an unreadable event.
    pub kind: String,
    /// How far it can be trusted.
    pub standing: Standing,
    /// The reason codes of its checks that did not pass.
    pub codes: Vec<String>,
    /// The line a reviewer reads, hidden characters shown as written (`text::visible`).
    pub summary: String,
    /// A human decided (a request, an approval, a sign-in) rather than software.
    pub human: bool,
    /// Who vouches for what it says; `None` for an unreadable event.
    #[serde(default)]
    pub provenance: Option<evidence::event::Provenance>,
    /// The mark (position in [`Timeline::marks`]) of the event it names as parent.
    pub parent: Option<u32>,
    /// Other marks it is linked to: the lane a delegation goes to, the approval
    /// decision an action rests on.
    pub links: Vec<Link>,
}

/// A link drawn from a mark.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Link {
    /// A task and scope delegated to the actor in `lane`.
    Delegated {
        /// The delegate's lane.
        lane: u32,
        /// The scope granted.
        scope: Vec<String>,
    },
    /// The approval decision (a mark) this event rests on.
    Approved {
        /// The decision's mark.
        mark: u32,
    },
    /// The policy decision (a mark) this event rests on.
    Decided {
        /// The decision's mark.
        mark: u32,
    },
    /// The credential lane the event presents, issues or revokes.
    Credential {
        /// The credential's lane.
        lane: u32,
    },
}

/// One grant in the authority tree: who delegated what scope to whom.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Grant {
    /// The granting actor's lane.
    pub from: u32,
    /// The delegate's lane.
    pub to: u32,
    /// The scope granted.
    pub scope: Vec<String>,
    /// Scope items the grantor did not hold itself (see `evidence::findings::grants`);
    /// empty where it held them all or where its own authority is not recorded.
    pub widened: Vec<String>,
    /// Whether the grant is narrower than what the grantor held.
    pub narrowed: bool,
    /// The mark of the delegation event.
    pub mark: u32,
}

/// A bundle's timeline.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Timeline {
    /// Lanes, grouped by kind, each group in order of first appearance.
    pub lanes: Vec<Lane>,
    /// Marks in time order (ties in bundle order).
    pub marks: Vec<Mark>,
    /// Delegations in time order.
    pub grants: Vec<Grant>,
}

fn millis(text: &str) -> Option<i64> {
    evidence::time::parse(text).map(|t| t.timestamp_millis())
}

fn is_human_decision(event: &Event) -> bool {
    event.actor.kind == ActorType::Human
        && matches!(
            event.kind,
            Kind::Request | Kind::ApprovalDecision | Kind::SessionStart | Kind::TaskDelegate
        )
}

struct Lanes {
    lanes: Vec<Lane>,
    by_id: HashMap<(bool, String), u32>,
}

impl Lanes {
    fn get(&mut self, credential: bool, id: &str, make: impl FnOnce() -> Lane) -> u32 {
        if let Some(&n) = self.by_id.get(&(credential, id.to_owned())) {
            return n;
        }
        let n = self.lanes.len() as u32;
        self.lanes.push(make());
        self.by_id.insert((credential, id.to_owned()), n);
        n
    }
}

/// The credential lanes: one per token the events name, with what the events say of
/// it (issuer, subject, scope, validity, exchange, revocation), and a link from each
/// event that used it.
fn credential_lanes(lanes: &mut Lanes, marks: &mut [Mark], pending: &[(usize, &Event)]) {
    let mut spans: BTreeMap<u32, CredentialSpan> = BTreeMap::new();
    for &(m, event) in pending {
        let Some(c) = &event.credential else { continue };
        let lane = lanes.get(true, &c.token_id, || Lane {
            id: c.token_id.clone(),
            label: crate::text::visible(&c.token_id),
            kind: LaneKind::Credential,
            credential: None,
        });
        let span = spans.entry(lane).or_default();
        span.issuer = span.issuer.take().or_else(|| c.issuer.clone());
        span.subject = span.subject.take().or_else(|| c.subject.clone());
        if span.scope.is_empty() {
            span.scope = c.scope.clone().unwrap_or_default();
        }
        span.issued = span
            .issued
            .or_else(|| c.issued_at.as_deref().and_then(millis));
        span.expires = span
            .expires
            .or_else(|| c.expires_at.as_deref().and_then(millis));
        span.exchanged_from = span
            .exchanged_from
            .take()
            .or_else(|| c.exchanged_from.clone());
        let seen = marks[m].at;
        span.first_seen = Some(span.first_seen.map_or(seen, |f| f.min(seen)));
        if event.kind == Kind::CredentialRevoke {
            let at = marks[m].at;
            span.revoked = Some(span.revoked.map_or(at, |r| r.min(at)));
        }
        marks[m].links.push(Link::Credential { lane });
    }
    for (lane, span) in spans {
        lanes.lanes[lane as usize].credential = Some(span);
    }
}

impl Timeline {
    /// The laid-out timeline: lanes grouped by kind, in order of first appearance
    /// within each group; marks in time order; every reference renumbered.
    fn ordered(lanes: Lanes, marks: Vec<Mark>, mut grants: Vec<Grant>) -> Timeline {
        let mut order: Vec<u32> = (0..lanes.lanes.len() as u32).collect();
        order.sort_by_key(|&n| (lanes.lanes[n as usize].kind, n));
        let mut renumber = vec![0u32; order.len()];
        for (new, &old) in order.iter().enumerate() {
            renumber[old as usize] = new as u32;
        }
        let mut sorted_lanes: Vec<Lane> = Vec::with_capacity(order.len());
        let mut old_lanes: Vec<Option<Lane>> = lanes.lanes.into_iter().map(Some).collect();
        for &old in &order {
            if let Some(lane) = old_lanes[old as usize].take() {
                sorted_lanes.push(lane);
            }
        }
        // Marks in time order; references renumbered.
        let mut by_time: Vec<u32> = (0..marks.len() as u32).collect();
        by_time.sort_by_key(|&m| (marks[m as usize].at, marks[m as usize].index));
        let mut position = vec![0u32; marks.len()];
        for (new, &old) in by_time.iter().enumerate() {
            position[old as usize] = new as u32;
        }
        let mut old_marks: Vec<Option<Mark>> = marks.into_iter().map(Some).collect();
        let marks: Vec<Mark> = by_time
            .iter()
            .filter_map(|&old| old_marks[old as usize].take())
            .map(|mut mark| {
                mark.lane = renumber[mark.lane as usize];
                mark.parent = mark.parent.map(|p| position[p as usize]);
                for link in &mut mark.links {
                    match link {
                        Link::Delegated { lane, .. } | Link::Credential { lane } => {
                            *lane = renumber[*lane as usize];
                        }
                        Link::Approved { mark } | Link::Decided { mark } => {
                            *mark = position[*mark as usize];
                        }
                    }
                }
                mark
            })
            .collect();
        for g in &mut grants {
            g.from = renumber[g.from as usize];
            g.to = renumber[g.to as usize];
            g.mark = position[g.mark as usize];
        }
        grants.sort_by_key(|g| g.mark);
        Timeline {
            lanes: sorted_lanes,
            marks,
            grants,
        }
    }
}

impl Timeline {
    /// Lays out `events` (each event the verifier read, with its index in the bundle,
    /// in any order) with the verdicts in `report`.
    pub fn build(mut events: Vec<(usize, Event)>, report: &Report) -> Timeline {
        events.sort_by_key(|(index, _)| *index);
        // Agents some other agent delegated to are sub-agents.
        let delegated_by_agent: BTreeSet<&str> = events
            .iter()
            .filter(|(_, e)| e.actor.kind == ActorType::Agent)
            .filter_map(|(_, e)| e.delegation.as_ref())
            .filter(|d| d.to.kind == ActorType::Agent)
            .map(|d| d.to.id.as_str())
            .collect();
        let mut lanes = Lanes {
            lanes: Vec::new(),
            by_id: HashMap::new(),
        };
        let actor_kind = |kind: ActorType, id: &str| match kind {
            ActorType::Human => LaneKind::Human,
            ActorType::Agent if delegated_by_agent.contains(id) => LaneKind::SubAgent,
            ActorType::Agent => LaneKind::Agent,
            ActorType::Service => LaneKind::Service,
            ActorType::Tool => LaneKind::Tool,
            ActorType::System => LaneKind::System,
        };
        let actor_lane = |lanes: &mut Lanes, a: &evidence::event::Actor| {
            lanes.get(false, &a.id, || Lane {
                id: a.id.clone(),
                label: crate::text::visible(a.name.as_deref().unwrap_or(&a.id)),
                kind: actor_kind(a.kind, &a.id),
                credential: None,
            })
        };

        let verdicts = report.events();
        let standing = |index: usize| {
            verdicts.get(index).map_or(Standing::Unreadable, |r| {
                Standing::of(&r.integrity, &r.trust, &r.chain, &r.inclusion)
            })
        };
        let codes = |index: usize| -> Vec<String> {
            verdicts.get(index).map_or_else(Vec::new, |r| {
                [&r.integrity, &r.trust, &r.chain, &r.inclusion]
                    .into_iter()
                    .filter_map(|c| match c {
                        Check::Pass => None,
                        Check::Fail(code) | Check::Unknown(code) => Some((*code).to_owned()),
                    })
                    .collect()
            })
        };

        // Marks in bundle order first; sorted by time at the end.
        let mut marks: Vec<Mark> = Vec::with_capacity(verdicts.len());
        let mut read = events.iter().peekable();
        let mut last_at = events
            .iter()
            .find_map(|(_, e)| millis(&e.time))
            .unwrap_or(0);
        let mut unreadable_lane = None;
        let mut pending: Vec<(usize, &Event)> = Vec::new();
        for index in 0..verdicts.len().max(events.last().map_or(0, |(i, _)| i + 1)) {
            match read.peek() {
                Some((i, event)) if *i == index => {
                    read.next();
                    let lane = actor_lane(&mut lanes, &event.actor);
                    let at = millis(&event.time).unwrap_or(last_at);
                    last_at = at;
                    marks.push(Mark {
                        index: index as u32,
                        lane,
                        at,
                        time: event.time.clone(),
                        kind: event.kind.as_str().to_owned(),
                        standing: standing(index),
                        codes: codes(index),
                        summary: crate::text::visible(&event.summary()),
                        human: is_human_decision(event),
                        provenance: Some(event.provenance()),
                        parent: None,
                        links: Vec::new(),
                    });
                    pending.push((marks.len() - 1, event));
                }
                _ => {
                    let lane = *unreadable_lane.get_or_insert_with(|| {
                        lanes.get(false, "", || Lane {
                            id: String::new(),
                            label: "Signature not verified".into(),
                            kind: LaneKind::Unreadable,
                            credential: None,
                        })
                    });
                    let mut row_codes = codes(index);
                    if verdicts.get(index).is_none() {
                        row_codes.push("event.unread".into());
                    }
                    marks.push(Mark {
                        index: index as u32,
                        lane,
                        at: last_at,
                        time: String::new(),
                        kind: String::new(),
                        standing: Standing::Unreadable,
                        codes: row_codes,
                        summary: format!("event #{index}: its content cannot be trusted"),
                        human: false,
                        provenance: None,
                        parent: None,
                        links: Vec::new(),
                    });
                }
            }
        }

        // Lanes for everyone named (initiators, principals, delegates, approvers),
        // so a delegation or approval always has a lane to point at.
        for (_, event) in &pending {
            for a in event
                .initiator
                .as_deref()
                .into_iter()
                .chain(&event.on_behalf_of)
            {
                actor_lane(&mut lanes, a);
            }
            if let Some(d) = &event.delegation {
                actor_lane(&mut lanes, &d.to);
            }
            if let Some(by) = event.approval.as_ref().and_then(|a| a.decided_by.as_ref()) {
                actor_lane(&mut lanes, by);
            }
        }

        credential_lanes(&mut lanes, &mut marks, &pending);

        // Parents, delegations and approvals, by event ID.
        let by_event_id: HashMap<&str, usize> =
            pending.iter().map(|&(m, e)| (e.id.as_str(), m)).collect();
        let mut decision_of: HashMap<&str, usize> = HashMap::new();
        for &(m, e) in &pending {
            if e.kind == Kind::ApprovalDecision {
                if let Some(a) = &e.approval {
                    decision_of.entry(a.approval_id.as_str()).or_insert(m);
                }
            }
        }
        let mut decided_in: HashMap<&str, usize> = HashMap::new();
        for &(m, e) in &pending {
            if let Some(d) = &e.decision {
                decided_in.entry(d.decision_id.as_str()).or_insert(m);
            }
        }
        let mut grants = Vec::new();
        for &(m, e) in &pending {
            if let Some(&d) = e
                .decision_ref
                .as_deref()
                .and_then(|r| decided_in.get(r))
                .filter(|&&d| d != m)
            {
                marks[m].links.push(Link::Decided { mark: d as u32 });
            }
            marks[m].parent = e
                .parent
                .as_deref()
                .and_then(|p| by_event_id.get(p))
                .map(|&p| p as u32);
            if let Some(d) = &e.delegation {
                let from = marks[m].lane;
                let to = actor_lane(&mut lanes, &d.to);
                marks[m].links.push(Link::Delegated {
                    lane: to,
                    scope: d.scope.clone(),
                });
                grants.push(Grant {
                    from,
                    to,
                    scope: d.scope.clone(),
                    widened: Vec::new(),
                    narrowed: false,
                    mark: m as u32,
                });
            }
            let approval = e
                .approval_ref
                .as_deref()
                .or(match e.kind {
                    Kind::ApprovalRequest => e.approval.as_ref().map(|a| a.approval_id.as_str()),
                    _ => None,
                })
                .and_then(|id| decision_of.get(id));
            if let Some(&d) = approval.filter(|&&d| d != m) {
                marks[m].links.push(Link::Approved { mark: d as u32 });
            }
        }
        // What each grantor held and what it widened, as the scope-widened finding
        // reads it.
        let compared: HashMap<usize, evidence::findings::Grant> =
            evidence::findings::grants(&events)
                .into_iter()
                .map(|g| (g.position, g))
                .collect();
        for g in &mut grants {
            if let Some(c) = compared.get(&(marks[g.mark as usize].index as usize)) {
                g.widened = c.widened.clone();
                g.narrowed = c.narrowed;
            }
        }

        Timeline::ordered(lanes, marks, grants)
    }

    /// The marks from `mark` back to the intent it came from: its parent, the
    /// parent's parent, and so on, then the approval and policy decisions any of
    /// them rest on; `mark` first. Cycles end the walk.
    pub fn chain_to_intent(&self, mark: u32) -> Vec<u32> {
        let mut path = Vec::new();
        let mut seen = BTreeSet::new();
        let mut at = Some(mark);
        while let Some(m) = at.filter(|m| (*m as usize) < self.marks.len() && seen.insert(*m)) {
            path.push(m);
            at = self.marks[m as usize].parent;
        }
        let approvals: Vec<u32> = path
            .iter()
            .flat_map(|&m| &self.marks[m as usize].links)
            .filter_map(|l| match l {
                Link::Approved { mark } | Link::Decided { mark } => Some(*mark),
                _ => None,
            })
            .collect();
        for m in approvals {
            if seen.insert(m) {
                path.push(m);
            }
        }
        path
    }

    /// The first and last time of any mark (ms since the epoch).
    pub fn span(&self) -> Option<(i64, i64)> {
        Some((self.marks.first()?.at, self.marks.last()?.at))
    }

    /// For each lane, the positions of its marks (in time order).
    pub fn marks_by_lane(&self) -> Vec<Vec<u32>> {
        let mut by_lane = vec![Vec::new(); self.lanes.len()];
        for (m, mark) in self.marks.iter().enumerate() {
            if let Some(lane) = by_lane.get_mut(mark.lane as usize) {
                lane.push(m as u32);
            }
        }
        by_lane
    }
}

#[cfg(test)]
mod tests {
    use evidence::bundle::{verify_and_read, Limits};
    use evidence::producer::{BundleBuilder, Signer};
    use serde_json::{json, Value};
    use std::sync::Mutex;

    use super::*;

    fn body(v: Value) -> serde_json::Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => unreachable!(),
        }
    }

    /// A human asks an agent, which delegates to a sub-agent, which (with a token
    /// and an approval) changes a resource after the token was revoked; one event
    /// comes from an emitter no root certified.
    fn story() -> Timeline {
        let root = Signer::from_seed([1; 32]);
        let app = Signer::from_seed([2; 32]);
        let rogue = Signer::from_seed([3; 32]);
        let collector = Signer::from_seed([4; 32]);
        let mut b = BundleBuilder::new();
        let (from, to) = ("2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z");
        b.bind(&root, &app.public_key(), "app", from, to);
        b.bind(&root, &collector.public_key(), "collector", from, to);
        let ana = json!({"type": "human", "id": "ana@x", "name": "Ana"});
        let bot = json!({"type": "agent", "id": "bot"});
        let sub = json!({"type": "agent", "id": "sub"});
        let h = "sha256:0000000000000000000000000000000000000000000000000000000000000000";
        let events = [
            (
                "10:00:00Z",
                json!({"id": "e1", "kind": "request", "actor": ana}),
            ),
            (
                "10:00:01Z",
                json!({"id": "e2", "kind": "model.output", "actor": bot, "parent": "e1", "onBehalfOf": [ana],
                "output": {"hash": h, "text": "I will ask a sub-agent."}}),
            ),
            (
                "10:00:02Z",
                json!({"id": "e3", "kind": "task.delegate", "actor": bot, "parent": "e2", "onBehalfOf": [ana],
                "delegation": {"to": sub, "scope": ["db:write", "db:read"]}}),
            ),
            (
                "10:00:03Z",
                json!({"id": "e4", "kind": "task.delegate", "actor": sub, "parent": "e3",
                "delegation": {"to": {"type": "agent", "id": "sub2"}, "scope": ["db:write", "db:drop"]}}),
            ),
            (
                "10:00:04Z",
                json!({"id": "e5", "kind": "approval.request", "actor": sub, "parent": "e3",
                "approval": {"approvalId": "ap-1", "askedOf": [ana]}}),
            ),
            (
                "10:00:05Z",
                json!({"id": "e6", "kind": "approval.decision", "actor": ana,
                "approval": {"approvalId": "ap-1", "decidedBy": ana, "decision": "approved"}}),
            ),
            (
                "10:00:06Z",
                json!({"id": "e7", "kind": "credential.revoke", "actor": {"type": "system", "id": "idp"},
                "credential": {"tokenId": "tok-1", "issuer": "idp", "issuedAt": "2026-11-20T09:00:00Z", "expiresAt": "2026-11-20T11:00:00Z", "scope": ["db:write"]}}),
            ),
            (
                "10:00:07Z",
                json!({"id": "e8", "kind": "tool.call", "actor": sub, "parent": "e5", "approvalRef": "ap-1",
                "credential": {"tokenId": "tok-1"}, "tool": {"name": "sql", "argumentsHash": h}}),
            ),
            (
                "10:00:08Z",
                json!({"id": "e9", "kind": "side_effect", "actor": sub, "parent": "e8",
                "change": {"resource": "db://t", "operation": "update", "outcome": "success"}}),
            ),
        ];
        for (t, e) in events {
            b.event(&app, "app", &format!("2026-11-20T{t}"), body(e));
        }
        b.event(
            &rogue,
            "rogue",
            "2026-11-20T10:00:09Z",
            body(json!({"id": "e10", "kind": "system", "actor": {"type": "system", "id": "cron"}})),
        );
        let bytes = b.finish(&collector, "collector", "story", "2026-11-21T00:00:00Z");
        let read = Mutex::new(Vec::new());
        let report = verify_and_read(
            bytes.as_bytes(),
            &[root.public_key()],
            &Limits::default(),
            1,
            &|_, _| {},
            &|e| {
                read.lock().unwrap().push((e.index, e.event));
            },
        )
        .unwrap();
        let mut read = read.into_inner().unwrap();
        read.reverse(); // any order in, the same timeline out
        Timeline::build(read, &report)
    }

    fn lane(t: &Timeline, id: &str) -> u32 {
        t.lanes.iter().position(|l| l.id == id).unwrap() as u32
    }

    fn mark(t: &Timeline, index: u32) -> u32 {
        t.marks.iter().position(|m| m.index == index).unwrap() as u32
    }

    #[test]
    fn lanes_are_grouped_by_kind_with_sub_agents_apart() {
        let t = story();
        let kinds: Vec<(&str, LaneKind)> =
            t.lanes.iter().map(|l| (l.id.as_str(), l.kind)).collect();
        assert_eq!(
            kinds,
            vec![
                ("ana@x", LaneKind::Human),
                ("bot", LaneKind::Agent),
                ("sub", LaneKind::SubAgent),
                ("sub2", LaneKind::SubAgent),
                ("idp", LaneKind::System),
                ("tok-1", LaneKind::Credential),
                ("", LaneKind::Unreadable),
            ]
        );
        assert_eq!(t.lanes[0].label, "Ana");
    }

    #[test]
    fn marks_are_in_time_order_with_their_verdicts() {
        let t = story();
        assert_eq!(t.marks.len(), 10);
        assert!(t.marks.windows(2).all(|w| w[0].at <= w[1].at));
        assert!(t.marks[..9]
            .iter()
            .all(|m| m.standing == Standing::Verified));
        // No root certified the rogue emitter's key: its signature cannot be
        // established, so nothing it says is read.
        let rogue = &t.marks[9];
        assert_eq!(rogue.standing, Standing::Unreadable);
        assert!(!rogue.codes.is_empty());
        assert_eq!(t.lanes[rogue.lane as usize].kind, LaneKind::Unreadable);
        assert!(t.marks[mark(&t, 0) as usize].human);
        assert!(t.marks[mark(&t, 5) as usize].human);
        assert!(!t.marks[mark(&t, 1) as usize].human);
        assert_eq!(t.marks[mark(&t, 8) as usize].summary, "sub: update db://t");
    }

    #[test]
    fn a_side_effect_traces_back_to_the_human_request_and_its_approval() {
        let t = story();
        let path: Vec<u32> = t
            .chain_to_intent(mark(&t, 8))
            .iter()
            .map(|&m| t.marks[m as usize].index)
            .collect();
        // side effect ← tool call ← approval request ← delegation ← model output ← request; + the decision
        assert_eq!(path, vec![8, 7, 4, 2, 1, 0, 5]);
    }

    #[test]
    fn a_credential_lane_knows_its_life_and_who_used_it() {
        let t = story();
        let tok = lane(&t, "tok-1");
        let span = t.lanes[tok as usize].credential.clone().unwrap();
        assert_eq!(span.issuer.as_deref(), Some("idp"));
        assert_eq!(span.scope, vec!["db:write".to_owned()]);
        assert_eq!(span.revoked, Some(t.marks[mark(&t, 6) as usize].at));
        assert!(span.expires > span.issued);
        let call = &t.marks[mark(&t, 7) as usize];
        assert!(call.links.contains(&Link::Credential { lane: tok }));
        assert!(call.links.contains(&Link::Approved { mark: mark(&t, 5) }));
    }

    #[test]
    fn grants_say_where_scope_widened() {
        let t = story();
        assert_eq!(t.grants.len(), 2);
        let first = &t.grants[0];
        assert_eq!((first.from, first.to), (lane(&t, "bot"), lane(&t, "sub")));
        assert!(first.widened.is_empty());
        let second = &t.grants[1];
        assert_eq!(
            (second.from, second.to),
            (lane(&t, "sub"), lane(&t, "sub2"))
        );
        assert_eq!(second.widened, vec!["db:drop".to_owned()]);
        assert!(!second.narrowed);
    }

    #[test]
    fn an_event_whose_signature_failed_gets_a_lane_of_its_own() {
        let (bundle, root) = evidence::producer::synthetic(3, "three");
        let mut wire: Value = serde_json::from_str(&bundle).unwrap();
        let sig = wire["events"][1]["signatures"][0]["sig"]
            .as_str()
            .unwrap()
            .to_owned();
        let rest = sig.get(1..).unwrap_or_default();
        let flipped = if sig.starts_with('A') {
            format!("B{rest}")
        } else {
            format!("A{rest}")
        };
        wire["events"][1]["signatures"][0]["sig"] = flipped.into();
        let bytes = wire.to_string();
        let read = Mutex::new(Vec::new());
        let report = verify_and_read(
            bytes.as_bytes(),
            &[root],
            &Limits::default(),
            1,
            &|_, _| {},
            &|e| {
                read.lock().unwrap().push((e.index, e.event));
            },
        )
        .unwrap();
        let t = Timeline::build(read.into_inner().unwrap(), &report);
        assert_eq!(t.marks.len(), 3);
        let bad = &t.marks[mark(&t, 1) as usize];
        assert_eq!(bad.standing, Standing::Unreadable);
        assert_eq!(t.lanes[bad.lane as usize].kind, LaneKind::Unreadable);
        assert!(bad.kind.is_empty() && bad.time.is_empty());
        assert_eq!(bad.at, t.marks[mark(&t, 0) as usize].at);
    }
}
