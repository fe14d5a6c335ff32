//! Who is asking, and may they: sessions from the cookie, sign-in and sign-out,
//! protection against cross-site request forgery, the role each route needs, and
//! the security headers on every response.

use axum::extract::{ConnectInfo, Request, State};
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Json, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Form, Router};
use model::{Permission, Reviewer};
use serde::{Deserialize, Serialize};
use store::sessions::{self, Session};
use store::users::{self, LoginError};

use super::error::HttpError;
use super::state::AppState;
pub use super::state::AuthConfig;

/// The session cookie's name without `Secure` (`--insecure-cookies`).
pub const COOKIE: &str = "custody_session";
/// The session cookie's name with `Secure` (the default): the `__Host-` prefix makes
/// the browser refuse it unless it is `Secure`, has `Path=/` and no `Domain`, so a
/// neighbouring subdomain cannot set or shadow it.
pub const HOST_COOKIE: &str = "__Host-custody_session";

/// The session cookie's name when cookies are `secure` or not.
pub fn cookie_name(secure: bool) -> &'static str {
    if secure {
        HOST_COOKIE
    } else {
        COOKIE
    }
}
/// The header a non-browser client sends its session's CSRF token in.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// A per-request nonce for the page's inline scripts, named in its CSP.
#[derive(Clone, Debug)]
pub struct CspNonce(pub String);

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/login", post(login))
        .route("/logout", post(logout))
        .route("/api/session", get(session))
}

/// Requests anyone may make: health, the sign-in page and form, static assets, the
/// offline Verify page and the Help page (they read nothing from the server) and the
/// API description.
fn is_public(method: &Method, path: &str) -> bool {
    let assets = is_asset(path);
    let pages = matches!(
        path,
        "/login"
            | "/verify"
            | "/help"
            | "/api/openapi.json"
            | "/checkpoint"
            | "/checkpoint/consistency"
    );
    (method == Method::GET || method == Method::HEAD) && (assets || pages)
        || (method == Method::POST
            && matches!(
                path,
                "/login" | "/api/session/me" | "/checkpoint/cosignature"
            ))
}

/// Static files and the health check.
fn is_asset(path: &str) -> bool {
    path.starts_with("/pkg/")
        || matches!(
            path,
            "/favicon.ico" | "/favicon.svg" | "/verify-worker.js" | "/sw.js" | "/healthz"
        )
}

/// What a session whose password is a one-time password may still do: replace
/// it, say who it is, and sign out.
fn allowed_while_expired(method: &Method, path: &str) -> bool {
    let reads = method == Method::GET || method == Method::HEAD;
    (reads && matches!(path, "/password" | "/api/session"))
        || (method == Method::POST
            && matches!(
                path,
                "/api/account/password" | "/api/session/me" | "/logout"
            ))
}

/// The permission a page needs beyond being signed in.
fn page_permission(path: &str) -> Option<Permission> {
    match path {
        "/users" => Some(Permission::Administer),
        _ => None,
    }
}

fn cookie_token(headers: &HeaderMap, secure: bool) -> Option<String> {
    let wanted = cookie_name(secure);
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == wanted)
        .map(|(_, value)| value.to_owned())
        .filter(|v| !v.is_empty())
}

