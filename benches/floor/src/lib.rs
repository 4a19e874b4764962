//! What a request costs Spin and spin-sdk alone: a P2 HTTP component, built
//! like the feature components, that answers 200 with a fixed body.

use spin_sdk::http::{Request, Response};
use spin_sdk::http_component;

#[http_component]
fn handle(_req: Request) -> Response {
    Response::builder().status(200).header("content-type", "text/plain").body("ok").build()
}
