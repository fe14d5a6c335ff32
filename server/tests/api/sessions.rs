//! Sign-in, sessions and cross-site request forgery: cookies, rotation, logout,
//! timeouts, rate limiting, accounts changed mid-session, and the security headers.

use model::Role;
use store::review_log::Actor;

use crate::helpers::{spawn_app, PASSWORD};

#[tokio::test]
async fn a_sign_in_sets_a_locked_down_cookie_and_the_database_holds_only_its_hash() {
    let app = spawn_app().await;
    app.user("ana", Role::Auditor).await;
    let response = app
        .anonymous
        .post(format!("{}/login", app.address))
        .form(&[
            ("username", "ana"),
            ("password", PASSWORD),
            ("next", "/incidents/3"),
        ])
        .send()
        .await
        .expect("sign in");
    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "/incidents/3");
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("__Host-custody_session="))
        .expect("a session cookie")
        .to_owned();
    for attribute in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/"] {
        assert!(cookie.contains(attribute), "{attribute} in {cookie}");
    }
    assert!(
        !cookie.contains("Domain"),
        "a __Host- cookie names no domain"
    );
    let token = cookie
        .trim_start_matches("__Host-custody_session=")
        .split(';')
        .next()
        .expect("token");
    // The same token under the name without the prefix (which a neighbouring
    // subdomain could set) is not a session.
    assert_eq!(
        app.session_status(&format!("custody_session={token}"))
            .await,
        401
    );
    assert_eq!(
        app.session_status(&format!("__Host-custody_session={token}"))
            .await,
        200
    );
    let stored = app
        .count(&format!(
            "SELECT COUNT(*) FROM sessions WHERE token_hash = '{token}'"
        ))
        .await;
    assert_eq!(stored, 0, "the token itself is not stored");

    // A `next` pointing to another site is not followed.
    let response = app
        .anonymous
        .post(format!("{}/login", app.address))
        .form(&[
            ("username", "ana"),
            ("password", PASSWORD),
            ("next", "//evil.example/"),
        ])
        .send()
        .await
        .expect("sign in");
    assert_eq!(response.headers()["location"], "/");
}

#[tokio::test]
async fn signing_in_rotates_the_session_and_signing_out_ends_it() {
    let app = spawn_app().await;
    app.user("ana", Role::Auditor).await;
    let first = app.login("ana", PASSWORD).await.expect("signs in");
    assert_eq!(app.session_status(&first.cookie).await, 200);

    // Signing in with the old cookie: a new session, and the old one is gone.
    let response = app
        .anonymous
        .post(format!("{}/login", app.address))
        .header("cookie", &first.cookie)
        .header("origin", &app.address)
        .header("accept", "application/json")
        .form(&[("username", "ana"), ("password", PASSWORD)])
        .send()
        .await
        .expect("sign in");
    assert_eq!(response.status(), 200);
    let second = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("__Host-custody_session="))
        .and_then(|v| v.split(';').next())
        .expect("a new cookie")
        .to_owned();
    assert_ne!(second, first.cookie);
    assert_eq!(
        app.session_status(&first.cookie).await,
        401,
        "the old session ended"
    );
    assert_eq!(app.session_status(&second).await, 200);

    // Signing out ends it, and clears the cookie.
    let response = app
        .anonymous
        .post(format!("{}/logout", app.address))
        .header("cookie", &second)
        .header("origin", &app.address)
        .send()
        .await
        .expect("sign out");
    assert_eq!(response.status(), 303);
    assert!(response.headers()["set-cookie"]
        .to_str()
        .expect("text")
        .contains("Max-Age=0"));
    assert_eq!(app.session_status(&second).await, 401, "signed out");
}

#[tokio::test]
async fn idle_and_absolute_timeouts_end_a_session() {
    let app = spawn_app().await;
    app.user("ana", Role::Auditor).await;
    let idle = app.login("ana", PASSWORD).await.expect("signs in");
    let old = (chrono::Utc::now() - chrono::Duration::minutes(31))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    sqlx::query("UPDATE sessions SET last_seen_at = $1")
        .bind(&old)
        .execute(app.db.pool())
        .await
        .expect("age the session");
    assert_eq!(
        app.session_status(&idle.cookie).await,
        401,
        "idle for 31 minutes"
    );

    let busy = app.login("ana", PASSWORD).await.expect("signs in");
    let long_ago = (chrono::Utc::now() - chrono::Duration::hours(13))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    sqlx::query("UPDATE sessions SET created_at = $1")
        .bind(&long_ago)
        .execute(app.db.pool())
        .await
        .expect("age the session");
    let before = app.count("SELECT COUNT(*) FROM sessions").await;
    assert_eq!(
        app.session_status(&busy.cookie).await,
        401,
        "signed in 13 hours ago"
    );
    let after = app.count("SELECT COUNT(*) FROM sessions").await;
    assert_eq!(
        after,
        before - 1,
        "an expired session is deleted when it is next used"
    );
}