/// Whether an unsafe request comes from this site. A browser says where a request
/// comes from (`Origin`, `Sec-Fetch-Site`): it must be this host. A client that says
/// neither (not a browser) must send its session's token in `X-CSRF-Token` when it
/// uses a session.
fn same_site(headers: &HeaderMap, session: Option<&Session>) -> Result<(), &'static str> {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let token = headers.get(CSRF_HEADER).and_then(|h| h.to_str().ok());
    if let (Some(token), Some(session)) = (token, session) {
        if !constant_time_eq(token.as_bytes(), session.csrf.as_bytes()) {
            return Err("the CSRF token does not match this session");
        }
    }
    // `Origin: null` (a privacy-sensitive context) says nothing: Sec-Fetch-Site decides.
    if let Some(origin) = headers
        .get(header::ORIGIN)
        .filter(|o| o.as_bytes() != b"null")
    {
        let origin_host = origin
            .to_str()
            .ok()
            .and_then(|o| o.split_once("://"))
            .map(|(_, rest)| rest);
        return match (origin_host, host) {
            (Some(o), Some(h)) if o.eq_ignore_ascii_case(h) => Ok(()),
            _ => Err("cross-site request refused (Origin is not this site)"),
        };
    }
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return if matches!(site, "same-origin" | "none") {
            Ok(())
        } else {
            Err("cross-site request refused (Sec-Fetch-Site)")
        };
    }
    match (session, token) {
        (Some(_), None) => Err("a request without Origin must carry the session's X-CSRF-Token"),
        _ => Ok(()),
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn random_nonce() -> String {
    let mut bytes = [0u8; 16];
    // Without randomness the page still works, with no inline script allowed.
    let _ = getrandom::fill(&mut bytes);
    hex::encode(bytes)
}

/// Runs before every handler: resolves the session, refuses cross-site writes,
/// sends the anonymous to sign in, checks page permissions, then adds the
/// security headers to whatever the handler answers.
pub async fn guard(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let nonce = random_nonce();
    req.extensions_mut().insert(CspNonce(nonce.clone()));
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    if let Some(secret) = bearer(req.headers()) {
        let response = machine(&state, secret.to_owned(), &method, &path, req, next).await;
        return with_headers(response, &nonce, &path, state.auth.secure_cookies);
    }
    // Assets and health never need to know who asks: no database read for them.
    let token = cookie_token(req.headers(), state.auth.secure_cookies).filter(|_| !is_asset(&path));
    let session = match &token {
        Some(token) => match sessions::resolve(&state.db, token, state.auth.timeouts).await {
            Ok(s) => s,
            Err(_) if is_public(&method, &path) => None,
            Err(e) => {
                let response = HttpError::from(e).into_response();
                return with_headers(response, &nonce, &path, state.auth.secure_cookies);
            }
        },
        None => None,
    };
    let unsafe_method = !matches!(method, Method::GET | Method::HEAD | Method::OPTIONS);
    let refused = if unsafe_method {
        same_site(req.headers(), session.as_ref()).err()
    } else {
        None
    };
    let response = if let Some(why) = refused {
        HttpError::new(StatusCode::FORBIDDEN, "csrf", why).into_response()
    } else if session.is_none() && !is_public(&method, &path) {
        if path.starts_with("/api/") || unsafe_method {
            HttpError::new(StatusCode::UNAUTHORIZED, "unauthorized", "sign in first")
                .into_response()
        } else {
            let target = req
                .uri()
                .path_and_query()
                .map_or("/", |p| p.as_str())
                .to_owned();
            Redirect::to(&format!(
                "/login?next={}",
                model::text::percent_encoded(&target, b"/")
            ))
            .into_response()
        }
    } else if session.as_ref().is_some_and(|s| s.password_expired)
        && !is_public(&method, &path)
        && !allowed_while_expired(&method, &path)
    {
        if path.starts_with("/api/") || unsafe_method {
            HttpError::new(
                StatusCode::FORBIDDEN,
                "password_expired",
                "your password is a one-time password: replace it first (POST /api/account/password)",
            )
            .into_response()
        } else {
            Redirect::to("/password").into_response()
        }
    } else if let Some(need) =
        page_permission(&path).filter(|&p| session.as_ref().is_some_and(|s| !s.reviewer.can(p)))
    {
        HttpError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!("your role cannot do this ({need:?})"),
        )
        .into_response()
    } else {
        if let Some(session) = session.clone() {
            req.extensions_mut().insert(session);
        }
        next.run(req).await
    };
    let mut response = with_headers(response, &nonce, &path, state.auth.secure_cookies);
    // A cookie naming no live session is cleared.
    if token.is_some() && session.is_none() && path != "/login" {
        if let Ok(v) = HeaderValue::from_str(&clear_cookie(state.auth.secure_cookies)) {
            response.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    response
}

/// The secret of `Authorization: Bearer`, when the request carries one.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, secret) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| secret.trim())
        .filter(|s| !s.is_empty())
}

/// What a machine token may ask for: send a bundle or traces. Public requests are
/// answered as for anyone.
fn token_may(method: &Method, path: &str) -> bool {
    method == Method::POST && matches!(path, "/api/bundles" | "/v1/traces" | "/api/traces/import")
}

/// A request that carries a machine token (and is answered as the token, whatever
/// cookie it also carries): no session, and no cross-site check, since a browser
/// never adds `Authorization` to a request on its own.
async fn machine(
    state: &AppState,
    secret: String,
    method: &Method,
    path: &str,
    mut req: Request,
    next: Next,
) -> Response {
    use store::tokens::{self, Check};
    let refused = |code: &'static str, message: String| {
        let mut r = HttpError::new(StatusCode::UNAUTHORIZED, code, message).into_response();
        r.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"custody\""),
        );
        r
    };
    match tokens::resolve(&state.db, &secret).await {
        Err(e) => HttpError::from(e).into_response(),
        Ok(Check::Unknown) => refused("token_unknown", "no machine token has this secret".into()),
        Ok(Check::Expired { name, at }) => refused(
            "token_expired",
            format!("machine token {name} expired at {at}"),
        ),
        Ok(Check::Revoked { name, at }) => refused(
            "token_revoked",
            format!("machine token {name} was revoked at {at}"),
        ),
        Ok(Check::Valid(token)) if token_may(method, path) => {
            req.extensions_mut().insert(token);
            next.run(req).await
        }
        Ok(Check::Valid(_)) if is_public(method, path) => next.run(req).await,
        Ok(Check::Valid(token)) => HttpError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!(
                "machine token {} may only send evidence (POST /api/bundles, POST /v1/traces, \
                 POST /api/traces/import); it reads nothing",
                token.name
            ),
        )
        .into_response(),
    }
}

