//! The Spin adapter: Spin's request, variables and local service chaining
//! around [`answer::respond`].

use std::time::Duration;

use spin_sdk::{
    http::{Request, Response},
    http_component, variables,
};

use crate::{
    answer::{self, Host},
    chain,
};

const DATABASE_CHECK_HOST: &str = "status-database.spin.internal";

struct Spin;

impl Host for Spin {
    fn variable(&self, name: &str) -> String {
        variables::get(name).unwrap_or_default()
    }

    fn check_database(&self, budget: Duration) -> Result<(u16, Vec<u8>), String> {
        chain::get_within(DATABASE_CHECK_HOST, "/", budget)
    }
}

#[http_component]
fn handle(req: Request) -> Response {
    let method = req.method().to_string();
    let authorization = req.header("authorization").and_then(|h| h.as_str());
    let answer = answer::respond(&method, req.query(), authorization, &Spin);
    let mut response = Response::builder();
    response.status(answer.status);
    for (name, value) in answer.headers {
        response.header(name, value);
    }
    response.body(answer.body).build()
}
