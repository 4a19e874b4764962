//! Public link-in-bio pages, with no auth:
//! `GET /p/{slug}`: a published bio site as HTML, counting the visit.
//! `GET /p/{slug}/l/{link_id}`: counts the click and redirects — only ever to
//! the URL stored for that link.
//! `HEAD` on either answers the same headers and counts nothing.
//!
//! `page` renders the HTML from a site's data (pure, tested natively).

pub mod page;

use mewayz_api::http::{Request, Response, ResponseBuilder};
use mewayz_resources::store;
use serde_json::Value;

const MODULE: &str = "bio-sites";

mewayz_api::export_service!(handle);

/// Serves one request. Spin calls it through the WASI P3 entry
/// (`export_service!`); natively it is a plain function.
pub async fn handle(req: Request) -> Response {
    let mut response = respond(req).await;
    // Every answer, pages and redirects alike, in this one place.
    response.set_header("x-content-type-options", "nosniff");
    response
}

async fn respond(req: Request) -> Response {
    let method = req.method().to_string();
    let path = req.path().to_string();
    // HEAD answers as GET does (Spin's HTTP server leaves out the body) but
    // counts nothing: only a real visit or click is counted.
    let count = match method.as_str() {
        "GET" => Count::Yes,
        "HEAD" => Count::No,
        _ => return html(405, page::not_found()).header("allow", "GET, HEAD").build(),
    };
    let segments: Vec<&str> = path.trim_start_matches('/').trim_end_matches('/').split('/').collect();
    let result = match segments.as_slice() {
        ["p", slug] => site(slug, count).await,
        ["p", slug, "l", link] => click(slug, link, count).await,
        _ => Ok(None),
    };
    match result {
        Ok(Some(response)) => response,
        Ok(None) => html(404, page::not_found()).build(),
        Err(err) => {
            eprintln!(
                "{method} {path} -> {} {}: {}",
                err.status,
                err.code,
                err.detail.as_deref().unwrap_or(&err.message)
            );
            let status = err.status;
            let mut builder =
                html(status, "<!doctype html><title>Unavailable</title><h1>Please try again shortly</h1>\n".into());
            if status == 503 {
                builder.header("retry-after", "5");
            }
            builder.build()
        }
    }
}

fn html(status: u16, body: String) -> ResponseBuilder {
    let mut builder = Response::builder();
    builder
        .status(status)
        .header("content-type", "text/html; charset=utf-8")
        .header("content-security-policy", page::CONTENT_SECURITY_POLICY)
        .header("referrer-policy", "no-referrer")
        .header("cache-control", "no-store")
        .body(body);
    builder
}

/// The published site for `slug`, if there is one.
async fn published(db: &mewayz_store::Db, slug: &str) -> Result<Option<store::Record>, mewayz_api::ApiError> {
    Ok(store::find_public(db, MODULE, slug)
        .await?
        .filter(|site| site.data.get("is_published") == Some(&Value::Bool(true))))
}

/// Whether a request counts as a visit or a click (GET) or not (HEAD).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Count {
    Yes,
    No,
}

async fn site(slug: &str, count: Count) -> Result<Option<Response>, mewayz_api::ApiError> {
    let db = mewayz_resources::open_db().await?;
    let Some(site) = published(&db, slug).await? else { return Ok(None) };
    if count == Count::Yes {
        store::count_visit(&db, &site.id).await?;
    }
    Ok(Some(html(200, page::render(slug, &site.data)).build()))
}

async fn click(slug: &str, link_id: &str, count: Count) -> Result<Option<Response>, mewayz_api::ApiError> {
    let db = mewayz_resources::open_db().await?;
    let Some(site) = published(&db, slug).await? else { return Ok(None) };
    let url = site
        .data
        .get("links")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|link| link["id"].as_str() == Some(link_id))
        .and_then(|link| link["url"].as_str())
        .map(String::from);
    let Some(url) = url else { return Ok(None) };
    if count == Count::Yes {
        store::count_click(&db, &site.id, link_id).await?;
    }
    Ok(Some(
        Response::builder()
            .status(302)
            .header("location", url)
            .header("cache-control", "no-store")
            .header("referrer-policy", "no-referrer")
            .build(),
    ))
}
