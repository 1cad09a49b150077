//! JSON-RPC 1.0 over a byte stream, as OVSDB speaks it (RFC 7047 §4): a streaming framer
//! that cuts concatenated JSON texts apart, and a connection that matches replies to
//! requests, answers the server's `echo` and hands notifications to its owner.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::{mpsc, oneshot};

/// The largest message accepted from a server by default; a longer one closes the
/// connection. A monitor reply or an update for a large Southbound runs to hundreds of
/// megabytes (270k logical flows inserted in one transaction come back as ~100 MB).
pub const MAX_MESSAGE: usize = 4 << 30;

/// How many notifications may wait for the consumer before reading pauses.
const NOTIFICATION_QUEUE: usize = 256;

/// How to reach a server: TLS settings for `ssl:` remotes, the inactivity probe and the
/// largest message accepted.
#[derive(Clone)]
pub struct Transport {
    pub tls: Option<Arc<rustls::ClientConfig>>,
    pub probe: Option<Duration>,
    pub max_message: usize,
}

impl Default for Transport {
    fn default() -> Transport {
        Transport {
            tls: None,
            probe: None,
            max_message: MAX_MESSAGE,
        }
    }
}

async fn tcp_connect(remote: &str, addr: &str) -> Result<tokio::net::TcpStream, Error> {
    let addr = parse_addr(addr).ok_or_else(|| Error::Io(format!("{remote}: bad address")))?;
    let s = tokio::net::TcpStream::connect(addr)
        .await
        .map_err(|e| Error::Io(format!("{remote}: {e}")))?;
    s.set_nodelay(true)?;
    Ok(s)
}

/// `IP:PORT` or `[IPv6]:PORT` as OVS writes them.
pub(crate) fn parse_addr(addr: &str) -> Option<std::net::SocketAddr> {
    if let Ok(a) = addr.parse() {
        return Some(a);
    }
    let (ip, port) = addr.rsplit_once(':')?;
    let ip: std::net::IpAddr = ip
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse()
        .ok()?;
    Some(std::net::SocketAddr::new(ip, port.parse().ok()?))
}

/// What can go wrong talking to a server.
#[derive(Clone, Debug, PartialEq)]
pub enum Error {
    /// Connecting, reading or writing failed.
    Io(String),
    /// The server sent something that is not a valid JSON-RPC message.
    Protocol(String),
    /// The server answered a request with an error (`error`, and `details` when given).
    Rpc {
        error: String,
        details: Option<String>,
    },
    /// The connection is closed.
    Disconnected,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io(e) => write!(f, "I/O error: {e}"),
            Error::Protocol(e) => write!(f, "protocol error: {e}"),
            Error::Rpc {
                error,
                details: Some(d),
            } => write!(f, "{error}: {d}"),
            Error::Rpc { error, .. } => write!(f, "{error}"),
            Error::Disconnected => write!(f, "connection closed"),
        }
    }
}

impl std::error::Error for Error {}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Error {
        Error::Io(e.to_string())
    }
}

/// Splits a byte stream into top-level JSON objects or arrays without parsing them twice:
/// it tracks nesting depth and string state byte by byte and keeps only the unfinished
/// message, which may not grow past `max` bytes.
#[derive(Debug)]
pub struct Framer {
    buf: Vec<u8>,
    depth: usize,
    in_string: bool,
    escaped: bool,
    max: usize,
}

impl Framer {
    pub fn new(max: usize) -> Framer {
        Framer {
            buf: Vec::new(),
            depth: 0,
            in_string: false,
            escaped: false,
            max,
        }
    }