/// The Content-Security-Policy of a response whose inline scripts carry `nonce`.
pub fn csp(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; \
         worker-src 'self' blob:; object-src 'none'; base-uri 'none'; form-action 'self'; \
         frame-ancestors 'none'"
    )
}

/// The security headers of every response; `path` is what was asked for, `tls`
/// whether the server is meant to be reached over HTTPS (its cookies are `Secure`).
fn with_headers(mut response: Response, nonce: &str, path: &str, tls: bool) -> Response {
    let headers = response.headers_mut();
    // Evidence, reviews and sessions are never kept by a browser or a proxy cache;
    // the built assets (`/pkg/`) may be.
    if !path.starts_with("/pkg/") && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if tls {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    let mut set = |name: &'static str, value: &str| {
        if let Ok(v) = HeaderValue::from_str(value) {
            headers.insert(name, v);
        }
    };
    set("content-security-policy", &csp(nonce));
    set("x-content-type-options", "nosniff");
    // Not `no-referrer`: under it a browser sends `Origin: null` on this site's own forms.
    set("referrer-policy", "same-origin");
    set("x-frame-options", "DENY");
    // Both make the console cross-origin isolated: the verification worker's helper
    // answers through shared memory (SharedArrayBuffer), which only such pages get.
    set("cross-origin-opener-policy", "same-origin");
    set("cross-origin-embedder-policy", "require-corp");
    set(
        "permissions-policy",
        "camera=(), microphone=(), geolocation=()",
    );
    response
}

fn session_cookie(token: &str, secure: bool) -> String {
    format!(
        "{}={token}; Path=/; HttpOnly; SameSite=Strict{}",
        cookie_name(secure),
        if secure { "; Secure" } else { "" }
    )
}

fn clear_cookie(secure: bool) -> String {
    format!(
        "{}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{}",
        cookie_name(secure),
        if secure { "; Secure" } else { "" }
    )
}

/// Where to go after signing in: a path on this site, never another site.
fn safe_next(next: Option<&str>) -> String {
    match next {
        // A path on this site, and nothing a browser could read as another host:
        // no `//` or `/\` start, no control character (a tab or newline is dropped
        // by browsers, so `/\t/evil.example` would become `//evil.example`), no
        // backslash.
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.contains('\\')
                && !n.chars().any(char::is_control) =>
        {
            n.to_owned()
        }
        _ => "/".to_owned(),
    }
}

/// The sign-in form.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    #[serde(default)]
    next: Option<String>,
}

/// A session, as a program that signs in gets it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SessionInfo {
    /// Who is signed in.
    pub reviewer: Reviewer,
    /// The token for `X-CSRF-Token`.
    pub csrf: String,
}

fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"))
}

