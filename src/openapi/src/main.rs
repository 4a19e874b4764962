//! Prints the OpenAPI document: `cargo run -p mewayz-openapi > openapi.json`.

fn main() {
    println!("{}", serde_json::to_string_pretty(&mewayz_openapi::document()).expect("the document serializes"));
}
