//! Invitations with consent, in process on SQLite and PostgreSQL. Adding someone by email invites them; the answer does not
//! tell whether an account uses the email; only the invitee's acceptance
//! makes a member; admins see and cancel what is pending; invitations expire.

use mewayz_tests::{
    app::{TestApp, User, assert_error},
    http::Reply,
    on_both_backends,
};
use serde_json::{Value, json};

const SEVEN_DAYS: i64 = 7 * 24 * 60 * 60;

fn invitation_id(reply: &Reply) -> String {
    assert_eq!(reply.status, 201, "invite: {}", reply.text());
    reply.json()["id"].as_str().unwrap().to_string()
}

fn received(app: &TestApp, user: &User) -> Vec<Value> {
    let reply = app.get("/api/invitations", &user.token);
    assert_eq!(reply.status, 200, "{}", reply.text());
    let body = reply.json();
    assert_eq!(body["total"], body["data"].as_array().unwrap().len());
    body["data"].as_array().unwrap().clone()
}

fn pending(app: &TestApp, by: &User, ws: &str) -> Vec<Value> {
    let reply = app.get(&format!("/api/workspaces/{ws}/invitations"), &by.token);
    assert_eq!(reply.status, 200, "{}", reply.text());
    reply.json()["data"].as_array().unwrap().clone()
}

fn answer(app: &TestApp, by: &User, id: &str, what: &str) -> Reply {
    app.call("POST", &format!("/api/invitations/{id}/{what}"), Some(&by.token), None)
}

fn member_count(app: &TestApp, by: &User, ws: &str) -> u64 {
    app.get(&format!("/api/workspaces/{ws}/members"), &by.token).json()["total"].as_u64().unwrap()
}

