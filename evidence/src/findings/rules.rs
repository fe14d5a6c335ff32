//! The rules that read what the events say: who acted, for whom, under which
//! credential, decision and approval. One function per rule; `docs/findings.md`
//! states each exactly.

use std::collections::{BTreeMap, BTreeSet};

use super::index::{glob, names, who, Index};
use super::{Finding, Policy, Rule};
use crate::event::{ActorType, ApprovalOutcome, Event, Kind, Outcome, Verdict};

fn finding(rule: Rule, events: Vec<usize>, detail: String) -> Finding {
    Finding {
        rule,
        events,
        detail,
    }
}

/// What an action did, in a few words.
pub(super) fn what(e: &Event) -> String {
    match e.kind {
        Kind::SideEffect => match &e.change {
            Some(c) => format!("changed {} ({})", c.resource, c.operation),
            None => e.kind.as_str().to_owned(),
        },
        Kind::ToolCall => match &e.tool {
            Some(t) => format!("called {}", t.name),
            None => e.kind.as_str().to_owned(),
        },
        Kind::HttpRequest => match &e.request {
            Some(r) => format!("sent {} {}", r.method, r.url),
            None => e.kind.as_str().to_owned(),
        },
        _ => format!("recorded a {} event", e.kind.as_str()),
    }
}

/// A list of names, `a, b and c`.
pub(super) fn list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

fn seconds(d: chrono::Duration) -> i64 {
    d.num_seconds()
}

/// The side effects that happened (outcome `success`), by slot.
fn successful_effects<'a>(index: &'a Index<'_>) -> impl Iterator<Item = (usize, &'a Event)> + 'a {
    index
        .iter()
        .filter(|(_, _, e)| {
            e.kind == Kind::SideEffect
                && e.change
                    .as_ref()
                    .is_some_and(|c| c.outcome == Outcome::Success)
        })
        .map(|(slot, _, e)| (slot, e))
}

// ---------------------------------------------------------------------------------
// shared-account

/// An account's tokens, and per other identity the events carrying one of them.
type Account<'a> = (BTreeSet<&'a str>, BTreeMap<&'a str, Vec<usize>>);

/// How many other identities a shared-account finding names at most.
const OTHERS_NAMED: usize = 10;

/// An account as a shared-account finding reads it: its actor ID, its name, and the
/// token on the action.
type AccountKey<'a> = (&'a str, Option<&'a str>, Option<&'a str>);

/// Who else used a shared account's credentials before one of its actions.
pub(super) struct SharedUse {
    /// Whether the policy lists the account as shared (else it is a service account).
    pub(super) listed: bool,
    /// The account's credentials: the token on the action and every token whose
    /// subject is the account.
    pub(super) tokens: Vec<String>,
    /// For each other identity that read or used them before the action (the most
    /// recent [`OTHERS_NAMED`]), the slot of its latest such event, in bundle order.
    pub(super) others: Vec<usize>,
}

/// What [`SharedUse`] reads, built once per bundle.
pub(super) struct Shared<'i, 'a> {
    index: &'i Index<'a>,
    by_token: BTreeMap<&'a str, Vec<usize>>,
    by_subject: BTreeMap<&'a str, BTreeSet<&'a str>>,
    accounts: BTreeMap<AccountKey<'a>, Account<'a>>,
}

impl<'i, 'a> Shared<'i, 'a> {
    pub(super) fn new(index: &'i Index<'a>) -> Shared<'i, 'a> {
        // Who carried which token, and which tokens each subject has.
        let mut by_token: BTreeMap<&'a str, Vec<usize>> = BTreeMap::new();
        let mut by_subject: BTreeMap<&'a str, BTreeSet<&'a str>> = BTreeMap::new();
        for (slot, _, e) in index.iter() {
            if let Some(c) = &e.credential {
                by_token.entry(c.token_id.as_str()).or_default().push(slot);
                if let Some(subject) = c.subject.as_deref() {
                    by_subject
                        .entry(subject)
                        .or_default()
                        .insert(c.token_id.as_str());
                }
            }
        }
        Shared {
            index,
            by_token,
            by_subject,
            accounts: BTreeMap::new(),
        }
    }

