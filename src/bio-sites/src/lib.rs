//! Link-in-bio sites: a module of the resource core. Published sites are
//! served to the public by the `public-pages` component at `/p/{slug}`.

use mewayz_api::http::{Request, Response};
use mewayz_resources::{Field, Kind, ModuleSpec, spec::value, store::Record};
use serde_json::{Map, Value, json};

static FIELDS: [Field; 9] = [
    Field::required("title", Kind::Text { max: 200 }),
    Field::required("slug", Kind::Slug),
    Field::optional("description", Kind::Text { max: 2000 }),
    Field::with_default("theme", Kind::OneOf(&["light", "dark", "sunset", "ocean"]), || json!("light")),
    Field::optional("avatar_url", Kind::Url),
    Field::optional("seo_title", Kind::Text { max: 70 }),
    Field::optional("seo_description", Kind::Text { max: 160 }),
    Field::with_default("is_published", Kind::Bool, || json!(false)),
    Field::with_default("links", Kind::Links, || json!([])),
];

/// Adds the counters: visits, and clicks per link and in all.
fn counters(record: &Record, out: &mut Map<String, Value>) {
    let clicks_of = |id: &str| record.clicks.iter().find(|(l, _)| l == id).map_or(0, |(_, n)| *n);
    if let Some(links) = out.get_mut("links").and_then(Value::as_array_mut) {
        for link in links {
            let clicks = clicks_of(link["id"].as_str().unwrap_or_default());
            link["clicks"] = json!(clicks);
        }
    }
    out.insert("visit_count".into(), json!(record.visits));
    out.insert("click_count".into(), json!(record.clicks.iter().map(|(_, n)| n).sum::<i64>()));
}

pub static BIO_SITES: ModuleSpec = ModuleSpec {
    name: "bio-sites",
    singular: "bio site",
    fields: &FIELDS,
    status_of: |data: &Map<String, Value>| {
        if value(data, "is_published").as_bool() == Some(true) { "published" } else { "draft" }.to_string()
    },
    search: &["title", "slug", "description"],
    unique: Some("slug"),
    on_write: None,
    present: Some(counters),
};

mewayz_api::export_service!(handle);

/// Serves one request. Spin calls it through the WASI P3 entry
/// (`export_service!`); natively it is a plain function: the OpenAPI
/// document (mewayz-openapi) links this crate for its types.
pub async fn handle(req: Request) -> Response {
    mewayz_resources::serve(req, &BIO_SITES).await
}
