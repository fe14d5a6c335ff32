//! What reviewers record: annotations that never overwrite, sign-offs under
//! separation of duties, and the signed review log, whose tampering shows.

use model::{Responsibility, Role, SignoffDecision};
use serde_json::Value;
use store::annotations::{self, NewAnnotation};
use store::log_check;
use store::review_log::Actor;
use store::signoffs::{self, NewSignoff, SignoffError};

use crate::helpers::{demo, spawn, Backend, TestApp};
use crate::on_both_databases;

async fn reviewer(app: &TestApp, name: &str, role: Role) -> model::Reviewer {
    app.user(name, role).await;
    model::Reviewer {
        username: name.to_owned(),
        display_name: String::new(),
        role,
    }
}

/// The test's uploader, account `reviewer`, made an access reviewer.
async fn uploader_as_access_reviewer(app: &TestApp) -> model::Reviewer {
    store::users::set_role(
        &app.db,
        &app.key,
        Actor::Cli,
        "reviewer",
        Role::AccessReviewer,
    )
    .await
    .expect("role");
    model::Reviewer {
        username: "reviewer".into(),
        display_name: String::new(),
        role: Role::AccessReviewer,
    }
}

/// Stores the demo bundle `slug` as account `reviewer` (the test's compliance reviewer).
async fn stored(app: &TestApp, slug: &str) -> String {
    app.trust_demo_root().await;
    let summary = app
        .store(&format!("name={slug}.bundle.json"), demo(slug))
        .await;
    summary["sha256"].as_str().expect("sha256").to_owned()
}

on_both_databases!(annotations_are_added_never_overwritten, append_only);
async fn append_only(backend: Backend) {
    let app = spawn(backend).await;
    let sha = stored(&app, "prod-config-change").await;
    let ana = reviewer(&app, "ana", Role::ComplianceReviewer).await;
    let note = |r, why: &str| NewAnnotation {
        responsibility: r,
        rationale: why.to_owned(),
        tags: vec!["change".into(), " change ".into(), String::new()],
    };
    annotations::annotate(
        &app.db,
        &app.key,
        &ana,
        &sha,
        3,
        note(Responsibility::AgentAutonomous, "first look"),
    )
    .await
    .expect("annotate");
    annotations::annotate(
        &app.db,
        &app.key,
        &ana,
        &sha,
        3,
        note(
            Responsibility::HumanApprovedAgentExecuted,
            "the approval covers it",
        ),
    )
    .await
    .expect("annotate again");
    let review = annotations::of_event(&app.db, &sha, 3).await.expect("read");
    assert_eq!(review.annotations.len(), 2, "both judgements are kept");
    assert_eq!(
        review.annotations[0].responsibility,
        Responsibility::HumanApprovedAgentExecuted,
        "the newest is current"
    );
    assert_eq!(review.annotations[1].rationale, "first look");
    assert_eq!(review.annotations[0].tags, vec!["change".to_owned()]);
    // An event that is not in the bundle, or an empty rationale, changes nothing.
    assert!(annotations::annotate(
        &app.db,
        &app.key,
        &ana,
        &sha,
        9_999,
        note(Responsibility::System, "x")
    )
    .await
    .is_err());
    assert!(annotations::annotate(
        &app.db,
        &app.key,
        &ana,
        &sha,
        3,
        note(Responsibility::System, "  ")
    )
    .await
    .is_err());
    assert_eq!(app.count("SELECT COUNT(*) FROM annotations").await, 2);

    // The database itself refuses to change or remove a record.
    for statement in [
        "UPDATE annotations SET rationale = 'rewritten'",
        "DELETE FROM annotations",
        "UPDATE review_log SET summary = 'rewritten'",
        "DELETE FROM review_log",
    ] {
        let refused = sqlx::query(statement).execute(app.db.pool()).await;
        assert!(refused.is_err(), "{statement} is refused");
    }
    let integrity = log_check::check(&app.db, &app.key).await.expect("check");
    assert!(integrity.intact, "{:?}", integrity.problems);
}

/// The chain of the approval in `sha`, as the store finds it.
async fn chain(app: &TestApp, sha: &str) -> model::ApprovalChain {
    signoffs::of_bundle(&app.db, sha)
        .await
        .expect("chains")
        .expect("the bundle")
        .chains
        .into_iter()
        .next()
        .expect("an approval chain")
}