    /// The shared use of the action in `slot`: `None` unless its actor is a service
    /// account or an account `policy` lists as shared.
    pub(super) fn of(&mut self, policy: &Policy, slot: usize) -> Option<SharedUse> {
        let index = self.index;
        let e = index.event(slot)?;
        let listed = policy
            .shared_accounts
            .iter()
            .any(|p| glob(p, &e.actor.id) || e.actor.name.as_deref().is_some_and(|n| glob(p, n)));
        if e.actor.kind != ActorType::Service && !listed {
            return None;
        }
        let own = e.credential.as_ref().map(|c| c.token_id.as_str());
        let name = e.actor.name.as_deref();
        let (by_token, by_subject) = (&self.by_token, &self.by_subject);
        let (tokens, carried) = self
            .accounts
            .entry((e.actor.id.as_str(), name, own))
            .or_insert_with(|| {
                let mut tokens: BTreeSet<&str> = own.into_iter().collect();
                for n in std::iter::once(e.actor.id.as_str()).chain(name) {
                    if let Some(theirs) = by_subject.get(n) {
                        tokens.extend(theirs.iter().copied());
                    }
                }
                // Per other identity, its events carrying them, earliest first.
                let mut carried: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
                for &o in tokens
                    .iter()
                    .flat_map(|t| by_token.get(t).map_or(&[][..], Vec::as_slice))
                {
                    if let Some(oe) = index.event(o).filter(|oe| oe.actor.id != e.actor.id) {
                        carried.entry(oe.actor.id.as_str()).or_default().push(o);
                    }
                }
                for slots in carried.values_mut() {
                    slots.sort_by(|&a, &b| order(index, a, b));
                    slots.dedup();
                }
                (tokens, carried)
            });
        // Per other identity, its latest such event before the action; the most
        // recent identities, at most OTHERS_NAMED of them.
        let mut others: Vec<usize> = carried
            .values()
            .filter_map(|slots| {
                let before = slots.partition_point(|&o| index.earlier(o, slot));
                slots.get(before.checked_sub(1)?).copied()
            })
            .collect();
        others.sort_by(|&a, &b| order(index, b, a));
        others.truncate(OTHERS_NAMED);
        others.sort_by_key(|&o| index.pos(o));
        Some(SharedUse {
            listed,
            tokens: tokens.iter().map(|t| (*t).to_owned()).collect(),
            others,
        })
    }
}

/// An action (side effect, tool call or outbound request) by a service account, or by
/// an account the policy names as shared, whose intent is not recorded: neither it
/// nor any event it follows from names an initiator, anyone it acts for, or a
/// human's request (see [`super::account::intent`]). One finding per such action; it
/// names the action, then, for each other identity that earlier read or used the
/// account's credentials (the most recent [`OTHERS_NAMED`]), its latest such event,
/// in bundle order.
pub(super) fn shared_account(index: &Index<'_>, policy: &Policy) -> Vec<Finding> {
    let mut shared = Shared::new(index);
    let mut out = Vec::new();
    for (slot, pos, e) in index.iter() {
        if !matches!(
            e.kind,
            Kind::SideEffect | Kind::ToolCall | Kind::HttpRequest
        ) {
            continue;
        }
        let Some(used) = shared.of(policy, slot) else {
            continue;
        };
        if super::account::intent(index, slot).is_recorded() {
            continue;
        }
        let other_names: Vec<String> = used
            .others
            .iter()
            .filter_map(|&o| index.event(o))
            .map(|o| who(&o.actor))
            .collect();
        let account = who(&e.actor);
        let why = if used.listed {
            "an account the policy lists as shared"
        } else {
            "a service account"
        };
        let mut detail = format!(
            "{account}, {why}, {} at {} with neither an initiator nor onBehalfOf: the evidence does not say who acted through it.",
            what(e),
            crate::time::readable(&e.time)
        );
        if !other_names.is_empty() {
            detail.push_str(&format!(
                " Before it, {} read or used its credential {}.",
                list(&other_names),
                list(&used.tokens)
            ));
        }
        let mut events = vec![pos];
        events.extend(used.others.iter().map(|&o| index.pos(o)));
        out.push(finding(Rule::SharedAccount, events, detail));
    }
    out
}

// ---------------------------------------------------------------------------------
// approval-missing, approval-late

