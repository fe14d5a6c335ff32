//! The help page: what to do first, and what every verdict, reason code, finding
//! rule and role means. Every entry is generated from the tables the code itself
//! uses (`evidence::bundle::Status`, `evidence::reason::ALL`,
//! `evidence::findings::Rule::ALL`, `model::Role::ALL` with `Role::can`), so the page
//! cannot say something the verifier, the rules or the server do not do. Each entry
//! has a stable id (`components::help`) that badges, codes and findings link to.

use evidence::bundle::Status;
use evidence::findings::{Rule, Severity};
use evidence::reason::{Effect as ReasonEffect, Reason};
use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::help::{finding_id, href, reason_id, role_id, verdict_id};
use crate::components::verdict::{tone_of, Badge, Tone};
use model::{BundleStatus, Permission, Role};

use crate::components::page::PageHeader;

const H2: &str = "mb-3 scroll-mt-4 text-xl font-semibold tracking-tight";
const H3: &str = "mb-2 mt-6 scroll-mt-4 text-base font-semibold";
const LEAD: &str = "mb-4 max-w-3xl text-sm text-slate-600 dark:text-slate-400";
const DL: &str = "divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white dark:divide-slate-800 dark:border-slate-800 dark:bg-slate-900";
/// One entry of a definition list: its id is what links point at.
const ENTRY: &str = "scroll-mt-4 px-4 py-3 target:bg-amber-50 dark:target:bg-amber-950/40";
const LINK: &str = "underline underline-offset-2";

/// `/help`.
#[component]
pub fn HelpPage() -> impl IntoView {
    // The router scrolls to an address's fragment before the page it navigates to
    // is drawn; once this page is (the next frame), bring the entry a link asked for
    // into view.
    let location = leptos_router::hooks::use_location();
    Effect::new(move |_| {
        let id = location.hash.get().trim_start_matches('#').to_owned();
        if !id.is_empty() {
            request_animation_frame(move || {
                if let Some(entry) = document().get_element_by_id(&id) {
                    entry.scroll_into_view();
                }
            });
        }
    });
    view! {
        <Title text="Help"/>
        // Codes and addresses are long words: on a phone they wrap rather than widen the page.
        <div class="[overflow-wrap:anywhere]">
        <PageHeader
            title="Help"
            lead="What to do first, and what every verdict, reason code, attribution gap and role in Custody means. This page is generated from the same tables the verifier and the server use, so it says exactly what they do."
        />
        <FirstSteps/>
        <nav aria-label="On this page" class="mb-10 text-sm">
            <h2 class="mb-1 font-semibold">"On this page"</h2>
            <ul class="flex flex-wrap gap-x-4 gap-y-1">
                <li><a class=LINK href="#verdicts">"Verdicts"</a></li>
                <li><a class=LINK href="#reasons">"Reason codes"</a></li>
                <li><a class=LINK href="#findings">"Attribution gaps (findings)"</a></li>
                <li><a class=LINK href="#roles">"Roles"</a></li>
                <li><a class=LINK href="#trust-roots">"Trust roots"</a></li>
                <li><a class=LINK href="#provenance">"Provenance and reconciliation"</a></li>
                <li><a class=LINK href="#anchoring">"Anchoring"</a></li>
                <li><a class=LINK href="#offline">"A verdict offline"</a></li>
            </ul>
        </nav>
        <div class="space-y-12">
            <Verdicts/>
            <Reasons/>
            <Findings/>
            <Roles/>
            <TrustRoots/>
            <Provenance/>
            <Anchoring/>
            <Offline/>
        </div>
        </div>
    }
}

