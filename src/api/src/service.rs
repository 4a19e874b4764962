//! The WASI P3 entry of the feature components ([`export_service!`]), and
//! the one place the HTTP side chooses its host: spin-sdk 6 for Spin 4
//! (stable `wasi:http@0.3.0-rc-2026-03-15`) by default, spin-sdk 5.2's
//! `wasip3-unstable` (`@0.3.0-rc-2026-01-06`, Spin 3.6 only) in the
//! `mewayz_spin3` build, and natively ([`serve_native`], the in-process
//! tests) the variables `mewayz-native-host` grants the thread. A component
//! of the wrong generation stops the whole app from starting, so the two
//! Spin generations are never mixed in one build.
//!
//! Spin reuses a P3 component's instance across requests (up to 128, 16 at
//! a time). The requests an instance holds interleave where they wait on
//! the host (reading the body, every database call on Spin 4): each has its
//! own connection for that (`mewayz_store::Db`), and nothing of a request is
//! kept in the instance.

#[cfg(target_arch = "wasm32")]
use bytes::Bytes;
#[cfg(target_arch = "wasm32")]
use http_body_util::{BodyExt, Full};

#[cfg(target_arch = "wasm32")]
use crate::{ApiError, http::Method};
use crate::{
    http::{Request, Response},
    request::MAX_BODY_BYTES,
};

#[cfg(all(target_arch = "wasm32", not(mewayz_spin3)))]
#[doc(hidden)]
pub mod sdk {
    pub use spin_sdk::{
        http::{FromRequest, IntoResponse, Request as IncomingRequest},
        wasip3,
    };

    /// The variable's value; `Ok(None)` when the component does not
    /// define it.
    pub async fn variable(name: &str) -> Result<Option<String>, String> {
        match spin_sdk::variables::get(name).await {
            Ok(value) => Ok(Some(value)),
            Err(spin_sdk::variables::Error::Undefined(_)) => Ok(None),
            Err(err) => Err(err.to_string()),
        }
    }
}

#[cfg(all(target_arch = "wasm32", mewayz_spin3))]
#[doc(hidden)]
pub mod sdk {
    pub use spin_sdk::http_wasip3::{FromRequest, IntoResponse, Request as IncomingRequest, wasip3};

    /// The variable's value; `Ok(None)` when the component does not
    /// define it.
    pub async fn variable(name: &str) -> Result<Option<String>, String> {
        match spin_sdk::variables::get(name) {
            Ok(value) => Ok(Some(value)),
            Err(spin_sdk::variables::Error::Undefined(_)) => Ok(None),
            Err(err) => Err(err.to_string()),
        }
    }
}

/// Natively: the variables `mewayz-native-host` grants the thread's
/// component instance (the in-process tests install them).
#[cfg(not(target_arch = "wasm32"))]
#[doc(hidden)]
pub mod sdk {
    /// The variable's value; `Ok(None)` when the component does not
    /// define it.
    #[cfg(feature = "native-host")]
    pub async fn variable(name: &str) -> Result<Option<String>, String> {
        mewayz_native_host::variable(name)
    }

    #[cfg(not(feature = "native-host"))]
    pub async fn variable(_: &str) -> Result<Option<String>, String> {
        Err("this native build has no host to read variables from (mewayz-api's native-host feature)".into())
    }
}

#[cfg(target_arch = "wasm32")]
use sdk::wasip3::http::types;

/// Exports `handle` (a feature component's `async fn(Request) -> Response`)
/// as the component's WASI P3 HTTP handler.
#[macro_export]
macro_rules! export_service {
    ($handle:path) => {
        #[cfg(target_arch = "wasm32")]
        struct MewayzService;
        #[cfg(target_arch = "wasm32")]
        $crate::service::sdk::wasip3::http::service::export!(MewayzService);
        #[cfg(target_arch = "wasm32")]
        impl $crate::service::sdk::wasip3::exports::http::handler::Guest for MewayzService {
            async fn handle(
                request: $crate::service::sdk::wasip3::http::types::Request,
            ) -> ::std::result::Result<
                $crate::service::sdk::wasip3::http::types::Response,
                $crate::service::sdk::wasip3::http::types::ErrorCode,
            > {
                $crate::service::serve(request, $handle).await
            }
        }
    };
}

