//! Fake HTTP servers on loopback for tests of clients: the verifier against
//! servers that fail in chosen ways, the browser test's landing page.

use std::{
    io::{Read, Write},
    net::{TcpListener, TcpStream},
    sync::Arc,
    thread,
    time::Duration,
};

/// An answer of a fake server: wait, then write these bytes and close.
pub struct Answer {
    pub delay: Duration,
    pub bytes: Vec<u8>,
}

/// A JSON answer with `status` (`"200 OK"`).
pub fn answer(status: &str, body: &str) -> Answer {
    answer_as(status, "application/json", body)
}

/// An answer of `content_type` with `status`.
pub fn answer_as(status: &str, content_type: &str, body: &str) -> Answer {
    Answer {
        delay: Duration::ZERO,
        bytes: format!(
            "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .into_bytes(),
    }
}

/// A request as a fake server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub path: String,
    pub head: String,
}

/// An HTTP/1.1 server on 127.0.0.1 (port 0), a thread per connection, that
/// answers what `handler` says. Lives until the test process ends.
pub fn serve(handler: impl Fn(&Seen) -> Answer + Send + Sync + 'static) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let handler = Arc::new(handler);
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let handler = Arc::clone(&handler);
            thread::spawn(move || handle(stream, &*handler));
        }
    });
    url
}

fn handle(mut stream: TcpStream, handler: &dyn Fn(&Seen) -> Answer) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let path = head.split_whitespace().nth(1).unwrap_or_default().to_string();
    let answer = handler(&Seen { path, head });
    thread::sleep(answer.delay);
    let _ = stream.write_all(&answer.bytes);
    let _ = stream.flush();
}

/// A port nothing listens on: bound, noted, released.
pub fn refused_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}
