//! Watches the request heads on each HTTP/1 connection: closes a connection whose request head
//! stays incomplete past `[http] header_timeout` (a stalled or slow client), and refuses a request
//! that carries both `Content-Length` and `Transfer-Encoding`, the shape of request smuggling
//! through a proxy that reads the other header.
//!
//! Why not hyper's own `header_read_timeout` alone: its clock also runs while a keep-alive
//! connection waits, idle, for its next request, so a short value closes idle connections that
//! clients are about to reuse (and a request sent just then fails). Here the clock starts with the
//! first byte of a head. hyper's timeout is still set, longer, to bound idle connections.
//!
//! hyper already does the safe thing with such a request (it frames it by `Transfer-Encoding`,
//! drops `Content-Length` and closes the connection afterwards), but it hands the request on
//! without a trace of the conflict, so the router cannot refuse it. This module watches the bytes
//! hyper reads on each connection, finds request heads (following `Content-Length` and chunked
//! bodies from one request to the next), and marks the ordinal of a head with both headers; the
//! connection's service tags each request with its ordinal, and `refuse_ambiguous_framing` answers
//! the marked one 400. Rejected: parsing requests a second time in full (hyper does that), and a
//! proxy in front (the appliance runs without one).

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::error::ApiError;

/// Longest request head followed; hyper refuses longer ones itself.
const MAX_HEAD: usize = 64 * 1024;
const NONE: usize = usize::MAX;

/// Where the scanner is in the byte stream of one connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum At {
    Head,
    Body(u64),
    ChunkSize,
    ChunkData(u64),
    /// The CRLF after a chunk's data.
    ChunkEnd(u8),
    Trailers,
    /// Not HTTP/1 framing any more (HTTP/2, an upgrade, something hyper refuses): stop looking.
    Off,
}

/// Follows request framing over the bytes of one connection (pure; fed by `Watched`).
#[derive(Debug)]
pub struct Scanner {
    at: At,
    line: Vec<u8>,
    heads: usize,
    /// The ordinal (from 0) of the first request with both headers.
    pub ambiguous: Option<usize>,
}

impl Default for Scanner {
    fn default() -> Self {
        Scanner { at: At::Head, line: Vec::new(), heads: 0, ambiguous: None }
    }
}

impl Scanner {
    /// Part of a request head has arrived, not all of it.
    pub fn mid_head(&self) -> bool {
        self.at == At::Head && !self.line.is_empty()
    }