/// Reads `request` whole and answers it with `handle`.
#[cfg(target_arch = "wasm32")]
pub async fn serve(
    request: types::Request,
    handle: impl AsyncFnOnce(Request) -> Response,
) -> Result<types::Response, types::ErrorCode> {
    let request = <sdk::IncomingRequest as sdk::FromRequest>::from_request(request)?;
    let (parts, body) = request.into_parts();
    let response = match read_body(body).await {
        Ok(body) => {
            let headers = parts.headers.iter().map(|(name, value)| (name.to_string(), value.as_bytes().to_vec()));
            let target = parts.uri.path_and_query().map_or("/", |p| p.as_str());
            handle(Request::new(Method::new(parts.method.as_str()), target, headers.collect(), body)).await
        }
        Err(why) => {
            eprintln!("{} {} -> 400: the request body could not be read: {why}", parts.method, parts.uri.path());
            ApiError::unreadable_body().into_response()
        }
    };
    sdk::IntoResponse::into_response(answer(response))
}

/// Answers a request natively as the WASI P3 entry does in Spin: the body
/// cut after `MAX_BODY_BYTES + 1` bytes, and the answer's `Content-Length`
/// set. The in-process tests call components' handlers through it.
#[cfg(not(target_arch = "wasm32"))]
pub async fn serve_native(mut request: Request, handle: impl AsyncFnOnce(Request) -> Response) -> Response {
    request.truncate_body(MAX_BODY_BYTES + 1);
    with_length(handle(request).await)
}

/// The body, or its first `MAX_BODY_BYTES + 1` bytes: enough for the route
/// to answer 413 without the instance holding more of a body it refuses.
#[cfg(target_arch = "wasm32")]
async fn read_body(
    mut body: impl http_body::Body<Data = Bytes, Error: std::fmt::Debug> + Unpin,
) -> Result<Vec<u8>, String> {
    let mut read = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| format!("{e:?}"))?;
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

/// The answer with its `Content-Length`: a whole body of known length.
/// Without it Spin sends the answer chunked, in writes small enough for
/// Nagle's algorithm and the client's delayed ACK to hold some of them back
/// 40 ms.
fn with_length(mut response: Response) -> Response {
    let status = response.status();
    let bodiless = status < 200 || status == 204 || status == 304;
    if !bodiless && response.header("content-length").is_none() {
        response.set_header("content-length", response.body().len().to_string());
    }
    response
}

#[cfg(target_arch = "wasm32")]
fn answer(response: Response) -> http::Response<Full<Bytes>> {
    let response = with_length(response);
    let mut builder = http::Response::builder().status(response.status());
    for (name, value) in response.headers() {
        builder = builder.header(name, value);
    }
    builder.body(Full::new(Bytes::from(response.into_body()))).unwrap_or_else(|err| {
        eprintln!("a response could not be built: {err}");
        let mut failed = http::Response::new(Full::new(Bytes::new()));
        *failed.status_mut() = http::StatusCode::INTERNAL_SERVER_ERROR;
        failed
    })
}

/// The Spin 3.6 build's WASI P2 entry (spin-sdk 5.2 `#[http_component]`),
/// for the one component that stays P2 there (accounts: see its crate).
#[cfg(all(target_arch = "wasm32", mewayz_spin3))]
pub async fn serve_p2(
    request: spin_sdk::http::Request,
    handle: impl AsyncFnOnce(Request) -> Response,
) -> spin_sdk::http::Response {
    let headers = request.headers().map(|(name, value)| (name.to_string(), value.as_bytes().to_vec())).collect();
    let target = match request.query() {
        "" => request.path().to_string(),
        query => format!("{}?{query}", request.path()),
    };
    let method = Method::new(request.method().to_string());
    let response = handle(Request::new(method, &target, headers, request.into_body())).await;
    let mut builder = spin_sdk::http::Response::builder();
    builder.status(response.status());
    for (name, value) in response.headers() {
        builder.header(name, value);
    }
    builder.body(response.into_body()).build()
}