on_both_backends! {
    fn adding_someone_invites_them_and_only_their_acceptance_makes_a_member(app) {
        let owner = app.register("owner@example.com");
        let ws = app.workspace(&owner, "Invite Shop");
        let known = app.register("known@example.com");

        // The same answer whether or not an account uses the email, and no profile data.
        let to_known = app.invite(&owner, &ws, "Known@Example.com", "editor");
        let to_nobody = app.invite(&owner, &ws, "nobody@example.com", "editor");
        assert_eq!((to_known.status, to_nobody.status), (201, 201));
        let (a, b) = (to_known.json(), to_nobody.json());
        let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
        assert_eq!(keys(&a), keys(&b));
        assert_eq!(keys(&a), ["created_at", "email", "expires_at", "id", "invited_by", "role", "workspace_id"]);
        assert_eq!((&a["email"], &a["role"], &a["invited_by"]), (&json!("known@example.com"), &json!("editor"), &json!(owner.id)));
        assert_eq!(a["expires_at"].as_i64().unwrap() - a["created_at"].as_i64().unwrap(), SEVEN_DAYS);
        assert!(!to_known.text().contains(&known.id), "the answer must not name the account");

        // Invited is not a member.
        assert_eq!(member_count(app, &owner, &ws), 1);
        assert_error(&app.get(&format!("/api/workspaces/{ws}"), &known.token), 404, "not_found");

        let mine = received(app, &known);
        assert_eq!(mine.len(), 1);
        assert_eq!(mine[0]["id"], a["id"]);
        assert_eq!(mine[0]["workspace"], json!({"id": ws, "name": "Invite Shop"}));
        assert_eq!((&mine[0]["role"], &mine[0]["invited_by"]), (&json!("editor"), &json!(owner.id)));
        assert_eq!(mine[0]["expires_at"], a["expires_at"]);

        let accepted = answer(app, &known, a["id"].as_str().unwrap(), "accept");
        assert_eq!(accepted.status, 200, "{}", accepted.text());
        assert_eq!((&accepted.json()["user_id"], &accepted.json()["role"]), (&json!(known.id), &json!("editor")));
        assert_eq!(app.get(&format!("/api/workspaces/{ws}"), &known.token).json()["role"], "editor");
        assert_eq!(member_count(app, &owner, &ws), 2);
        assert!(received(app, &known).is_empty());
        assert_error(&answer(app, &known, a["id"].as_str().unwrap(), "accept"), 404, "not_found");

        // An email with no account yet: the invitation waits for it.
        let newcomer = app.register("NOBODY@example.com");
        let theirs = received(app, &newcomer);
        assert_eq!(theirs.len(), 1);
        assert_eq!(answer(app, &newcomer, theirs[0]["id"].as_str().unwrap(), "decline").status, 204);
        assert!(received(app, &newcomer).is_empty());
        assert!(pending(app, &owner, &ws).is_empty());
        assert_eq!(member_count(app, &owner, &ws), 2);
        assert_error(&app.get(&format!("/api/workspaces/{ws}"), &newcomer.token), 404, "not_found");
    }

    fn admins_list_and_cancel_pending_invitations_and_no_one_else_can(app) {
        let t = app.team("Studio Team");
        let ws = &t.ws;
        let by_admin = invitation_id(&app.invite(&t.admin, ws, "guest@example.com", "viewer"));
        let by_owner = invitation_id(&app.invite(&t.owner, ws, "partner@example.com", "owner"));
        assert_error(&app.invite(&t.admin, ws, "guest@example.com", "editor"), 409, "already_invited");
        assert_error(&app.invite(&t.admin, ws, &t.editor.email, "viewer"), 409, "already_member");
        assert_error(&app.invite(&t.admin, ws, "boss@example.com", "owner"), 403, "forbidden");
        assert_error(&app.invite(&t.editor, ws, "friend@example.com", "viewer"), 403, "forbidden");

        let listed: Vec<Value> = pending(app, &t.admin, ws).iter().map(|i| i["id"].clone()).collect();
        assert_eq!(listed, [json!(by_admin), json!(by_owner)]);
        let path = |id: &str| format!("/api/workspaces/{ws}/invitations/{id}");
        for member in [&t.editor, &t.viewer] {
            assert_error(&app.get(&format!("/api/workspaces/{ws}/invitations"), &member.token), 403, "forbidden");
            assert_error(&app.call("DELETE", &path(&by_admin), Some(&member.token), None), 403, "forbidden");
        }
        assert_error(&app.get(&format!("/api/workspaces/{ws}/invitations"), &t.outsider.token), 404, "not_found");
        assert_error(&app.call("DELETE", &path(&by_admin), Some(&t.outsider.token), None), 404, "not_found");
        // An admin may not cancel what only an owner may grant.
        assert_error(&app.call("DELETE", &path(&by_owner), Some(&t.admin.token), None), 403, "forbidden");
        // An invitation is cancelled under its own workspace only.
        let elsewhere = format!("/api/workspaces/{}/invitations/{by_admin}", t.outsider_ws);
        assert_error(&app.call("DELETE", &elsewhere, Some(&t.outsider.token), None), 404, "not_found");

        assert_eq!(app.call("DELETE", &path(&by_admin), Some(&t.admin.token), None).status, 204);
        assert_error(&app.call("DELETE", &path(&by_admin), Some(&t.admin.token), None), 404, "not_found");
        let guest = app.register("guest@example.com");
        assert!(received(app, &guest).is_empty());
        assert_error(&answer(app, &guest, &by_admin, "accept"), 404, "not_found");
        assert_eq!(member_count(app, &t.owner, ws), 4);

        // Deleting the workspace ends its invitations.
        let partner = app.register("partner@example.com");
        assert_eq!(received(app, &partner).len(), 1);
        assert_eq!(app.call("DELETE", &format!("/api/workspaces/{ws}"), Some(&t.owner.token), None).status, 204);
        assert!(received(app, &partner).is_empty());
    }

    fn an_invitation_answers_to_its_email_only(app) {
        let owner = app.register("owner@example.com");
        let ws = app.workspace(&owner, "Private Shop");
        let id = invitation_id(&app.invite(&owner, &ws, "alice@example.com", "admin"));
        let mallory = app.register("mallory@example.com");
        assert!(received(app, &mallory).is_empty());
        assert_error(&answer(app, &mallory, &id, "accept"), 404, "not_found");
        assert_error(&answer(app, &mallory, &id, "decline"), 404, "not_found");
        assert_error(&answer(app, &owner, &id, "accept"), 404, "not_found");
        assert_eq!(member_count(app, &owner, &ws), 1);
        let alice = app.register("alice@example.com");
        assert_eq!(answer(app, &alice, &id, "accept").status, 200);
        assert_eq!(app.get(&format!("/api/workspaces/{ws}"), &alice.token).json()["role"], "admin");
    }

    fn an_expired_invitation_is_gone_and_can_be_sent_again(app) {
        let owner = app.register("owner@example.com");
        let ws = app.workspace(&owner, "Slow Shop");
        let late = app.register("late@example.com");
        let id = invitation_id(&app.invite(&owner, &ws, &late.email, "viewer"));
        // Eight days later, as far as the invitation can tell.
        app.sql(&format!("UPDATE invitations SET expires_at = expires_at - 8 * 86400 WHERE id = '{id}'"));
        assert!(received(app, &late).is_empty());
        assert!(pending(app, &owner, &ws).is_empty());
        assert_error(&answer(app, &late, &id, "accept"), 410, "invitation_expired");
        assert_error(&app.get(&format!("/api/workspaces/{ws}"), &late.token), 404, "not_found");

        let again = invitation_id(&app.invite(&owner, &ws, &late.email, "editor"));
        assert_ne!(again, id);
        assert_eq!(answer(app, &late, &again, "accept").status, 200);
        assert_eq!(app.get(&format!("/api/workspaces/{ws}"), &late.token).json()["role"], "editor");
    }

    fn an_invitation_from_someone_who_may_no_longer_grant_its_role_is_withdrawn(app) {
        let t = app.team("Studio Team");
        let newcomer = app.register("newcomer@example.com");
        let id = invitation_id(&app.invite(&t.admin, &t.ws, &newcomer.email, "admin"));
        let admin_path = format!("/api/workspaces/{}/members/{}", t.ws, t.admin.id);
        let demoted = app.call("PATCH", &admin_path, Some(&t.owner.token), Some(json!({"role": "viewer"})));
        assert_eq!(demoted.status, 200, "{}", demoted.text());
        assert_error(&answer(app, &newcomer, &id, "accept"), 410, "invitation_withdrawn");
        assert_error(&app.get(&format!("/api/workspaces/{}", t.ws), &newcomer.token), 404, "not_found");
        // A withdrawn invitation does not stand in the way of a new one.
        let again = invitation_id(&app.invite(&t.owner, &t.ws, &newcomer.email, "editor"));
        assert_eq!(answer(app, &newcomer, &again, "accept").status, 200);
    }

    fn bad_requests_get_clear_errors(app) {
        let owner = app.register("owner@example.com");
        let ws = app.workspace(&owner, "Strict Shop");
        let reply = app.invite(&owner, &ws, "not an email", "viewer");
        assert_eq!((reply.status, reply.json()["error"]["field"].clone()), (422, json!("email")));
        let reply = app.invite(&owner, &ws, "ok@example.com", "emperor");
        assert_eq!((reply.status, reply.json()["error"]["field"].clone()), (422, json!("role")));
        assert!(pending(app, &owner, &ws).is_empty(), "nothing stored from a refused request");

        assert_error(&answer(app, &owner, "no-such-id", "accept"), 404, "not_found");
        assert_error(&app.call("PUT", "/api/invitations", Some(&owner.token), None), 405, "method_not_allowed");
        assert_error(&app.call("GET", "/api/invitations/x/accept", Some(&owner.token), None), 405, "method_not_allowed");
        assert_error(&app.call("POST", &format!("/api/workspaces/{ws}/invitations"), Some(&owner.token), Some(json!({}))), 405, "method_not_allowed");
        assert_error(&app.call("GET", "/api/invitations/x/maybe", Some(&owner.token), None), 404, "not_found");
        for (method, path) in [
            ("GET", "/api/invitations".to_string()),
            ("POST", "/api/invitations/x/accept".to_string()),
            ("POST", "/api/invitations/x/decline".to_string()),
            ("GET", format!("/api/workspaces/{ws}/invitations")),
            ("DELETE", format!("/api/workspaces/{ws}/invitations/x")),
        ] {
            assert_error(&app.call(method, &path, None, None), 401, "unauthorized");
        }
    }

    fn invitation_lists_are_paged_like_every_list(app) {
        let owner = app.register("owner@example.com");
        let (first, second) = (app.workspace(&owner, "First Shop"), app.workspace(&owner, "Second Shop"));
        let invitee = app.register("invitee@example.com");
        for email in ["a@example.com", "b@example.com", "c@example.com"] {
            invitation_id(&app.invite(&owner, &first, email, "viewer"));
        }
        for ws in [&first, &second] {
            invitation_id(&app.invite(&owner, ws, "invitee@example.com", "editor"));
        }

        let path = format!("/api/workspaces/{first}/invitations");
        let all = app.get(&path, &owner.token).json();
        assert_eq!((all["total"].clone(), all["limit"].clone(), all["offset"].clone()), (json!(4), json!(50), json!(0)));
        let page = app.get(&format!("{path}?limit=3&offset=2"), &owner.token).json();
        assert_eq!((page["total"].clone(), page["limit"].clone(), page["offset"].clone()), (json!(4), json!(3), json!(2)));
        assert_eq!(page["data"].as_array().unwrap()[..], all["data"].as_array().unwrap()[2..]);

        let page = app.get("/api/invitations?limit=1", &invitee.token).json();
        assert_eq!((page["total"].clone(), page["limit"].clone(), page["offset"].clone()), (json!(2), json!(1), json!(0)));
        let rest = app.get("/api/invitations?limit=1&offset=1", &invitee.token).json();
        let mut seen = [&page["data"][0]["workspace"]["id"], &rest["data"][0]["workspace"]["id"]].map(|id| id.to_string());
        seen.sort();
        let mut both = [json!(first).to_string(), json!(second).to_string()];
        both.sort();
        assert_eq!(seen, both, "the two pages hold one invitation each");

        for path in ["/api/invitations?limit=101".to_string(), format!("/api/workspaces/{first}/invitations?offset=x")] {
            let by = if path.starts_with("/api/invitations") { &invitee } else { &owner };
            assert_error(&app.get(&path, &by.token), 422, "validation_failed");
        }
    }
}
