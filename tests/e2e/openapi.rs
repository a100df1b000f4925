//! docs/openapi.json and the code stay in step: the schemas name exactly the
//! fields the shared types serialize, the error codes are the same set, and
//! every documented operation answers on a real otsd with a documented status.

use std::collections::BTreeSet;

use ots_shared::api::{
    CreateResponse, ErrorBody, ErrorCode, RevealResponse, ServerConfig, StatusResponse,
};
use serde_json::Value;

use crate::api::{client, create, create_body, post};
use crate::harness::{Backend, Stack};

fn spec() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/openapi.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("read openapi.json")).expect("json")
}

fn keys(value: &Value) -> BTreeSet<String> {
    value.as_object().expect("object").keys().cloned().collect()
}

fn strings(value: &Value) -> BTreeSet<String> {
    value.as_array().expect("array").iter().map(|v| v.as_str().expect("str").to_owned()).collect()
}

/// Checks a schema's properties against a fully populated sample and its
/// required list against a minimal one.
fn check_schema(spec: &Value, name: &str, full: Value, minimal: Value) {
    let schema = &spec["components"]["schemas"][name];
    assert_eq!(keys(&schema["properties"]), keys(&full), "{name}: properties");
    assert_eq!(strings(&schema["required"]), keys(&minimal), "{name}: required");
}

#[test]
fn schemas_match_the_shared_types() {
    let spec = spec();
    let created =
        CreateResponse { id: "x".into(), expires_at: "t".into(), views: 1, public_url: "u".into() };
    let created = serde_json::to_value(created).expect("ser");
    check_schema(&spec, "CreateResponse", created.clone(), created);
    let status = StatusResponse { views_left: 1, expires_at: "t".into(), tries_left: 1 };
    let status = serde_json::to_value(status).expect("ser");
    check_schema(&spec, "StatusResponse", status.clone(), status);
    let reveal = serde_json::to_value(RevealResponse { envelope: vec![1], views_left: 0 });
    let reveal = reveal.expect("ser");
    check_schema(&spec, "RevealResponse", reveal.clone(), reveal);
    let config = ServerConfig {
        api_version: 1,
        max_envelope_bytes: 1,
        default_ttl_seconds: 1,
        max_ttl_seconds: 1,
        max_views: 1,
        max_failed_proofs: 1,
        envelope_versions: vec![1],
    };
    let config = serde_json::to_value(config).expect("ser");
    check_schema(&spec, "ServerConfig", config.clone(), config);

    let error =
        |tries_left| ErrorBody { error: ErrorCode::NotFound, message: "m".into(), tries_left };
    let full = serde_json::to_value(error(Some(1))).expect("ser");
    check_schema(&spec, "ErrorBody", full, serde_json::to_value(error(None)).expect("ser"));

    let (create_full, proof) = create_body(b"x", Some(1), Some(1));
    let create_full: Value = serde_json::from_str(&create_full).expect("json");
    let (create_min, _) = create_body(b"x", None, None);
    let create_min: Value = serde_json::from_str(&create_min).expect("json");
    check_schema(&spec, "CreateRequest", create_full, create_min);
    let proof: Value = serde_json::from_str(&proof).expect("json");
    check_schema(&spec, "ProofRequest", proof.clone(), proof);
}

#[test]
fn error_codes_match() {
    let documented = strings(&spec()["components"]["schemas"]["ErrorCode"]["enum"]);
    let code = |c: ErrorCode| serde_json::to_value(c).expect("ser").as_str().map(str::to_owned);
    let coded: BTreeSet<String> = ErrorCode::ALL.into_iter().filter_map(code).collect();
    assert_eq!(documented, coded);
}

#[test]
fn every_documented_operation_answers_as_documented() {
    let stack = Stack::start(Backend::Memory, &[]);
    let base = stack.base();
    let spec = spec();
    let paths = spec["paths"].as_object().expect("paths");

    let (create_body, _) = create_body(b"x", None, None);
    let mut seen = 0;
    for (template, item) in paths {
        for (method, op) in item.as_object().expect("path item") {
            // A fresh secret per operation, so that burn cannot hide reveal.
            let (id, proof) = create(base, b"x", 1);
            let path = template.replace("{id}", &id);
            let resp = match method.as_str() {
                "get" => client().get(format!("{base}{path}")).send().expect("get"),
                "post" if path == "/api/v1/secrets" => post(base, &path, &create_body),
                "post" => post(base, &path, &proof),
                other => panic!("undocumented method in spec: {other}"),
            };
            let status = resp.status().as_u16().to_string();
            let documented = keys(&op["responses"]);
            assert!(documented.contains(&status), "{method} {template} answered {status}");
            assert!(status.starts_with('2'), "{method} {template} answered {status}");
            seen += 1;
        }
    }
    assert_eq!(seen, 8, "operations walked");
}
