//! The OpenAPI document at `GET /api/openapi.json`: every route the server answers
//! is in it with its methods, each answer the server gives is documented, and the
//! documented schemas name the fields the server really sends.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp};

/// Every route `server::http` registers under `/api` and `/healthz`, with its
/// methods, besides the UI's server functions (checked from their registry).
const ROUTES: &[(&str, &[&str])] = &[
    ("/api/bundles", &["post"]),
    ("/api/bundles/{sha256}", &["get"]),
    ("/api/bundles/{sha256}/raw", &["get"]),
    ("/api/bundles/{sha256}/anchored", &["get"]),
    ("/api/bundles/{sha256}/report", &["get"]),
    ("/api/bundles/{sha256}/graph", &["get"]),
    ("/api/bundles/{sha256}/events/{index}", &["get"]),
    ("/api/bundles/{sha256}/actors/{actor}", &["get"]),
    ("/api/bundles/{sha256}/credentials/{token}", &["get"]),
    ("/api/bundles/{sha256}/export/{file}", &["get"]),
    ("/api/events/export/{file}", &["get"]),
    ("/api/bundles/{sha256}/excerpt", &["get"]),
    ("/api/events", &["get"]),
    ("/api/incidents", &["get", "post"]),
    ("/api/incidents/{id}", &["get"]),
    ("/api/incidents/{id}/export/{file}", &["get"]),
    ("/api/openapi.json", &["get"]),
    ("/api/review-log/export", &["get"]),
    ("/api/review-log/key", &["get"]),
    ("/api/session", &["get"]),
    ("/api/trust-roots/{public_key}/key", &["get"]),
    ("/api/traces/import", &["post"]),
    ("/healthz", &["get"]),
    ("/checkpoint", &["get"]),
    ("/checkpoint/consistency", &["get"]),
    ("/checkpoint/cosignature", &["post"]),
    ("/v1/traces", &["post"]),
];

/// The operations an OpenAPI path item can hold.
const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// The schema a `$ref` points to, or `schema` itself when it is not a reference.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(reference) => {
            let name = reference
                .strip_prefix("#/components/schemas/")
                .unwrap_or_else(|| panic!("a local schema reference: {reference}"));
            let target = &doc["components"]["schemas"][name];
            assert!(target.is_object(), "{reference} resolves");
            target
        }
        None => schema,
    }
}

/// The schema of an operation's JSON answer with `status`.
fn json_body<'a>(operation: &'a Value, status: &str) -> &'a Value {
    &operation["responses"][status]["content"]["application/json"]["schema"]
}

/// A schema's property names: its own, or those of every part of an `allOf` (a
/// type whose serde form flattens another's), references resolved in `doc`.
fn properties(schema: &Value) -> BTreeSet<String> {
    properties_in(&Value::Null, schema)
}

/// [`properties`], resolving the references of `allOf` parts in `doc`.
fn properties_in(doc: &Value, schema: &Value) -> BTreeSet<String> {
    if let Some(parts) = schema["allOf"].as_array() {
        return parts
            .iter()
            .flat_map(|part| properties_in(doc, resolve(doc, part)))
            .collect();
    }
    schema["properties"]
        .as_object()
        .unwrap_or_else(|| panic!("an object schema: {schema}"))
        .keys()
        .cloned()
        .collect()
}

/// A JSON object's keys.
fn keys(value: &Value) -> BTreeSet<String> {
    value
        .as_object()
        .unwrap_or_else(|| panic!("an object: {value}"))
        .keys()
        .cloned()
        .collect()
}

/// Every `$ref` in `value`.
fn references<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(reference)) = map.get("$ref") {
                out.push(reference);
            }
            map.values().for_each(|v| references(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| references(v, out)),
        _ => {}
    }
}

/// Fetches the document from `app`, asserting it is served as JSON.
async fn document(app: &TestApp) -> Value {
    let response = app.get("/api/openapi.json").await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "application/json",
        "the document is served as JSON"
    );
    response.json().await.expect("the document is JSON")
}

