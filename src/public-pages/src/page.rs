//! The HTML of a published bio site. Every piece of user content is escaped;
//! the page has no script, and its Content-Security-Policy forbids any.

use serde_json::{Map, Value};

/// Sent with every page: no scripts, no plugins, no framing, images only
/// from http(s), inline styles for the theme.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; img-src https: http:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn text<'a>(data: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    data.get(name).and_then(Value::as_str).filter(|s| !s.is_empty())
}

const THEMES: [(&str, &str, &str, &str); 4] = [
    ("light", "#ffffff", "#1f2328", "#0969da"),
    ("dark", "#0d1117", "#e6edf3", "#2f81f7"),
    ("sunset", "#fff4e6", "#3b1f0e", "#d9480f"),
    ("ocean", "#e7f5ff", "#0b2540", "#1971c2"),
];

/// Renders a site. `slug` and link ids are URL-safe by validation.
pub fn render(slug: &str, data: &Map<String, Value>) -> String {
    let title = text(data, "title").unwrap_or(slug);
    let head_title = text(data, "seo_title").unwrap_or(title);
    let description = text(data, "seo_description").or_else(|| text(data, "description")).unwrap_or("");
    let theme = text(data, "theme").unwrap_or("light");
    let (_, background, foreground, accent) = THEMES.iter().find(|t| t.0 == theme).copied().unwrap_or(THEMES[0]);

    let mut html = String::new();
    html.push_str("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    html.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    html.push_str(&format!("<title>{}</title>\n", escape(head_title)));
    html.push_str(&format!("<meta name=\"description\" content=\"{}\">\n", escape(description)));
    html.push_str(&format!(
        "<style>body{{margin:0;font-family:system-ui,sans-serif;background:{background};color:{foreground}}}\
         main{{max-width:32rem;margin:0 auto;padding:3rem 1rem;text-align:center}}\
         img.avatar{{width:6rem;height:6rem;border-radius:50%;object-fit:cover}}\
         ul{{list-style:none;padding:0}}li{{margin:.75rem 0}}\
         a{{display:block;padding:.9rem;border:2px solid {accent};border-radius:.75rem;color:{accent};text-decoration:none;font-weight:600}}</style>\n"
    ));
    html.push_str("</head>\n");
    html.push_str(&format!("<body class=\"theme-{}\">\n<main>\n", escape(theme)));
    if let Some(avatar) = text(data, "avatar_url") {
        html.push_str(&format!("<img class=\"avatar\" src=\"{}\" alt=\"\">\n", escape(avatar)));
    }
    html.push_str(&format!("<h1>{}</h1>\n", escape(title)));
    if let Some(about) = text(data, "description") {
        html.push_str(&format!("<p>{}</p>\n", escape(about)));
    }
    html.push_str("<ul class=\"links\">\n");
    for link in data.get("links").and_then(Value::as_array).into_iter().flatten() {
        let id = link["id"].as_str().unwrap_or_default();
        let label = link["title"].as_str().unwrap_or_default();
        html.push_str(&format!(
            "<li><a href=\"/p/{}/l/{}\" rel=\"nofollow noopener\">{}</a></li>\n",
            escape(slug),
            escape(id),
            escape(label)
        ));
    }
    html.push_str("</ul>\n</main>\n</body>\n</html>\n");
    html
}

/// The page for an unknown or unpublished slug.
pub fn not_found() -> String {
    "<!doctype html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>Page not found</title></head>\n\
     <body><main><h1>Page not found</h1><p>There is no published page at this address.</p></main></body>\n</html>\n"
        .to_string()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn site(value: Value) -> Map<String, Value> {
        value.as_object().unwrap().clone()
    }

    #[test]
    fn renders_title_description_and_links_through_the_redirect() {
        let html = render(
            "ada",
            &site(json!({"title": "Ada's links", "seo_title": "Ada — maker", "description": "Hi", "theme": "dark",
                "links": [{"id": "l1", "title": "Shop", "url": "https://shop.example", "position": 0}]})),
        );
        assert!(html.contains("<title>Ada — maker</title>"));
        assert!(html.contains("<h1>Ada&#39;s links</h1>"));
        assert!(html.contains("<a href=\"/p/ada/l/l1\" rel=\"nofollow noopener\">Shop</a>"));
        assert!(!html.contains("https://shop.example"), "links go through the counting redirect");
        assert!(html.contains("theme-dark"));
    }

    #[test]
    fn user_content_cannot_inject_markup() {
        let evil = "<script>alert(1)</script>\"><img src=x onerror=alert(1)>";
        let html = render(
            "ada",
            &site(
                json!({"title": evil, "description": evil, "seo_description": evil, "avatar_url": "https://x.example/\"><script>",
                "links": [{"id": "l1", "title": evil, "url": "https://x.example", "position": 0}]}),
            ),
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img src=x"), "{html}");
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    }

    #[test]
    fn unknown_themes_fall_back_to_light() {
        let html = render("ada", &site(json!({"title": "x", "theme": "neon"})));
        assert!(html.contains("background:#ffffff"));
    }
}
