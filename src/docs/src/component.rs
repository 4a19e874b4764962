//! Adapter between Spin's `fermyon:spin/inbound-http` records and [`crate::routes`].

use crate::routes::{self, Method};

wit_bindgen::generate!({
    path: "../../wit/probe",
    world: "probe",
});

use exports::fermyon::spin::inbound_http::{self as wit, Guest};

struct Docs;

impl Guest for Docs {
    fn handle_request(req: wit::Request) -> wit::Response {
        let method = match req.method {
            wit::Method::Get => Method::Get,
            wit::Method::Head => Method::Head,
            _ => Method::Other,
        };
        let reply = routes::respond(method, &req.uri);
        wit::Response {
            status: reply.status,
            headers: Some(reply.headers().map(|(name, value)| (name.into(), value.into())).collect()),
            body: reply.body.map(<[u8]>::to_vec),
        }
    }
}

export!(Docs);