#[tokio::test]
async fn the_document_is_openapi_3_1_and_lists_every_route_with_its_methods() {
    let app = spawn_app().await;
    let doc = document(&app).await;

    let version = doc["openapi"].as_str().expect("an `openapi` version");
    assert!(version.starts_with("3.1."), "OpenAPI 3.1, not {version}");
    assert_eq!(doc["info"]["title"], "Custody API");
    assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));

    let mut expected: BTreeSet<(String, String)> = ROUTES
        .iter()
        .flat_map(|(path, methods)| methods.iter().map(|m| (path.to_string(), m.to_string())))
        .collect();
    let server_functions: Vec<_> = leptos::server_fn::axum::server_fn_paths().collect();
    assert!(
        !server_functions.is_empty(),
        "the UI's server functions are registered"
    );
    for (path, method) in server_functions {
        assert!(path.starts_with("/api/"), "{path}");
        expected.insert((path.to_owned(), method.as_str().to_lowercase()));
    }
    let paths = doc["paths"].as_object().expect("paths");
    let documented: BTreeSet<(String, String)> = paths
        .iter()
        .flat_map(|(path, item)| {
            METHODS
                .iter()
                .filter(|m| item.get(**m).is_some())
                .map(move |m| (path.clone(), m.to_string()))
        })
        .collect();
    let missing: Vec<_> = expected.difference(&documented).collect();
    let unserved: Vec<_> = documented.difference(&expected).collect();
    assert!(missing.is_empty(), "served but not documented: {missing:?}");
    assert!(
        unserved.is_empty(),
        "documented but not served: {unserved:?}"
    );

    let mut operation_ids = BTreeSet::new();
    for (path, method) in &documented {
        let operation = &paths[path][method];
        let id = operation["operationId"].as_str().expect("an operation ID");
        assert!(operation_ids.insert(id), "operation ID {id} is unique");
        let summary = operation["summary"].as_str().unwrap_or_default();
        assert!(
            !summary.is_empty() && !summary.contains('\n'),
            "{method} {path}: a one-line summary, not {summary:?}"
        );
        for name in path
            .split('/')
            .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
        {
            let declared = operation["parameters"].as_array().is_some_and(|ps| {
                ps.iter()
                    .any(|p| p["name"] == name && p["in"] == "path" && p["required"] == true)
            });
            assert!(
                declared,
                "{method} {path}: path parameter {name} is declared"
            );
        }
    }

    let mut refs = Vec::new();
    references(&doc, &mut refs);
    assert!(!refs.is_empty());
    for reference in refs {
        resolve(&doc, &json!({ "$ref": reference }));
    }
}