/// What a side effect's approval comes to.
pub(super) enum Approval<'a> {
    /// Its resource needs no approval and it cites or follows from none.
    NotNeeded,
    /// Approved before it (within the clock skew): the decision's slot and the
    /// approval ID.
    Granted(usize, &'a str),
    /// Approved, but only after it: the decision's slot and the approval ID.
    Late(usize, &'a str),
    /// Rejected, and approved nowhere: the decision's slot and the approval ID.
    Rejected(usize, &'a str),
    /// Needed, but no decision on it is in the bundle: why it is needed, the
    /// approval IDs it cites, and the slots of the requests for them.
    Undecided(String, Vec<&'a str>, Vec<usize>),
}

/// The approval IDs a side effect rests on: the `approvalRef` of it and of its
/// ancestors, and the IDs of the approval requests and decisions among its
/// ancestors, nearest first.
pub(super) fn approval_ids<'a>(index: &Index<'a>, slot: usize) -> Vec<&'a str> {
    let mut ids: Vec<&'a str> = Vec::new();
    for s in index.lineage(slot) {
        let Some(e) = index.event(s) else {
            continue;
        };
        let own = match e.kind {
            Kind::ApprovalRequest | Kind::ApprovalDecision => {
                e.approval.as_ref().map(|a| a.approval_id.as_str())
            }
            _ => None,
        };
        for id in [e.approval_ref.as_deref(), own].into_iter().flatten() {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
    }
    ids
}

pub(super) fn approval<'a>(index: &Index<'a>, policy: &Policy, slot: usize) -> Approval<'a> {
    let Some(e) = index.event(slot) else {
        return Approval::NotNeeded;
    };
    let resource = e.change.as_ref().map_or("", |c| c.resource.as_str());
    let pattern = policy.approval_required.iter().find(|p| glob(p, resource));
    let requested = index.ancestors(slot).into_iter().find(|&a| {
        index
            .event(a)
            .is_some_and(|a| a.kind == Kind::ApprovalRequest)
    });
    let ids = approval_ids(index, slot);
    let why = match (pattern, requested) {
        (Some(p), _) => format!("{resource} matches the approval-required pattern {p}"),
        (None, Some(r)) => format!(
            "it follows from an approval request at {}",
            index.time_text(r)
        ),
        (None, None) if !ids.is_empty() => format!("it cites approval {}", list(&owned(&ids))),
        (None, None) => return Approval::NotNeeded,
    };
    let decisions: Vec<(usize, &'a str)> = ids
        .iter()
        .flat_map(|id| index.approval_decisions(id).iter().map(move |&d| (d, *id)))
        .collect();
    let outcome = |d: usize| {
        index
            .event(d)
            .and_then(|e| e.approval.as_ref())
            .and_then(|a| a.decision)
    };
    let approved: Vec<(usize, &'a str)> = decisions
        .iter()
        .copied()
        .filter(|&(d, _)| outcome(d) == Some(ApprovalOutcome::Approved))
        .collect();
    let in_time = |d: usize| match (index.time(d), index.time(slot)) {
        (Some(td), Some(ts)) => td <= ts + index.skew(),
        _ => index.pos(d) < index.pos(slot),
    };
    if let Some(&(d, id)) = approved
        .iter()
        .filter(|&&(d, _)| in_time(d))
        .min_by(|a, b| order(index, a.0, b.0))
    {
        return Approval::Granted(d, id);
    }
    if let Some(&(d, id)) = approved.iter().min_by(|a, b| order(index, a.0, b.0)) {
        return Approval::Late(d, id);
    }
    if let Some(&(d, id)) = decisions
        .iter()
        .filter(|&&(d, _)| outcome(d) == Some(ApprovalOutcome::Rejected))
        .min_by(|a, b| order(index, a.0, b.0))
    {
        return Approval::Rejected(d, id);
    }
    let mut requests: Vec<usize> = ids
        .iter()
        .flat_map(|id| index.approval_requests(id).iter().copied())
        .chain(requested)
        .collect();
    requests.sort_by(|a, b| order(index, *a, *b));
    requests.dedup();
    Approval::Undecided(why, ids, requests)
}

pub(super) fn order(index: &Index<'_>, a: usize, b: usize) -> std::cmp::Ordering {
    if index.earlier(a, b) {
        std::cmp::Ordering::Less
    } else if index.earlier(b, a) {
        std::cmp::Ordering::Greater
    } else {
        std::cmp::Ordering::Equal
    }
}

fn owned(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// The decider of an approval decision.
fn decider(index: &Index<'_>, d: usize) -> String {
    index.event(d).map_or_else(String::new, |e| {
        who(e
            .approval
            .as_ref()
            .and_then(|a| a.decided_by.as_ref())
            .unwrap_or(&e.actor))
    })
}

/// A side effect that needs an approval (its resource matches
/// `policy.approval_required`, it follows from an approval request, or it cites an
/// approval) and rests on no approval granted in the bundle: none decided, or
/// rejected. Names the side effect, then the rejection or the requests.
pub(super) fn approval_missing(index: &Index<'_>, policy: &Policy) -> Vec<Finding> {
    let mut out = Vec::new();
    for (slot, e) in successful_effects(index) {
        let actor = who(&e.actor);
        let head = format!("{actor} {} at {}", what(e), crate::time::readable(&e.time));
        match approval(index, policy, slot) {
            Approval::Rejected(d, id) => out.push(finding(
                Rule::ApprovalMissing,
                vec![index.pos(slot), index.pos(d)],
                format!(
                    "{head}, although approval {id} was rejected by {} at {}.",
                    decider(index, d),
                    index.time_text(d)
                ),
            )),
            Approval::Undecided(why, ids, requests) => {
                let cited = if ids.is_empty() {
                    "it rests on no approval".to_owned()
                } else {
                    format!(
                        "approval {} has no decision in the bundle",
                        list(&owned(&ids))
                    )
                };
                let mut events = vec![index.pos(slot)];
                events.extend(requests.iter().map(|&r| index.pos(r)));
                out.push(finding(
                    Rule::ApprovalMissing,
                    events,
                    format!("{head}; {why}, but {cited}."),
                ));
            }
            Approval::NotNeeded | Approval::Granted(..) | Approval::Late(..) => {}
        }
    }
    out
}

/// A side effect whose approval was granted only after it (beyond the clock skew).
/// Names the side effect, then the approval decision.
pub(super) fn approval_late(index: &Index<'_>, policy: &Policy) -> Vec<Finding> {
    let mut out = Vec::new();
    for (slot, e) in successful_effects(index) {
        if let Approval::Late(d, id) = approval(index, policy, slot) {
            let gap = match (index.time(d), index.time(slot)) {
                (Some(td), Some(ts)) => format!(" ({} s after)", seconds(td - ts)),
                _ => String::new(),
            };
            out.push(finding(
                Rule::ApprovalLate,
                vec![index.pos(slot), index.pos(d)],
                format!(
                    "{} {} at {}; approval {id} was granted by {} only at {}{gap}.",
                    who(&e.actor),
                    what(e),
                    crate::time::readable(&e.time),
                    decider(index, d),
                    index.time_text(d)
                ),
            ));
        }
    }
    out
}

// ---------------------------------------------------------------------------------
// credential-before-issue, credential-expired, credential-revoked

/// One event presenting a token: the event's slot and the token.
pub(super) struct Use<'a> {
    /// The using event's slot.
    pub(super) slot: usize,
    /// The token.
    pub(super) token: &'a str,
    /// Whether the event carries the token as its own `credential` (rather than
    /// as the `exchangedFrom` of a new one).
    pub(super) own: bool,
}

/// Every event that uses a token: any event carrying a credential, except the
/// revocation and the issue or exchange that makes it; an exchange uses the token
/// it was exchanged from.
fn uses<'a>(index: &Index<'a>) -> Vec<Use<'a>> {
    let mut out = Vec::new();
    for (slot, _, e) in index.iter() {
        let Some(c) = &e.credential else {
            continue;
        };
        match e.kind {
            Kind::CredentialRevoke => {}
            Kind::CredentialIssue => {}
            Kind::CredentialExchange => {
                if let Some(from) = c.exchanged_from.as_deref() {
                    out.push(Use {
                        slot,
                        token: from,
                        own: false,
                    });
                }
            }
            _ => out.push(Use {
                slot,
                token: c.token_id.as_str(),
                own: true,
            }),
        }
    }
    out
}

