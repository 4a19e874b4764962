//! The business modules, in process on SQLite and PostgreSQL:
//! one resource core, so the shared behaviour is tested once per module and
//! each module's own rules beside it.

use mewayz_tests::{
    app::{Team, TestApp, User, assert_error},
    on_both_backends,
};
use serde_json::{Value, json};

const MODULES: [&str; 5] = ["bio-sites", "contacts", "products", "services", "bookings"];

/// A minimal valid body for each module (bookings need a service id).
fn valid(module: &str, n: usize, service_id: &str) -> Value {
    match module {
        "bio-sites" => json!({"title": format!("Site {n}"), "slug": format!("site-{n}-{}", &service_id[..8])}),
        "contacts" => json!({"first_name": format!("Contact {n}")}),
        "products" => json!({"name": format!("Product {n}"), "price": 1000 + n as i64, "currency": "EUR"}),
        "services" => json!({"name": format!("Service {n}"), "duration_minutes": 30, "price": 5000}),
        "bookings" => json!({"service_id": service_id, "client_name": format!("Client {n}"),
                             "client_email": "client@example.com", "starts_at": format!("2027-01-{:02}T10:00:00Z", n + 1)}),
        _ => unreachable!(),
    }
}

fn path(ws: &str, module: &str, rest: &str) -> String {
    format!("/api/workspaces/{ws}/{module}{rest}")
}

fn create(app: &TestApp, who: &User, ws: &str, module: &str, body: Value) -> Value {
    let reply = app.call("POST", &path(ws, module, ""), Some(&who.token), Some(body));
    assert_eq!(reply.status, 201, "POST {module}: {}", reply.text());
    reply.json()
}

fn service(app: &TestApp, t: &Team, max_attendees: i64) -> String {
    let body = json!({"name": "Haircut", "duration_minutes": 60, "price": 3000, "max_attendees": max_attendees});
    create(app, &t.owner, &t.ws, "services", body)["id"].as_str().unwrap().to_string()
}

