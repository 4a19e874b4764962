//! Prints the OpenAPI document: `cargo run -p mewayz-openapi > openapi.json`.

use std::process::ExitCode;

fn main() -> ExitCode {
    let text = mewayz_openapi::document()
        .map_err(|e| e.to_string())
        .and_then(|document| serde_json::to_string_pretty(&document).map_err(|e| e.to_string()));
    match text {
        Ok(text) => {
            println!("{text}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("mewayz-openapi: the document could not be written: {error}");
            ExitCode::FAILURE
        }
    }
}