async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let json = wants_json(&headers);
    let next = safe_next(form.next.as_deref());
    // Back to the form, with the user name kept (when it is one an account can have).
    let user = form.username.trim();
    let user = if users::is_plain_name(user) { user } else { "" };
    let back = |error: &str| {
        Redirect::to(&format!(
            "/login?error={error}&user={}&next={}",
            model::text::percent_encoded(user, b"/"),
            model::text::percent_encoded(&next, b"/")
        ))
        .into_response()
    };
    let client = peer.ip().to_string();
    match users::authenticate(&state.db, form.username.trim(), &form.password, &client).await {
        Ok((id, reviewer)) => {
            let old = cookie_token(&headers, state.auth.secure_cookies);
            let started =
                match sessions::start(&state.db, id, old.as_deref(), state.auth.timeouts).await {
                    Ok(s) => s,
                    Err(e) => return HttpError::from(e).into_response(),
                };
            tracing::info!(user = %reviewer.username, "signed in");
            let mut response = if json {
                Json(SessionInfo {
                    reviewer,
                    csrf: started.csrf.clone(),
                })
                .into_response()
            } else {
                Redirect::to(&next).into_response()
            };
            if let Ok(v) =
                HeaderValue::from_str(&session_cookie(&started.token, state.auth.secure_cookies))
            {
                response.headers_mut().append(header::SET_COOKIE, v);
            }
            if let Ok(v) = HeaderValue::from_str(&started.csrf) {
                response.headers_mut().insert(CSRF_HEADER, v);
            }
            response
        }
        Err(LoginError::Wrong) if json => HttpError::new(
            StatusCode::UNAUTHORIZED,
            "login_failed",
            LoginError::Wrong.to_string(),
        )
        .into_response(),
        Err(LoginError::Wrong) => back("wrong"),
        Err(e @ LoginError::Locked(seconds)) => {
            let mut response = if json {
                HttpError::new(StatusCode::TOO_MANY_REQUESTS, "login_locked", e.to_string())
                    .into_response()
            } else {
                back("locked")
            };
            if let Ok(v) = HeaderValue::from_str(&seconds.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
            response
        }
        Err(LoginError::Store(e)) => HttpError::from(e).into_response(),
    }
}

async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(token) = cookie_token(&headers, state.auth.secure_cookies) {
        if let Err(e) = sessions::end(&state.db, &token).await {
            return HttpError::from(e).into_response();
        }
    }
    let mut response = Redirect::to("/login").into_response();
    if let Ok(v) = HeaderValue::from_str(&clear_cookie(state.auth.secure_cookies)) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

/// The signed-in reviewer and the session's CSRF token.
#[utoipa::path(
    get,
    path = "/api/session",
    operation_id = "session",
    tag = "session",
    responses(
        (status = 200, description = "Who is signed in, and the token for `X-CSRF-Token`.", body = SessionInfo),
    )
)]
pub(super) async fn session(Extension(session): Extension<Session>) -> Json<SessionInfo> {
    Json(SessionInfo {
        reviewer: session.reviewer,
        csrf: session.csrf,
    })
}

/// The signed-in reviewer, when they may do `what`: the check every handler that
/// reads or changes data makes.
pub fn require(session: Option<&Session>, what: Permission) -> Result<Reviewer, HttpError> {
    match session {
        None => Err(HttpError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "sign in first",
        )),
        Some(s) if s.reviewer.can(what) => Ok(s.reviewer.clone()),
        Some(s) => Err(HttpError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            s.reviewer.role.refusal(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next(Some("/incidents/3?x=1")), "/incidents/3?x=1");
        assert_eq!(safe_next(Some("//evil.example/")), "/");
        assert_eq!(safe_next(Some("https://evil.example/")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        // A tab or newline is dropped by browsers: `/\t/x` would be `//x`.
        assert_eq!(safe_next(Some("/\t/evil.example")), "/");
        assert_eq!(safe_next(Some("/incidents\r\nSet-Cookie: x")), "/");
        assert_eq!(safe_next(Some("/a\\b")), "/");
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn cross_site_writes_are_refused() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:3000"));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://127.0.0.1:3000"),
        );
        assert!(same_site(&h, None).is_ok());
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://evil.example"),
        );
        assert!(same_site(&h, None).is_err());
        h.remove(header::ORIGIN);
        h.insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
        assert!(same_site(&h, None).is_err());
    }
}