/// The issue or expiry time of a token used in `u`: from the event that issued it,
/// else from the using event's own credential.
fn token_time<'a>(
    index: &Index<'a>,
    u: &Use<'a>,
    field: fn(&crate::event::Credential) -> Option<&String>,
) -> Option<(chrono::DateTime<chrono::Utc>, String, Option<usize>)> {
    let issued = index.issuing(u.token);
    let from_issue = issued
        .and_then(|i| index.event(i))
        .and_then(|e| e.credential.as_deref())
        .and_then(field)
        .map(|t| (t.clone(), issued));
    let from_own = || {
        if !u.own {
            return None;
        }
        index
            .event(u.slot)
            .and_then(|e| e.credential.as_deref())
            .and_then(field)
            .map(|t| (t.clone(), None))
    };
    let (text, by) = from_issue.or_else(from_own)?;
    let time = crate::time::parse(&text)?;
    Some((time, text, by))
}

/// Groups offending uses by token: one finding per token, naming the uses in bundle
/// order, then the event that proves the limit (issue or revocation).
fn per_token(
    rule: Rule,
    index: &Index<'_>,
    offending: Vec<(usize, String, Option<usize>, String)>,
) -> Vec<Finding> {
    // token → (use slots, proof slot, limit text)
    let mut by_token: BTreeMap<String, (Vec<usize>, Option<usize>, String)> = BTreeMap::new();
    for (slot, token, proof, limit) in offending {
        let entry = by_token
            .entry(token)
            .or_insert_with(|| (Vec::new(), proof, limit));
        entry.0.push(slot);
    }
    let mut out = Vec::new();
    for (token, (mut slots, proof, limit)) in by_token {
        slots.sort_by_key(|&s| index.pos(s));
        slots.dedup();
        let Some(&first) = slots.first() else {
            continue;
        };
        let Some(e) = index.event(first) else {
            continue;
        };
        let more = match slots.len() {
            1 => String::new(),
            n => format!(" (and {} more events)", n - 1),
        };
        let mut events: Vec<usize> = slots.iter().map(|&s| index.pos(s)).collect();
        if let Some(p) = proof {
            let p = index.pos(p);
            if !events.contains(&p) {
                events.push(p);
            }
        }
        out.push(finding(
            rule,
            events,
            format!(
                "{}'s {} at {} used token {token}{more} {limit}.",
                who(&e.actor),
                e.kind.as_str(),
                crate::time::readable(&e.time)
            ),
        ));
    }
    out
}

/// What the bundle shows of a token's validity at the moment of one use: when it
/// was issued and expires (each with the text written and the issuing event, when
/// it comes from one), and the earliest revocation at or before the use.
pub(super) struct Limits {
    /// When it was issued.
    pub(super) issued: Option<(chrono::DateTime<chrono::Utc>, String, Option<usize>)>,
    /// When it expires.
    pub(super) expires: Option<(chrono::DateTime<chrono::Utc>, String, Option<usize>)>,
    /// The slot of the earliest revocation at or before the use.
    pub(super) revoked: Option<usize>,
    /// Used before it was issued (beyond the clock skew).
    pub(super) before_issue: bool,
    /// Used after it expired (beyond the clock skew).
    pub(super) expired: bool,
}

/// The limits of the token used in `u`, read as the credential rules read them.
pub(super) fn limits<'a>(index: &Index<'a>, u: &Use<'a>) -> Limits {
    let t = index.time(u.slot);
    let issued = token_time(index, u, |c| c.issued_at.as_ref());
    let expires = token_time(index, u, |c| c.expires_at.as_ref());
    let revoked = t.and_then(|t| {
        index
            .revokes(u.token)
            .iter()
            .copied()
            .filter(|&r| index.time(r).is_some_and(|tr| tr <= t))
            .min_by(|a, b| order(index, *a, *b))
    });
    let before_issue = match (t, &issued) {
        (Some(t), Some((at, ..))) => t + index.skew() < *at,
        _ => false,
    };
    let expired = match (t, &expires) {
        (Some(t), Some((at, ..))) => t > *at + index.skew(),
        _ => false,
    };
    Limits {
        issued,
        expires,
        revoked,
        before_issue,
        expired,
    }
}