#[tokio::test]
async fn the_documented_schemas_match_what_the_server_sends() {
    let app = spawn_app().await;
    let doc = document(&app).await;
    let schemas = &doc["components"]["schemas"];
    let operation = |path: &str, method: &str| &doc["paths"][path][method];

    // The bundle summary: its real fields, as an upload answers them.
    let summary = &schemas["BundleSummary"];
    let fields = properties(summary);
    for field in ["sha256", "verdict", "reasons", "incident_id", "event_count"] {
        assert!(
            fields.contains(field),
            "BundleSummary has {field}: {fields:?}"
        );
    }
    assert_eq!(summary["properties"]["sha256"]["type"], "string");
    assert_eq!(summary["properties"]["reasons"]["type"], "array");
    assert_eq!(summary["properties"]["reasons"]["items"]["type"], "string");
    let verdict = resolve(&doc, &summary["properties"]["verdict"]);
    assert_eq!(
        verdict["enum"],
        json!([
            "verified",
            "verified_with_warnings",
            "tampered",
            "untrusted"
        ])
    );
    let bundle = server::demo::scenarios()
        .into_iter()
        .next()
        .expect("a demo scenario")
        .bundle;
    let uploaded = app.upload("name=demo.bundle.json", bundle).await;
    assert_eq!(uploaded.status(), 200);
    let uploaded: Value = uploaded.json().await.expect("json");
    assert_eq!(
        keys(&uploaded),
        fields,
        "BundleSummary is what an upload answers"
    );
    let upload = operation("/api/bundles", "post");
    assert_eq!(
        resolve(&doc, json_body(upload, "200")),
        summary,
        "an upload answers a BundleSummary"
    );
    assert!(
        upload["requestBody"]["content"]["application/octet-stream"].is_object(),
        "an upload sends the bundle's bytes: {}",
        upload["requestBody"]
    );
    for status in ["400", "404", "413", "500"] {
        assert_eq!(
            json_body(upload, status)["$ref"],
            "#/components/schemas/ErrorBody",
            "an upload documents its {status}"
        );
    }

    // A missing bundle: 404 with the error body, as documented.
    let get_bundle = operation("/api/bundles/{sha256}", "get");
    let not_found = resolve(&doc, json_body(get_bundle, "404"));
    assert_eq!(
        not_found, &schemas["ErrorBody"],
        "404 answers the error body"
    );
    assert_eq!(properties(not_found), BTreeSet::from(["error".to_owned()]));
    let detail = resolve(&doc, &not_found["properties"]["error"]);
    assert_eq!(
        properties(detail),
        BTreeSet::from(["code".to_owned(), "message".to_owned()])
    );
    assert_eq!(detail["required"], json!(["code", "message"]));
    let missing = app.get(&format!("/api/bundles/{}", "0".repeat(64))).await;
    assert_eq!(missing.status(), 404);
    let missing: Value = missing.json().await.expect("json");
    assert_eq!(keys(&missing), properties(not_found));
    assert_eq!(keys(&missing["error"]), properties(detail));
    assert_eq!(missing["error"]["code"], "not_found");

    // The verification transcript: the fields the stored report has.
    let sha = uploaded["sha256"].as_str().expect("sha256");
    let report = app.json(&format!("/api/bundles/{sha}/report")).await;
    let report_schema = resolve(
        &doc,
        json_body(operation("/api/bundles/{sha256}/report", "get"), "200"),
    );
    assert_eq!(
        properties_in(&doc, report_schema),
        BTreeSet::from(
            [
                "format",
                "status",
                "bundleId",
                "reasons",
                "eventCount",
                "events"
            ]
            .map(str::to_owned)
        )
    );
    assert_eq!(keys(&report), properties_in(&doc, report_schema));
    let events = report_schema["allOf"]
        .as_array()
        .into_iter()
        .flatten()
        .chain([report_schema])
        .find_map(|part| resolve(&doc, part)["properties"].get("events"))
        .expect("the transcript's events");
    let event_schema = resolve(&doc, &events["items"]);
    assert_eq!(keys(&report["events"][0]), properties(event_schema));
}

