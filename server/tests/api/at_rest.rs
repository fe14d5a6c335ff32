//! Edits at rest: a copy of the database edited by hand, as an attacker with the
//! file would, is caught by the review log's integrity check (which replays the log
//! against the tables) or by `reverify` (which stores each bundle's bytes again and
//! compares), each edit named.

use serde_json::Value;
use store::{log_check, reverify};

use crate::helpers::{demo, spawn, Backend, TestApp};
use crate::on_both_databases;

async fn problems(app: &TestApp) -> Vec<String> {
    log_check::check(&app.db, &app.key)
        .await
        .expect("check")
        .problems
}

async fn reverified(app: &TestApp) -> Vec<String> {
    let options = server::config::LimitsConfig::default().ingest_options();
    reverify::reverify(&app.db, &app.key, options)
        .await
        .expect("reverify")
        .into_iter()
        .flat_map(|l| l.differences)
        .collect()
}

async fn edit(app: &TestApp, sql: &str) {
    sqlx::query(sql)
        .execute(app.db.pool())
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

fn named(found: &[String], what: &str) {
    assert!(
        found.iter().any(|p| p.contains(what)),
        "no problem names {what:?}: {found:#?}"
    );
}

on_both_databases!(every_edit_at_rest_is_named, edits_at_rest);
async fn edits_at_rest(backend: Backend) {
    let app = spawn(backend).await;
    app.trust_demo_root().await;
    let late = app.store("name=late.json", demo("late-approval")).await;
    let late_sha = late["sha256"].as_str().expect("sha").to_owned();
    // A bundle from a root this server does not trust: stored as untrusted.
    let (synthetic, other_root) = evidence::producer::synthetic(20, "untrusted");
    let untrusted = app.store("name=untrusted.json", synthetic).await;
    assert_eq!(untrusted["verdict"], "untrusted");
    let untrusted_sha = untrusted["sha256"].as_str().expect("sha").to_owned();
    // A finding disposed of.
    let findings: Value = app
        .client
        .post(format!("{}/api/bundles/findings", app.address))
        .form(&[("sha256", late_sha.as_str())])
        .send()
        .await
        .expect("findings")
        .json()
        .await
        .expect("json");
    let key = findings["items"][0]["key"]
        .as_str()
        .expect("a finding")
        .to_owned();
    let disposed = app
        .client
        .post(format!("{}/api/findings/dispose", app.address))
        .form(&[
            ("sha256", late_sha.as_str()),
            ("finding", key.as_str()),
            ("decision", "accepted"),
            ("reason", "real"),
            ("responsibility", ""),
        ])
        .send()
        .await
        .expect("dispose");
    assert_eq!(disposed.status(), 200);

    assert_eq!(
        problems(&app).await,
        Vec::<String>::new(),
        "intact at first"
    );
    assert_eq!(
        reverified(&app).await,
        Vec::<String>::new(),
        "as stored at first"
    );

    // Each edit the security review made on a copy.
    edit(
        &app,
        "UPDATE users SET role = 'admin' WHERE username = 'reviewer'",
    )
    .await;
    edit(
        &app,
        "UPDATE incidents SET description = 'nothing to see' WHERE id = (SELECT MAX(id) FROM incidents)",
    )
    .await;
    edit(
        &app,
        &format!(
            "INSERT INTO trust_roots (public_key, keyid, label, added_at) \
             VALUES ('{}', 'k', 'slipped in', '2026-01-01T00:00:00Z')",
            other_root.to_hex()
        ),
    )
    .await;
    edit(
        &app,
        "UPDATE incidents SET status = 'signed_off' WHERE id = (SELECT MIN(id) FROM incidents)",
    )
    .await;
    // The table is append-only, by trigger: someone with the file drops it first.
    match backend {
        Backend::Sqlite => {
            edit(&app, "DROP TRIGGER finding_dispositions_no_delete").await;
        }
        Backend::Postgres => {
            edit(
                &app,
                "DROP TRIGGER finding_dispositions_append_only ON finding_dispositions",
            )
            .await;
        }
    }
    edit(&app, "DELETE FROM finding_dispositions").await;
    edit(
        &app,
        &format!(
            "UPDATE bundles SET status = 'verified', roots = '[\"{}\"]' WHERE sha256 = '{untrusted_sha}'",
            other_root.to_hex()
        ),
    )
    .await;
    edit(
        &app,
        "UPDATE users SET password_hash = '$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$aGFzaA' \
         WHERE username = 'reviewer'",
    )
    .await;
    edit(
        &app,
        &format!(
            "UPDATE events SET actor_id = 'someone-else' WHERE bundle_sha256 = '{late_sha}' AND idx = 3"
        ),
    )
    .await;
    edit(
        &app,
        &format!(
            "UPDATE bundles SET report = '{{}}', report_deflated = NULL WHERE sha256 = '{late_sha}'"
        ),
    )
    .await;

    let found = problems(&app).await;
    named(
        &found,
        "users: account reviewer has role admin; the log says compliance_reviewer",
    );
    named(
        &found,
        "users: account reviewer's password was replaced outside the log",
    );
    named(
        &found,
        &format!(
            "trust_roots: root {} is not in the log",
            other_root.to_hex()
        ),
    );
    named(&found, "has status signed_off; the log says open");
    named(&found, "'s description was edited outside the log");
    named(&found, "records a finding whose record is gone");
    named(
        &found,
        &format!(
            "bundles: {} is stored as verified; its upload (entry",
            &untrusted_sha[..12]
        ),
    );
    named(
        &found,
        &format!(
            "bundles: {} names other trust roots than its upload",
            &untrusted_sha[..12]
        ),
    );

    // Rows and the transcript: reverify stores the bytes again, against the roots the
    // upload's entry names (not the edited column), and compares.
    let found = reverified(&app).await;
    named(
        &found,
        "events: the row with idx 3 differs from its bytes in actor_id",
    );
    named(
        &found,
        "differs from its bytes in its verification transcript",
    );
    named(&found, "it is stored as verified; its upload was untrusted");
    assert!(
        !found.iter().any(|d| d.contains("verified again")),
        "verified against the roots its upload named, the untrusted bundle is untrusted still: {found:#?}"
    );
}
