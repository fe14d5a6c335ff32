//! The transparency log: `GET /checkpoint`, witnesses (`custody witness`) and an
//! auditor holding an earlier checkpoint (`custody audit-log`), against the real
//! server, with the log cut short, rewritten and forked in its database.

use std::path::{Path, PathBuf};
use std::process::Output;

use evidence::note::{NoteSigner, SigType};
use evidence::tlog::{Checkpoint, Leaf};
use serde_json::Value;

use super::helpers::{demo, spawn_with, Backend, TestApp};

/// A witness: its key file, name and state file.
struct Witness {
    key: PathBuf,
    name: String,
    state: PathBuf,
}

impl Witness {
    fn new(dir: &Path, n: u8) -> Witness {
        let key = dir.join(format!("w{n}.key"));
        std::fs::write(&key, format!("{}\n", hex::encode([n; 32]))).expect("write");
        Witness {
            key,
            name: format!("w{n}.witness.example"),
            state: dir.join(format!("w{n}.state")),
        }
    }

    fn vkey(&self, n: u8) -> String {
        NoteSigner::new(&self.name, SigType::Cosignature, [n; 32])
            .expect("a signer")
            .verifier()
            .to_vkey()
    }

    async fn run(&self, app: &TestApp, server_pub: &Path) -> Output {
        custody(vec![
            "witness".into(),
            "--server".into(),
            app.address.clone(),
            "--trust".into(),
            server_pub.display().to_string(),
            "--key".into(),
            self.key.display().to_string(),
            "--name".into(),
            self.name.clone(),
            "--state".into(),
            self.state.display().to_string(),
        ])
        .await
    }
}

/// Runs the `custody` binary off the async workers.
pub(super) async fn custody(args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_custody"))
            .args(args)
            .output()
            .expect("custody runs")
    })
    .await
    .expect("joined")
}