/// A token used before the time it was issued (beyond the clock skew).
pub(super) fn credential_before_issue(index: &Index<'_>) -> Vec<Finding> {
    let mut offending = Vec::new();
    for u in uses(index) {
        let l = limits(index, &u);
        if let (true, Some((_, text, by))) = (l.before_issue, l.issued) {
            offending.push((
                u.slot,
                u.token.to_owned(),
                by,
                format!("before it was issued at {}", crate::time::readable(&text)),
            ));
        }
    }
    per_token(Rule::CredentialBeforeIssue, index, offending)
}

/// A token used after it expired (beyond the clock skew).
pub(super) fn credential_expired(index: &Index<'_>) -> Vec<Finding> {
    let mut offending = Vec::new();
    for u in uses(index) {
        let l = limits(index, &u);
        if let (true, Some((_, text, by))) = (l.expired, l.expires) {
            offending.push((
                u.slot,
                u.token.to_owned(),
                by,
                format!("after it expired at {}", crate::time::readable(&text)),
            ));
        }
    }
    per_token(Rule::CredentialExpired, index, offending)
}

/// A token used at or after a `credential.revoke` of it.
pub(super) fn credential_revoked(index: &Index<'_>) -> Vec<Finding> {
    let mut offending = Vec::new();
    for u in uses(index) {
        if let Some(r) = limits(index, &u).revoked {
            let by = index.event(r).map_or_else(String::new, |e| who(&e.actor));
            offending.push((
                u.slot,
                u.token.to_owned(),
                Some(r),
                format!("after {by} revoked it at {}", index.time_text(r)),
            ));
        }
    }
    per_token(Rule::CredentialRevoked, index, offending)
}

// ---------------------------------------------------------------------------------
// credential-misused

/// The uses of one token by one actor: their slots, the token's subject, and the
/// slot of the event that issued it.
type Misuse = (Vec<usize>, String, Option<usize>);

/// A token presented (`credential.use`) or acted under (a tool call, outbound request
/// or side effect carrying it) by an actor whose ID and name both differ from the
/// token's subject, where the subject is an identity the bundle shows, the actor
/// does not act on the subject's behalf (`onBehalfOf`), and no chain of
/// `task.delegate` events recorded by then leads from the subject to the actor.
/// One finding per token and actor.
pub(super) fn credential_misused(index: &Index<'_>) -> Vec<Finding> {
    // (token, actor ID) → (use slots, subject, issuing slot)
    let mut found: BTreeMap<(String, String), Misuse> = BTreeMap::new();
    let edges = delegation_edges(index);
    let mut subjects: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (slot, _, e) in index.iter() {
        if !matches!(
            e.kind,
            Kind::CredentialUse | Kind::ToolCall | Kind::HttpRequest | Kind::SideEffect
        ) {
            continue;
        }
        let Some(c) = &e.credential else {
            continue;
        };
        let issued = index.issuing(&c.token_id);
        let subject = issued
            .and_then(|i| index.event(i))
            .and_then(|i| i.credential.as_ref())
            .and_then(|ic| ic.subject.as_deref())
            .or(c.subject.as_deref());
        let Some(subject) = subject else {
            continue;
        };
        if names(&e.actor, subject)
            || e.on_behalf_of.iter().any(|a| names(a, subject))
            || !index.is_identity(subject)
        {
            continue;
        }
        let ids = subjects
            .entry(subject)
            .or_insert_with(|| index.ids_named(subject));
        if delegated(index, &edges, ids, &e.actor.id, slot) {
            continue;
        }
        found
            .entry((c.token_id.clone(), e.actor.id.clone()))
            .or_insert_with(|| (Vec::new(), subject.to_owned(), issued))
            .0
            .push(slot);
    }
    let mut out = Vec::new();
    for ((token, _), (slots, subject, issued)) in found {
        let Some(e) = slots.first().and_then(|&s| index.event(s)) else {
            continue;
        };
        let mut events: Vec<usize> = slots.iter().map(|&s| index.pos(s)).collect();
        events.extend(issued.map(|i| index.pos(i)));
        out.push(finding(
            Rule::CredentialMisused,
            events,
            format!(
                "{}'s {} at {} used token {token}, whose subject is {subject}; no delegation from {subject} to it is recorded and it does not act on {subject}'s behalf.",
                who(&e.actor),
                e.kind.as_str(),
                crate::time::readable(&e.time)
            ),
        ));
    }
    out
}

/// Every delegation between two actors (`task.delegate`: the delegator's and the
/// delegate's actor IDs), each with the slot of its earliest event.
fn delegation_edges<'a>(index: &Index<'a>) -> BTreeMap<&'a str, Vec<(&'a str, usize)>> {
    let mut first: BTreeMap<(&'a str, &'a str), usize> = BTreeMap::new();
    for (slot, _, e) in index.iter() {
        if e.kind != Kind::TaskDelegate {
            continue;
        }
        if let Some(d) = &e.delegation {
            let at = first
                .entry((e.actor.id.as_str(), d.to.id.as_str()))
                .or_insert(slot);
            if index.earlier(slot, *at) {
                *at = slot;
            }
        }
    }
    let mut out: BTreeMap<&'a str, Vec<(&'a str, usize)>> = BTreeMap::new();
    for ((from, to), slot) in first {
        out.entry(from).or_default().push((to, slot));
    }
    out
}

