//! The C2SP tlog-witness protocol against the real server: `custody witness-serve`
//! (a witness other logs push to) and `custody push-checkpoint` (the server's
//! checkpoint taken to it), as the log grows and when a second server forks it.

use std::path::Path;

use evidence::note::{NoteSigner, SigType};
use evidence::tlog::Checkpoint;

use super::anchoring::{custody, said};
use super::helpers::{demo, spawn_with, Backend, TestApp};

async fn checkpoint(app: &TestApp) -> (String, Checkpoint) {
    let text = app
        .get("/checkpoint")
        .await
        .text()
        .await
        .expect("the checkpoint");
    let note = evidence::note::Note::parse(&text).expect("a note");
    (
        text,
        Checkpoint::parse(&note.text).expect("a checkpoint body"),
    )
}

async fn push(app: &TestApp, server_pub: &Path, witness: &str) -> std::process::Output {
    custody(vec![
        "push-checkpoint".into(),
        "--server".into(),
        app.address.clone(),
        "--trust".into(),
        server_pub.display().to_string(),
        "--witness".into(),
        witness.to_owned(),
    ])
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pushed_checkpoint_is_cosigned_as_the_log_grows_and_a_fork_is_refused() {
    let dir = tempfile::tempdir().expect("a directory");
    let path = |name: &str| dir.path().join(name);
    let name = "w7.witness.example";
    std::fs::write(path("w7.key"), hex::encode([7u8; 32])).expect("write");
    let vkey = NoteSigner::new(name, SigType::Cosignature, [7; 32])
        .expect("a signer")
        .verifier()
        .to_vkey();
    std::fs::write(path("policy"), format!("witness {vkey}\nquorum 1\n")).expect("write");
    let policy = path("policy");
    let a = spawn_with(Backend::Sqlite, move |c| {
        c.anchoring.witness_policy = Some(policy)
    })
    .await;
    a.trust_demo_root().await;
    a.store("name=cicd.bundle.json", demo("cicd-change-ticket"))
        .await;
    std::fs::write(path("server.pub"), a.key.public_key().to_hex()).expect("write");
    let (_, first) = checkpoint(&a).await;

    // The witness, serving the protocol on a port of its own.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let listen = format!("127.0.0.1:{port}");
    let witness = std::process::Command::new(env!("CARGO_BIN_EXE_custody"))
        .args([
            "witness-serve",
            "--listen",
            &listen,
            "--origin",
            &first.origin,
            "--trust",
            &path("server.pub").display().to_string(),
            "--key",
            &path("w7.key").display().to_string(),
            "--name",
            name,
            "--state",
            &path("w7.state").display().to_string(),
        ])
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("the witness starts");
    let _witness = Stopped(witness);
    let url = format!("http://{listen}");
    let mut up = false;
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(&listen).await.is_ok() {
            up = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(up, "the witness listens on {listen}");

    // First contact: the witness trusts the log as it is, and the server keeps the
    // cosignature its policy names.
    let out = push(&a, &path("server.pub"), &url).await;
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    assert!(
        said(&out).contains(&format!("cosigned at size {}", first.size)),
        "{}",
        said(&out)
    );
    let (text, _) = checkpoint(&a).await;
    assert!(text.contains(&format!("\n— {name} ")), "{text}");

    // The log grows: the witness answers 409 with its size, the client fetches the
    // consistency proof from it, and the witness cosigns.
    a.store("name=jit.bundle.json", demo("privileged-api-jit"))
        .await;
    let (grown_text, grown) = checkpoint(&a).await;
    assert!(grown.size > first.size);
    let out = push(&a, &path("server.pub"), &url).await;
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));
    let state = std::fs::read_to_string(path("w7.state")).expect("the witness's state");
    assert!(state.contains(&format!("\n{}\n", grown.size)), "{state}");

    // The protocol's answers, asked directly.
    let client = reqwest::Client::new();
    let ask = |body: String| {
        let client = client.clone();
        let url = format!("{url}/add-checkpoint");
        async move {
            let response = client.post(url).body(body).send().await.expect("POST");
            let status = response.status().as_u16();
            let kind = response
                .headers()
                .get("content-type")
                .map(|v| v.to_str().unwrap_or_default().to_owned())
                .unwrap_or_default();
            (status, kind, response.text().await.expect("text"))
        }
    };
    let note = evidence::note::Note::parse(&grown_text).expect("a note");
    let own = |signer: &NoteSigner| {
        let mut n = evidence::note::Note {
            text: note.text.clone(),
            signatures: Vec::new(),
        };
        n.add(signer.sign(&note.text));
        n.to_text()
    };
    let (status, kind, size) = ask(format!("old 0\n\n{grown_text}")).await;
    assert_eq!(
        (status, kind.as_str(), size.as_str()),
        (
            409,
            "text/x.tlog.size",
            format!("{}\n", grown.size).as_str()
        )
    );
    let (status, _, _) = ask(format!("old {}\n\n{grown_text}", grown.size)).await;
    assert_eq!(status, 200, "the same checkpoint again");
    let (status, _, _) = ask(format!("old {}\n\n{grown_text}", grown.size + 1)).await;
    assert_eq!(status, 400, "an old size above the checkpoint's");
    let (status, _, _) = ask("old 0\nno empty line".into()).await;
    assert_eq!(status, 400);
    let impostor = NoteSigner::new(&grown.origin, SigType::Ed25519, [9; 32]).expect("a signer");
    let (status, _, _) = ask(format!("old {}\n\n{}", grown.size, own(&impostor))).await;
    assert_eq!(status, 403, "signed by another key under the log's origin");
    let other = NoteSigner::new("other.example/log", SigType::Ed25519, [9; 32]).expect("signer");
    let other_text = format!(
        "other.example/log\n1\n{}\n",
        base64::Engine::encode(&base64::engine::general_purpose::STANDARD, [0u8; 32])
    );
    let mut other_note = evidence::note::Note {
        text: other_text.clone(),
        signatures: Vec::new(),
    };
    other_note.add(other.sign(&other_text));
    let (status, _, _) = ask(format!("old 0\n\n{}", other_note.to_text())).await;
    assert_eq!(status, 404, "a log the witness does not follow");

    // A second server with the same key and origin and other entries: a fork. The
    // witness has cosigned the first; it refuses the second, and nothing changes.
    let key_file = a.data_dir().join("server.key");
    let origin = grown.origin.clone();
    let b = spawn_with(Backend::Sqlite, move |c| {
        c.signing_key = Some(key_file);
        c.anchoring.log_origin = Some(origin);
    })
    .await;
    b.trust_demo_root().await;
    for slug in [
        "revoked-credential-use",
        "prod-config-change",
        "privileged-api-jit",
        "cicd-change-ticket",
    ] {
        b.store(&format!("name={slug}.bundle.json"), demo(slug))
            .await;
    }
    let (_, forked) = checkpoint(&b).await;
    assert_eq!(forked.origin, grown.origin);
    assert!(forked.size > grown.size, "{} {}", forked.size, grown.size);
    let out = push(&b, &path("server.pub"), &url).await;
    assert_eq!(out.status.code(), Some(4), "{}", said(&out));
    assert!(
        said(&out).contains("refused to cosign") && said(&out).contains("422"),
        "{}",
        said(&out)
    );
    let after = std::fs::read_to_string(path("w7.state")).expect("the witness's state");
    let after = evidence::note::Note::parse(&after).expect("a note");
    assert_eq!(
        Checkpoint::parse(&after.text).expect("a checkpoint"),
        grown,
        "the witness still holds the first server's checkpoint"
    );
}

/// A child process, killed when the test ends, however it ends.
struct Stopped(std::process::Child);

impl Drop for Stopped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