/// What a command printed, both streams.
pub(super) fn said(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

async fn audit(app: &TestApp, server_pub: &Path, extra: &[&Path], flags: &[&str]) -> Output {
    let mut args = vec![
        "audit-log".to_owned(),
        "--server".into(),
        app.address.clone(),
        "--trust".into(),
        server_pub.display().to_string(),
    ];
    for (flag, path) in flags.iter().zip(extra) {
        args.push((*flag).to_owned());
        args.push(path.display().to_string());
    }
    custody(args).await
}

struct Setup {
    app: TestApp,
    dir: tempfile::TempDir,
    server_pub: PathBuf,
    policy: PathBuf,
    witnesses: Vec<Witness>,
}

/// A server whose witness policy names three witnesses, two of whom must cosign.
async fn setup(backend: Backend) -> Setup {
    let dir = tempfile::tempdir().expect("a directory");
    let witnesses: Vec<Witness> = (1..=3).map(|n| Witness::new(dir.path(), n)).collect();
    let policy = dir.path().join("witnesses.policy");
    let mut text = String::from("# the witnesses we trust\n");
    for (n, w) in (1..=3).zip(&witnesses) {
        text.push_str(&format!("witness {}\n", w.vkey(n)));
    }
    text.push_str("quorum 2\n");
    std::fs::write(&policy, text).expect("write");
    let policy_path = policy.clone();
    let app = spawn_with(backend, move |c| {
        c.anchoring.witness_policy = Some(policy_path);
    })
    .await;
    app.trust_demo_root().await;
    let server_pub = dir.path().join("server.pub");
    std::fs::write(&server_pub, app.key.public_key().to_hex()).expect("write");
    Setup {
        app,
        dir,
        server_pub,
        policy,
        witnesses,
    }
}

async fn checkpoint_text(app: &TestApp) -> String {
    let response = app.get("/checkpoint").await;
    assert_eq!(response.status(), 200);
    response.text().await.expect("text")
}

fn body(text: &str) -> Checkpoint {
    let note = evidence::note::Note::parse(text).expect("a note");
    Checkpoint::parse(&note.text).expect("a checkpoint")
}

async fn integrity(app: &TestApp) -> String {
    store::log_check::check(&app.db, &app.key)
        .await
        .expect("checked")
        .problems
        .join("\n")
}

/// Drops the triggers that keep the logs append-only, as an operator editing the
/// database around them would.
async fn unlock(app: &TestApp, backend: Backend) {
    let statements: Vec<String> = match backend {
        Backend::Sqlite => ["review_log", "log_leaves", "checkpoints", "cosignatures"]
            .iter()
            .flat_map(|t| {
                [
                    format!("DROP TRIGGER {t}_no_update"),
                    format!("DROP TRIGGER {t}_no_delete"),
                ]
            })
            .collect(),
        Backend::Postgres => ["review_log", "log_leaves", "checkpoints", "cosignatures"]
            .iter()
            .map(|t| format!("DROP TRIGGER {t}_append_only ON {t}"))
            .collect(),
    };
    for statement in statements {
        exec(app, &statement).await;
    }
}

async fn exec(app: &TestApp, sql: &str) {
    sqlx::query(sql)
        .execute(app.db.pool())
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_auditor_with_an_earlier_checkpoint_detects_the_newest_entries_deleted() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Setup {
            app,
            dir,
            server_pub,
            policy,
            witnesses,
        } = setup(backend).await;
        app.store("name=cicd.bundle.json", demo("cicd-change-ticket"))
            .await;
        // Anyone may read the checkpoint: no sign-in.
        let response = app
            .anonymous
            .get(format!("{}/checkpoint", app.address))
            .send()
            .await
            .expect("GET");
        assert_eq!(response.status(), 200, "{backend:?}");
        assert!(response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain"));
        let first = response.text().await.expect("text");
        let leaves = app.count("SELECT COUNT(*) FROM log_leaves").await;
        let entries = app.count("SELECT COUNT(*) FROM review_log").await;
        assert_eq!(leaves, entries + 1, "every entry and the bundle are leaves");
        assert_eq!(body(&first).size, leaves as u64);
        let earlier = dir.path().join("earlier.checkpoint");
        std::fs::write(&earlier, &first).expect("write");

        // Two witnesses cosign; the third is offline.
        for w in &witnesses[..2] {
            let out = w.run(&app, &server_pub).await;
            assert!(out.status.success(), "{backend:?}: {}", said(&out));
            assert!(said(&out).contains("first seen"), "{}", said(&out));
        }
        let served = checkpoint_text(&app).await;
        assert_eq!(
            served.matches("\n— ").count(),
            3,
            "the log's line and two cosignatures"
        );
        let out = audit(
            &app,
            &server_pub,
            &[&earlier, &policy],
            &["--checkpoint", "--witnesses"],
        )
        .await;
        assert_eq!(out.status.code(), Some(0), "{}", said(&out));
        assert!(
            said(&out).contains(&format!(
                "Witnessed by 2 of 3 (w1.witness.example, w2.witness.example) at size {leaves}"
            )),
            "{}",
            said(&out)
        );

        // The log grows; the witnesses follow it, and the auditor's checkpoint is in it.
        app.store("name=jit.bundle.json", demo("privileged-api-jit"))
            .await;
        let grown = body(&checkpoint_text(&app).await).size;
        assert!(grown > leaves as u64);
        let out = witnesses[0].run(&app, &server_pub).await;
        assert!(
            said(&out).contains(&format!("it grew from {leaves}, consistently")),
            "{}",
            said(&out)
        );
        let kept = dir.path().join("kept.checkpoint");
        let out = audit(
            &app,
            &server_pub,
            &[&earlier, &kept],
            &["--checkpoint", "--save"],
        )
        .await;
        assert_eq!(out.status.code(), Some(0), "{}", said(&out));
        assert!(said(&out).contains(&format!("it contains your checkpoint of {leaves} entries")));

        // The newest three entries deleted, with their leaves: the server itself
        // will sign no checkpoint that its earlier ones do not lead to.
        let cut = grown - 3;
        unlock(&app, backend).await;
        let newest: Vec<(String,)> =
            sqlx::query_as(&format!("SELECT data FROM log_leaves WHERE idx >= {cut}"))
                .fetch_all(app.db.pool())
                .await
                .expect("leaves");
        for (data,) in newest {
            if let Some(Leaf::Review { seq, .. }) = Leaf::parse(&data) {
                exec(&app, &format!("DELETE FROM review_log WHERE seq = {seq}")).await;
            }
        }
        exec(&app, &format!("DELETE FROM log_leaves WHERE idx >= {cut}")).await;
        let response = app.get("/checkpoint").await;
        assert_eq!(response.status(), 409);
        let refusal: Value = response.json().await.expect("json");
        assert_eq!(refusal["error"]["code"], "truncated", "{refusal}");
        let problems = integrity(&app).await;
        assert!(
            problems.contains(&format!(
                "truncated: the log had {grown} entries and now has {cut}"
            )),
            "{problems}"
        );

        // The operator also deletes the checkpoints it signed; the server signs a
        // shorter one. The auditor's kept checkpoint names the deletion, and no
        // witness cosigns it.
        exec(&app, "DELETE FROM cosignatures").await;
        exec(&app, "DELETE FROM checkpoints").await;
        let out = audit(&app, &server_pub, &[&kept], &["--checkpoint"]).await;
        assert_eq!(out.status.code(), Some(4), "{}", said(&out));
        assert!(
            said(&out).contains(&format!(
                "truncated: the log had {grown} entries and now has {cut}"
            )),
            "{}",
            said(&out)
        );
        let out = witnesses[0].run(&app, &server_pub).await;
        assert_eq!(out.status.code(), Some(4), "{}", said(&out));
        assert_eq!(app.count("SELECT COUNT(*) FROM cosignatures").await, 0);

        // New entries past the old size do not hide it: the log is then rewritten.
        app.store("name=revoked.bundle.json", demo("revoked-credential-use"))
            .await;
        app.store("name=secrets.bundle.json", demo("secrets-export"))
            .await;
        assert!(body(&checkpoint_text(&app).await).size > grown);
        let out = audit(&app, &server_pub, &[&kept], &["--checkpoint"]).await;
        assert_eq!(out.status.code(), Some(4), "{}", said(&out));
        assert!(
            said(&out).contains("rewritten: the log at size"),
            "{}",
            said(&out)
        );
        assert!(
            said(&out).contains(&format!("does not contain the log at size {grown}")),
            "{}",
            said(&out)
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bundle_swapped_for_a_re_signed_shorter_one_is_detected() {
    let Setup {
        app,
        dir,
        server_pub,
        ..
    } = setup(Backend::Sqlite).await;
    let original: Value = app
        .store("name=jit.bundle.json", demo("privileged-api-jit"))
        .await;
    let original = original["sha256"].as_str().expect("sha256").to_owned();
    let kept = dir.path().join("kept.checkpoint");
    std::fs::write(&kept, checkpoint_text(&app).await).expect("write");
    // Another, shorter bundle is stored, then put where the first one's leaf was.
    let shorter: Value = app
        .store("name=short.bundle.json", demo("cicd-change-ticket"))
        .await;
    let shorter = shorter["sha256"].as_str().expect("sha256").to_owned();
    unlock(&app, Backend::Sqlite).await;
    let leaf = |sha: String| {
        let db = app.db.clone();
        async move {
            store::tlog::bundle_leaf(&db, &sha)
                .await
                .expect("read")
                .expect("a leaf")
                .data()
        }
    };
    let swapped = leaf(shorter.clone()).await;
    let first = leaf(original.clone()).await;
    exec(
        &app,
        &format!("DELETE FROM log_leaves WHERE data = '{swapped}'"),
    )
    .await;
    exec(
        &app,
        &format!("UPDATE log_leaves SET data = '{swapped}' WHERE data = '{first}'"),
    )
    .await;
    let response = app.get("/checkpoint").await;
    assert_eq!(
        response.status(),
        409,
        "the server's own checkpoints name it"
    );
    exec(&app, "DELETE FROM checkpoints").await;
    let out = audit(&app, &server_pub, &[&kept], &["--checkpoint"]).await;
    assert_eq!(out.status.code(), Some(4), "{}", said(&out));
    assert!(
        said(&out).contains("rewritten: the log at size"),
        "{}",
        said(&out)
    );
    let problems = integrity(&app).await;
    assert!(
        problems.contains(&format!("bundle {original} is stored but not in the log")),
        "{problems}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_log_forked_between_two_witnesses_is_equivocation_and_misses_the_quorum() {
    let Setup {
        app,
        server_pub,
        policy,
        witnesses,
        dir: _dir,
    } = setup(Backend::Sqlite).await;
    app.store("name=cicd.bundle.json", demo("cicd-change-ticket"))
        .await;
    let out = witnesses[0].run(&app, &server_pub).await;
    assert!(out.status.success(), "{}", said(&out));
    let seen = body(&std::fs::read_to_string(&witnesses[0].state).expect("state"));
    unlock(&app, Backend::Sqlite).await;
    // An entry rewritten, and the server's memory of its checkpoints deleted: it
    // signs another checkpoint of the same size.
    exec(&app, "UPDATE log_leaves SET data = 'custody-log/v1 review 0 0000000000000000000000000000000000000000000000000000000000000000' WHERE data LIKE 'custody-log/v1 review 0 %'").await;
    exec(&app, "DELETE FROM cosignatures").await;
    exec(&app, "DELETE FROM checkpoints").await;
    let fork = body(&checkpoint_text(&app).await);
    assert_eq!(fork.size, seen.size);
    assert_ne!(fork.root, seen.root);
    // The first witness refuses; a second, which never saw the first view, cosigns.
    let out = witnesses[0].run(&app, &server_pub).await;
    assert_eq!(out.status.code(), Some(4), "{}", said(&out));
    assert!(
        said(&out).contains(&format!(
            "equivocation: two checkpoints of size {}",
            seen.size
        )),
        "{}",
        said(&out)
    );
    let out = witnesses[1].run(&app, &server_pub).await;
    assert!(out.status.success(), "{}", said(&out));
    let out = audit(&app, &server_pub, &[&policy], &["--witnesses"]).await;
    assert_eq!(out.status.code(), Some(3), "{}", said(&out));
    assert!(
        said(&out).contains(&format!(
            "Witnessed by 1 of 3 (w2.witness.example) at size {}; the policy needs 2",
            seen.size
        )),
        "{}",
        said(&out)
    );
    let out = audit(&app, &server_pub, &[&witnesses[0].state], &["--checkpoint"]).await;
    assert_eq!(out.status.code(), Some(4), "{}", said(&out));
    assert!(said(&out).contains("equivocation"), "{}", said(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_proofs_requests_and_cosignatures_are_refused_with_their_reason() {
    let Setup { app, dir: _dir, .. } = setup(Backend::Sqlite).await;
    app.store("name=cicd.bundle.json", demo("cicd-change-ticket"))
        .await;
    let size = body(&checkpoint_text(&app).await).size;
    let response = app
        .anonymous
        .get(format!(
            "{}/checkpoint/consistency?old=2&new={}",
            app.address, size
        ))
        .send()
        .await
        .expect("GET");
    assert_eq!(response.status(), 200);
    let proof: Value = response.json().await.expect("json");
    assert!(!proof["proof"].as_array().expect("hashes").is_empty());
    for query in [
        format!("old={size}&new=1"),
        format!("old=1&new={}", size + 1),
    ] {
        let response = app.get(&format!("/checkpoint/consistency?{query}")).await;
        assert_eq!(response.status(), 400, "{query}");
    }
    let text = checkpoint_text(&app).await;
    let post = |body: String| {
        let app = &app;
        async move {
            app.anonymous
                .post(format!("{}/checkpoint/cosignature", app.address))
                .body(body)
                .send()
                .await
                .expect("POST")
        }
    };
    // A witness outside the policy.
    let stranger = NoteSigner::new("stranger.example", SigType::Cosignature, [9; 32]).unwrap();
    let mut note = evidence::note::Note::parse(&text).unwrap();
    note.add(stranger.cosign(&note.text.clone(), 1_800_000_000));
    let response = post(note.to_text()).await;
    assert_eq!(response.status(), 400);
    let refusal: Value = response.json().await.unwrap();
    assert_eq!(refusal["error"]["code"], "bad_cosignature");
    // A known witness's line over other bytes.
    let w1 = NoteSigner::new("w1.witness.example", SigType::Cosignature, [1; 32]).unwrap();
    let mut note = evidence::note::Note::parse(&text).unwrap();
    let mut line = w1.cosign(&note.text.replace('\n', "\n\n"), 1_800_000_000);
    line.bytes[10] ^= 1;
    note.add(line);
    let response = post(note.to_text()).await;
    assert_eq!(response.status(), 400);
    let refusal: Value = response.json().await.unwrap();
    assert!(
        refusal["error"]["message"]
            .as_str()
            .unwrap()
            .contains("does not verify"),
        "{refusal}"
    );
    // A checkpoint this server never signed.
    let response = post(text.replace(&format!("\n{size}\n"), &format!("\n{}\n", size + 1))).await;
    assert_eq!(response.status(), 400);
    assert_eq!(app.count("SELECT COUNT(*) FROM cosignatures").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_carries_the_witnessed_checkpoint_and_verify_report_checks_it() {
    let Setup {
        app,
        dir,
        server_pub,
        policy,
        witnesses,
    } = setup(Backend::Sqlite).await;
    let stored: Value = app
        .store("name=cicd.bundle.json", demo("cicd-change-ticket"))
        .await;
    let id = stored["incident_id"].as_i64().expect("an incident");
    for w in &witnesses[..2] {
        assert!(w.run(&app, &server_pub).await.status.success());
    }
    let witnessed = body(&checkpoint_text(&app).await).size;
    let tar = app
        .client
        .get(format!(
            "{}/api/incidents/{id}/export/export.tar",
            app.address
        ))
        .send()
        .await
        .expect("GET")
        .bytes()
        .await
        .expect("bytes");
    let files = super::exports::untar(&tar);
    // The export's own entry came after the witnesses: it carries the checkpoint
    // they cosigned, in which everything it holds is proven.
    let carried = body(std::str::from_utf8(&files["log-checkpoint.txt"]).unwrap());
    assert_eq!(carried.size, witnessed);
    let tar_path = dir.path().join("export.tar");
    std::fs::write(&tar_path, &tar).expect("write");
    let out = custody(vec![
        "verify-report".into(),
        tar_path.display().to_string(),
        "--trust".into(),
        server_pub.display().to_string(),
        "--witnesses".into(),
        policy.display().to_string(),
    ])
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    assert!(
        said(&out).contains(&format!("at size {witnessed}")),
        "{}",
        said(&out)
    );
    assert!(
        said(&out).contains(&format!(
            "Witnessed by 2 of 3 (w1.witness.example, w2.witness.example) at size {witnessed}"
        )),
        "{}",
        said(&out)
    );
    // A proof for another bundle than the one the export names does not hold.
    let mut proofs: evidence::tlog::LogProofs =
        serde_json::from_slice(&files["log-proofs.json"]).expect("proofs");
    let sha = stored["sha256"].as_str().unwrap().to_owned();
    proofs.bundles.insert(sha.clone(), hex::encode([7u8; 32]));
    let problems = evidence::tlog::verify_anchoring(
        Some(&files["log-checkpoint.txt"]),
        Some(&serde_json::to_vec(&proofs).unwrap()),
        &[app.key.public_key()],
        std::slice::from_ref(&sha),
        None,
    )
    .unwrap_err();
    assert_eq!(problems, vec![evidence::tlog::AnchorProblem::Unproven(sha)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manifest_becomes_a_scitt_statement_and_its_receipts_are_checked() {
    let dir = tempfile::tempdir().expect("a directory");
    let path = |name: &str| dir.path().join(name);
    std::fs::write(path("cicd.bundle.json"), demo("cicd-change-ticket")).unwrap();
    let out = custody(vec!["keygen".into(), path("issuer").display().to_string()]).await;
    assert!(out.status.success(), "{}", said(&out));
    let out = custody(vec![
        "scitt".into(),
        "statement".into(),
        path("cicd.bundle.json").display().to_string(),
        "--key".into(),
        path("issuer.key").display().to_string(),
        "--issuer".into(),
        "https://acme.example".into(),
        "--out".into(),
        path("statement.cbor").display().to_string(),
    ])
    .await;
    assert!(out.status.success(), "{}", said(&out));
    let statement = std::fs::read(path("statement.cbor")).unwrap();
    // A transparency service registers it among others and issues a receipt.
    let service = evidence::producer::Signer::from_seed([0x55; 32]);
    std::fs::write(path("service.pub"), service.public_key().to_hex()).unwrap();
    let leaves = vec![
        b"earlier".to_vec(),
        statement.clone(),
        b"later".to_vec(),
        b"last".to_vec(),
    ];
    let receipt = evidence::scitt::issue_receipt(&leaves, 1, &service).unwrap();
    std::fs::write(path("receipt.cbor"), &receipt).unwrap();
    let mut tampered = receipt.clone();
    let last = tampered.len() - 1;
    tampered[last] ^= 1;
    std::fs::write(path("tampered.cbor"), &tampered).unwrap();
    let verify = |receipt: &str, bundle: &str| {
        custody(vec![
            "scitt".into(),
            "verify".into(),
            path("statement.cbor").display().to_string(),
            "--issuer-key".into(),
            path("issuer.pub").display().to_string(),
            "--bundle".into(),
            path(bundle).display().to_string(),
            "--receipt".into(),
            path(receipt).display().to_string(),
            "--service-key".into(),
            path("service.pub").display().to_string(),
        ])
    };
    let out = verify("receipt.cbor", "cicd.bundle.json").await;
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    for line in [
        "Statement of https://acme.example about",
        "Bundle: the statement's payload is the manifest of bundle",
        "receipt.cbor: registered at index 1 of 4 (receipt valid).",
    ] {
        assert!(said(&out).contains(line), "{line}: {}", said(&out));
    }
    let out = verify("tampered.cbor", "cicd.bundle.json").await;
    assert_eq!(out.status.code(), Some(4), "{}", said(&out));
    assert!(
        said(&out).contains("tampered.cbor: not valid: the receipt's signature does not verify"),
        "{}",
        said(&out)
    );
    // A statement checked against another bundle is not that bundle's.
    std::fs::write(path("other.bundle.json"), demo("privileged-api-jit")).unwrap();
    let out = verify("receipt.cbor", "other.bundle.json").await;
    assert_eq!(out.status.code(), Some(4), "{}", said(&out));
    assert!(
        said(&out)
            .contains("Bundle: not this bundle: the statement's payload is not its manifest."),
        "{}",
        said(&out)
    );
}