#[component]
fn FirstSteps() -> impl IntoView {
    view! {
        <section aria-labelledby="first" class="mb-10 max-w-3xl rounded-lg border border-emerald-200 bg-emerald-50 p-5 dark:border-emerald-900 dark:bg-emerald-950/40" data-testid="help-first-steps">
            <h2 id="first" class=H2>"What to do first"</h2>
            <ol class="list-decimal space-y-2 pl-5 text-sm">
                <li>
                    "Open an incident from the " <a class=LINK href="/">"Incidents"</a>
                    " list, or drop a bundle file (a " <code>".bundle.json"</code>
                    ") onto that list to upload it: the server verifies it and opens an incident for it."
                </li>
                <li>
                    "Read its verdict, the coloured badge. Every badge, reason code and finding links to its entry on this page: "
                    <a class=LINK href="#verdicts">"verdicts"</a> " say whether the evidence is what was signed, "
                    <a class=LINK href="#reasons">"reason codes"</a> " say why not."
                </li>
                <li>
                    "Open a bundle (its file name on the incident page). Your browser verifies it again, against trust roots you choose, and draws its delegation timeline; select an event to see who intended it, who executed it, under which credential, policy decision and approval, and what changed."
                </li>
                <li>
                    "Go through its " <a class=LINK href="#findings">"attribution gaps"</a>
                    " and record what you conclude (responsibility, a disposition, a sign-off), as your "
                    <a class=LINK href="#roles">"role"</a> " allows."
                </li>
                <li>
                    "To check a bundle without trusting this server, use "
                    <a class=LINK href="/verify">"Verify"</a> " (" <a class=LINK href="#offline">"how"</a> ")."
                </li>
            </ol>
        </section>
    }
}

#[component]
fn Verdicts() -> impl IntoView {
    view! {
        <section aria-labelledby="verdicts">
            <h2 id="verdicts" class=H2>"Verdicts"</h2>
            <p class=LEAD>
                "A bundle's verdict is the result of checking every event's signature, the trust in its signing key, its place in its emitter's hash chain and its inclusion under the signed manifest's Merkle root. The badge shows the worst that was found; the reason codes beside it say what."
            </p>
            <dl class=DL data-testid="help-verdicts">
                {Status::ALL.into_iter().map(|status| view! {
                    <div id=verdict_id(status) class=ENTRY data-testid="help-entry">
                        <dt class="flex flex-wrap items-center gap-2">
                            <Badge tone=tone_of(status) text=status.label()/>
                            <code class="text-xs text-slate-600 dark:text-slate-400">{status.code()}</code>
                        </dt>
                        <dd class="mt-1 text-sm">
                            {status.meaning()}
                            " "
                            <span class="text-slate-600 dark:text-slate-400">{stored_note(status)}</span>
                        </dd>
                    </div>
                }).collect_view()}
            </dl>
        </section>
    }
}

/// Whether the server stores bundles with this status, read from the stored verdicts.
fn stored_note(status: Status) -> &'static str {
    if BundleStatus::ALL.iter().any(|v| v.status() == status) {
        "The server stores such a bundle with this verdict, so that reviewers can examine it."
    } else {
        "The server refuses such a bundle and stores nothing; only a verification in your browser shows this verdict."
    }
}

/// The heading and lead of one group of reasons.
fn effect_text(effect: ReasonEffect) -> (String, &'static str) {
    match effect {
        ReasonEffect::Refused => (
            "The file is refused".to_owned(),
            "Nothing in it is checked and nothing is stored; the code says what is wrong with it.",
        ),
        ReasonEffect::Status(Status::VerifiedWithWarnings) => (
            "Warnings".to_owned(),
            "Nothing failed; the bundle is verified with warnings.",
        ),
        ReasonEffect::Status(status) => (
            format!("The bundle is {}", status.label().to_lowercase()),
            "At least this bad: a bundle has the worst status any of its reasons leads to.",
        ),
        ReasonEffect::NotChecked => (
            "Checks that could not be made".to_owned(),
            "Another check failed first (or, in an excerpt, the event needed was left out); the verdict is that failure's.",
        ),
    }
}

