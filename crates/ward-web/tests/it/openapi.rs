//! The OpenAPI document is generated from the code; a snapshot shows every change to it.

#[test]
fn openapi_document_snapshot() {
    let spec = ward_web::api::openapi::spec();
    assert_eq!(spec["openapi"], "3.1.0");
    insta::assert_json_snapshot!("openapi", spec);
}
