//! Slow and greedy clients: half-sent requests are cut off after the header timeout,
//! and a client past its share of connections cannot lock anyone else out.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpSocket, TcpStream};

use crate::helpers::{spawn_with, Backend};

/// A connection from `source` (any 127.x address on Linux) that sends a request's
/// first line and one header, and never the blank line that ends them.
async fn half_sent(server: SocketAddr, source: [u8; 4]) -> Option<TcpStream> {
    let socket = TcpSocket::new_v4().ok()?;
    socket.bind(SocketAddr::from((source, 0))).ok()?;
    let mut stream = socket.connect(server).await.ok()?;
    stream
        .write_all(b"GET /login HTTP/1.1\r\nHost: custody.test\r\n")
        .await
        .ok()?;
    Some(stream)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn half_sent_requests_are_cut_off_and_lock_no_one_out() {
    let app = spawn_with(Backend::Sqlite, |c| {
        c.max_connections = 64;
        c.max_connections_per_client = 16;
        c.header_timeout_secs = 2;
    })
    .await;
    let server: SocketAddr = app
        .address
        .trim_start_matches("http://")
        .parse()
        .expect("address");
    // Eight clients, each opening 40 half-sent requests: 320 in all, five times what
    // the server holds open at once.
    let mut held = Vec::new();
    for client in 2..10u8 {
        for _ in 0..40 {
            if let Some(stream) = half_sent(server, [127, 0, 0, client]).await {
                held.push(stream);
            }
        }
    }
    assert!(held.len() >= 300, "only {} connections opened", held.len());

    // Another client still gets a page and the API.
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client");
    let page = client
        .get(format!("{}/login", app.address))
        .send()
        .await
        .expect("the sign-in page is served");
    assert_eq!(page.status(), 200);
    assert!(page.text().await.expect("body").contains("Sign in"));
    let health = client
        .get(format!("{}/healthz", app.address))
        .send()
        .await
        .expect("health is served");
    assert_eq!(health.status(), 200);

    // Every half-sent request ends: closed past the client's share at once, or cut
    // off after the header timeout. None is ever answered as if it were whole.
    let ends = held.into_iter().map(|mut stream| async move {
        let mut answer = Vec::new();
        tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut answer))
            .await
            .map(|_| answer)
    });
    let ends = futures_util::future::join_all(ends).await;
    let open = ends.iter().filter(|e| e.is_err()).count();
    assert_eq!(
        open, 0,
        "{open} half-sent requests were still open after 20 s"
    );
    for answer in ends.into_iter().flatten() {
        let text = String::from_utf8_lossy(&answer);
        assert!(
            answer.is_empty() || text.starts_with("HTTP/1.1 408"),
            "a half-sent request was answered: {text}"
        );
    }
}

/// Heavy reads (free-text searches, exports, log checks) run a few at a time: one
/// that cannot get its turn within `store::HEAVY_WAIT` is answered 503 `busy` with
/// `Retry-After`, and reads that are not heavy (the incident list, `/healthz`) are
/// answered meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_search_past_the_heavy_reads_under_way_is_answered_busy() {
    let app = crate::helpers::spawn_app().await;
    let auditor = app.user("heavy-auditor", model::Role::Auditor).await;
    // Every turn taken, as by searches that run long.
    let mut held = Vec::new();
    while let Ok(turn) = tokio::time::timeout(Duration::from_millis(200), app.db.heavy_turn()).await
    {
        held.push(turn.expect("a turn"));
    }
    assert!(held.len() >= 2, "at least two heavy reads run at once");

    let search = {
        let (auditor, address) = (auditor.clone(), app.address.clone());
        tokio::spawn(async move {
            auditor
                .get(format!("{address}/api/events?q=refund"))
                .send()
                .await
                .expect("answered")
        })
    };
    // Meanwhile, what is not heavy is answered at once.
    let list = auditor
        .get(format!("{}/api/incidents", app.address))
        .send()
        .await
        .expect("answered");
    assert_eq!(list.status(), 200);
    assert_eq!(app.get("/healthz").await.status(), 200);

    let busy = search.await.expect("the search");
    assert_eq!(busy.status(), 503);
    assert_eq!(
        busy.headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some(store::HEAVY_WAIT.as_secs().to_string().as_str())
    );
    let body: serde_json::Value = busy.json().await.expect("JSON");
    assert_eq!(body["error"]["code"], "busy");

    // Once a turn is free, the same search is answered.
    held.pop();
    let answered = auditor
        .get(format!("{}/api/events?q=refund", app.address))
        .send()
        .await
        .expect("answered");
    assert_eq!(answered.status(), 200);
}
