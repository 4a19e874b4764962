//! A public bio page as a person sees it: headless Chromium (Debian's
//! chromium package) loads the published page, follows a link through the
//! counting redirect, and the counts show up in the API.

use std::sync::{
    Arc,
    atomic::{AtomicUsize, Ordering},
};

use mewayz_tests::{
    app::{Backend, TestApp},
    browser::headless,
    fake::{answer_as, serve},
};
use serde_json::json;

/// A landing page on loopback that counts how often it is visited.
fn landing_server() -> (String, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    let base = serve(move |seen| {
        if seen.path != "/landing" {
            return answer_as("404 Not Found", "text/html", "");
        }
        counter.fetch_add(1, Ordering::SeqCst);
        let page =
            "<!doctype html><html><head><title>Landing page</title></head><body><h1>You arrived</h1></body></html>";
        answer_as("200 OK", "text/html", page)
    });
    (format!("{base}/landing"), hits)
}

mod on_spin {
    use super::*;

    #[test]
    fn a_published_page_renders_in_chromium_and_its_link_redirects_and_counts() {
        let (landing, hits) = landing_server();
        let app = TestApp::start(Backend::Sqlite);
        let owner = app.register("creator@example.com");
        let ws = app.workspace(&owner, "Creator");
        let site = app.call("POST", &format!("/api/workspaces/{ws}/bio-sites"), Some(&owner.token), Some(json!({
            "title": "Ada's <links>", "slug": "ada", "description": "Maker of engines", "theme": "ocean", "is_published": true,
            "links": [
                {"title": "My shop", "url": landing, "position": 1},
                {"title": "My blog", "url": "https://blog.invalid/", "position": 2},
            ],
        })));
        assert_eq!(site.status, 201, "{}", site.text());
        let site = site.json();
        let id = site["id"].as_str().unwrap();
        let shop = site["links"][0]["id"].as_str().unwrap();

        let profile = tempfile::tempdir().unwrap();
        let dom = headless(profile.path(), &["--dump-dom"], &app.url("/p/ada"));
        assert!(dom.contains("<title>Ada's &lt;links&gt;</title>"), "{dom}");
        assert!(dom.contains("<h1>Ada's &lt;links&gt;</h1>"), "{dom}");
        assert!(dom.contains(&format!("<a href=\"/p/ada/l/{shop}\" rel=\"nofollow noopener\">My shop</a>")), "{dom}");
        assert!(dom.contains("My blog"));
        assert!(!dom.contains("<links>"), "user content stays text");

        // What a person sees, for the record (target/screenshots/).
        let shots = mewayz_tests::repo_path("target/screenshots");
        std::fs::create_dir_all(&shots).unwrap();
        let shot = shots.join("bio-page.png");
        headless(
            profile.path(),
            &[&format!("--screenshot={}", shot.display()), "--window-size=480,800"],
            &app.url("/p/ada"),
        );
        let png = std::fs::read(&shot).expect("a screenshot");
        assert!(png.starts_with(b"\x89PNG"), "the screenshot is a PNG");

        // Following the link lands on the stored URL, through the counting redirect.
        let landed = headless(profile.path(), &["--dump-dom"], &app.url(&format!("/p/ada/l/{shop}")));
        assert!(landed.contains("You arrived"), "{landed}");
        assert_eq!(hits.load(Ordering::SeqCst), 1);

        let counted = app.get(&format!("/api/workspaces/{ws}/bio-sites/{id}"), &owner.token).json();
        assert_eq!(counted["visit_count"], 2, "the DOM dump and the screenshot");
        assert_eq!(counted["click_count"], 1);
        assert_eq!(counted["links"][0]["clicks"], 1);
        assert_eq!(counted["links"][1]["clicks"], 0);
    }
}