/// The id of a group of reasons.
fn effect_id(effect: ReasonEffect) -> String {
    match effect {
        ReasonEffect::Refused => "reasons-refused".to_owned(),
        ReasonEffect::Status(status) => format!("reasons-{}", status.code()),
        ReasonEffect::NotChecked => "reasons-not-checked".to_owned(),
    }
}

#[component]
fn Reasons() -> impl IntoView {
    view! {
        <section aria-labelledby="reasons">
            <h2 id="reasons" class=H2>"Reason codes"</h2>
            <p class=LEAD>
                "Each reason the verifier gives has a stable code, the same in the console, the transcript, "
                <code>"custody verify"</code>
                " and "
                <code>"docs/bundle-format.md"</code>
                ". Grouped here by what they do to the verdict."
            </p>
            {ReasonEffect::ALL.into_iter().map(|effect| {
                let (title, lead) = effect_text(effect);
                let reasons: Vec<&'static Reason> = evidence::reason::ALL.iter().filter(|r| r.effect == effect).collect();
                let id = effect_id(effect);
                view! {
                    <h3 id=id.clone() class=H3>{title}</h3>
                    <p class=LEAD>{lead}</p>
                    <dl class=DL data-testid="help-reasons" data-group=id>
                        {reasons.into_iter().map(|reason| view! {
                            <div id=reason_id(reason) class=ENTRY data-testid="help-entry">
                                <dt><code class="font-mono text-sm font-medium">{reason.code}</code></dt>
                                <dd class="mt-1 text-sm">{reason.meaning}</dd>
                            </div>
                        }).collect_view()}
                    </dl>
                }
            }).collect_view()}
        </section>
    }
}

fn severity_tone(severity: Severity) -> Tone {
    match severity {
        Severity::High => Tone::Bad,
        Severity::Medium => Tone::Warn,
        Severity::Low => Tone::Neutral,
    }
}

#[component]
fn Findings() -> impl IntoView {
    view! {
        <section aria-labelledby="findings">
            <h2 id="findings" class=H2>"Attribution gaps (findings)"</h2>
            <p class=LEAD>
                "A finding is a place where a bundle's evidence breaks accountability. Each names the events that prove it and the framework controls auditors cite. The rules read only events whose signatures held, under the organisation's policy (shared accounts, resources that need approval, the clock skew allowed; admins set it in Settings). Compliance reviewers accept a finding, dismiss it with a reason, or turn it into a responsibility annotation."
            </p>
            <h3 class=H3>"Severities"</h3>
            <dl class=DL>
                {Severity::ALL.into_iter().map(|severity| view! {
                    <div id=format!("severity-{}", severity.as_str()) class=ENTRY>
                        <dt><Badge tone=severity_tone(severity) text=severity.as_str()/></dt>
                        <dd class="mt-1 text-sm">{severity.meaning()}</dd>
                    </div>
                }).collect_view()}
            </dl>
            <h3 class=H3>"Rules"</h3>
            <dl class=DL data-testid="help-findings">
                {Rule::ALL.into_iter().map(|rule| view! {
                    <div id=finding_id(rule) class=ENTRY data-testid="help-entry">
                        <dt class="flex flex-wrap items-center gap-2">
                            <span class="font-medium">{rule.title()}</span>
                            <code class="text-xs text-slate-600 dark:text-slate-400">{rule.code()}</code>
                            <Badge tone=severity_tone(rule.severity()) text=rule.severity().as_str()/>
                        </dt>
                        <dd class="mt-1 text-sm">
                            <p>{rule.explanation()}</p>
                            <p class="mt-1 text-xs text-slate-600 dark:text-slate-400">
                                "Controls: "
                                {rule.controls().iter().map(|c| format!("{} {} ({})", c.framework.name(), c.id, c.title)).collect::<Vec<_>>().join("; ")}
                            </p>
                        </dd>
                    </div>
                }).collect_view()}
            </dl>
        </section>
    }
}

