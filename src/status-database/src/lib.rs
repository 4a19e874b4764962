//! A private route (reachable only through Spin's local service chaining)
//! that opens the database, brings every part of the schema up to date (the
//! migration Job relies on it), runs `SELECT 1`, and says how long that took.
//! `/api/status` calls it with a deadline of its own; this one's database
//! calls have `database_timeout_ms` (on Spin 4) as every feature's do.

use std::time::Instant;

use mewayz_api::http::{Request, Response};
use serde_json::json;

mewayz_api::export_service!(handle);

/// Serves one request. Spin calls it through the WASI P3 entry
/// (`export_service!`); natively it is a plain function.
pub async fn handle(_req: Request) -> Response {
    let started = Instant::now();
    // The response time is one `SELECT 1` on an open connection: the
    // first request after a deploy also migrates the schema, which says
    // nothing about how fast the database answers. A failure reports the
    // time spent until it.
    let mut elapsed_ms = 0.0;
    let result = async {
        let db = mewayz_resources::open_db().await?;
        let query = Instant::now();
        db.query("SELECT 1", &[]).await?;
        elapsed_ms = query.elapsed().as_secs_f64() * 1000.0;
        Ok::<_, mewayz_api::ApiError>(db.backend())
    }
    .await;
    if result.is_err() {
        elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    }
    let (status, body) = match result {
        Ok(backend) => (200, json!({ "backend": format!("{backend:?}").to_lowercase(), "elapsed_ms": elapsed_ms })),
        Err(err) => {
            let reason = err.detail.clone().unwrap_or(err.message.clone());
            eprintln!("status: database check failed after {elapsed_ms:.1} ms: {reason}");
            (503, json!({ "elapsed_ms": elapsed_ms, "error": reason }))
        }
    };
    Response::builder().status(status).header("content-type", "application/json").body(body.to_string()).build()
}