    /// Consumes `data`, appending each complete message to `out`. After an error the
    /// stream is unusable (the framer cannot know where the next message starts).
    pub fn feed(&mut self, data: &[u8], out: &mut Vec<Value>) -> Result<(), Error> {
        let mut start = 0;
        for (i, &b) in data.iter().enumerate() {
            if self.depth == 0 {
                match b {
                    b' ' | b'\t' | b'\r' | b'\n' => {
                        start = i + 1;
                        continue;
                    }
                    b'{' | b'[' => {}
                    _ => {
                        return Err(Error::Protocol(format!(
                            "unexpected byte {:?} between messages",
                            b as char
                        )));
                    }
                }
            }
            if self.in_string {
                if self.escaped {
                    self.escaped = false;
                } else if b == b'\\' {
                    self.escaped = true;
                } else if b == b'"' {
                    self.in_string = false;
                }
            } else {
                match b {
                    b'"' => self.in_string = true,
                    b'{' | b'[' => self.depth += 1,
                    b'}' | b']' => {
                        self.depth -= 1;
                        if self.depth == 0 {
                            self.buf.extend_from_slice(&data[start..=i]);
                            start = i + 1;
                            self.check_size()?;
                            let text = std::mem::take(&mut self.buf);
                            let v = serde_json::from_slice(&text)
                                .map_err(|e| Error::Protocol(format!("bad JSON: {e}")))?;
                            out.push(v);
                        }
                    }
                    _ => {}
                }
            }
        }
        if self.depth > 0 && start < data.len() {
            self.buf.extend_from_slice(&data[start..]);
            self.check_size()?;
        }
        Ok(())
    }

    fn check_size(&self) -> Result<(), Error> {
        if self.buf.len() > self.max {
            return Err(Error::Protocol(format!(
                "message longer than {} bytes",
                self.max
            )));
        }
        Ok(())
    }
}

/// A request or notification sent by the server (other than `echo`, answered here).
#[derive(Clone, Debug, PartialEq)]
pub struct Notification {
    pub method: String,
    pub params: Value,
}

/// Callers waiting for replies, by request id; once the reader has stopped, why it did.
#[derive(Default)]
struct Waiting {
    calls: HashMap<u64, oneshot::Sender<Result<Value, Error>>>,
    closed: Option<Error>,
}

type Pending = Arc<Mutex<Waiting>>;

/// One JSON-RPC connection. A reader task dispatches replies to their callers and sends
/// notifications (then, once, the reason the connection ended) to `notifications`.
pub struct Connection {
    out: mpsc::UnboundedSender<Vec<u8>>,
    pending: Pending,
    next_id: u64,
    reader: tokio::task::JoinHandle<()>,
    /// The remote, for log lines.
    name: Arc<Mutex<Arc<str>>>,
    /// The largest message accepted.
    limit: Arc<std::sync::atomic::AtomicUsize>,
    /// Notifications in arrival order; the last item is the error that ended the stream.
    /// The queue is bounded: a consumer that falls behind stops the reading (and so the
    /// server), rather than letting memory grow.
    pub notifications: mpsc::Receiver<Result<Notification, Error>>,
}

impl Connection {
    /// Connects to `unix:PATH` or `tcp:IP:PORT` without inactivity probes.
    pub async fn open(remote: &str) -> Result<Connection, Error> {
        Connection::open_with(remote, &Transport::default()).await
    }

    /// Connects to `unix:PATH`, `tcp:IP:PORT` or `ssl:IP:PORT` (the latter needs
    /// `transport.tls`).
    pub async fn open_with(remote: &str, transport: &Transport) -> Result<Connection, Error> {
        let probe = transport.probe;
        if let Some(path) = remote.strip_prefix("unix:") {
            let s = tokio::net::UnixStream::connect(path)
                .await
                .map_err(|e| Error::Io(format!("{remote}: {e}")))?;
            let (r, w) = s.into_split();
            Ok(Connection::with_probe(r, w, probe)
                .named(remote)
                .limited(transport.max_message))
        } else if let Some(addr) = remote.strip_prefix("tcp:") {
            let s = tcp_connect(remote, addr).await?;
            let (r, w) = s.into_split();
            Ok(Connection::with_probe(r, w, probe)
                .named(remote)
                .limited(transport.max_message))
        } else if let Some(addr) = remote.strip_prefix("ssl:") {
            let Some(tls) = &transport.tls else {
                return Err(Error::Io(format!(
                    "{remote}: SSL remotes need a private key, certificate and CA certificate"
                )));
            };
            let s = tcp_connect(remote, addr).await?;
            let s = super::tls::handshake(tls, remote, addr, s).await?;
            let (r, w) = tokio::io::split(s);
            Ok(Connection::with_probe(r, w, probe)
                .named(remote)
                .limited(transport.max_message))
        } else {
            Err(Error::Io(format!("unsupported remote {remote:?}")))
        }
    }

