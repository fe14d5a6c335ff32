//! RFC 3161 time stamps from a real authority: OpenSSL's `ts` command (Debian's
//! openssl) answering over HTTP, with its own CA; `custody timestamp`, `custody
//! verify --anchors`, the server's anchored bundle, and tokens that must not hold.

use std::path::{Path, PathBuf};
use std::process::Command;

use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use evidence::timestamp::{self, StampError, TsaTrust};
use serde_json::Value;

use super::anchoring::{custody, said};
use super::helpers::{demo, spawn_with, Backend};

/// A time-stamping authority: OpenSSL, its CA, and an HTTP front.
pub struct Tsa {
    pub dir: tempfile::TempDir,
    pub url: String,
}

impl Tsa {
    pub fn root(&self) -> PathBuf {
        self.dir.path().join("root.crt")
    }

    pub fn other_root(&self) -> PathBuf {
        self.dir.path().join("other.crt")
    }
}

fn sh(dir: &Path, script: &str) {
    let out = Command::new("sh")
        .arg("-ec")
        .arg(script)
        .current_dir(dir)
        .output()
        .expect("sh runs");
    assert!(
        out.status.success(),
        "{script}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

const SETUP: &str = r#"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out root.key 2>/dev/null
openssl req -x509 -new -key root.key -subj "/CN=Test Root CA/O=Independent TSA" -days 3650 \
  -addext basicConstraints=critical,CA:true -addext keyUsage=critical,keyCertSign,cRLSign -out root.crt
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out other.key 2>/dev/null
openssl req -x509 -new -key other.key -subj "/CN=Another Root CA" -days 3650 \
  -addext basicConstraints=critical,CA:true -out other.crt
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out tsa.key 2>/dev/null
openssl req -new -key tsa.key -subj "/CN=Independent Time Authority/O=Independent TSA" -out tsa.csr
printf 'extendedKeyUsage=critical,timeStamping\nbasicConstraints=CA:false\nkeyUsage=critical,digitalSignature\n' > tsa.ext
openssl x509 -req -in tsa.csr -CA root.crt -CAkey root.key -CAcreateserial -days 365 -extfile tsa.ext -out tsa.crt 2>/dev/null
mkdir -p ca && : > ca/index.txt && echo 01 > ca/serial
cat > ca.cnf <<EOF
[ca]
default_ca = test
[test]
dir = ca
database = ca/index.txt
new_certs_dir = ca
serial = ca/serial
default_md = sha256
policy = any
unique_subject = no
[any]
commonName = supplied
organizationName = optional
EOF
openssl ca -batch -config ca.cnf -cert root.crt -keyfile root.key -in tsa.csr -out expired.crt \
  -startdate 20200101000000Z -enddate 20200102000000Z -extfile tsa.ext -notext 2>/dev/null
echo 01 > tsaserial
cat > ts.cnf <<EOF
[ tsa ]
default_tsa = current
[ current ]
dir = .
serial = ./tsaserial
crypto_device = builtin
signer_cert = ./tsa.crt
certs = ./root.crt
signer_key = ./tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = no
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
[ expired ]
dir = .
serial = ./tsaserial
crypto_device = builtin
signer_cert = ./expired.crt
certs = ./root.crt
signer_key = ./tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256, sha384, sha512
ess_cert_id_alg = sha256
EOF
"#;

#[derive(Clone)]
struct Front {
    dir: PathBuf,
    counter: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

async fn reply(front: &Front, section: &str, query: Bytes) -> Vec<u8> {
    let n = front
        .counter
        .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let (q, r) = (
        front.dir.join(format!("q{n}.tsq")),
        front.dir.join(format!("r{n}.tsr")),
    );
    std::fs::write(&q, &query).expect("write the query");
    let dir = front.dir.clone();
    let section = section.to_owned();
    let (q2, r2) = (q.clone(), r.clone());
    let out = tokio::task::spawn_blocking(move || {
        Command::new("openssl")
            .args(["ts", "-reply", "-config", "ts.cnf", "-section", &section])
            .arg("-queryfile")
            .arg(&q2)
            .arg("-out")
            .arg(&r2)
            .current_dir(dir)
            .output()
            .expect("openssl runs")
    })
    .await
    .expect("joined");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read(&r).expect("the reply")
}

/// Starts the authority: `/` signs with a valid certificate, `/expired` with one
/// whose validity ended in 2020.
pub async fn start() -> Tsa {
    let dir = tempfile::tempdir().expect("a directory");
    sh(dir.path(), SETUP);
    let front = Front {
        dir: dir.path().to_owned(),
        counter: std::sync::Arc::default(),
    };
    let app = axum::Router::new()
        .route(
            "/",
            post(|State(f): State<Front>, body: Bytes| async move {
                (
                    [("content-type", "application/timestamp-reply")],
                    reply(&f, "current", body).await,
                )
            }),
        )
        .route(
            "/expired",
            post(|State(f): State<Front>, body: Bytes| async move {
                (
                    [("content-type", "application/timestamp-reply")],
                    reply(&f, "expired", body).await,
                )
            }),
        )
        .with_state(front);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    Tsa { dir, url }
}

/// A token from `url` over `message`.
async fn token(url: &str, message: &[u8]) -> Vec<u8> {
    let request = timestamp::request(message, [7; 8]).expect("a request");
    let reply = reqwest::Client::new()
        .post(url)
        .body(request)
        .send()
        .await
        .expect("POST")
        .bytes()
        .await
        .expect("bytes");
    timestamp::token_of(&reply).expect("a token")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_authority_stamps_a_bundle_and_bad_tokens_are_named() {
    let tsa = start().await;
    let trust = TsaTrust::from_pem(&std::fs::read_to_string(tsa.root()).unwrap()).unwrap();
    let message = b"a manifest's signature";
    let good = token(&tsa.url, message).await;
    let stamp = timestamp::verify(&good, message, &trust).expect("a valid token");
    assert!(
        stamp.tsa == "Independent Time Authority (Independent TSA)",
        "{}",
        stamp.tsa
    );
    let now = chrono::Utc::now();
    let at = chrono::DateTime::parse_from_rfc3339(&stamp.time).unwrap();
    assert!((now - at.with_timezone(&chrono::Utc)).num_seconds().abs() < 120);
    assert_eq!(stamp.policy, "1.2.3.4.1");

    // A token over other bytes.
    assert_eq!(
        timestamp::verify(&good, b"other bytes", &trust),
        Err(StampError::Imprint)
    );
    // An authority the reviewer does not trust.
    let other = TsaTrust::from_pem(&std::fs::read_to_string(tsa.other_root()).unwrap()).unwrap();
    assert!(matches!(
        timestamp::verify(&good, message, &other),
        Err(StampError::Untrusted(_))
    ));
    assert!(matches!(
        timestamp::verify(&good, message, &TsaTrust::default()),
        Err(StampError::Untrusted(_))
    ));
    // A certificate that had expired when it signed.
    let late = token(&format!("{}/expired", tsa.url), message).await;
    let err = timestamp::verify(&late, message, &trust).unwrap_err();
    assert!(matches!(err, StampError::Expired { .. }), "{err}");
    assert!(
        err.to_string()
            .contains("valid 2020-01-01T00:00:00Z to 2020-01-02T00:00:00Z"),
        "{err}"
    );
    // The time altered: one digit of genTime changed.
    let year = format!("{}", now.format("%Y%m%d"));
    let at = good
        .windows(year.len())
        .position(|w| w == year.as_bytes())
        .expect("genTime in the token");
    let mut altered = good.clone();
    altered[at + 2] = if altered[at + 2] == b'1' { b'2' } else { b'1' };
    assert!(matches!(
        timestamp::verify(&altered, message, &trust),
        Err(StampError::Attributes(_)) | Err(StampError::Malformed(_))
    ));
    // The signature altered.
    let mut forged = good.clone();
    let last = forged.len() - 10;
    forged[last] ^= 1;
    assert!(timestamp::verify(&forged, message, &trust).is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn custody_timestamp_anchors_a_bundle_that_verify_and_the_console_state() {
    let tsa = start().await;
    let dir = tempfile::tempdir().expect("a directory");
    let bundle = dir.path().join("cicd.bundle.json");
    let original = demo("cicd-change-ticket");
    std::fs::write(&bundle, &original).expect("write");
    let out = custody(vec![
        "timestamp".into(),
        bundle.display().to_string(),
        "--tsa".into(),
        tsa.url.clone(),
        "--tsa-trust".into(),
        tsa.root().display().to_string(),
    ])
    .await;
    assert!(out.status.success(), "{}", said(&out));
    assert!(
        said(&out).contains("timestamped by Independent Time Authority (Independent TSA) at "),
        "{}",
        said(&out)
    );
    let stamped = std::fs::read(&bundle).expect("read");
    // No signed byte changed: the same report, the same manifest digest.
    let limits = evidence::bundle::Limits::default();
    assert_eq!(
        evidence::bundle::manifest_digest(stamped.as_slice(), &limits),
        evidence::bundle::manifest_digest(original.as_bytes(), &limits)
    );
    let roots = [server::demo::root().public_key()];
    assert_eq!(
        evidence::bundle::verify(&stamped, &roots, &limits)
            .unwrap()
            .status(),
        evidence::bundle::verify(original.as_bytes(), &roots, &limits)
            .unwrap()
            .status()
    );

    // `custody verify --anchors`: the trust file names the authority's root.
    let root_pub = dir.path().join("root.pub");
    std::fs::write(&root_pub, server::demo::root().public_key().to_hex()).unwrap();
    let trust_file = dir.path().join("anchors.trust");
    std::fs::write(
        &trust_file,
        format!(
            "# our TSA\n{}",
            std::fs::read_to_string(tsa.root()).unwrap()
        ),
    )
    .unwrap();
    let verify = |trust_file: PathBuf| {
        custody(vec![
            "verify".into(),
            bundle.display().to_string(),
            "--trust".into(),
            root_pub.display().to_string(),
            "--anchors".into(),
            trust_file.display().to_string(),
        ])
    };
    let out = verify(trust_file.clone()).await;
    assert!(
        said(&out)
            .contains("anchor: Timestamped by Independent Time Authority (Independent TSA) at "),
        "{}",
        said(&out)
    );
    let empty = dir.path().join("empty.trust");
    std::fs::write(&empty, "# trusts nothing\n").unwrap();
    let out = verify(empty).await;
    assert!(
        said(&out).contains("anchor: Not anchored"),
        "{}",
        said(&out)
    );
    assert!(
        said(&out).contains("anchor does not hold: time stamp: the authority"),
        "{}",
        said(&out)
    );

    // On the server: the stamp is checked against its TSA trust, and the anchored
    // download adds the bundle's place in the log.
    let root = tsa.root();
    let app = spawn_with(Backend::Sqlite, move |c| {
        c.anchoring.tsa_trust = Some(root);
    })
    .await;
    app.trust_demo_root().await;
    let stored: Value = app.store("name=cicd.bundle.json", stamped.clone()).await;
    let sha = stored["sha256"].as_str().unwrap();
    let anchoring = store::tlog::bundle_anchoring(&app.db, &app.log, sha)
        .await
        .unwrap()
        .unwrap();
    assert!(
        anchoring.sentences[0]
            .starts_with("Timestamped by Independent Time Authority (Independent TSA) at "),
        "{anchoring:?}"
    );
    assert!(
        anchoring.sentences[1].starts_with("In log custody.local/log/"),
        "{anchoring:?}"
    );
    let response = app.get(&format!("/api/bundles/{sha}/anchored")).await;
    assert_eq!(response.status(), 200);
    let anchored = response.bytes().await.unwrap();
    let anchors = evidence::anchor::read(&anchored, &limits).unwrap().unwrap();
    assert_eq!(anchors.timestamps.len(), 1);
    let log = anchors.log.expect("a log anchor");
    assert_eq!(
        log.inclusion.leaf,
        store::tlog::bundle_leaf(&app.db, sha)
            .await
            .unwrap()
            .unwrap()
            .data()
    );
}