#[tokio::test]
async fn sessions_never_used_again_are_purged_at_the_next_sign_in() {
    let app = spawn_app().await;
    app.user("ana", Role::Auditor).await;
    // Forty sessions whose browsers went away: never used again.
    for _ in 0..40 {
        app.login("ana", PASSWORD).await.expect("signs in");
    }
    let ago = |minutes: i64| {
        (chrono::Utc::now() - chrono::Duration::minutes(minutes))
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    };
    sqlx::query("UPDATE sessions SET last_seen_at = $1")
        .bind(ago(31))
        .execute(app.db.pool())
        .await
        .expect("age the sessions");
    // One signed in a minute ago stays.
    let live = app.login("ana", PASSWORD).await.expect("signs in");
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 1);
    assert_eq!(app.session_status(&live.cookie).await, 200);
}

#[tokio::test]
async fn repeated_failures_lock_the_account_for_a_while() {
    let app = spawn_app().await;
    app.user("ana", Role::Auditor).await;
    for _ in 0..5 {
        assert_eq!(
            app.login("ana", "wrong password!").await.err(),
            Some(reqwest::StatusCode::UNAUTHORIZED)
        );
    }
    // Now even the right password is refused, with when to come back.
    let response = app
        .anonymous
        .post(format!("{}/login", app.address))
        .header("accept", "application/json")
        .form(&[("username", "ana"), ("password", PASSWORD)])
        .send()
        .await
        .expect("sign in");
    assert_eq!(response.status(), 429);
    let wait: i64 = response.headers()["retry-after"]
        .to_str()
        .expect("text")
        .parse()
        .expect("seconds");
    assert!((1..=900).contains(&wait), "{wait}");
    // An unknown account answers exactly like a wrong password.
    let unknown = app.login("nobody", PASSWORD).await.err();
    assert_eq!(unknown, Some(reqwest::StatusCode::UNAUTHORIZED));
}

#[tokio::test]
async fn a_role_change_or_a_disabled_account_applies_to_the_next_request() {
    let app = spawn_app().await;
    let ana = app.user("ana", Role::ComplianceReviewer).await;
    let create = |client: reqwest::Client| {
        let address = app.address.clone();
        async move {
            client
                .post(format!("{address}/api/incidents"))
                .json(&serde_json::json!({"title": "x"}))
                .send()
                .await
                .expect("request")
                .status()
        }
    };
    assert_eq!(create(ana.clone()).await, 201);
    store::users::set_role(&app.db, &app.key, Actor::Cli, "ana", Role::Auditor)
        .await
        .expect("role");
    assert_eq!(create(ana.clone()).await, 403, "an auditor now");
    store::users::set_disabled(&app.db, &app.key, Actor::Cli, "ana", true)
        .await
        .expect("disable");
    let status = ana
        .get(format!("{}/api/incidents", app.address))
        .send()
        .await
        .expect("request")
        .status();
    assert_eq!(status, 401, "disabled");
    assert!(
        app.login("ana", PASSWORD).await.is_err(),
        "a disabled account cannot sign in"
    );
}