    /// Runs the protocol over any stream halves (tests use in-memory pipes).
    pub fn new(
        reader: impl AsyncRead + Unpin + Send + 'static,
        writer: impl AsyncWrite + Unpin + Send + 'static,
    ) -> Connection {
        Connection::with_probe(reader, writer, None)
    }

    /// Runs the protocol over stream halves; with `probe`, a silence that long makes the
    /// client send an `echo`, and as long again without any message ends the connection.
    pub fn with_probe(
        reader: impl AsyncRead + Unpin + Send + 'static,
        mut writer: impl AsyncWrite + Unpin + Send + 'static,
        probe: Option<Duration>,
    ) -> Connection {
        let (out, mut out_rx) = mpsc::unbounded_channel::<Vec<u8>>();
        let (note_tx, notifications) = mpsc::channel(NOTIFICATION_QUEUE);
        let pending: Pending = Arc::default();
        tokio::spawn(async move {
            while let Some(bytes) = out_rx.recv().await {
                if writer.write_all(&bytes).await.is_err() {
                    break;
                }
            }
        });
        let reader_pending = pending.clone();
        let name: Arc<Mutex<Arc<str>>> = Arc::new(Mutex::new(Arc::from("stream")));
        let reader_name = name.clone();
        let limit = Arc::new(std::sync::atomic::AtomicUsize::new(MAX_MESSAGE));
        let reader_limit = limit.clone();
        // The reader holds the writer channel weakly, so that dropping the Connection
        // ends the writer task and closes the stream.
        let echo_out = out.downgrade();
        let reader = tokio::spawn(async move {
            let err = read_loop(
                reader,
                probe,
                &reader_limit,
                &reader_name,
                &reader_pending,
                &echo_out,
                &note_tx,
            )
            .await;
            let waiting: Vec<_> = {
                let mut w = reader_pending.lock().unwrap();
                w.closed = Some(err.clone());
                w.calls.drain().collect()
            };
            for (_, tx) in waiting {
                let _ = tx.send(Err(err.clone()));
            }
            let _ = note_tx.send(Err(err)).await;
        });
        Connection {
            out,
            pending,
            next_id: 0,
            reader,
            name,
            limit,
            notifications,
        }
    }

    /// Sets the largest message accepted (before the first message arrives).
    pub fn limited(self, max: usize) -> Connection {
        self.limit.store(max, std::sync::atomic::Ordering::Relaxed);
        self
    }

    /// Names the connection (its remote) in `jsonrpc` debug log lines.
    pub fn named(self, remote: &str) -> Connection {
        *self.name.lock().unwrap() = Arc::from(remote);
        self
    }

    /// Sends a request and waits for its reply: the `result`, or the `error` as
    /// [`Error::Rpc`].
    pub async fn call(&mut self, method: &str, params: Value) -> Result<Value, Error> {
        let (id, rx) = self.expect_reply()?;
        let name = self.name.lock().unwrap().clone();
        tracing::debug!(
            target: "jsonrpc",
            "{name}: send request, method=\"{method}\", params={params}, id={id}"
        );
        self.send(&json!({"method": method, "params": params, "id": id}))?;
        rx.await.map_err(|_| Error::Disconnected)?
    }

    /// A new request id, with the channel its reply will come through.
    fn expect_reply(&mut self) -> Result<(u64, oneshot::Receiver<Result<Value, Error>>), Error> {
        self.next_id += 1;
        let id = self.next_id;
        let (tx, rx) = oneshot::channel();
        let mut w = self.pending.lock().unwrap();
        if let Some(e) = &w.closed {
            return Err(e.clone());
        }
        w.calls.insert(id, tx);
        Ok((id, rx))
    }