    pub fn feed(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            match self.at {
                At::Off => return,
                At::Body(n) | At::ChunkData(n) => {
                    let take = (bytes.len() as u64).min(n);
                    bytes = &bytes[take as usize..];
                    let left = n - take;
                    self.at = match (self.at, left) {
                        (At::Body(_), 0) => At::Head,
                        (At::Body(_), _) => At::Body(left),
                        (_, 0) => At::ChunkEnd(2),
                        _ => At::ChunkData(left),
                    };
                }
                At::ChunkEnd(k) => {
                    let take = bytes.len().min(k as usize);
                    bytes = &bytes[take..];
                    let left = k - take as u8;
                    self.at = if left == 0 { At::ChunkSize } else { At::ChunkEnd(left) };
                }
                At::Head | At::ChunkSize | At::Trailers => {
                    let end = bytes.iter().position(|b| *b == b'\n');
                    let (part, rest) = match end {
                        Some(i) => bytes.split_at(i + 1),
                        None => (bytes, &[][..]),
                    };
                    self.line.extend_from_slice(part);
                    bytes = rest;
                    if self.line.len() > MAX_HEAD {
                        self.at = At::Off;
                    } else if end.is_some() {
                        self.line_done();
                    }
                }
            }
        }
    }

    /// A line (or, in a head, the head so far) ends with `\n`.
    fn line_done(&mut self) {
        let blank = |l: &[u8]| l == b"\n" || l == b"\r\n";
        match self.at {
            At::Head => {
                if self.line.len() <= 2 && blank(&self.line) {
                    self.line.clear(); // empty lines before a request are allowed
                } else if self.line.ends_with(b"\n\r\n") || self.line.ends_with(b"\n\n") {
                    let head = std::mem::take(&mut self.line);
                    self.head_done(&head);
                }
            }
            At::ChunkSize => {
                let line = std::mem::take(&mut self.line);
                let text = String::from_utf8_lossy(&line);
                let size = text.split(';').next().unwrap_or("").trim();
                self.at = match u64::from_str_radix(size, 16) {
                    Ok(0) => At::Trailers,
                    Ok(n) => At::ChunkData(n),
                    Err(_) => At::Off,
                };
            }
            At::Trailers => {
                let line = std::mem::take(&mut self.line);
                if blank(&line) {
                    self.at = At::Head;
                }
            }
            _ => {}
        }
    }

    fn head_done(&mut self, head: &[u8]) {
        let text = String::from_utf8_lossy(head);
        let mut lines = text.lines();
        let request_line = lines.next().unwrap_or("");
        if request_line.starts_with("PRI * HTTP/2") {
            self.at = At::Off;
            return;
        }
        let (mut length, mut encoding, mut upgrade) = (None::<&str>, None::<&str>, false);
        for line in lines {
            let Some((name, value)) = line.split_once(':') else { continue };
            let name = name.trim();
            if name.eq_ignore_ascii_case("content-length") {
                length = Some(value.trim());
            } else if name.eq_ignore_ascii_case("transfer-encoding") {
                encoding = Some(value.trim());
            } else if name.eq_ignore_ascii_case("upgrade") {
                upgrade = true;
            }
        }
        let ordinal = self.heads;
        self.heads += 1;
        self.at = match (length, encoding) {
            (Some(_), Some(_)) => {
                self.ambiguous.get_or_insert(ordinal);
                At::Off // hyper closes the connection after this request
            }
            _ if upgrade => At::Off,
            (None, Some(te))
                if te.rsplit(',').next().is_some_and(|last| last.trim().eq_ignore_ascii_case("chunked")) =>
            {
                At::ChunkSize
            }
            (None, Some(_)) => At::Off, // hyper refuses it
            (Some(cl), None) => match cl.parse::<u64>() {
                Ok(0) => At::Head,
                Ok(n) => At::Body(n),
                Err(_) => At::Off,
            },
            (None, None) => At::Head,
        };
    }
}

/// What one connection's requests share: the ambiguous request's ordinal, and how many requests
/// the service has been handed.
#[derive(Debug)]
pub struct Connection {
    ambiguous: AtomicUsize,
    handed: AtomicUsize,
}

/// Tags a request: refused when its ordinal is the ambiguous one.
#[derive(Debug, Clone)]
pub struct Framing {
    conn: Arc<Connection>,
    ordinal: usize,
}

/// The connection's bytes, watched on their way to hyper.
pub struct Watched<S> {
    inner: S,
    scanner: Scanner,
    conn: Arc<Connection>,
    header_timeout: Duration,
    /// Running while a request head is incomplete.
    deadline: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl<S: AsyncRead + Unpin> AsyncRead for Watched<S> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                if this.scanner.ambiguous.is_none() {
                    this.scanner.feed(&buf.filled()[before..]);
                    if let Some(n) = this.scanner.ambiguous {
                        this.conn.ambiguous.store(n, Ordering::SeqCst);
                    }
                }
                if !this.scanner.mid_head() {
                    this.deadline = None;
                } else if this.deadline.is_none() {
                    this.deadline = Some(Box::pin(tokio::time::sleep(this.header_timeout)));
                }
                Poll::Ready(Ok(()))
            }
            Poll::Pending => {
                if let Some(deadline) = this.deadline.as_mut()
                    && deadline.as_mut().poll(cx).is_ready()
                {
                    tracing::info!(
                        "closing a connection whose request head stayed incomplete past [http] header_timeout"
                    );
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "request head not complete in time",
                    )));
                }
                Poll::Pending
            }
            other => other,
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Watched<S> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

/// The connection's service, tagging each request with its ordinal.
#[derive(Clone)]
pub struct Tagging<S> {
    inner: S,
    conn: Arc<Connection>,
}