#[tokio::test]
async fn a_state_changing_request_from_another_site_is_refused() {
    let app = spawn_app().await;
    let login = app.login("reviewer", PASSWORD).await.expect("signs in");
    let post = |headers: Vec<(&'static str, String)>| {
        let address = app.address.clone();
        let client = app.anonymous.clone();
        let cookie = login.cookie.clone();
        async move {
            let mut request = client
                .post(format!("{address}/api/incidents"))
                .header("cookie", cookie)
                .json(&serde_json::json!({"title": "csrf"}));
            for (name, value) in headers {
                request = request.header(name, value);
            }
            request.send().await.expect("request").status()
        }
    };
    assert_eq!(
        post(vec![("origin", "http://evil.example".into())]).await,
        403
    );
    assert_eq!(
        post(vec![("sec-fetch-site", "cross-site".into())]).await,
        403
    );
    assert_eq!(post(vec![]).await, 403, "no Origin and no token");
    assert_eq!(
        post(vec![("x-csrf-token", "0".repeat(64))]).await,
        403,
        "a wrong token"
    );
    assert_eq!(
        post(vec![("origin", app.address.clone())]).await,
        201,
        "this site"
    );
    assert_eq!(
        post(vec![("x-csrf-token", login.csrf.clone())]).await,
        201,
        "the session's token"
    );
    assert_eq!(
        post(vec![
            ("origin", "null".into()),
            ("sec-fetch-site", "same-origin".into())
        ])
        .await,
        201,
        "a same-origin form under a strict referrer policy"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM incidents WHERE title = 'csrf'")
            .await,
        3
    );
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = spawn_app().await;
    for path in ["/", "/login", "/api/incidents", "/healthz", "/pkg/none.js"] {
        let response = app.get(path).await;
        let h = response.headers();
        let csp = h["content-security-policy"].to_str().expect("text");
        for directive in [
            "default-src 'self'",
            "'wasm-unsafe-eval'",
            "frame-ancestors 'none'",
            "object-src 'none'",
        ] {
            assert!(csp.contains(directive), "{path}: {directive} in {csp}");
        }
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["referrer-policy"], "same-origin", "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert_eq!(h["cross-origin-opener-policy"], "same-origin", "{path}");
        assert_eq!(h["cross-origin-embedder-policy"], "require-corp", "{path}");
        assert!(
            h["strict-transport-security"]
                .to_str()
                .expect("text")
                .starts_with("max-age="),
            "{path}"
        );
        // Pages and answers holding evidence are never kept by a cache.
        if !path.starts_with("/pkg/") {
            assert_eq!(h["cache-control"], "no-store", "{path}");
        }
    }
    // The page's inline scripts carry the nonce its CSP names.
    let response = app.get("/").await;
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .expect("text")
        .to_owned();
    let nonce = csp
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .expect("a nonce")
        .to_owned();
    let html = response.text().await.expect("html");
    let scripts = html.matches("<script").count();
    let with_nonce = html.matches(&format!("nonce=\"{nonce}\"")).count();
    assert!(
        scripts > 0 && with_nonce >= scripts,
        "{with_nonce} of {scripts} scripts carry the nonce"
    );
}

/// Fifty wrong passwords sent at once from one address are checked at most five
/// times (each check is reserved before the password is looked at); that address is
/// then locked out, even with the right password, while the owner signs in from
/// another address.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sign_in_lock_is_atomic_and_locks_out_only_the_guessing_address() {
    let app = spawn_app().await;
    app.user("ana", Role::Auditor).await;
    let from = |ip: [u8; 4]| {
        reqwest::Client::builder()
            .local_address(std::net::IpAddr::from(ip))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client")
    };
    let attacker = from([127, 0, 0, 1]);
    let attempt = |client: reqwest::Client, password: &'static str| {
        let url = format!("{}/login", app.address);
        async move {
            client
                .post(url)
                .header("accept", "application/json")
                .form(&[("username", "ana"), ("password", password)])
                .send()
                .await
                .expect("request")
                .status()
        }
    };
    let answers = futures_util::future::join_all(
        (0..50).map(|_| attempt(attacker.clone(), "a wrong password!")),
    )
    .await;
    let checked = answers.iter().filter(|s| s.as_u16() == 401).count();
    let locked = answers.iter().filter(|s| s.as_u16() == 429).count();
    assert!(checked <= 5, "{checked} passwords were checked");
    assert_eq!(checked + locked, 50, "{answers:?}");
    assert_eq!(attempt(attacker, PASSWORD).await.as_u16(), 429);
    // The owner, from elsewhere, is not locked out by the guesses.
    assert_eq!(attempt(from([127, 0, 0, 2]), PASSWORD).await.as_u16(), 200);
}

