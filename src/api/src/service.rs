//! The WASI P3 entry of the feature components ([`export_service!`]).
//!
//! Spin reuses a P3 component's instance across requests (Spin 3.6.3: up to
//! 128 requests, 16 at a time), which lets an instance keep its database
//! connection (`mewayz_store::Db`). Here the request's body is read, within
//! the size limit, before any route runs; routes are synchronous, so the
//! requests an instance holds never interleave inside one: no transaction
//! spans an `await`, and no request sees another's half-done work.

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use spin_sdk::http::{Method, Request, Response};

use crate::{ApiError, request::MAX_BODY_BYTES};

/// What a feature component answers: a whole body, already built.
pub type Answer = http::Response<Full<Bytes>>;

/// Reads `req` whole and answers it with `handle`.
pub async fn serve(req: spin_sdk::http_wasip3::Request, handle: fn(Request) -> Response) -> Answer {
    let (parts, body) = req.into_parts();
    let response = match read_body(body).await {
        Ok(body) => handle(
            Request::builder()
                .method(method(&parts.method))
                .uri(parts.uri.to_string())
                .headers(&parts.headers)
                .body(body)
                .build(),
        ),
        Err(why) => {
            eprintln!("{} {} -> 400: the request body could not be read: {why}", parts.method, parts.uri.path());
            ApiError::unreadable_body().into_response()
        }
    };
    // The instance's request boundary, for every P3 component: a kept
    // connection that broke during the request is closed here.
    mewayz_store::finish_request();
    answer(response)
}

/// The body, or its first `MAX_BODY_BYTES + 1` bytes: enough for the route
/// to answer 413 without the instance holding more of a body it refuses.
async fn read_body(
    mut body: impl http_body::Body<Data = Bytes, Error: std::fmt::Display> + Unpin,
) -> Result<Vec<u8>, String> {
    let mut read = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| e.to_string())?;
        if let Ok(data) = frame.into_data() {
            let room = MAX_BODY_BYTES + 1 - read.len();
            read.extend_from_slice(&data[..data.len().min(room)]);
            if read.len() > MAX_BODY_BYTES {
                break;
            }
        }
    }
    Ok(read)
}

fn method(method: &http::Method) -> Method {
    match *method {
        http::Method::GET => Method::Get,
        http::Method::HEAD => Method::Head,
        http::Method::POST => Method::Post,
        http::Method::PUT => Method::Put,
        http::Method::DELETE => Method::Delete,
        http::Method::PATCH => Method::Patch,
        http::Method::OPTIONS => Method::Options,
        http::Method::CONNECT => Method::Connect,
        http::Method::TRACE => Method::Trace,
        ref other => Method::Other(other.as_str().to_string()),
    }
}

fn answer(response: Response) -> Answer {
    let mut builder = http::Response::builder().status(*response.status());
    for (name, value) in response.headers() {
        builder = builder.header(name, value.as_bytes());
    }
    // A whole body of known length: without it Spin sends the answer
    // chunked, in writes small enough for Nagle's algorithm and the
    // client's delayed ACK to hold some of them back 40 ms.
    let status = *response.status();
    let bodiless = status < 200 || status == 204 || status == 304;
    if !bodiless && response.header("content-length").is_none() {
        builder = builder.header("content-length", response.body().len());
    }
    builder.body(Full::new(Bytes::from(response.into_body()))).unwrap_or_else(|err| {
        eprintln!("a response could not be built: {err}");
        let mut failed = http::Response::new(Full::new(Bytes::new()));
        *failed.status_mut() = http::StatusCode::INTERNAL_SERVER_ERROR;
        failed
    })
}