#[component]
fn Roles() -> impl IntoView {
    view! {
        <section aria-labelledby="roles">
            <h2 id="roles" class=H2>"Roles"</h2>
            <p class=LEAD>
                "Every account has one role. The server enforces what each role may do on every request, from the same table this list is made from; the console only hides what a role cannot do. Admins change roles on the Users page."
            </p>
            <dl class=DL data-testid="help-roles">
                {Role::ALL.into_iter().map(|role| {
                    let (may, may_not): (Vec<Permission>, Vec<Permission>) = Permission::ALL.into_iter().partition(|p| role.can(*p));
                    view! {
                        <div id=role_id(role) class=ENTRY data-testid="help-entry">
                            <dt class="font-medium">{role.label()}</dt>
                            <dd class="mt-1 text-sm">
                                <p>{role.duty()}</p>
                                <div class="mt-2 grid grid-cols-1 gap-2 sm:grid-cols-2">
                                    <div>
                                        <p class="text-xs font-semibold uppercase tracking-wide text-slate-600 dark:text-slate-400">"May"</p>
                                        <ul class="list-disc pl-5">{may.into_iter().map(|p| view! { <li>{p.label()}</li> }).collect_view()}</ul>
                                    </div>
                                    <div>
                                        <p class="text-xs font-semibold uppercase tracking-wide text-slate-600 dark:text-slate-400">"May not"</p>
                                        <ul class="list-disc pl-5">{may_not.into_iter().map(|p| view! { <li>{p.label()}</li> }).collect_view()}</ul>
                                    </div>
                                </div>
                            </dd>
                        </div>
                    }
                }).collect_view()}
            </dl>
        </section>
    }
}

#[component]
fn TrustRoots() -> impl IntoView {
    view! {
        <section aria-labelledby="trust-roots" class="max-w-3xl text-sm">
            <h2 id="trust-roots" class=H2>"Trust roots"</h2>
            <p>
                "A signature only proves that someone holding a key signed the bytes. A "
                <strong>"trust root"</strong>
                " is the public key of whoever vouches for the keys: the organisation that runs the agents signs "
                <em>"bindings"</em>
                " (this key belongs to this emitter, from then until then) and "
                <em>"revocations"</em>
                " with it, and carries them in each bundle. A bundle whose keys a root you trust certifies can be "
                <a class=LINK href=href(&verdict_id(Status::Verified))>"verified"</a>
                "; the same bytes checked against no root, or another, are "
                <a class=LINK href=href(&verdict_id(Status::Untrusted))>"untrusted"</a>
                ". Trust roots are inputs, never read from the bundle itself."
            </p>
            <p class="mt-2">
                "The server verifies uploads against the roots its admins added in Settings. The bundle page verifies again in your browser, against roots you paste or load (remembered in this browser, never sent); until you choose, it uses the server's, and says so."
            </p>
        </section>
    }
}

#[component]
fn Provenance() -> impl IntoView {
    use evidence::event::Provenance as P;
    view! {
        <section aria-labelledby="provenance" class="max-w-3xl text-sm">
            <h2 id="provenance" class=H2>"Provenance and reconciliation"</h2>
            <p>"Every event says who vouches for it. A signature proves who signed the bytes; provenance says whose account of the act they are:"</p>
            <dl class=DL data-testid="help-provenance">
                {P::ALL.into_iter().map(|p| view! {
                    <div id=format!("provenance-{}", p.as_str()) class=ENTRY>
                        <dt class="font-medium">{p.label()}</dt>
                        <dd>{match p {
                            P::Signed => "The component that acted, or saw the act, signed its own event with its key. On the timeline: a filled mark.",
                            P::Attested => "An agent stack sent an OpenTelemetry span to this server's collector, which signed what it received when it received it. The collector vouches that the span was reported, not that the act happened as reported. On the timeline: a hollow mark.",
                            P::Imported => "The collector read the span from a file another program wrote, and vouches for the file's content, not for who wrote it. On the timeline: a dotted mark.",
                        }}</dd>
                    </div>
                }).collect_view()}
            </dl>
            <p class="mt-2">
                "When an incident holds both the agents' signed bundles and a collector's traces of the same work, their tool calls are "
                <strong>"reconciled"</strong>
                ": matched by call id, else by tool, actor and time. A matched call is marked ⇄ on the timeline and the inspector names its counterpart; a call one side covered and did not record is marked ≠ and is an "
                <a class=LINK href=href(&finding_id(Rule::Unreconciled))>"unreconciled"</a>
                " finding. An action only the collector vouches for is an "
                <a class=LINK href=href(&finding_id(Rule::UnsignedProvenance))>"unsigned-provenance"</a>
                " finding."
            </p>
        </section>
    }
}