    /// [`Connection::call`] with the params already written as JSON text (a huge
    /// transaction costs its text once, not a tree of values nor copies of the text).
    pub async fn call_text(&mut self, method: &str, params: String) -> Result<Value, Error> {
        let (id, rx) = self.expect_reply()?;
        let name = self.name.lock().unwrap().clone();
        tracing::debug!(
            target: "jsonrpc",
            "{name}: send request, method=\"{method}\", params={params}, id={id}"
        );
        let mut msg = params;
        let head = format!("{{\"method\":{},\"params\":", Value::from(method));
        msg.insert_str(0, &head);
        msg.push_str(&format!(",\"id\":{id}}}"));
        self.out
            .send(msg.into_bytes())
            .map_err(|_| Error::Disconnected)?;
        rx.await.map_err(|_| Error::Disconnected)?
    }

    /// Sends a notification (a request that gets no reply).
    pub fn notify(&self, method: &str, params: Value) -> Result<(), Error> {
        self.send(&json!({"method": method, "params": params, "id": null}))
    }

    fn send(&self, msg: &Value) -> Result<(), Error> {
        self.out
            .send(msg.to_string().into_bytes())
            .map_err(|_| Error::Disconnected)
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

/// Reads until the stream ends or breaks; returns why.
async fn read_loop(
    mut reader: impl AsyncRead + Unpin,
    probe: Option<Duration>,
    limit: &std::sync::atomic::AtomicUsize,
    name: &Mutex<Arc<str>>,
    pending: &Pending,
    out: &mpsc::WeakUnboundedSender<Vec<u8>>,
    notes: &mpsc::Sender<Result<Notification, Error>>,
) -> Error {
    let mut framer = Framer::new(MAX_MESSAGE);
    let mut limit_set = false;
    let mut buf = vec![0u8; 64 << 10];
    let mut msgs = Vec::new();
    let mut probed = false;
    loop {
        let read = match probe {
            None => reader.read(&mut buf).await,
            Some(p) => match tokio::time::timeout(p, reader.read(&mut buf)).await {
                Ok(r) => r,
                Err(_) if probed => {
                    return Error::Io(format!(
                        "no response to inactivity probe after {:.1} seconds, disconnecting",
                        2.0 * p.as_secs_f64()
                    ));
                }
                Err(_) => {
                    probed = true;
                    let echo = json!({"method": "echo", "params": [], "id": "echo"});
                    if let Some(out) = out.upgrade() {
                        let _ = out.send(echo.to_string().into_bytes());
                    }
                    continue;
                }
            },
        };
        let n = match read {
            Ok(0) => return Error::Disconnected,
            Ok(n) => n,
            Err(e) => return e.into(),
        };
        probed = false;
        if !limit_set {
            framer.max = limit.load(std::sync::atomic::Ordering::Relaxed);
            limit_set = true;
        }
        if let Err(e) = framer.feed(&buf[..n], &mut msgs) {
            return e;
        }
        for m in msgs.drain(..) {
            log_received(&name.lock().unwrap(), &m);
            match dispatch(m, pending, out) {
                Err(e) => return e,
                Ok(Some(n)) => {
                    if notes.send(Ok(n)).await.is_err() {
                        return Error::Disconnected;
                    }
                }
                Ok(None) => {}
            }
        }
    }
}

/// A `jsonrpc` debug line for a received message, in the words of OVS's jsonrpc.c.
fn log_received(name: &str, m: &Value) {
    // The arguments are formatted only when the line is enabled.
    let none = Value::Null;
    let id = m.get("id").unwrap_or(&none);
    if let Some(method) = m.get("method") {
        let params = m.get("params").unwrap_or(&none);
        let kind = if id.is_null() {
            "notification"
        } else {
            "request"
        };
        tracing::debug!(
            target: "jsonrpc",
            "{name}: received {kind}, method={method}, params={params}, id={id}"
        );
    } else if let Some(e) = m.get("error").filter(|e| !e.is_null()) {
        tracing::debug!(target: "jsonrpc", "{name}: received error, error={e}, id={id}");
    } else {
        let r = m.get("result").unwrap_or(&none);
        tracing::debug!(target: "jsonrpc", "{name}: received reply, result={r}, id={id}");
    }
}

/// Routes one message: replies to their waiting caller, `echo` straight back; other
/// requests and notifications are returned for the owner.
fn dispatch(
    m: Value,
    pending: &Pending,
    out: &mpsc::WeakUnboundedSender<Vec<u8>>,
) -> Result<Option<Notification>, Error> {
    let Value::Object(mut o) = m else {
        return Err(Error::Protocol("message is not a JSON object".into()));
    };
    let id = o.remove("id").unwrap_or(Value::Null);
    if let Some(Value::String(method)) = o.remove("method") {
        let params = o.remove("params").unwrap_or(json!([]));
        if method == "echo" && !id.is_null() {
            let reply = json!({"result": params, "error": null, "id": id});
            if let Some(out) = out.upgrade() {
                let _ = out.send(reply.to_string().into_bytes());
            }
            return Ok(None);
        }
        return Ok(Some(Notification { method, params }));
    }
    if !o.contains_key("result") && !o.contains_key("error") {
        return Err(Error::Protocol(
            "message is neither a request nor a reply".into(),
        ));
    }
    // Replies to requests we did not make (e.g. to our echo) are ignored.
    let Some(tx) = id
        .as_u64()
        .and_then(|i| pending.lock().unwrap().calls.remove(&i))
    else {
        return Ok(None);
    };
    let reply = match o.remove("error") {
        None | Some(Value::Null) => Ok(o.remove("result").unwrap_or(Value::Null)),
        Some(e) => Err(rpc_error(&e)),
    };
    let _ = tx.send(reply);
    Ok(None)
}

/// An OVSDB error: either a bare string (`"unknown method"`) or `{"error", "details"}`.
pub(crate) fn rpc_error(e: &Value) -> Error {
    match e {
        Value::String(s) => Error::Rpc {
            error: s.clone(),
            details: None,
        },
        _ => Error::Rpc {
            error: e
                .get("error")
                .and_then(Value::as_str)
                .unwrap_or("unknown error")
                .to_string(),
            details: e.get("details").and_then(Value::as_str).map(String::from),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(chunks: &[&[u8]], max: usize) -> Result<Vec<Value>, Error> {
        let mut f = Framer::new(max);
        let mut out = Vec::new();
        for c in chunks {
            f.feed(c, &mut out)?;
        }
        Ok(out)
    }

    #[test]
    fn framer_splits_concatenated_and_chunked_messages() {
        let text = br#"{"a":"}{\"[","b":[1,{}]} [2]{"c":3}"#;
        let whole = frames(&[text], 1000).unwrap();
        assert_eq!(
            whole,
            vec![json!({"a":"}{\"[","b":[1,{}]}), json!([2]), json!({"c":3})]
        );
        // Byte by byte gives the same messages.
        let bytes: Vec<&[u8]> = text.chunks(1).collect();
        assert_eq!(frames(&bytes, 1000).unwrap(), whole);
    }

    #[test]
    fn framer_rejects_garbage_and_oversized_messages() {
        assert!(matches!(frames(&[b"42"], 100), Err(Error::Protocol(_))));
        assert!(matches!(
            frames(&[b"{\"a\":tru}"], 100),
            Err(Error::Protocol(_))
        ));
        let big = format!("{{\"a\":\"{}", "x".repeat(200));
        assert!(matches!(
            frames(&[big.as_bytes()], 100),
            Err(Error::Protocol(_))
        ));
        // Unbalanced closers are garbage, not a panic.
        assert!(frames(&[b"]"], 100).is_err());
    }
}