/// The permissions, as types a handler names: `Can<perm::Read>`.
pub mod perm {
    use model::Permission;

    /// A permission as a type.
    pub trait Perm {
        /// Which.
        const IT: Permission;
    }

    macro_rules! perms {
        ($($name:ident),*) => {$(
            #[doc = concat!("[`Permission::", stringify!($name), "`].")]
            #[derive(Debug)]
            pub struct $name;
            impl Perm for $name {
                const IT: Permission = Permission::$name;
            }
        )*};
    }
    perms!(Read, Upload, Annotate, Workflow, SignOff, Export, Administer);
}

/// The signed-in reviewer, extracted only when their role allows `P`: a handler
/// that takes one cannot run for anyone else (401 signed out, 403 otherwise).
#[derive(Debug)]
pub struct Can<P>(pub Reviewer, pub std::marker::PhantomData<P>);

impl<S: Send + Sync, P: perm::Perm> axum::extract::FromRequestParts<S> for Can<P> {
    type Rejection = HttpError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        require(parts.extensions.get::<Session>(), P::IT).map(|r| Can(r, std::marker::PhantomData))
    }
}

/// Who sends evidence: a reviewer whose role may upload, or a machine token.
#[derive(Clone, Debug)]
pub enum Sender {
    /// A signed-in reviewer with [`Permission::Upload`].
    Reviewer(Reviewer),
    /// A machine token.
    Token(store::tokens::Token),
}

impl Sender {
    /// As the review log names the actor.
    pub fn log_actor(&self) -> store::review_log::Actor<'_> {
        match self {
            Sender::Reviewer(r) => store::review_log::Actor::Reviewer(r),
            Sender::Token(t) => t.log_actor(),
        }
    }

    /// The incident a token is scoped to.
    pub fn scope(&self) -> Option<i64> {
        match self {
            Sender::Token(t) => t.incident,
            Sender::Reviewer(_) => None,
        }
    }

    /// `incident` when the sender may send evidence into it: a token scoped to one
    /// incident may send into no other (403), and sends into its own by default.
    pub fn target(&self, incident: Option<i64>) -> Result<Option<i64>, HttpError> {
        match (self.scope(), incident) {
            (Some(own), Some(asked)) if own != asked => Err(HttpError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                format!("this machine token may only send evidence into incident #{own}"),
            )),
            (Some(own), _) => Ok(Some(own)),
            (None, asked) => Ok(asked),
        }
    }
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for Sender {
    type Rejection = HttpError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _state: &S,
    ) -> Result<Self, Self::Rejection> {
        if let Some(token) = parts.extensions.get::<store::tokens::Token>() {
            return Ok(Sender::Token(token.clone()));
        }
        require(parts.extensions.get::<Session>(), Permission::Upload).map(Sender::Reviewer)
    }
}

/// Adds to the OpenAPI document the answers the guard gives before any handler: 401
/// to every operation that needs a session, and 403 to every state-changing one (a
/// cross-site request).
pub struct Documented;

impl utoipa::Modify for Documented {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let error = |text: &str| {
            ResponseBuilder::new()
                .description(text)
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("ErrorBody")))
                        .build(),
                )
                .build()
        };
        for (path, item) in openapi.paths.paths.iter_mut() {
            let public = matches!(
                path.as_str(),
                "/healthz"
                    | "/api/openapi.json"
                    | "/api/session/me"
                    | "/checkpoint"
                    | "/checkpoint/consistency"
                    | "/checkpoint/cosignature"
            );
            let operations = [
                (&mut item.get, false),
                (&mut item.post, true),
                (&mut item.put, true),
                (&mut item.patch, true),
                (&mut item.delete, true),
            ];
            for (operation, writes) in operations {
                let Some(operation) = operation.as_mut() else {
                    continue;
                };
                let responses = &mut operation.responses.responses;
                if !public && !responses.contains_key("401") {
                    responses.insert(
                        "401".into(),
                        error("Not signed in, or the session ended.").into(),
                    );
                }
                if writes && !responses.contains_key("403") {
                    responses.insert(
                        "403".into(),
                        error("The reviewer's role cannot do this, or the request came from another site.").into(),
                    );
                }
            }
        }
    }
}