on_both_backends! {
    fn deleting_a_workspace_deletes_its_records_so_their_public_page_and_slug_are_gone(app) {
        let owner = app.register("owner@example.com");
        let ws = app.workspace(&owner, "Closing Down");
        let site = json!({"title": "Old shop", "slug": "old-shop", "is_published": true,
                          "links": [{"title": "Blog", "url": "https://blog.example"}]});
        let link_id = create(app, &owner, &ws, "bio-sites", site.clone())["links"][0]["id"].as_str().unwrap().to_string();
        create(app, &owner, &ws, "contacts", json!({"first_name": "Ada", "tags": ["vip"]}));
        assert_eq!(app.call("GET", "/p/old-shop", None, None).status, 200);
        assert_eq!(app.call("GET", &format!("/p/old-shop/l/{link_id}"), None, None).status, 302);

        assert_eq!(app.call("DELETE", &format!("/api/workspaces/{ws}"), Some(&owner.token), None).status, 204);

        assert_eq!(app.call("GET", "/p/old-shop", None, None).status, 404);
        // The slug is unique across workspaces: taken again only if the old record is gone.
        let other = app.workspace(&owner, "Fresh Start");
        create(app, &owner, &other, "bio-sites", site);
        let contacts = app.call("GET", &path(&other, "contacts", "?tag=vip"), Some(&owner.token), None).json();
        assert_eq!(contacts["total"], 0, "{contacts}");
    }

    fn a_patch_refuses_null_for_required_fields_and_null_clears_optional_ones(app) {
        let t = app.team("Null Shop");
        let service_id = service(app, &t, 100);
        let required: [(&str, &[&str]); 5] = [
            ("bio-sites", &["title", "slug"]),
            ("contacts", &["first_name"]),
            ("products", &["name", "price", "currency"]),
            ("services", &["name", "duration_minutes", "price"]),
            ("bookings", &["service_id", "client_name", "client_email", "starts_at"]),
        ];
        for (module, fields) in required {
            let record = create(app, &t.editor, &t.ws, module, valid(module, 0, &service_id));
            let one = path(&t.ws, module, &format!("/{}", record["id"].as_str().unwrap()));
            for field in fields {
                let body = Value::Object([(field.to_string(), Value::Null)].into_iter().collect());
                let reply = app.call("PATCH", &one, Some(&t.editor.token), Some(body));
                assert_error(&reply, 422, "validation_failed");
                assert_eq!(reply.json()["error"]["field"], *field, "{module}");
            }
            assert_eq!(app.get(&one, &t.editor.token).json(), record, "{module}: a refused patch changes nothing");
        }
        // Optional fields: null clears, back to the default where there is one.
        let contact = create(app, &t.editor, &t.ws, "contacts", json!({"first_name": "Ada", "email": "ada@example.com", "status": "customer"}));
        let one = path(&t.ws, "contacts", &format!("/{}", contact["id"].as_str().unwrap()));
        let cleared = app.call("PATCH", &one, Some(&t.editor.token), Some(json!({"email": null, "status": null})));
        assert_eq!(cleared.status, 200, "{}", cleared.text());
        assert_eq!((cleared.json()["email"].clone(), cleared.json()["status"].clone()), (Value::Null, json!("lead")));
    }

    fn every_module_serves_crud_pages_and_stats_with_roles(app) {
        let t = app.team("Shop Team");
        let service_id = service(app, &t, 100);
        for module in MODULES {
            let mut ids = Vec::new();
            for n in 0..3 {
                let record = create(app, &t.editor, &t.ws, module, valid(module, n, &service_id));
                assert_eq!(record["workspace_id"], t.ws.as_str());
                ids.push(record["id"].as_str().unwrap().to_string());
            }
            let page = app.get(&path(&t.ws, module, "?limit=2&offset=1"), &t.viewer.token).json();
            assert_eq!((page["total"].clone(), page["limit"].clone(), page["offset"].clone()), (json!(if module == "services" { 4 } else { 3 }), json!(2), json!(1)), "{module}");
            assert_eq!(page["data"].as_array().unwrap().len(), 2);
            // Past the end: no record, and still the whole count.
            let beyond = app.get(&path(&t.ws, module, "?limit=2&offset=100"), &t.viewer.token).json();
            assert_eq!((beyond["data"].as_array().unwrap().len(), beyond["total"].clone()), (0, page["total"].clone()), "{module}");
            let filtered = app.get(&path(&t.ws, module, "?q=no-such-thing-anywhere"), &t.viewer.token).json();
            assert_eq!((filtered["data"].as_array().unwrap().len(), filtered["total"].clone()), (0, json!(0)), "{module}");
            assert_eq!(app.get(&path(&t.ws, module, ""), &t.viewer.token).json()["limit"], 50, "default limit");
            assert_error(&app.get(&path(&t.ws, module, "?limit=0"), &t.viewer.token), 422, "validation_failed");
            // A NUL in a search (PostgreSQL cannot take one in text) is the
            // caller's to fix, on both databases: never a 500.
            for filter in ["?q=a%00b", "?status=%00", "?tag=x%00"] {
                assert_error(&app.get(&path(&t.ws, module, filter), &t.viewer.token), 422, "validation_failed");
            }
            if module == "contacts" {
                // In a body, text fields take printable characters only.
                let nul = app.call("POST", &path(&t.ws, module, ""), Some(&t.editor.token), Some(json!({"first_name": "a\u{0}b"})));
                assert_error(&nul, 422, "validation_failed");
            }

            // `stats` is a route of its own, never taken for an id.
            let stats = app.get(&path(&t.ws, module, "/stats"), &t.viewer.token);
            assert_eq!(stats.status, 200, "{module} stats: {}", stats.text());
            let total = stats.json()["total"].as_i64().unwrap();
            assert!(total >= 3, "{module}: {}", stats.text());
            let by_status: i64 = stats.json()["by_status"].as_object().unwrap().values().map(|v| v.as_i64().unwrap()).sum();
            assert_eq!(by_status, total);

            let one = path(&t.ws, module, &format!("/{}", ids[0]));
            assert_eq!(app.get(&one, &t.viewer.token).json()["id"], ids[0].as_str());
            assert_error(&app.call("POST", &path(&t.ws, module, ""), Some(&t.viewer.token), Some(valid(module, 9, &service_id))), 403, "forbidden");
            assert_error(&app.call("PATCH", &one, Some(&t.viewer.token), Some(json!({}))), 403, "forbidden");
            assert_eq!(app.call("PATCH", &one, Some(&t.editor.token), Some(json!({}))).status, 200);
            assert_error(&app.call("DELETE", &one, Some(&t.editor.token), None), 403, "forbidden");
            assert_eq!(app.call("DELETE", &one, Some(&t.admin.token), None).status, 204);
            assert_error(&app.get(&one, &t.viewer.token), 404, "not_found");
            assert_error(&app.call("PUT", &one, Some(&t.owner.token), None), 405, "method_not_allowed");
        }
    }

    fn outsiders_get_404_on_every_module_route(app) {
        let t = app.team("Shop Team");
        let service_id = service(app, &t, 1);
        for module in MODULES {
            let id = create(app, &t.owner, &t.ws, module, valid(module, 1, &service_id))["id"].as_str().unwrap().to_string();
            for (method, rest, body) in [
                ("GET", String::new(), None),
                ("POST", String::new(), Some(valid(module, 2, &service_id))),
                ("GET", "/stats".to_string(), None),
                ("GET", format!("/{id}"), None),
                ("PATCH", format!("/{id}"), Some(json!({}))),
                ("DELETE", format!("/{id}"), None),
            ] {
                let reply = app.call(method, &path(&t.ws, module, &rest), Some(&t.outsider.token), body);
                assert_error(&reply, 404, "not_found");
            }
            assert_error(&app.call("GET", &path(&t.ws, module, ""), None, None), 401, "unauthorized");
            assert_eq!(app.get(&path(&t.ws, module, &format!("/{id}")), &t.owner.token).status, 200, "{module} untouched");
        }
    }

    /// A member of two workspaces cannot reach one's records through the
    /// other's path: every read and write is scoped by the workspace in the
    /// path, not only by membership.
    fn a_record_is_out_of_reach_through_another_workspace_of_the_same_member(app) {
        let t = app.team("Shop Team");
        let service_id = service(app, &t, 1);
        // The outsider owns a workspace of their own; the owner joins it as
        // an admin, so both workspaces pass the membership check.
        app.add_member(&t.outsider, &t.outsider_ws, &t.owner, "admin");
        for module in MODULES {
            let id = create(app, &t.owner, &t.ws, module, valid(module, 1, &service_id))["id"].as_str().unwrap().to_string();
            let elsewhere = path(&t.outsider_ws, module, &format!("/{id}"));
            assert_error(&app.get(&elsewhere, &t.owner.token), 404, "not_found");
            assert_error(&app.call("PATCH", &elsewhere, Some(&t.owner.token), Some(json!({}))), 404, "not_found");
            assert_error(&app.call("DELETE", &elsewhere, Some(&t.owner.token), None), 404, "not_found");
            let listed = app.get(&path(&t.outsider_ws, module, ""), &t.owner.token).json();
            assert_eq!(listed["total"], 0, "{module}: {listed}");
            let stats = app.get(&path(&t.outsider_ws, module, "/stats"), &t.owner.token).json();
            assert!(!stats.to_string().contains("\":1"), "{module}: nothing of the other workspace counted: {stats}");
            assert_eq!(app.get(&path(&t.ws, module, &format!("/{id}")), &t.owner.token).status, 200, "{module} untouched");
        }
    }

    fn contacts_validate_search_and_filter(app) {
        let t = app.team("Shop Team");
        let ws = &t.ws;
        let add = |body: Value| create(app, &t.editor, ws, "contacts", body);
        add(json!({"first_name": "Ada", "last_name": "Lovelace", "email": "ADA@Example.com", "company": "Analytical Engines",
                   "status": "customer", "lead_score": 90, "tags": ["VIP", "math"]}));
        add(json!({"first_name": "Grace", "last_name": "Hopper", "company": "Navy", "status": "prospect", "tags": ["vip"]}));
        add(json!({"first_name": "Alan", "company": "Bletchley 100%"}));
        let list = |query: &str| app.get(&path(ws, "contacts", query), &t.viewer.token).json();
        let names = |query: &str| list(query)["data"].as_array().unwrap().iter().map(|c| c["first_name"].as_str().unwrap().to_string()).collect::<Vec<_>>();
        assert_eq!(names("?q=lovelace"), ["Ada"]);
        assert_eq!(names("?q=example.COM"), ["Ada"], "emails are searched, case-insensitively");
        assert_eq!(names("?q=navy"), ["Grace"], "companies are searched");
        assert_eq!(names("?q=100%25"), ["Alan"], "% is matched literally");
        assert_eq!(names("?q=analytical+engines"), ["Ada"]);
        assert_eq!(names("?status=prospect"), ["Grace"]);
        let mut vip = names("?tag=VIP");
        vip.sort();
        assert_eq!(vip, ["Ada", "Grace"]);
        assert_eq!(names("?tag=vip&status=customer"), ["Ada"]);
        let alan = &list("?q=alan")["data"][0];
        assert_eq!((alan["status"].clone(), alan["lead_score"].clone()), (json!("lead"), json!(0)), "defaults");
        let stats = app.get(&path(ws, "contacts", "/stats"), &t.viewer.token).json();
        assert_eq!(stats, json!({"total": 3, "by_status": {"customer": 1, "lead": 1, "prospect": 1}}));

        for (body, field) in [
            (json!({}), "first_name"),
            (json!({"first_name": "x", "status": "won"}), "status"),
            (json!({"first_name": "x", "lead_score": 101}), "lead_score"),
            (json!({"first_name": "x", "lead_score": -1}), "lead_score"),
            (json!({"first_name": "x", "email": "nope"}), "email"),
            (json!({"first_name": "x", "phone": "call me"}), "phone"),
            (json!({"first_name": "x", "tags": "vip"}), "tags"),
            (json!({"first_name": "x", "owner": "me"}), "owner"),
        ] {
            let reply = app.call("POST", &path(ws, "contacts", ""), Some(&t.editor.token), Some(body.clone()));
            assert_error(&reply, 422, "validation_failed");
            assert_eq!(reply.json()["error"]["field"], field, "{body}");
        }
        assert_eq!(list("")["total"], 3, "nothing invalid was stored");
    }

    fn products_keep_money_in_minor_units(app) {
        let t = app.team("Shop Team");
        let product = create(app, &t.editor, &t.ws, "products", json!({"name": "Course", "price": 4999, "sale_price": 2999,
            "currency": "EUR", "category": "learning", "stock_quantity": 5, "is_digital": true}));
        assert_eq!((product["price"].clone(), product["sale_price"].clone(), product["status"].clone()), (json!(4999), json!(2999), json!("active")));
        for (body, field) in [
            (json!({"name": "x", "price": 10.5, "currency": "EUR"}), "price"),
            (json!({"name": "x", "price": 10, "currency": "euro"}), "currency"),
            (json!({"name": "x", "price": 10, "currency": "EUR", "stock_quantity": -1}), "stock_quantity"),
            (json!({"name": "x", "price": 10, "currency": "EUR", "sale_price": 11}), "sale_price"),
        ] {
            let reply = app.call("POST", &path(&t.ws, "products", ""), Some(&t.editor.token), Some(body.clone()));
            assert_eq!((reply.status, reply.json()["error"]["field"].clone()), (422, json!(field)), "{body}");
        }
        let id = product["id"].as_str().unwrap();
        let off = app.call("PATCH", &path(&t.ws, "products", &format!("/{id}")), Some(&t.editor.token), Some(json!({"is_active": false})));
        assert_eq!(off.json()["status"], "inactive");
        let raise_sale = app.call("PATCH", &path(&t.ws, "products", &format!("/{id}")), Some(&t.editor.token), Some(json!({"sale_price": 5000})));
        assert_eq!(raise_sale.json()["error"]["field"], "sale_price");
    }

    fn bookings_refuse_a_full_slot(app) {
        let t = app.team("Shop Team");
        let service_id = service(app, &t, 2);
        let book = |starts_at: &str, who: &str| app.call("POST", &path(&t.ws, "bookings", ""), Some(&t.editor.token),
            Some(json!({"service_id": service_id, "client_name": who, "client_email": "c@example.com", "starts_at": starts_at})));
        assert_eq!(book("2027-03-01T10:00:00Z", "A").status, 201);
        assert_eq!(book("2027-03-01T10:30:00+00:00", "B").status, 201, "overlapping, within capacity");
        let full = book("2027-03-01T10:15:00Z", "C");
        assert_error(&full, 409, "slot_full");
        assert_eq!(book("2027-03-01T09:30:00Z", "C").status, 201, "ends as B starts: overlaps A only");
        assert_eq!(book("2027-03-01T11:00:00Z", "D").status, 201, "starts as A ends: overlaps B only");
        assert_eq!(book("2027-03-01T08:00:00Z", "E").status, 201, "ends before the others start");

        // With room for one, a cancelled booking frees its place.
        let solo = service(app, &t, 1);
        let book_solo = |starts_at: &str| app.call("POST", &path(&t.ws, "bookings", ""), Some(&t.editor.token),
            Some(json!({"service_id": solo, "client_name": "Solo", "client_email": "s@example.com", "starts_at": starts_at})));
        let first = book_solo("2027-03-02T14:00:00Z").json()["id"].as_str().unwrap().to_string();
        assert_error(&book_solo("2027-03-02T14:30:00Z"), 409, "slot_full");
        let cancel = app.call("PATCH", &path(&t.ws, "bookings", &format!("/{first}")), Some(&t.editor.token), Some(json!({"status": "cancelled"})));
        assert_eq!(cancel.json()["status"], "cancelled");
        assert_eq!(book_solo("2027-03-02T14:30:00Z").status, 201, "the cancelled booking's place is free");
        let revive = app.call("PATCH", &path(&t.ws, "bookings", &format!("/{first}")), Some(&t.editor.token), Some(json!({"status": "confirmed"})));
        assert_error(&revive, 409, "slot_full");

        let other = app.workspace(&t.outsider, "Other shop");
        let foreign = app.call("POST", &path(&other, "bookings", ""), Some(&t.outsider.token),
            Some(json!({"service_id": service_id, "client_name": "X", "client_email": "x@example.com", "starts_at": "2027-03-01T10:00:00Z"})));
        assert_eq!((foreign.status, foreign.json()["error"]["field"].clone()), (422, json!("service_id")), "services of other workspaces are not found");
        let bad_time = book("2027-03-01 10:00", "F");
        assert_eq!(bad_time.json()["error"]["field"], "starts_at");
        let stats = app.get(&path(&t.ws, "bookings", "/stats"), &t.viewer.token).json();
        assert_eq!(stats["by_status"]["cancelled"], 1);
    }

    fn a_day_long_booking_holds_its_slot_into_the_next_day(app) {
        // The overlap check reads only the bookings that start less than a
        // day (the longest a service may last) before the new one. The
        // longest service puts its edges to the test.
        let t = app.team("Shop Team");
        let body = json!({"name": "Retreat", "duration_minutes": 24 * 60, "price": 90000, "max_attendees": 1});
        let retreat = create(app, &t.owner, &t.ws, "services", body)["id"].as_str().unwrap().to_string();
        let book = |starts_at: &str| app.call("POST", &path(&t.ws, "bookings", ""), Some(&t.editor.token),
            Some(json!({"service_id": retreat, "client_name": "Guest", "client_email": "g@example.com", "starts_at": starts_at})));
        assert_eq!(book("2027-05-01T10:00:00Z").status, 201);
        assert_error(&book("2027-05-02T09:59:00Z"), 409, "slot_full");
        assert_error(&book("2027-04-30T10:01:00Z"), 409, "slot_full");
        assert_eq!(book("2027-05-02T10:00:00Z").status, 201, "starts as the first ends, a day after it began");
        assert_eq!(book("2027-04-30T10:00:00Z").status, 201, "ends as the first starts");
        let longer = json!({"name": "Longer", "duration_minutes": 24 * 60 + 1, "price": 1});
        let reply = app.call("POST", &path(&t.ws, "services", ""), Some(&t.owner.token), Some(longer));
        assert_eq!((reply.status, reply.json()["error"]["field"].clone()), (422, json!("duration_minutes")));
    }

    fn concurrent_bookings_never_overfill_a_slot(app) {
        let t = app.team("Shop Team");
        let service_id = service(app, &t, 2);
        let statuses: Vec<u16> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..6)
                .map(|i| {
                    let (t, service_id) = (&t, &service_id);
                    scope.spawn(move || {
                        app.call("POST", &path(&t.ws, "bookings", ""), Some(&t.editor.token),
                            Some(json!({"service_id": service_id, "client_name": format!("Racer {i}"),
                                        "client_email": "r@example.com", "starts_at": "2027-04-01T10:00:00Z"}))).status
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert_eq!(statuses.iter().filter(|s| **s == 201).count(), 2, "{statuses:?}");
        assert_eq!(statuses.iter().filter(|s| **s == 409).count(), 4, "{statuses:?}");
        assert_eq!(app.get(&path(&t.ws, "bookings", ""), &t.viewer.token).json()["total"], 2);
    }

    fn concurrent_creates_all_land_with_their_tags(app) {
        // Creates without tags are one INSERT outside a transaction; with
        // tags, a transaction. Racing each other from several instances,
        // none is refused or lost.
        let t = app.team("Shop Team");
        let statuses: Vec<u16> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..24)
                .map(|i| {
                    let t = &t;
                    scope.spawn(move || {
                        let tags = if i % 3 == 0 { json!(["racer"]) } else { json!([]) };
                        let body = json!({"first_name": format!("Racer {i}"), "tags": tags});
                        app.call("POST", &path(&t.ws, "contacts", ""), Some(&t.editor.token), Some(body)).status
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");
        assert_eq!(app.get(&path(&t.ws, "contacts", ""), &t.viewer.token).json()["total"], 24);
        assert_eq!(app.get(&path(&t.ws, "contacts", "?tag=racer"), &t.viewer.token).json()["total"], 8);
    }

    fn bio_sites_have_unique_slugs_and_safe_links(app) {
        let t = app.team("Shop Team");
        let site = create(app, &t.editor, &t.ws, "bio-sites", json!({"title": "Ada", "slug": "ada", "links": [
            {"title": "Blog", "url": "https://blog.example", "position": 2},
            {"title": "Shop", "url": "http://shop.example", "position": 1}]}));
        assert_eq!(site["links"][0]["title"], "Shop", "ordered by position");
        assert_eq!((site["status"].clone(), site["visit_count"].clone(), site["click_count"].clone()), (json!("draft"), json!(0), json!(0)));
        let other = app.workspace(&t.outsider, "Other");
        let taken = app.call("POST", &path(&other, "bio-sites", ""), Some(&t.outsider.token), Some(json!({"title": "x", "slug": "ada"})));
        assert_error(&taken, 409, "conflict");
        assert_eq!(taken.json()["error"]["field"], "slug");
        for (body, field) in [
            (json!({"title": "x", "slug": "Not A Slug"}), "slug"),
            (json!({"title": "x", "slug": "xyz", "links": [{"title": "evil", "url": "javascript:alert(1)"}]}), "links[0].url"),
            (json!({"title": "x", "slug": "xyz", "links": [{"title": "", "url": "https://x.example"}]}), "links[0].title"),
            (json!({"title": "x", "slug": "xyz", "theme": "neon"}), "theme"),
            (json!({"title": "x", "slug": "xyz", "avatar_url": "data:image/png;base64,xx"}), "avatar_url"),
        ] {
            let reply = app.call("POST", &path(&t.ws, "bio-sites", ""), Some(&t.editor.token), Some(body.clone()));
            assert_eq!((reply.status, reply.json()["error"]["field"].clone()), (422, json!(field)), "{body}");
        }
    }

    fn public_pages_serve_published_sites_and_count_visits_and_clicks(app) {
        let t = app.team("Shop Team");
        let site = create(app, &t.editor, &t.ws, "bio-sites", json!({"title": "<b>Ada</b> & co", "slug": "ada-co",
            "seo_title": "Ada & co — links", "links": [{"title": "Shop <now>", "url": "https://shop.example/?a=1&b=2"}]}));
        let id = site["id"].as_str().unwrap();
        let link = site["links"][0]["id"].as_str().unwrap().to_string();
        let page = |p: &str| app.send("GET", p, &[], vec![]);
        assert_eq!(page("/p/ada-co").status, 404, "unpublished");
        assert_eq!(page(&format!("/p/ada-co/l/{link}")).status, 404, "unpublished links do not redirect");
        assert_eq!(page("/p/nobody").status, 404);

        app.call("PATCH", &path(&t.ws, "bio-sites", &format!("/{id}")), Some(&t.editor.token), Some(json!({"is_published": true})));
        let html = page("/p/ada-co");
        assert_eq!(html.status, 200);
        assert_eq!(html.header("content-type"), Some("text/html; charset=utf-8"));
        assert!(html.header("content-security-policy").unwrap().contains("default-src 'none'"));
        assert!(html.text().contains("<title>Ada &amp; co — links</title>"));
        assert!(html.text().contains("<h1>&lt;b&gt;Ada&lt;/b&gt; &amp; co</h1>"));
        assert!(html.text().contains(&format!("href=\"/p/ada-co/l/{link}\"")));
        page("/p/ada-co");

        let redirect = page(&format!("/p/ada-co/l/{link}"));
        assert_eq!(redirect.status, 302);
        assert_eq!(redirect.header("location"), Some("https://shop.example/?a=1&b=2"));
        assert_eq!(page("/p/ada-co/l/not-a-link").status, 404, "only stored links redirect");
        let counted = app.get(&path(&t.ws, "bio-sites", &format!("/{id}")), &t.viewer.token).json();
        assert_eq!((counted["visit_count"].clone(), counted["click_count"].clone(), counted["links"][0]["clicks"].clone()), (json!(2), json!(1), json!(1)));
        assert_eq!(app.send("POST", "/p/ada-co", &[], vec![]).status, 405);
    }
}