impl<S, B> tower::Service<axum::http::Request<B>> for Tagging<S>
where
    S: tower::Service<axum::http::Request<B>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: axum::http::Request<B>) -> Self::Future {
        let ordinal = self.conn.handed.fetch_add(1, Ordering::SeqCst);
        req.extensions_mut().insert(Framing { conn: self.conn.clone(), ordinal });
        self.inner.call(req)
    }
}

/// Wraps another acceptor (plain TCP or TLS): its stream is watched, its service tags requests.
#[derive(Clone)]
pub struct Guard<A> {
    pub inner: A,
    pub header_timeout: Duration,
}

impl<I, S, A> axum_server::accept::Accept<I, S> for Guard<A>
where
    A: axum_server::accept::Accept<I, S>,
    A::Future: Send + 'static,
{
    type Stream = Watched<A::Stream>;
    type Service = Tagging<A::Service>;
    type Future = Pin<Box<dyn Future<Output = io::Result<(Self::Stream, Self::Service)>> + Send>>;

    fn accept(&self, stream: I, service: S) -> Self::Future {
        let accepted = self.inner.accept(stream, service);
        let header_timeout = self.header_timeout;
        Box::pin(async move {
            let (stream, service) = accepted.await?;
            let conn = Arc::new(Connection { ambiguous: AtomicUsize::new(NONE), handed: AtomicUsize::new(0) });
            let watched = Watched {
                inner: stream,
                scanner: Scanner::default(),
                conn: conn.clone(),
                header_timeout,
                deadline: None,
            };
            Ok((watched, Tagging { inner: service, conn }))
        })
    }
}

/// Middleware: answers 400 (JSON) to the request whose head carried both headers.
pub async fn refuse_ambiguous_framing(request: Request, next: Next) -> Response {
    if let Some(f) = request.extensions().get::<Framing>()
        && f.conn.ambiguous.load(Ordering::SeqCst) == f.ordinal
    {
        return ApiError::bad_request(
            "The request carries both Content-Length and Transfer-Encoding; send only one of them.",
        )
        .into_response();
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(chunks: &[&[u8]]) -> Scanner {
        let mut s = Scanner::default();
        for c in chunks {
            s.feed(c);
        }
        s
    }

    #[test]
    fn both_framing_headers_mark_their_request() {
        let s =
            scan(&[b"POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"]);
        assert_eq!(s.ambiguous, Some(0));
        let s = scan(&[b"POST /a HTTP/1.1\r\ntransfer-encoding: chunked\r\ncontent-length: 5\r\n\r\n"]);
        assert_eq!(s.ambiguous, Some(0), "in either order, any case");
    }

    #[test]
    fn bodies_are_skipped_so_only_heads_count() {
        // A body that looks like a head does not count; the third request is the ambiguous one.
        let body = b"X: 1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n";
        let first = format!("POST /a HTTP/1.1\r\nContent-Length: {}\r\n\r\n", body.len());
        let chunked =
            b"POST /b HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n4;ext=1\r\nab\r\n\r\n0\r\nTrailer: y\r\n\r\n";
        let bad = b"GET /c HTTP/1.1\r\nContent-Length: 0\r\nTransfer-Encoding: chunked\r\n\r\n";
        let mut all = first.into_bytes();
        all.extend_from_slice(body);
        all.extend_from_slice(chunked);
        all.extend_from_slice(bad);
        assert_eq!(scan(&[&all]).ambiguous, Some(2));
        // Byte by byte, the same.
        let pieces: Vec<&[u8]> = all.chunks(1).collect();
        assert_eq!(scan(&pieces).ambiguous, Some(2));
    }

    #[test]
    fn ordinary_traffic_and_http2_are_left_alone() {
        let s = scan(&[b"\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\n\r\n"]);
        assert_eq!((s.ambiguous, s.heads, s.mid_head()), (None, 2, false));
        assert!(scan(&[b"GET / HTTP/1.1\r\nHost: x\r\n"]).mid_head(), "half a head");
        let s = scan(&[b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n"]);
        assert_eq!(s.ambiguous, None);
    }
}