#[component]
fn Anchoring() -> impl IntoView {
    view! {
        <section aria-labelledby="anchoring" class="max-w-3xl text-sm">
            <h2 id="anchoring" class=H2>"Anchoring"</h2>
            <p>"Signatures prove what the organisation's keys signed, and whoever holds those keys could sign a shorter or different history later. Anchors are held by parties the organisation does not control. Each bundle, and the review log, says which it has:"</p>
            <dl class=DL data-testid="help-anchoring">
                <div id="anchoring-timestamped" class=ENTRY>
                    <dt class="font-medium">"Timestamped by X at T"</dt>
                    <dd>"A time-stamping authority X (RFC 3161), whose certificate you trust, signed that the bundle's manifest signature existed at T. So the bundle, every event it covers and their order existed no later than T, per X. An event dated after T is flagged time.after_anchor: the bundle existed before the time it states. Time stamps are added with custody timestamp and travel in the bundle, outside its signed bytes."</dd>
                </div>
                <div id="anchoring-witnessed" class=ENTRY>
                    <dt class="font-medium">"Witnessed by k of n (A, B) at size N"</dt>
                    <dd>"Every stored bundle and every review-log entry is a leaf of this server's transparency log (RFC 6962). Its checkpoint at size N (a signed note, GET /checkpoint) was cosigned by k of the n witnesses your policy names; each witness (custody witness) cosigns only a log that grew from the last checkpoint it saw, never one cut short or rewritten. So the bundle, or the review log up to the entry named, was in the log at size N, and the same history was shown to those witnesses. An auditor who kept an earlier checkpoint detects, with custody audit-log, a log that was cut short (truncated), rewritten, or shown differently to two parties (equivocation)."</dd>
                </div>
                <div id="anchoring-logged" class=ENTRY>
                    <dt class="font-medium">"In log L at size N"</dt>
                    <dd>"The bundle is in the log's signed checkpoint, but not enough witnesses of your policy cosigned it (or you gave no policy): that proves only what this server's own key says."</dd>
                </div>
                <div id="anchoring-none" class=ENTRY>
                    <dt class="font-medium">"Not anchored"</dt>
                    <dd>"Nothing outside the organisation vouches for it: its verdict rests on the organisation's keys alone. An anchor that is present but does not hold (a token over other bytes, an untrusted authority, an expired certificate, a proof for another bundle) is listed under it, with the reason."</dd>
                </div>
            </dl>
            <p class="mt-2">"On the Verify page, give an anchor trust file: log <server key>, witness <vkey> and quorum <k> lines, and the PEM certificates of the authorities you trust. Download a bundle with its anchors from its page (Download with its anchors)."</p>
            <p id="anchoring-scitt" class="mt-2">
                <strong>"SCITT receipts. "</strong>
                "A bundle's manifest can also be registered with an outside SCITT transparency service: custody scitt statement writes it as a signed statement (COSE_Sign1) of its issuer, and the service answers with a receipt (RFC 9942) proving the statement is at index i of its tree of n entries, signed by the service. The Verify page's SCITT section checks, offline, the statement's signature with the issuer's key, that its payload is the manifest of the bundle you give, byte for byte, and each receipt with the service's key. A valid receipt proves the service registered that manifest; it proves nothing about events the manifest does not cover, and it is only as independent as the service whose key you trust."
            </p>
        </section>
    }
}

