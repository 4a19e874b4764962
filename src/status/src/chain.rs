//! A GET to another component of this app (Spin local service chaining) that
//! gives up at a deadline. A WASI P2 component cannot interrupt its own host
//! calls — a PostgreSQL that hangs hangs the call — but an outgoing HTTP
//! request is a future it can poll against a clock, so the slow work runs in
//! the chained component and this one answers on time.

use std::time::Duration;

use wasi::{
    clocks::monotonic_clock,
    http::{
        outgoing_handler,
        types::{Fields, OutgoingRequest, RequestOptions, Scheme},
    },
    io::{poll::poll, streams::StreamError},
};

/// Calls `http://{host}{path}` and returns its status and body, or why not
/// within `budget`.
pub fn get_within(host: &str, path: &str, budget: Duration) -> Result<(u16, Vec<u8>), String> {
    let budget_ns = budget.as_nanos() as u64;
    let deadline = monotonic_clock::subscribe_duration(budget_ns);

    let request = OutgoingRequest::new(Fields::new());
    let set = request
        .set_scheme(Some(&Scheme::Http))
        .and(request.set_authority(Some(host)))
        .and(request.set_path_with_query(Some(path)));
    set.map_err(|()| format!("cannot address http://{host}{path}"))?;
    let options = RequestOptions::new();
    let _ = options.set_first_byte_timeout(Some(budget_ns));

    let pending = outgoing_handler::handle(request, Some(options)).map_err(|e| format!("request refused: {e:?}"))?;
    let ready = pending.subscribe();
    let response = loop {
        if let Some(result) = pending.get() {
            break result
                .map_err(|()| "response already taken".to_string())?
                .map_err(|e| format!("request failed: {e:?}"))?;
        }
        poll(&[&ready, &deadline]);
        if deadline.ready() && pending.get().is_none() {
            return Err(format!("no answer within {} ms", budget.as_millis()));
        }
    };
    drop(ready);

    let status = response.status();
    let body = response.consume().map_err(|()| "response body unavailable".to_string())?;
    let stream = body.stream().map_err(|()| "response body unavailable".to_string())?;
    let readable = stream.subscribe();
    let mut bytes = Vec::new();
    loop {
        match stream.read(64 * 1024) {
            Ok(chunk) if chunk.is_empty() => {
                poll(&[&readable, &deadline]);
                if deadline.ready() {
                    return Err(format!("response body not complete within {} ms", budget.as_millis()));
                }
            }
            Ok(chunk) => bytes.extend_from_slice(&chunk),
            Err(StreamError::Closed) => break,
            Err(StreamError::LastOperationFailed(e)) => {
                return Err(format!("reading the response: {}", e.to_debug_string()));
            }
        }
    }
    Ok((status, bytes))
}