/// Whether a chain of the delegations in `edges`, each recorded no later than the
/// event in `at` (within the clock skew), leads from one of the actor IDs `from` to
/// the actor `to`.
fn delegated(
    index: &Index<'_>,
    edges: &BTreeMap<&str, Vec<(&str, usize)>>,
    from: &BTreeSet<&str>,
    to: &str,
    at: usize,
) -> bool {
    let limit = index.time(at).map(|t| t + index.skew());
    let in_time = |slot: usize| match (index.time(slot), limit) {
        (Some(t), Some(limit)) => t <= limit,
        _ => index.pos(slot) <= index.pos(at),
    };
    let mut seen: BTreeSet<&str> = from.clone();
    let mut queue: Vec<&str> = seen.iter().copied().collect();
    while let Some(node) = queue.pop() {
        if node == to {
            return true;
        }
        for &(next, slot) in edges.get(node).map_or(&[][..], Vec::as_slice) {
            if in_time(slot) && seen.insert(next) {
                queue.push(next);
            }
        }
    }
    false
}

// ---------------------------------------------------------------------------------
// scope-widened

/// A delegation that grants an item of scope its delegator did not hold (see
/// [`super::grants`]). Names the delegation, then the events that show what the
/// delegator held.
pub(super) fn scope_widened(index: &Index<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for g in super::grants::grants_in(index) {
        if g.widened.is_empty() {
            continue;
        }
        let held = g.held.clone().unwrap_or_default();
        let time = index
            .slot_at(g.position)
            .map_or(String::new(), |s| index.time_text(s));
        let mut events = vec![g.position];
        events.extend(g.held_from.iter().copied().filter(|&p| p != g.position));
        out.push(finding(
            Rule::ScopeWidened,
            events,
            format!(
                "{} delegated {} to {} at {time}, which it did not hold: it held only {}.",
                g.from,
                list(&g.widened),
                g.to,
                if held.is_empty() {
                    "nothing".to_owned()
                } else {
                    list(&held)
                }
            ),
        ));
    }
    out
}

// ---------------------------------------------------------------------------------
// decision-missing, decision-absent, decision-late

/// The policy decision a side effect rests on: walking from it through its
/// ancestors, the first `decisionRef` that names a decision in the bundle, or the
/// first `policy.decision` event itself. Also says whether any reference (resolved
/// or not) or decision event was seen.
pub(super) fn rests_on(index: &Index<'_>, slot: usize) -> (Option<usize>, bool) {
    let mut cited = false;
    for s in index.lineage(slot) {
        let Some(e) = index.event(s) else {
            continue;
        };
        if let Some(r) = e.decision_ref.as_deref() {
            cited = true;
            if let Some(&d) = index.decisions(r).first() {
                return (Some(d), true);
            }
        }
        if e.kind == Kind::PolicyDecision && e.decision.is_some() {
            return (Some(s), true);
        }
    }
    (None, cited)
}

/// Whether a side effect rests on an authority other than a policy decision: an
/// approval granted (in time or not: lateness is `approval-late`'s), or a task a
/// human delegated, among its ancestors.
pub(super) fn otherwise_authorised(index: &Index<'_>, policy: &Policy, slot: usize) -> bool {
    if matches!(
        approval(index, policy, slot),
        Approval::Granted(..) | Approval::Late(..)
    ) {
        return true;
    }
    index.ancestors(slot).into_iter().any(|a| {
        index
            .event(a)
            .is_some_and(|e| e.kind == Kind::TaskDelegate && e.actor.kind == ActorType::Human)
    })
}

/// A side effect that happened resting on no policy decision: neither it nor any
/// ancestor cites one or is one, and no granted approval or human delegation
/// authorises it otherwise. Also a side effect that happened although the decision
/// it rests on denied it. Names the side effect (and the denying decision).
pub(super) fn decision_missing(index: &Index<'_>, policy: &Policy) -> Vec<Finding> {
    let mut out = Vec::new();
    for (slot, e) in successful_effects(index) {
        let head = format!(
            "{} {} at {}",
            who(&e.actor),
            what(e),
            crate::time::readable(&e.time)
        );
        match rests_on(index, slot) {
            (Some(d), _) => {
                let denied = index
                    .event(d)
                    .and_then(|d| d.decision.as_ref())
                    .filter(|d| d.decision == Verdict::Deny);
                if let Some(decision) = denied {
                    out.push(finding(
                        Rule::DecisionMissing,
                        vec![index.pos(slot), index.pos(d)],
                        format!(
                            "{head}, although the policy decision it rests on, {} ({} {}), denied it at {}.",
                            decision.decision_id,
                            decision.policy_id,
                            decision.policy_version,
                            index.time_text(d)
                        ),
                    ));
                }
            }
            (None, true) => {} // cited but absent: decision-absent
            (None, false) => {
                if !otherwise_authorised(index, policy, slot) {
                    out.push(finding(
                        Rule::DecisionMissing,
                        vec![index.pos(slot)],
                        format!(
                            "{head}; neither it nor any event it follows from cites a policy decision, a granted approval or a human's delegation."
                        ),
                    ));
                }
            }
        }
    }
    out
}