#[tokio::test]
async fn every_answer_a_route_gives_is_documented() {
    let app = spawn_app().await;
    let doc = document(&app).await;
    let mut scenarios = server::demo::scenarios().into_iter().map(|s| s.bundle);
    let (stored, unstored) = (
        scenarios.next().expect("a demo scenario"),
        scenarios.next().expect("a second demo scenario"),
    );
    let stored: Value = app.store("", stored).await;
    let sha = stored["sha256"].as_str().expect("sha256");
    let id = stored["incident_id"].as_i64().expect("incident");

    let new_incident = |title: &str| Some(json!({ "title": title }).to_string());
    let bundles = "/api/bundles";
    let this = format!("/api/bundles/{sha}");
    // (method, documented path, request, JSON body, the status the server answers)
    #[rustfmt::skip]
    let probes: Vec<(&str, &str, String, Option<String>, u16)> = vec![
        ("post", bundles, bundles.into(), None, 400),
        ("post", bundles, format!("{bundles}?incident=999999"), Some(unstored.clone()), 404),
        ("post", bundles, format!("{bundles}?severity=urgent"), Some(unstored), 400),
        ("get", "/api/bundles/{sha256}", this.clone(), None, 200),
        ("get", "/api/bundles/{sha256}", format!("{bundles}/none"), None, 404),
        ("get", "/api/bundles/{sha256}/raw", format!("{this}/raw"), None, 200),
        ("get", "/api/bundles/{sha256}/raw", format!("{bundles}/none/raw"), None, 404),
        ("get", "/api/bundles/{sha256}/report", format!("{this}/report"), None, 200),
        ("get", "/api/bundles/{sha256}/report", format!("{bundles}/none/report"), None, 404),
        ("get", "/api/bundles/{sha256}/graph", format!("{this}/graph"), None, 200),
        ("get", "/api/bundles/{sha256}/graph", format!("{bundles}/none/graph"), None, 404),
        ("get", "/api/bundles/{sha256}/events/{index}", format!("{this}/events/0"), None, 200),
        ("get", "/api/bundles/{sha256}/events/{index}", format!("{this}/events/999999"), None, 404),
        ("get", "/api/bundles/{sha256}/events/{index}", format!("{this}/events/first"), None, 400),
        ("get", "/api/bundles/{sha256}/actors/{actor}", format!("{this}/actors/nobody"), None, 404),
        ("get", "/api/bundles/{sha256}/credentials/{token}", format!("{this}/credentials/none"), None, 404),
        ("get", "/api/events", "/api/events?per_page=5".into(), None, 200),
        ("get", "/api/events", "/api/events?per_page=501".into(), None, 400),
        ("get", "/api/events", "/api/events?page=first".into(), None, 400),
        ("get", "/api/incidents", "/api/incidents".into(), None, 200),
        ("get", "/api/incidents", "/api/incidents?status=open&sort=title".into(), None, 200),
        ("get", "/api/incidents", "/api/incidents?status=bogus".into(), None, 400),
        ("post", "/api/incidents", "/api/incidents".into(), new_incident("Opened"), 201),
        ("post", "/api/incidents", "/api/incidents".into(), new_incident(" "), 400),
        ("post", "/api/incidents", "/api/incidents".into(), Some(r#"{"name": "x"}"#.into()), 422),
        ("post", "/api/incidents", "/api/incidents".into(), Some("{".into()), 400),
        ("get", "/api/incidents/{id}", format!("/api/incidents/{id}"), None, 200),
        ("get", "/api/incidents/{id}", "/api/incidents/999999".into(), None, 404),
        ("get", "/api/incidents/{id}", "/api/incidents/first".into(), None, 400),
        ("get", "/api/openapi.json", "/api/openapi.json".into(), None, 200),
        ("get", "/healthz", "/healthz".into(), None, 200),
        ("post", "/api/incidents/list", "/api/incidents/list".into(), None, 200),
        ("post", "/api/server/info", "/api/server/info".into(), None, 200),
    ];
    for (method, path, request, body, status) in probes {
        let url = format!("{}{request}", app.address);
        let mut call = match method {
            "get" => app.client.get(url),
            _ => app.client.post(url),
        };
        if let Some(body) = body {
            call = call.header("content-type", "application/json").body(body);
        }
        let response = call.send().await.expect("request reaches the server");
        assert_eq!(response.status(), status, "{method} {request}");
        assert_documented(&doc, method, path, &response);
    }

    // A JSON body not declared as JSON.
    let response = app
        .client
        .post(format!("{}/api/incidents", app.address))
        .body(r#"{"title": "Opened"}"#)
        .send()
        .await
        .expect("request reaches the server");
    assert_eq!(response.status(), 415);
    assert_documented(&doc, "post", "/api/incidents", &response);
}

/// Asserts that `doc` lists the response's status for `method path`, with a body of
/// the response's content type.
fn assert_documented(doc: &Value, method: &str, path: &str, response: &reqwest::Response) {
    let status = response.status().as_u16();
    let answer = &doc["paths"][path][method]["responses"][status.to_string()];
    assert!(answer.is_object(), "{method} {path} documents its {status}");
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .unwrap_or_default();
    assert!(
        answer["content"][content_type].is_object(),
        "{method} {path} documents its {status} as {content_type:?}: {answer}"
    );
}
