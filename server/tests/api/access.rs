//! Authorization, table-driven: every route and server function, for every role and
//! for no one. The table says what each needs, written here apart from the server's
//! own: a route the server serves but the table does not list fails the test.

use std::collections::BTreeSet;

use model::Role;

use crate::helpers::{spawn_app, TestApp};

/// What a request needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Need {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in reviewer.
    SignedIn,
    Read,
    /// A role that may upload, or a machine token: sending evidence.
    Send,
    Annotate,
    Workflow,
    SignOff,
    Export,
    Administer,
}

/// What each role may do, as the product defines the duties.
fn allowed(role: Role, need: Need) -> bool {
    use Need::*;
    match need {
        Public | SignedIn | Read => true,
        Send => matches!(role, Role::ComplianceReviewer | Role::Admin),
        Annotate => role == Role::ComplianceReviewer,
        Workflow => matches!(role, Role::ComplianceReviewer | Role::Admin),
        SignOff => role == Role::AccessReviewer,
        Export => matches!(role, Role::ComplianceReviewer | Role::Auditor),
        Administer => role == Role::Admin,
    }
}

/// (method, path, body, need). Bodies are forms for server functions and JSON for
/// `POST /api/incidents`; arguments are chosen so that an allowed request is
/// answered without changing anything of consequence.
fn routes() -> Vec<(&'static str, String, Option<&'static str>, Need)> {
    use Need::*;
    let none = "0".repeat(64);
    vec![
        // Pages.
        ("GET", "/".into(), None, Read),
        ("GET", "/incidents/1".into(), None, Read),
        ("GET", format!("/bundles/{none}"), None, Read),
        ("GET", "/review-log".into(), None, Read),
        ("GET", "/work".into(), None, Read),
        ("GET", "/events".into(), None, Read),
        ("GET", "/settings".into(), None, Read),
        ("GET", "/users".into(), None, Administer),
        ("GET", "/verify".into(), None, Public),
        ("GET", "/help".into(), None, Public),
        ("GET", "/login".into(), None, Public),
        // The service worker that keeps the Verify page for offline use.
        ("GET", "/sw.js".into(), None, Public),
        // The REST API.
        ("GET", "/healthz".into(), None, Public),
        ("GET", "/api/openapi.json".into(), None, Public),
        // The transparency log: checkpoints, proofs and cosignatures are public.
        ("GET", "/checkpoint".into(), None, Public),
        (
            "GET",
            "/checkpoint/consistency?old=0&new=0".into(),
            None,
            Public,
        ),
        ("POST", "/checkpoint/cosignature".into(), Some("x"), Public),
        ("GET", "/api/session".into(), None, SignedIn),
        ("POST", "/api/bundles".into(), Some("{}"), Send),
        ("GET", format!("/api/bundles/{none}"), None, Read),
        ("GET", format!("/api/bundles/{none}/raw"), None, Read),
        ("GET", format!("/api/bundles/{none}/anchored"), None, Read),
        ("GET", format!("/api/bundles/{none}/report"), None, Read),
        ("GET", format!("/api/bundles/{none}/graph"), None, Read),
        ("GET", format!("/api/bundles/{none}/events/0"), None, Read),
        ("GET", format!("/api/bundles/{none}/actors/a"), None, Read),
        (
            "GET",
            format!("/api/bundles/{none}/credentials/t"),
            None,
            Read,
        ),
        ("GET", "/api/events".into(), None, Read),
        ("GET", "/api/incidents".into(), None, Read),
        (
            "POST",
            "/api/incidents".into(),
            Some(r#"{"title": "Matrix"}"#),
            Workflow,
        ),
        ("GET", "/api/incidents/999999".into(), None, Read),
        ("GET", "/api/review-log/export".into(), None, Export),
        (
            "GET",
            "/api/incidents/999999/export/events.csv".into(),
            None,
            Export,
        ),
        (
            "GET",
            "/api/events/export/events.csv?incident=999999".into(),
            None,
            Export,
        ),
        (
            "GET",
            format!("/api/bundles/{none}/excerpt?events=0"),
            None,
            Export,
        ),
        ("GET", "/api/review-log/key".into(), None, Read),
        ("GET", format!("/api/trust-roots/{none}/key"), None, Read),
        // Server functions.
        ("POST", "/api/incidents/list".into(), Some(""), Read),
        ("POST", "/api/server/info".into(), Some(""), Read),
        (
            "POST",
            "/api/incidents/overview".into(),
            Some("id=999999"),
            Read,
        ),
        (
            "POST",
            "/api/bundles/summary".into(),
            Some("sha256=00"),
            Read,
        ),
        ("POST", "/api/trust-roots/list".into(), Some(""), Read),
        ("POST", "/api/session/me".into(), Some(""), Public),
        (
            "POST",
            "/api/events/review".into(),
            Some("sha256=00&index=0"),
            Read,
        ),
        (
            "POST",
            "/api/events/annotate".into(),
            Some("sha256=00&index=0&responsibility=system&rationale=r&tags="),
            Annotate,
        ),
        (
            "POST",
            "/api/events/comment".into(),
            Some("sha256=00&index=0&body=b"),
            Annotate,
        ),
        (
            "POST",
            "/api/incidents/side-effects".into(),
            Some("id=999999"),
            Read,
        ),
        (
            "POST",
            "/api/bundles/chains".into(),
            Some("sha256=00"),
            Read,
        ),
        (
            "POST",
            "/api/bundles/sign-off".into(),
            Some("sha256=00&chain=c&chain_digest=d&decision=approve&justification=j"),
            SignOff,
        ),
        (
            "POST",
            "/api/incidents/status".into(),
            Some("id=999999&status=open"),
            Workflow,
        ),
        (
            "POST",
            "/api/incidents/assign".into(),
            Some("id=999999&assignee="),
            Workflow,
        ),
        ("POST", "/api/reviewers".into(), Some(""), Read),
        ("POST", "/api/work".into(), Some(""), Read),
        ("POST", "/api/events/search".into(), Some("query="), Read),
        ("POST", "/api/views/list".into(), Some(""), Read),
        ("POST", "/api/views/save".into(), Some("name=&query="), Read),
        ("POST", "/api/views/delete".into(), Some("id=0"), Read),
        ("POST", "/api/review-log/list".into(), Some(""), Read),
        ("POST", "/api/review-log/integrity".into(), Some(""), Read),
        ("POST", "/api/users/list".into(), Some(""), Administer),
        ("POST", "/api/tokens/list".into(), Some(""), Administer),
        ("POST", "/api/collector/status".into(), Some(""), Read),
        (
            "POST",
            "/api/collector/certify".into(),
            Some("binding=x"),
            Administer,
        ),
        ("POST", "/v1/traces".into(), Some("{}"), Send),
        ("POST", "/api/traces/import".into(), Some("{}"), Send),
        (
            "POST",
            "/api/tokens/create".into(),
            Some("name=bad%20name&days=1"),
            Administer,
        ),
        (
            "POST",
            "/api/tokens/revoke".into(),
            Some("name=nobody"),
            Administer,
        ),
        (
            "POST",
            "/api/users/add".into(),
            Some("username=bad%20name&display_name=&role=auditor&password=p"),
            Administer,
        ),
        (
            "POST",
            "/api/users/reset-password".into(),
            Some("username=nobody"),
            Administer,
        ),
        (
            "POST",
            "/api/account/password".into(),
            Some("current=x&new=y&repeat=z"),
            Read,
        ),
        (
            "POST",
            "/api/users/change".into(),
            Some("username=nobody&role=auditor"),
            Administer,
        ),
        (
            "POST",
            "/api/trust-roots/add".into(),
            Some("key=zz&label="),
            Administer,
        ),
        (
            "POST",
            "/api/trust-roots/remove".into(),
            Some("key=zz"),
            Administer,
        ),
        ("POST", "/api/settings/review".into(), Some(""), Read),
        (
            "POST",
            "/api/settings/signoff-steps".into(),
            Some("steps=9"),
            Administer,
        ),
        ("POST", "/api/bundles/reverify".into(), Some(""), Administer),
        (
            "POST",
            "/api/bundles/findings".into(),
            Some("sha256=00"),
            Read,
        ),
        (
            "POST",
            "/api/bundles/reconciliation".into(),
            Some("sha256=00"),
            Read,
        ),
        ("POST", "/api/anchoring".into(), Some(""), Read),
        (
            "POST",
            "/api/incidents/findings".into(),
            Some("incident=999999"),
            Read,
        ),
        (
            "POST",
            "/api/findings/dispose".into(),
            Some("sha256=00&finding=f&decision=accepted&reason=r&responsibility="),
            Annotate,
        ),
        ("POST", "/api/settings/findings".into(), Some(""), Read),
        (
            "POST",
            "/api/settings/findings/set".into(),
            Some("shared_accounts=&approval_required=&clock_skew_seconds=999999"),
            Administer,
        ),
    ]
}

async fn call(
    app: &TestApp,
    client: &reqwest::Client,
    method: &str,
    path: &str,
    body: Option<&'static str>,
) -> u16 {
    let url = format!("{}{path}", app.address);
    let request = match method {
        "GET" => client.get(url),
        _ => {
            let content_type = if matches!(
                path,
                "/api/bundles" | "/api/incidents" | "/v1/traces" | "/api/traces/import"
            ) {
                "application/json"
            } else {
                "application/x-www-form-urlencoded"
            };
            client
                .post(url)
                .header("content-type", content_type)
                .body(body.unwrap_or_default())
        }
    };
    request
        .send()
        .await
        .expect("request reaches the server")
        .status()
        .as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_answers_each_role_and_no_one_as_the_duties_say() {
    let app = spawn_app().await;
    let table = routes();

    // Every server function is in the table.
    let listed: BTreeSet<&str> = table.iter().map(|(_, p, _, _)| p.as_str()).collect();
    for (path, _) in leptos::server_fn::axum::server_fn_paths() {
        assert!(
            listed.contains(path),
            "server function {path} is not in the table"
        );
    }

    // A machine token is one more caller: it may send evidence and nothing else.
    let token = app.bearer(&app.token("m-token", None).await);
    let mut clients = vec![(None, app.anonymous.clone())];
    for (name, role) in [
        ("m-compliance", Role::ComplianceReviewer),
        ("m-auditor", Role::Auditor),
        ("m-access", Role::AccessReviewer),
        ("m-admin", Role::Admin),
    ] {
        clients.push((Some(role), app.user(name, role).await));
    }
    let mut wrong = Vec::new();
    for (method, path, body, need) in &table {
        let status = call(&app, &token, method, path, *body).await;
        let ok = match need {
            Need::Public | Need::Send => status != 401 && status != 403 && status < 500,
            _ => status == 403,
        };
        if !ok {
            wrong.push(format!(
                "{method} {path} as a machine token: {status} (needs {need:?})"
            ));
        }
        for (role, client) in &clients {
            let status = call(&app, client, method, path, *body).await;
            let ok = match (role, need) {
                (_, Need::Public) => status != 401 && status != 403 && status < 500,
                (None, _) if path.starts_with("/api/") || path.starts_with("/v1/") => status == 401,
                // A page sends the anonymous to sign in.
                (None, _) => status == 303,
                // Allowed, and answered: never a failure of the server's own.
                (Some(role), need) if allowed(*role, *need) => {
                    status != 401 && status != 403 && status < 500
                }
                (Some(_), _) => status == 403,
            };
            if !ok {
                wrong.push(format!(
                    "{method} {path} as {role:?}: {status} (needs {need:?})"
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "answers that break the rules:\n{}",
        wrong.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_function_answers_each_error_with_its_status() {
    let app = crate::helpers::spawn(crate::helpers::Backend::Sqlite).await;
    let admin = app.user("s-admin", Role::Admin).await;
    let post = |client: &reqwest::Client, path: &str, body: &'static str| {
        client
            .post(format!("{}{path}", app.address))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };
    // An argument that cannot be read: 400, saying which.
    let r = post(&admin, "/api/incidents/status", "id=abc&status=open")
        .await
        .expect("answered");
    assert_eq!(r.status(), 400);
    let text = r.text().await.expect("body");
    assert!(text.contains("arguments cannot be read"), "{text}");
    // A missing one: 400.
    let r = post(&admin, "/api/incidents/status", "")
        .await
        .expect("answered");
    assert_eq!(r.status(), 400);
    // A role that may not: 403.
    let r = post(&app.client, "/api/users/list", "")
        .await
        .expect("answered");
    assert_eq!(r.status(), 403);
}