/// A `decisionRef` naming no `policy.decision` in the bundle. One finding per
/// decision ID, naming every event that cites it.
pub(super) fn decision_absent(index: &Index<'_>) -> Vec<Finding> {
    let mut by_ref: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (slot, _, e) in index.iter() {
        if let Some(r) = e.decision_ref.as_deref() {
            if index.decisions(r).is_empty() {
                by_ref.entry(r).or_default().push(slot);
            }
        }
    }
    let mut out = Vec::new();
    for (r, slots) in by_ref {
        let Some(e) = slots.first().and_then(|&s| index.event(s)) else {
            continue;
        };
        let more = match slots.len() {
            1 => String::new(),
            n => format!(" and {} other events", n - 1),
        };
        out.push(finding(
            Rule::DecisionAbsent,
            slots.iter().map(|&s| index.pos(s)).collect(),
            format!(
                "Policy decision {r}, cited by {}'s {} at {}{more}, is not in the bundle.",
                who(&e.actor),
                e.kind.as_str(),
                crate::time::readable(&e.time)
            ),
        ));
    }
    out
}

/// An event whose `decisionRef` names a decision made only after it (beyond the
/// clock skew). One finding per decision ID: the citing events, then the decision.
pub(super) fn decision_late(index: &Index<'_>) -> Vec<Finding> {
    let mut by_ref: BTreeMap<&str, (Vec<usize>, usize)> = BTreeMap::new();
    for (slot, _, e) in index.iter() {
        let Some(r) = e.decision_ref.as_deref() else {
            continue;
        };
        let decisions = index.decisions(r);
        let Some(t) = index.time(slot) else {
            continue;
        };
        let late = !decisions.is_empty()
            && decisions
                .iter()
                .all(|&d| index.time(d).is_some_and(|td| td > t + index.skew()));
        if let (true, Some(&d)) = (late, decisions.first()) {
            by_ref
                .entry(r)
                .or_insert_with(|| (Vec::new(), d))
                .0
                .push(slot);
        }
    }
    let mut out = Vec::new();
    for (r, (slots, d)) in by_ref {
        let Some(&first) = slots.first() else {
            continue;
        };
        let Some(e) = index.event(first) else {
            continue;
        };
        let gap = match (index.time(d), index.time(first)) {
            (Some(td), Some(t)) => format!(" ({} s later)", seconds(td - t)),
            _ => String::new(),
        };
        let mut events: Vec<usize> = slots.iter().map(|&s| index.pos(s)).collect();
        events.push(index.pos(d));
        out.push(finding(
            Rule::DecisionLate,
            events,
            format!(
                "{}'s {} at {} rests on policy decision {r}, which was made only at {}{gap}.",
                who(&e.actor),
                e.kind.as_str(),
                crate::time::readable(&e.time),
                index.time_text(d)
            ),
        ));
    }
    out
}

// ---------------------------------------------------------------------------------
// no-executor

/// A side effect whose parent is a `model.output` (no tool call or request between)
/// and that carries no credential. Names the side effect, then the model output.
pub(super) fn no_executor(index: &Index<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for (slot, pos, e) in index.iter() {
        if e.kind != Kind::SideEffect || e.credential.is_some() {
            continue;
        }
        let Some(p) = index.parent(slot) else {
            continue;
        };
        let Some(parent) = index.event(p).filter(|p| p.kind == Kind::ModelOutput) else {
            continue;
        };
        out.push(finding(
            Rule::NoExecutor,
            vec![pos, index.pos(p)],
            format!(
                "{} at {} follows directly from {}'s model output at {}, with no tool call or request between and no credential: the model's output was taken as the action.",
                what(e),
                crate::time::readable(&e.time),
                who(&parent.actor),
                crate::time::readable(&parent.time)
            ),
        ));
    }
    out
}

// ---------------------------------------------------------------------------------
// clock-inversion

