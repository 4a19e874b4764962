//! A small blocking HTTP client for the end-to-end tests.

use std::time::Duration;

use ureq::{Agent, http};

/// A response read in full.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn text(&self) -> &str {
        std::str::from_utf8(&self.body).expect("response body is UTF-8")
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}): {:?}", String::from_utf8_lossy(&self.body)))
    }
}

fn agent(timeout: Duration) -> Agent {
    Agent::config_builder()
        .http_status_as_error(false)
        .allow_non_standard_methods(true)
        .max_redirects(0)
        .timeout_global(Some(timeout))
        .build()
        .into()
}

/// Sends `method url` with optional headers and body, waiting at most 10 s.
pub fn send(method: &str, url: &str, headers: &[(&str, &str)], body: Vec<u8>) -> anyhow::Result<Reply> {
    send_within(Duration::from_secs(10), method, url, headers, body)
}

/// [`send`], waiting at most `timeout` for the whole answer.
pub fn send_within(
    timeout: Duration,
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> anyhow::Result<Reply> {
    let mut request = http::Request::builder().method(http::Method::from_bytes(method.as_bytes())?).uri(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = agent(timeout).run(request.body(body)?)?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.into_body().with_config().limit(64 * 1024 * 1024).read_to_vec()?;
    Ok(Reply { status, headers, body })
}

pub fn get(url: &str) -> anyhow::Result<Reply> {
    send("GET", url, &[], Vec::new())
}