async fn one_time_passwords(backend: crate::helpers::Backend) {
    let app = crate::helpers::spawn(backend).await;
    let admin = app.user("root", Role::Admin).await;
    let ana = app.user("ana", Role::ComplianceReviewer).await;
    let post = |client: &reqwest::Client, path: &str, form: &[(&str, &str)]| {
        let request = client.post(format!("{}{path}", app.address)).form(form);
        async move { request.send().await.expect("request reaches the server") }
    };

    // An admin cannot reset their own password here; a compliance reviewer cannot reset any.
    assert_eq!(
        post(&admin, "/api/users/reset-password", &[("username", "root")])
            .await
            .status(),
        400
    );
    assert_eq!(
        post(&ana, "/api/users/reset-password", &[("username", "root")])
            .await
            .status(),
        403
    );
    let issued: serde_json::Value =
        post(&admin, "/api/users/reset-password", &[("username", "ana")])
            .await
            .json()
            .await
            .expect("JSON");
    assert_eq!(issued["username"], "ana");
    let once = issued["password"].as_str().expect("a password").to_owned();
    assert_eq!(once.len(), 23, "four groups of five: {once}");

    // Ana's sessions ended, her old password no longer works; the one-time one does,
    // but only to replace itself.
    assert_eq!(post(&ana, "/api/incidents/list", &[]).await.status(), 401);
    assert_eq!(
        app.login("ana", PASSWORD).await.err(),
        Some(reqwest::StatusCode::UNAUTHORIZED)
    );
    let session = crate::helpers::client_of(&app.login("ana", &once).await.expect("signs in"));
    let page = session
        .get(format!("{}/incidents/1", app.address))
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), 303);
    assert_eq!(page.headers()["location"], "/password");
    let api = session
        .get(format!("{}/api/incidents", app.address))
        .send()
        .await
        .expect("api");
    assert_eq!(api.status(), 403);
    assert!(api.text().await.expect("body").contains("password_expired"));
    assert_eq!(
        session
            .get(format!("{}/password", app.address))
            .send()
            .await
            .expect("page")
            .status(),
        200
    );
    let accounts: serde_json::Value = post(&admin, "/api/users/list", &[])
        .await
        .json()
        .await
        .expect("JSON");
    let listed = accounts
        .as_array()
        .expect("accounts")
        .iter()
        .find(|a| a["username"] == "ana")
        .cloned();
    assert_eq!(listed.expect("ana")["password_expired"], true);

    // Replacing it needs the one-time password, two equal new ones, and a new one.
    let change = |current: &str, new: &str, repeat: &str| {
        let (current, new, repeat) = (current.to_owned(), new.to_owned(), repeat.to_owned());
        let session = session.clone();
        let url = format!("{}/api/account/password", app.address);
        async move {
            session
                .post(url)
                .form(&[("current", current), ("new", new), ("repeat", repeat)])
                .send()
                .await
                .expect("request")
                .status()
        }
    };
    assert_eq!(
        change(
            "wrong wrong wrong",
            "a new passphrase 1",
            "a new passphrase 1"
        )
        .await,
        400
    );
    assert_eq!(
        change(&once, "a new passphrase 1", "a new passphrase 2").await,
        400
    );
    assert_eq!(change(&once, &once, &once).await, 400);
    assert_eq!(change(&once, "short", "short").await, 400);
    assert_eq!(
        change(&once, "a new passphrase 1", "a new passphrase 1").await,
        200
    );
    // Every session of hers ended, this one too; the new password is hers in full.
    assert_eq!(
        session
            .get(format!("{}/api/session", app.address))
            .send()
            .await
            .expect("s")
            .status(),
        401
    );
    let fresh = crate::helpers::client_of(
        &app.login("ana", "a new passphrase 1")
            .await
            .expect("signs in"),
    );
    assert_eq!(
        fresh
            .get(format!("{}/api/incidents", app.address))
            .send()
            .await
            .expect("api")
            .status(),
        200
    );

    // The log says what happened, never the password, and agrees with the table.
    let log = store::log_check::check(&app.db, &app.key)
        .await
        .expect("check");
    assert!(log.intact, "{:?}", log.problems);
    let entries: Vec<(String, String)> = sqlx::query_as(
        "SELECT summary, envelope FROM review_log WHERE action = 'user.password' ORDER BY seq",
    )
    .fetch_all(app.db.pool())
    .await
    .expect("entries");
    assert_eq!(entries.len(), 2);
    assert!(entries[0].0.contains("one-time password"));
    for (_, envelope) in &entries {
        use base64::Engine as _;
        let envelope: serde_json::Value = serde_json::from_str(envelope).expect("an envelope");
        let payload = base64::engine::general_purpose::STANDARD
            .decode(envelope["payload"].as_str().expect("payload"))
            .expect("base64");
        let payload = String::from_utf8(payload).expect("UTF-8");
        assert!(payload.contains("passwordDigest"), "{payload}");
        assert!(!payload.contains(&once), "the log never holds the password");
    }
    // Clearing the mark by hand is named by the integrity check.
    store::users::reset_password(&app.db, &app.key, Actor::Cli, "ana")
        .await
        .expect("reset");
    sqlx::query("UPDATE users SET password_expired = 0 WHERE username = 'ana'")
        .execute(app.db.pool())
        .await
        .expect("edit");
    let log = store::log_check::check(&app.db, &app.key)
        .await
        .expect("check");
    assert!(
        log.problems
            .iter()
            .any(|p| p.contains("account ana's password is marked its own; the log says one-time")),
        "{:?}",
        log.problems
    );
}

crate::on_both_databases!(
    an_admin_issues_a_one_time_password_which_must_be_replaced_first,
    one_time_passwords
);