/// An event timestamped more than the clock skew before its parent, or before its
/// emitter's previous event (by `seq`). One finding per such event: the event, then
/// the event(s) it should not precede.
pub(super) fn clock_inversion(index: &Index<'_>) -> Vec<Finding> {
    // slot → (earlier-ordered witnesses, reasons)
    let mut found: BTreeMap<usize, (Vec<usize>, Vec<String>)> = BTreeMap::new();
    let before = |a: usize, b: usize| match (index.time(a), index.time(b)) {
        (Some(ta), Some(tb)) => ta + index.skew() < tb,
        _ => false,
    };
    for (slot, _, _) in index.iter() {
        if let Some(p) = index.parent(slot).filter(|&p| before(slot, p)) {
            let entry = found.entry(slot).or_default();
            entry.0.push(p);
            entry.1.push(format!(
                "its parent {} at {}",
                index.event(p).map_or("", |e| e.kind.as_str()),
                index.time_text(p)
            ));
        }
    }
    let mut by_emitter: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (slot, _, e) in index.iter() {
        by_emitter.entry(e.emitter.as_str()).or_default().push(slot);
    }
    for slots in by_emitter.values_mut() {
        slots.sort_by_key(|&s| (index.event(s).map_or(0, |e| e.seq), index.pos(s)));
        for pair in slots.windows(2) {
            let (Some(&prev), Some(&next)) = (pair.first(), pair.get(1)) else {
                continue;
            };
            if before(next, prev) {
                let entry = found.entry(next).or_default();
                if !entry.0.contains(&prev) {
                    entry.0.push(prev);
                    entry.1.push(format!(
                        "its emitter's previous event (seq {}) at {}",
                        index.event(prev).map_or(0, |e| e.seq),
                        index.time_text(prev)
                    ));
                }
            }
        }
    }
    let mut out = Vec::new();
    for (slot, (witnesses, reasons)) in found {
        let Some(e) = index.event(slot) else {
            continue;
        };
        let mut events = vec![index.pos(slot)];
        events.extend(witnesses.iter().map(|&w| index.pos(w)));
        out.push(finding(
            Rule::ClockInversion,
            events,
            format!(
                "{}'s {} (seq {} of {}) is timestamped {}, before {}.",
                who(&e.actor),
                e.kind.as_str(),
                e.seq,
                e.emitter,
                crate::time::readable(&e.time),
                list(&reasons)
            ),
        ));
    }
    out
}

// ---------------------------------------------------------------------------------
// no-separation

/// A side effect that happened, where one identity (actor ID) proposed, validated
/// and executed it and no other identity validated it:
/// - executed: the actor of the side effect, or of the nearest tool call or
///   outbound request among its ancestors;
/// - validated: the decider of an approval granted for it (see `approval-missing`
///   for which approvals it rests on), or the actor of a `model.output` or
///   `task.delegate` among its ancestors that cites a policy decision (a review
///   recorded against a policy and handed on);
/// - proposed: the actor of a `request` or `model.output` among its ancestors
///   (other than the validations), or of the request for an approval it rests on.
///
/// A side effect nobody validated is not this rule's (see `approval-missing`).
/// Names the side effect, then the proposal, the validation and the execution.
pub(super) fn no_separation(index: &Index<'_>) -> Vec<Finding> {
    let mut out = Vec::new();
    for (slot, e) in successful_effects(index) {
        let ancestors = index.ancestors(slot);
        let event = |s: usize| index.event(s);
        // Executions: the nearest tool call or request, then the side effect.
        let mut executions: Vec<usize> = ancestors
            .iter()
            .copied()
            .find(|&a| {
                event(a).is_some_and(|a| matches!(a.kind, Kind::ToolCall | Kind::HttpRequest))
            })
            .into_iter()
            .collect();
        executions.push(slot);
        // Validations, each with its validator.
        let ids = approval_ids(index, slot);
        let mut validations: Vec<(usize, &str)> = Vec::new();
        for id in &ids {
            for &d in index.approval_decisions(id) {
                let Some(de) = event(d) else {
                    continue;
                };
                let Some(a) = de.approval.as_ref() else {
                    continue;
                };
                if a.decision == Some(ApprovalOutcome::Approved) {
                    let by = a.decided_by.as_ref().unwrap_or(&de.actor);
                    validations.push((d, by.id.as_str()));
                }
            }
        }
        for &a in &ancestors {
            if let Some(ae) = event(a) {
                if matches!(ae.kind, Kind::ModelOutput | Kind::TaskDelegate)
                    && ae.decision_ref.is_some()
                {
                    validations.push((a, ae.actor.id.as_str()));
                }
            }
        }
        let validators: BTreeSet<&str> = validations.iter().map(|(_, v)| *v).collect();
        let validators: Vec<&str> = validators.into_iter().collect();
        let [x] = validators.as_slice() else {
            continue;
        };
        // Proposals.
        let mut proposals: Vec<usize> = ancestors
            .iter()
            .copied()
            .filter(|&a| {
                event(a).is_some_and(|ae| matches!(ae.kind, Kind::Request | Kind::ModelOutput))
                    && !validations.iter().any(|(v, _)| *v == a)
            })
            .collect();
        for id in &ids {
            proposals.extend(index.approval_requests(id).iter().copied());
        }
        let x: &str = x;
        let by_x = |s: &usize| event(*s).is_some_and(|e| e.actor.id == x);
        let (Some(proposal), Some(execution)) = (
            proposals.iter().copied().find(by_x),
            executions.iter().copied().find(by_x),
        ) else {
            continue;
        };
        let Some(&(validation, _)) = validations.first() else {
            continue;
        };
        let mut events = vec![index.pos(slot)];
        for s in [proposal, validation, execution] {
            let p = index.pos(s);
            if !events.contains(&p) {
                events.push(p);
            }
        }
        let name = event(execution).map_or_else(|| x.to_owned(), |e| who(&e.actor));
        out.push(finding(
            Rule::NoSeparation,
            events,
            format!(
                "{name} proposed ({} at {}), validated ({} at {}) and executed {} at {}; no other identity validated it.",
                event(proposal).map_or("", |e| e.kind.as_str()),
                index.time_text(proposal),
                event(validation).map_or("", |e| e.kind.as_str()),
                index.time_text(validation),
                what(e),
                crate::time::readable(&e.time)
            ),
        ));
    }
    out
}
