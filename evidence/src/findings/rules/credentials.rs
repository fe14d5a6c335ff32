//! The rules that read the tokens events carry: `shared-account` (who else carried
//! a service or shared account's credentials), `credential-before-issue`,
//! `credential-expired`, `credential-revoked` (a token's limits at each use) and
//! `credential-misused` (a token used by someone other than its subject, reading
//! the delegations in [`super::delegation`]).

use std::collections::{BTreeMap, BTreeSet};

use super::delegation::{delegated, delegation_edges};
use super::{finding, list, order, what};
use crate::event::{ActorType, Kind};
use crate::findings::index::{glob, names, who, Index};
use crate::findings::{Finding, Policy, Rule};

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
pub(in crate::findings) struct SharedUse {
    /// Whether the policy lists the account as shared (else it is a service account).
    pub(in crate::findings) listed: bool,
    /// The account's credentials: the token on the action and every token whose
    /// subject is the account.
    pub(in crate::findings) tokens: Vec<String>,
    /// For each other identity that read or used them before the action (the most
    /// recent [`OTHERS_NAMED`]), the slot of its latest such event, in bundle order.
    pub(in crate::findings) others: Vec<usize>,
}

/// What [`SharedUse`] reads, built once per bundle.
pub(in crate::findings) struct Shared<'i, 'a> {
    index: &'i Index<'a>,
    by_token: BTreeMap<&'a str, Vec<usize>>,
    by_subject: BTreeMap<&'a str, BTreeSet<&'a str>>,
    accounts: BTreeMap<AccountKey<'a>, Account<'a>>,
}

impl<'i, 'a> Shared<'i, 'a> {
    pub(in crate::findings) fn new(index: &'i Index<'a>) -> Shared<'i, 'a> {
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
    pub(in crate::findings) fn of(&mut self, policy: &Policy, slot: usize) -> Option<SharedUse> {
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
/// human's request (see [`crate::findings::account::intent`]). One finding per such action; it
/// names the action, then, for each other identity that earlier read or used the
/// account's credentials (the most recent [`OTHERS_NAMED`]), its latest such event,
/// in bundle order.
pub(in crate::findings) fn shared_account(index: &Index<'_>, policy: &Policy) -> Vec<Finding> {
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
        if crate::findings::account::intent(index, slot).is_recorded() {
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
// credential-before-issue, credential-expired, credential-revoked

/// One event presenting a token: the event's slot and the token.
pub(in crate::findings) struct Use<'a> {
    /// The using event's slot.
    pub(in crate::findings) slot: usize,
    /// The token.
    pub(in crate::findings) token: &'a str,
    /// Whether the event carries the token as its own `credential` (rather than
    /// as the `exchangedFrom` of a new one).
    pub(in crate::findings) own: bool,
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
pub(in crate::findings) struct Limits {
    /// When it was issued.
    pub(in crate::findings) issued: Option<(chrono::DateTime<chrono::Utc>, String, Option<usize>)>,
    /// When it expires.
    pub(in crate::findings) expires: Option<(chrono::DateTime<chrono::Utc>, String, Option<usize>)>,
    /// The slot of the earliest revocation at or before the use.
    pub(in crate::findings) revoked: Option<usize>,
    /// Used before it was issued (beyond the clock skew).
    pub(in crate::findings) before_issue: bool,
    /// Used after it expired (beyond the clock skew).
    pub(in crate::findings) expired: bool,
}

/// The limits of the token used in `u`, read as the credential rules read them.
pub(in crate::findings) fn limits<'a>(index: &Index<'a>, u: &Use<'a>) -> Limits {
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
pub(in crate::findings) fn credential_before_issue(index: &Index<'_>) -> Vec<Finding> {
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
pub(in crate::findings) fn credential_expired(index: &Index<'_>) -> Vec<Finding> {
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
pub(in crate::findings) fn credential_revoked(index: &Index<'_>) -> Vec<Finding> {
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
pub(in crate::findings) fn credential_misused(index: &Index<'_>) -> Vec<Finding> {
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