fn answer(chain: &model::ApprovalChain, decision: SignoffDecision) -> NewSignoff {
    NewSignoff {
        chain: chain.approval_id.clone(),
        chain_digest: chain.digest.clone(),
        decision,
        justification: "checked the request, approver and change".into(),
        reassign_to: None,
    }
}

fn refused(result: Result<model::Signoff, SignoffError>, rule: &str) {
    match result {
        Err(SignoffError::Refused(why)) => assert!(why.contains(rule), "{why}"),
        other => panic!("expected a refusal naming {rule:?}, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn separation_of_duties_holds_for_every_sign_off() {
    let app = spawn(Backend::Sqlite).await;
    let sha = stored(&app, "privileged-api-jit").await;
    let found = chain(&app, &sha).await;
    assert!(
        found.links.len() >= 3,
        "request, decision and what rests on it: {:?}",
        found.links
    );
    assert!(
        found.links.iter().any(|l| l.kind == "side_effect"),
        "the side effect joins the chain"
    );
    signoffs::set_steps(
        &app.db,
        &app.key,
        &reviewer(&app, "root", Role::Admin).await,
        2,
    )
    .await
    .expect("two steps");
    let found = chain(&app, &sha).await;
    assert_eq!(found.steps, 2);

    // Whoever uploaded the bundle cannot sign off its chains, whatever their role now.
    let uploader = uploader_as_access_reviewer(&app).await;
    refused(
        signoffs::sign_off(
            &app.db,
            &app.key,
            &uploader,
            &sha,
            answer(&found, SignoffDecision::Approve),
        )
        .await,
        "you uploaded this bundle",
    );

    // One person cannot fill two steps of one chain.
    let first = reviewer(&app, "first", Role::AccessReviewer).await;
    let second = reviewer(&app, "second", Role::AccessReviewer).await;
    let step = signoffs::sign_off(
        &app.db,
        &app.key,
        &first,
        &sha,
        answer(&found, SignoffDecision::Approve),
    )
    .await
    .expect("step 1");
    assert_eq!(step.step, 1);
    assert_eq!(
        step.chain_digest, found.digest,
        "the sign-off binds the chain it covers"
    );
    refused(
        signoffs::sign_off(
            &app.db,
            &app.key,
            &first,
            &sha,
            answer(&found, SignoffDecision::Approve),
        )
        .await,
        "already filled a step",
    );
    // A stale view of the chain is refused.
    let mut stale = answer(&found, SignoffDecision::Approve);
    stale.chain_digest = "0".repeat(64);
    refused(
        signoffs::sign_off(&app.db, &app.key, &second, &sha, stale).await,
        "digest differs",
    );
    // Reassigning needs another access reviewer.
    let mut reassign = answer(&found, SignoffDecision::Reassign);
    reassign.reassign_to = Some("root".into());
    assert!(matches!(
        signoffs::sign_off(&app.db, &app.key, &second, &sha, reassign).await,
        Err(SignoffError::Invalid(_))
    ));
    signoffs::sign_off(
        &app.db,
        &app.key,
        &second,
        &sha,
        answer(&found, SignoffDecision::Approve),
    )
    .await
    .expect("step 2");
    let done = chain(&app, &sha).await;
    assert_eq!(done.status, model::ChainStatus::Approved);
    refused(
        signoffs::sign_off(
            &app.db,
            &app.key,
            &second,
            &sha,
            answer(&found, SignoffDecision::Flag),
        )
        .await,
        "already signed off",
    );
    // Only access reviewers sign off.
    let admin = model::Reviewer {
        username: "root".into(),
        display_name: String::new(),
        role: Role::Admin,
    };
    refused(
        signoffs::sign_off(
            &app.db,
            &app.key,
            &admin,
            &sha,
            answer(&found, SignoffDecision::Approve),
        )
        .await,
        "only access reviewers",
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM signoffs").await, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_is_signed_off_on_a_bundle_that_did_not_verify() {
    let app = spawn(Backend::Sqlite).await;
    let sha = stored(&app, "tampered-modified-signature").await;
    let chains = signoffs::of_bundle(&app.db, &sha)
        .await
        .expect("chains")
        .expect("bundle");
    assert!(chains
        .blocked
        .as_deref()
        .is_some_and(|b| b.contains("did not verify")));
    let access = reviewer(&app, "first", Role::AccessReviewer).await;
    let Some(found) = chains.chains.into_iter().next() else {
        panic!("the tampered bundle still has readable approval chains");
    };
    refused(
        signoffs::sign_off(
            &app.db,
            &app.key,
            &access,
            &sha,
            answer(&found, SignoffDecision::Approve),
        )
        .await,
        "did not verify",
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM signoffs").await, 0);
}

on_both_databases!(the_review_log_verifies_and_shows_tampering, log_tamper);
async fn log_tamper(backend: Backend) {
    let app = spawn(backend).await;
    let sha = stored(&app, "prod-config-change").await;
    let ana = reviewer(&app, "ana", Role::ComplianceReviewer).await;
    let note = NewAnnotation {
        responsibility: Responsibility::HumanInitiated,
        rationale: "Dana asked for it".into(),
        tags: vec![],
    };
    annotations::annotate(&app.db, &app.key, &ana, &sha, 2, note)
        .await
        .expect("annotate");
    annotations::comment(&app.db, &app.key, &ana, &sha, 2, "see ticket")
        .await
        .expect("comment");

    // Exported, the log is a bundle the same verifier calls verified.
    let auditor = app.user("avery", Role::Auditor).await;
    let response = auditor
        .get(format!("{}/api/review-log/export", app.address))
        .send()
        .await
        .expect("export");
    assert_eq!(response.status(), 200);
    let bundle = response.bytes().await.expect("bytes");
    let report = evidence::bundle::verify(
        &bundle,
        &[app.key.public_key()],
        &evidence::bundle::Limits::default(),
    )
    .expect("a bundle");
    assert_eq!(
        report.status(),
        evidence::bundle::Status::Verified,
        "{:?}",
        report.reasons()
    );
    let entries = app.count("SELECT COUNT(*) FROM review_log").await;
    assert_eq!(report.events().len() as i64, entries);
    let last: Value = serde_json::from_slice::<Value>(&bundle).expect("json")["events"]
        .as_array()
        .and_then(|e| e.last().cloned())
        .expect("entries");
    assert!(last["payloadType"].is_string());
    // Signed by another key, it is not trusted.
    let other = store::review_log::ServerKey::from_seed([42; 32]);
    let untrusted = evidence::bundle::verify(
        &bundle,
        &[other.public_key()],
        &evidence::bundle::Limits::default(),
    )
    .expect("a bundle");
    assert_ne!(untrusted.status(), evidence::bundle::Status::Verified);
    assert!(
        log_check::check(&app.db, &app.key)
            .await
            .expect("check")
            .intact
    );

    // Someone with the database edits around the triggers: each edit shows.
    let drop_triggers = match backend {
        Backend::Sqlite => vec![
            "DROP TRIGGER review_log_no_update",
            "DROP TRIGGER review_log_no_delete",
            "DROP TRIGGER annotations_no_update",
        ],
        Backend::Postgres => vec![
            "DROP TRIGGER review_log_append_only ON review_log",
            "DROP TRIGGER annotations_append_only ON annotations",
        ],
    };
    for statement in drop_triggers {
        sqlx::query(statement)
            .execute(app.db.pool())
            .await
            .expect("drop trigger");
    }
    let problems = |app: &TestApp| {
        let (db, key) = (app.db.clone(), app.key.clone());
        async move { log_check::check(&db, &key).await.expect("check").problems }
    };
    // An annotation rewritten.
    sqlx::query("UPDATE annotations SET responsibility = 'system'")
        .execute(app.db.pool())
        .await
        .expect("edit");
    let found = problems(&app).await;
    assert!(
        found.iter().any(|p| p.starts_with("annotations:")),
        "{found:?}"
    );
    sqlx::query("UPDATE annotations SET responsibility = 'human_initiated'")
        .execute(app.db.pool())
        .await
        .expect("restore");
    assert!(problems(&app).await.is_empty());
    // An entry's summary edited beside its signed envelope.
    sqlx::query("UPDATE review_log SET summary = 'nothing happened' WHERE action = 'comment'")
        .execute(app.db.pool())
        .await
        .expect("edit");
    let found = problems(&app).await;
    assert!(
        found
            .iter()
            .any(|p| p.contains("differ from what its signed entry says")),
        "{found:?}"
    );
    // An entry deleted from the middle: the chain breaks and the record is orphaned.
    sqlx::query("DELETE FROM review_log WHERE action = 'upload'")
        .execute(app.db.pool())
        .await
        .expect("delete");
    let found = problems(&app).await;
    assert!(
        found.iter().any(|p| p.contains("chain check failed")),
        "{found:?}"
    );
    assert!(found.iter().any(|p| p.contains("is missing")), "{found:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_re_verifies_every_bundle_and_manages_roots_from_the_console() {
    let app = spawn(Backend::Sqlite).await;
    let sha = stored(&app, "prod-config-change").await;
    let admin = app.user("root", Role::Admin).await;
    let call = |path: &'static str, form: Vec<(&'static str, String)>| {
        let (admin, address) = (admin.clone(), app.address.clone());
        async move {
            let response = admin
                .post(format!("{address}{path}"))
                .form(&form)
                .send()
                .await
                .expect("request");
            let status = response.status();
            (
                status,
                response.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    let (status, results) = call("/api/bundles/reverify", vec![]).await;
    assert_eq!(status, 200);
    let results = results.as_array().expect("one result per bundle");
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["sha256"], sha.as_str());
    assert_eq!(results[0]["ok"], true);

    // Roots: added and removed through the console, each change in the log.
    let key = evidence::producer::Signer::from_seed([77; 32])
        .public_key()
        .to_hex();
    let (status, added) = call(
        "/api/trust-roots/add",
        vec![("key", key.clone()), ("label", "new root".into())],
    )
    .await;
    assert_eq!((status.as_u16(), added), (200, Value::Bool(true)));
    let (status, _) = call(
        "/api/trust-roots/add",
        vec![("key", "not a key".into()), ("label", String::new())],
    )
    .await;
    assert_eq!(status, 400);
    // A label too long for the log is refused, and nothing is recorded.
    let before = app.count("SELECT COUNT(*) FROM review_log").await;
    let other = evidence::producer::Signer::from_seed([78; 32])
        .public_key()
        .to_hex();
    let (status, _) = call(
        "/api/trust-roots/add",
        vec![("key", other), ("label", "x".repeat(600_000))],
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(app.count("SELECT COUNT(*) FROM review_log").await, before);
    let (status, removed) = call("/api/trust-roots/remove", vec![("key", key)]).await;
    assert_eq!((status.as_u16(), removed), (200, Value::Bool(true)));
    for action in ["reverify", "trust_root.add", "trust_root.remove", "upload"] {
        let n = app
            .count(&format!(
                "SELECT COUNT(*) FROM review_log WHERE action = '{action}'"
            ))
            .await;
        assert!(n >= 1, "{action} is in the review log");
    }
    // Opening an incident through the API is recorded too.
    let response = app
        .client
        .post(format!("{}/api/incidents", app.address))
        .json(&serde_json::json!({"title": "Opened by hand"}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 201);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM review_log WHERE action = 'incident.open'")
            .await,
        1
    );
    assert!(
        log_check::check(&app.db, &app.key)
            .await
            .expect("check")
            .intact
    );
}

/// Marking the incident signed off, signing its chain, raising and lowering the
/// required steps, in every order: the incident is never "signed off" while its chain
/// awaits sign-off, a chain's steps are fixed by its first sign-off, and the report
/// states what the chain and the incident say.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_off_state_holds_together_in_every_order() {
    #[derive(Clone, Copy, Debug)]
    enum Op {
        Mark,
        Sign,
        Raise,
        Lower,
    }
    fn orders(items: &[Op]) -> Vec<Vec<Op>> {
        if items.len() <= 1 {
            return vec![items.to_vec()];
        }
        let mut out = Vec::new();
        for (i, first) in items.iter().enumerate() {
            let mut rest = items.to_vec();
            rest.remove(i);
            for mut tail in orders(&rest) {
                tail.insert(0, *first);
                out.push(tail);
            }
        }
        out
    }
    let all = orders(&[Op::Mark, Op::Sign, Op::Raise, Op::Lower]);
    assert_eq!(all.len(), 24);
    for order in all {
        let app = spawn(Backend::Sqlite).await;
        let sha = stored(&app, "privileged-api-jit").await;
        let incident: (i64,) = sqlx::query_as("SELECT incident_id FROM bundles WHERE sha256 = $1")
            .bind(&sha)
            .fetch_one(app.db.pool())
            .await
            .expect("incident");
        let admin = reviewer(&app, "root", Role::Admin).await;
        let signer = reviewer(&app, "signer", Role::AccessReviewer).await;
        let lead = reviewer(&app, "lead", Role::ComplianceReviewer).await;
        // What the chain should be: steps fixed by its first sign-off.
        let (mut setting, mut fixed, mut signed, mut marked) = (1u32, None, false, false);
        for op in &order {
            match op {
                Op::Raise | Op::Lower => {
                    setting = if matches!(op, Op::Raise) { 2 } else { 1 };
                    signoffs::set_steps(&app.db, &app.key, &admin, setting)
                        .await
                        .expect("steps");
                }
                Op::Sign => {
                    let found = chain(&app, &sha).await;
                    signoffs::sign_off(
                        &app.db,
                        &app.key,
                        &signer,
                        &sha,
                        answer(&found, SignoffDecision::Approve),
                    )
                    .await
                    .expect("signed");
                    fixed = fixed.or(Some(setting));
                    signed = true;
                }
                Op::Mark => {
                    let steps = fixed.unwrap_or(setting);
                    let pending = !(signed && steps <= 1);
                    let result = store::incidents::set_status(
                        &app.db,
                        &app.key,
                        &lead,
                        incident.0,
                        model::IncidentStatus::SignedOff,
                    )
                    .await;
                    match (pending, result) {
                        (true, Err(store::incidents::WorkflowError::Refused(why))) => {
                            assert!(why.contains("await"), "{order:?}: {why}")
                        }
                        (false, Ok(())) => marked = true,
                        (pending, other) => {
                            panic!("{order:?}: pending {pending}, marking gave {other:?}")
                        }
                    }
                }
            }
            let found = chain(&app, &sha).await;
            let steps = fixed.unwrap_or(setting);
            assert_eq!(found.steps, steps, "{order:?} after {op:?}");
            let want = if signed && steps <= 1 {
                model::ChainStatus::Approved
            } else {
                model::ChainStatus::Pending
            };
            assert_eq!(found.status, want, "{order:?} after {op:?}");
            let detail = store::incidents::get(&app.db, incident.0)
                .await
                .expect("incident")
                .expect("exists");
            let incident_signed = detail.incident.status == model::IncidentStatus::SignedOff;
            assert_eq!(incident_signed, marked, "{order:?} after {op:?}");
            assert!(
                !(incident_signed && found.status == model::ChainStatus::Pending),
                "{order:?} after {op:?}: signed off while the chain awaits sign-off"
            );
        }
        // The report says what the chain and the incident say.
        let report = app
            .get(&format!("/api/incidents/{}/export/report.html", incident.0))
            .await
            .text()
            .await
            .expect("report");
        let found = chain(&app, &sha).await;
        assert!(
            report.contains(&format!(": {:?}</h3>", found.status)),
            "{order:?}: the report states the chain's status"
        );
        assert_eq!(
            report.contains("Status: Signed off"),
            marked,
            "{order:?}: the report states the incident's status"
        );
        let integrity = log_check::check(&app.db, &app.key).await.expect("check");
        assert!(integrity.intact, "{:?}", integrity.problems);
    }
}

/// "My work" lists a chain for exactly the access reviewers the sign-off rule lets
/// approve it (and, once reassigned, only for the one it went to); a compliance
/// reviewer's page holds the incidents assigned to them and their undisposed
/// findings; an auditor's, what was stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn my_work_lists_what_the_sign_off_rule_allows_and_nothing_else() {
    use store::work;
    let app = spawn(Backend::Sqlite).await;
    let sha = stored(&app, "privileged-api-jit").await;
    let now = chrono::Utc::now();
    let options = store::IngestOptions::default();
    let queue = |who: model::Reviewer| {
        let app = &app;
        async move {
            work::of(&app.db, &who, options, now)
                .await
                .expect("work")
                .signoffs
                .expect("an access reviewer's queue")
                .into_iter()
                .map(|a| a.chain.approval_id)
                .collect::<Vec<_>>()
        }
    };
    let admin = reviewer(&app, "root", Role::Admin).await;
    signoffs::set_steps(&app.db, &app.key, &admin, 2)
        .await
        .expect("two steps");
    let found = chain(&app, &sha).await;
    let first = reviewer(&app, "first", Role::AccessReviewer).await;
    let second = reviewer(&app, "second", Role::AccessReviewer).await;
    let third = reviewer(&app, "third", Role::AccessReviewer).await;
    assert_eq!(queue(first.clone()).await, vec![found.approval_id.clone()]);

    // The uploader, made an access reviewer, has nothing to sign of their own bundle.
    let uploader = uploader_as_access_reviewer(&app).await;
    assert!(queue(uploader.clone()).await.is_empty());

    // After the first step, the chain leaves its signer's queue and stays in the others'.
    signoffs::sign_off(
        &app.db,
        &app.key,
        &first,
        &sha,
        answer(&found, SignoffDecision::Approve),
    )
    .await
    .expect("step 1");
    assert!(queue(first.clone()).await.is_empty());
    let waiting = work::of(&app.db, &second, options, now)
        .await
        .expect("work");
    let item = &waiting.signoffs.as_ref().expect("queue")[0];
    let incident_of = store::incidents::get(&app.db, item.incident_id)
        .await
        .expect("get")
        .expect("incident");
    assert_eq!(item.incident_title, incident_of.incident.title);
    assert_eq!(item.bundle, sha);
    assert!(item.decisions.contains(&SignoffDecision::Approve));
    assert!(
        !item.effects().is_empty(),
        "the chain's side effect is named"
    );
    assert_eq!(waiting.count(), 1);

    // The queue and the rule agree for every reviewer.
    let chains = signoffs::of_bundle(&app.db, &sha)
        .await
        .expect("chains")
        .expect("bundle");
    let current = chain(&app, &sha).await;
    for who in [&first, &second, &third, &uploader, &admin] {
        let may = chains
            .refusal(&current, who, SignoffDecision::Approve)
            .is_none();
        let listed = who.role == Role::AccessReviewer && !queue(who.clone()).await.is_empty();
        assert_eq!(may, listed, "{}", who.username);
    }

    // Reassigned to the third reviewer: only theirs now.
    let mut handoff = answer(&current, SignoffDecision::Reassign);
    handoff.reassign_to = Some("third".into());
    signoffs::sign_off(&app.db, &app.key, &second, &sha, handoff)
        .await
        .expect("reassign");
    assert!(queue(second.clone()).await.is_empty());
    let mine = work::of(&app.db, &third, options, now).await.expect("work");
    let asked = &mine.signoffs.expect("queue")[0];
    assert_eq!(asked.asked_of.as_deref(), Some("third"));

    // A compliance reviewer's incidents and the findings awaiting a disposition.
    let lead = reviewer(&app, "lead", Role::ComplianceReviewer).await;
    let incident = store::bundles::get(&app.db, &sha)
        .await
        .expect("get")
        .expect("bundle")
        .incident_id;
    let theirs = work::of(&app.db, &lead, options, now).await.expect("work");
    assert_eq!(theirs.assigned.as_deref().map(<[_]>::len), Some(0));
    store::incidents::assign(&app.db, &app.key, &admin, incident, Some("lead"))
        .await
        .expect("assign");
    let theirs = work::of(&app.db, &lead, options, now).await.expect("work");
    assert_eq!(theirs.assigned.expect("assigned")[0].id, incident);
    let findings = store::findings::of_incident(&app.db, incident, options)
        .await
        .expect("findings");
    assert_eq!(
        theirs.findings.expect("findings").len(),
        findings
            .items
            .iter()
            .filter(|f| f.disposition.is_none())
            .count()
    );
    assert!(
        theirs.signoffs.is_none(),
        "a compliance reviewer signs nothing"
    );

    // An auditor reads what was stored.
    let auditor = reviewer(&app, "audit", Role::Auditor).await;
    let theirs = work::of(&app.db, &auditor, options, now)
        .await
        .expect("work");
    assert_eq!(theirs.count(), 0, "reading is not counted as waiting work");
    assert_eq!(theirs.recent_bundles.expect("bundles")[0].sha256, sha);
}