#[component]
fn Offline() -> impl IntoView {
    view! {
        <section aria-labelledby="offline" class="max-w-3xl text-sm">
            <h2 id="offline" class=H2>"A verdict without trusting this server"</h2>
            <ol class="list-decimal space-y-2 pl-5">
                <li>
                    "Get the bundle file (the \"bytes\" link on its incident page, or from whoever produced it) and the trust root's public key from its owner, by a channel you trust."
                </li>
                <li>
                    "Open " <a class=LINK href="/verify">"Verify"</a>
                    " (anyone may, without signing in; " <code>"custody serve --open"</code>
                    " opens it on your own machine), drop the bundle and the root: your browser checks every signature, chain link and the Merkle root with the verifier compiled to wasm, and uploads nothing."
                </li>
                <li>
                    "Or, on the command line: " <code>"custody verify BUNDLE --trust ROOT.pub"</code>
                    " prints the same verdict and reason codes (" <code>"--json"</code> " the transcript)."
                </li>
            </ol>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each variant's place in its `ALL` list, by an exhaustive match: a new variant
    /// fails to compile here until it is placed, and the test then fails until it
    /// is in `ALL`, which is what the page lists.
    fn status_at(status: Status) -> usize {
        match status {
            Status::Verified => 0,
            Status::VerifiedWithWarnings => 1,
            Status::Untrusted => 2,
            Status::Tampered => 3,
            Status::Malformed => 4,
        }
    }

    fn role_at(role: Role) -> usize {
        match role {
            Role::ComplianceReviewer => 0,
            Role::Auditor => 1,
            Role::AccessReviewer => 2,
            Role::Admin => 3,
        }
    }

    fn permission_at(permission: Permission) -> usize {
        match permission {
            Permission::Read => 0,
            Permission::Upload => 1,
            Permission::Annotate => 2,
            Permission::Workflow => 3,
            Permission::SignOff => 4,
            Permission::Export => 5,
            Permission::Administer => 6,
        }
    }

    fn rule_at(rule: Rule) -> usize {
        match rule {
            Rule::SharedAccount => 0,
            Rule::ApprovalMissing => 1,
            Rule::ApprovalLate => 2,
            Rule::CredentialBeforeIssue => 3,
            Rule::CredentialExpired => 4,
            Rule::CredentialRevoked => 5,
            Rule::CredentialMisused => 6,
            Rule::ScopeWidened => 7,
            Rule::DecisionMissing => 8,
            Rule::DecisionLate => 9,
            Rule::DecisionAbsent => 10,
            Rule::NoExecutor => 11,
            Rule::ChainBroken => 12,
            Rule::SequenceGap => 13,
            Rule::ClockInversion => 14,
            Rule::OutsideTimeRange => 15,
            Rule::Unsigned => 16,
            Rule::Untrusted => 17,
            Rule::NoSeparation => 18,
            Rule::UnsignedProvenance => 19,
            Rule::Unreconciled => 20,
        }
    }

    fn effect_at(effect: ReasonEffect) -> Option<usize> {
        match effect {
            ReasonEffect::Refused => Some(0),
            ReasonEffect::Status(Status::Tampered) => Some(1),
            ReasonEffect::Status(Status::Malformed) => Some(2),
            ReasonEffect::Status(Status::Untrusted) => Some(3),
            ReasonEffect::Status(Status::VerifiedWithWarnings) => Some(4),
            // No reason makes a bundle verified.
            ReasonEffect::Status(Status::Verified) => None,
            ReasonEffect::NotChecked => Some(5),
        }
    }

    #[test]
    fn the_lists_the_page_is_made_from_hold_every_variant_once() {
        assert_eq!(Status::ALL.len(), 5);
        for (i, s) in Status::ALL.into_iter().enumerate() {
            assert_eq!(status_at(s), i, "{s:?}");
        }
        assert_eq!(Role::ALL.len(), 4);
        for (i, r) in Role::ALL.into_iter().enumerate() {
            assert_eq!(role_at(r), i, "{r:?}");
        }
        assert_eq!(Permission::ALL.len(), 7);
        for (i, p) in Permission::ALL.into_iter().enumerate() {
            assert_eq!(permission_at(p), i, "{p:?}");
        }
        assert_eq!(Rule::ALL.len(), 21);
        for (i, r) in Rule::ALL.into_iter().enumerate() {
            assert_eq!(rule_at(r), i, "{r:?}");
        }
        assert_eq!(ReasonEffect::ALL.len(), 6);
        for (i, e) in ReasonEffect::ALL.into_iter().enumerate() {
            assert_eq!(effect_at(e), Some(i), "{e:?}");
        }
    }

    /// Every stored verdict and every status the verifier gives has an entry.
    #[test]
    fn every_verdict_has_an_entry() {
        for v in BundleStatus::ALL {
            assert!(Status::ALL.contains(&v.status()), "{v:?}");
        }
    }

    /// Every reason the verifier can give (the crate's test proves `reason::ALL` is
    /// every code it emits) is in exactly one group of the page.
    #[test]
    fn every_reason_code_is_in_exactly_one_group() {
        for reason in evidence::reason::ALL {
            let groups = ReasonEffect::ALL
                .iter()
                .filter(|e| **e == reason.effect)
                .count();
            assert_eq!(groups, 1, "{}", reason.code);
        }
    }

    /// The ids links point at are unique across the page.
    #[test]
    fn every_entry_has_its_own_id() {
        let mut ids: Vec<String> = Status::ALL.into_iter().map(verdict_id).collect();
        ids.extend(evidence::reason::ALL.iter().map(reason_id));
        ids.extend(Rule::ALL.into_iter().map(finding_id));
        ids.extend(Role::ALL.into_iter().map(role_id));
        ids.extend(ReasonEffect::ALL.into_iter().map(effect_id));
        ids.extend(
            [
                "first",
                "verdicts",
                "reasons",
                "findings",
                "roles",
                "trust-roots",
                "offline",
            ]
            .map(str::to_owned),
        );
        let count = ids.len();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), count, "an id is used twice");
    }

    /// Every role has a duty and may read; every permission some role holds.
    #[test]
    fn every_role_and_permission_is_explained() {
        for role in Role::ALL {
            assert!(!role.duty().is_empty());
            assert!(role.can(Permission::Read), "{role:?}");
        }
        for p in Permission::ALL {
            assert!(!p.label().is_empty());
            assert!(Role::ALL.iter().any(|r| r.can(p)), "{p:?}");
        }
        for rule in Rule::ALL {
            assert!(!rule.explanation().is_empty(), "{rule:?}");
        }
    }

    /// The page as the server renders it holds an entry, with its id, for every
    /// verdict, reason code, finding rule and role. (Rendering to HTML needs `ssr`,
    /// which `cargo test --workspace` turns on through the server.)
    #[cfg(feature = "ssr")]
    #[test]
    fn the_rendered_page_has_every_entry() {
        let html =
            Owner::new().with(|| view! { <Verdicts/><Reasons/><Findings/><Roles/> }.to_html());
        let mut ids: Vec<String> = Status::ALL.into_iter().map(verdict_id).collect();
        ids.extend(evidence::reason::ALL.iter().map(reason_id));
        ids.extend(Rule::ALL.into_iter().map(finding_id));
        ids.extend(Role::ALL.into_iter().map(role_id));
        for id in ids {
            assert!(html.contains(&format!("id=\"{id}\"")), "no entry {id}");
        }
    }
}
