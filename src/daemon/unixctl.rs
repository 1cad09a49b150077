//! The OVS unixctl server (`lib/unixctl.c`): JSON-RPC 1.0 on a unix socket, the protocol
//! `ovn-appctl` / `ovs-appctl` speak.
//!
//! A request is `{"method": CMD, "params": [strings], "id": ID}`; the reply is
//! `{"result": TEXT, "error": null, "id": ID}` or `{"result": null, "error": TEXT, "id": ID}`,
//! a non-empty TEXT always ending in a newline. Messages follow each other on the stream with
//! no delimiter. Each connection carries one request at a time; anything that is not a valid
//! request (bad JSON, a notification, a reply, more than [`MAX_MESSAGE`] bytes) closes that
//! connection, as in OVS.
//!
//! Commands live in a [`Commands`] registry. Built-ins (`list-commands`, `version`,
//! `vlog/*`) are answered inside the server; the others travel to the daemon's main loop as
//! [`Command`] messages, which it answers through [`Command::reply`].

use std::collections::{BTreeMap, VecDeque};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use adapters::client::jsonrpc::Framer;
use serde_json::{Map, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::{Notify, mpsc, oneshot};
use tokio::task::JoinHandle;

/// The largest request accepted; a client sending more is disconnected.
pub const MAX_MESSAGE: usize = 4 << 20;

/// A command's answer: `Ok(text)` for success, `Err(text)` for an error reply.
pub type Reply = Result<String, String>;

/// A command for the daemon's main loop; answer it with [`Command::reply`] (a command that is
/// dropped unanswered closes the client's connection).
#[derive(Debug)]
pub struct Command {
    /// The command name, e.g. `exit` or `parallel-build/set-n-threads`.
    pub name: String,
    /// Its arguments (their number already checked against the registration).
    pub args: Vec<String>,
    reply: oneshot::Sender<Reply>,
}

impl Command {
    pub fn reply(self, reply: Reply) {
        let _ = self.reply.send(reply);
    }
    /// Success with `text` (may be empty).
    pub fn ok(self, text: impl Into<String>) {
        self.reply(Ok(text.into()));
    }
    /// Error with `text`.
    pub fn err(self, text: impl Into<String>) {
        self.reply(Err(text.into()));
    }
}

type BuiltinFn = dyn Fn(&[String]) -> Reply + Send + Sync;

#[derive(Clone)]
enum Handler {
    Builtin(Arc<BuiltinFn>),
    MainLoop,
}

#[derive(Clone)]
struct Entry {
    usage: String,
    min: usize,
    max: usize,
    handler: Handler,
}

/// The command registry, shared by the server and whoever registers commands (any time).
#[derive(Clone, Default)]
pub struct Commands(Arc<Mutex<BTreeMap<String, Entry>>>);

impl Commands {
    pub fn new() -> Commands {
        Commands::default()
    }

    fn add(&self, name: &str, usage: &str, min: usize, max: usize, handler: Handler) {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        // As unixctl_command_register: the first registration of a name stays.
        map.entry(name.to_string()).or_insert(Entry {
            usage: usage.to_string(),
            min,
            max,
            handler,
        });
    }

    /// Registers a command answered inside the server by `f` (given the arguments).
    /// `usage` is shown by `list-commands`; `max` may be `usize::MAX` (no limit).
    pub fn register_builtin(
        &self,
        name: &str,
        usage: &str,
        min: usize,
        max: usize,
        f: impl Fn(&[String]) -> Reply + Send + Sync + 'static,
    ) {
        self.add(name, usage, min, max, Handler::Builtin(Arc::new(f)));
    }

    /// Registers a command that is sent to the main loop as a [`Command`].
    pub fn register(&self, name: &str, usage: &str, min: usize, max: usize) {
        self.add(name, usage, min, max, Handler::MainLoop);
    }

    fn lookup(&self, name: &str) -> Option<Entry> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(name)
            .cloned()
    }

    /// The `list-commands` text.
    pub fn list(&self) -> String {
        let map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let mut s = String::from("The available commands are:\n");
        for (name, e) in map.iter() {
            s.push_str(&format!("  {name:<23} {}\n", e.usage));
        }
        s
    }

    /// Registers `list-commands` and `version` (replying `version`), as the C server does.
    pub fn register_defaults(&self, version: String) {
        let me = self.clone();
        self.register_builtin("list-commands", "", 0, 0, move |_| Ok(me.list()));
        self.register_builtin("version", "", 0, 0, move |_| Ok(version.clone()));
    }
}

/// Commands sent to the main loop whose reply has not been written yet.
#[derive(Default)]
struct InFlight {
    n: AtomicUsize,
    idle: Notify,
}

impl InFlight {
    fn enter(&self) {
        self.n.fetch_add(1, Ordering::SeqCst);
    }
    fn leave(&self) {
        if self.n.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.idle.notify_waiters();
        }
    }
}

struct Shared {
    commands: Commands,
    to_main: mpsc::Sender<Command>,
    in_flight: InFlight,
}

/// A listening unixctl server; the socket file is removed by [`UnixctlServer::close`].
pub struct UnixctlServer {
    path: PathBuf,
    shared: Arc<Shared>,
    accept: JoinHandle<()>,
}

impl UnixctlServer {
    /// Listens on `path` (an existing file there is replaced, as OVS does). Must be called
    /// inside a tokio runtime.
    pub fn bind(
        path: &Path,
        commands: Commands,
        to_main: mpsc::Sender<Command>,
    ) -> io::Result<UnixctlServer> {
        match std::fs::remove_file(path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => {
                tracing::warn!(target: "stream_unix", "unlinking \"{}\": {}", path.display(), super::vlog::strerror(&e))
            }
            _ => {}
        }
        let listener = UnixListener::bind(path)?;
        let shared = Arc::new(Shared {
            commands,
            to_main,
            in_flight: InFlight::default(),
        });
        let s = shared.clone();
        let accept = tokio::spawn(async move {
            loop {
                match listener.accept().await {
                    Ok((stream, _)) => {
                        tokio::spawn(serve(stream, s.clone()));
                    }
                    Err(e) => {
                        tracing::warn!(target: "unixctl", "accept failed: {}", super::vlog::strerror(&e));
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                }
            }
        });
        Ok(UnixctlServer {
            path: path.to_path_buf(),
            shared,
            accept,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Waits (at most `timeout`) until every main-loop reply has been written to its client,
    /// so that e.g. `exit` is answered before the process ends.
    pub async fn drain(&self, timeout: Duration) {
        let wait = async {
            loop {
                let idle = self.shared.in_flight.idle.notified();
                if self.shared.in_flight.n.load(Ordering::SeqCst) == 0 {
                    return;
                }
                idle.await;
            }
        };
        let _ = tokio::time::timeout(timeout, wait).await;
    }

    /// Stops listening and removes the socket file.
    pub fn close(self) {
        self.accept.abort();
        let _ = std::fs::remove_file(&self.path);
    }
}

/// A JSON-RPC request, validated as `jsonrpc_msg_from_json` does.
struct Request {
    method: String,
    params: Vec<Value>,
    id: Value,
}

/// Classifies a message; `Err` is the reason the connection gets closed.
fn parse_request(v: Value) -> Result<Request, String> {
    let Value::Object(mut obj) = v else {
        return Err("message is not a JSON object".into());
    };
    let method = match obj.remove("method") {
        None => None,
        Some(Value::String(s)) => Some(s),
        Some(_) => return Err("method is not a JSON string".into()),
    };
    let mut take = |k: &str| obj.remove(k).filter(|v| !v.is_null());
    let (params, result, error, id) = (take("params"), take("result"), take("error"), take("id"));
    if let Some(k) = obj.keys().next() {
        return Err(format!("message has unexpected member \"{k}\""));
    }
    if params.as_ref().is_some_and(|p| !p.is_array()) {
        return Err("\"params\" must be JSON array".into());
    }
    let kind = if result.is_some() {
        "reply"
    } else if error.is_some() {
        "error"
    } else if id.is_some() {
        "request"
    } else {
        "notification"
    };
    if kind != "request" {
        return Err(format!("received unexpected {kind} message"));
    }
    let (Some(method), Some(Value::Array(params)), Some(id)) = (method, params, id) else {
        return Err("request must have \"method\" and \"params\"".into());
    };
    Ok(Request { method, params, id })
}

/// The reply to `req`, from the registry or from the main loop. `None`: the main loop
/// dropped the command (or is gone); the connection closes.
async fn dispatch(req: &Request, shared: &Shared) -> Option<Reply> {
    let name = &req.method;
    let Some(entry) = shared.commands.lookup(name) else {
        return Some(Err(format!(
            "\"{name}\" is not a valid command (use \"list-commands\" to see a list of valid commands)"
        )));
    };
    let n = req.params.len();
    if n < entry.min {
        return Some(Err(format!(
            "\"{name}\" command requires at least {} arguments",
            entry.min
        )));
    }
    if n > entry.max {
        return Some(Err(format!(
            "\"{name}\" command takes at most {} arguments",
            entry.max
        )));
    }
    let mut args = Vec::with_capacity(n);
    for p in &req.params {
        match p {
            Value::String(s) => args.push(s.clone()),
            _ => return Some(Err(format!("\"{name}\" command has non-string argument"))),
        }
    }
    match entry.handler {
        Handler::Builtin(f) => Some(f(&args)),
        Handler::MainLoop => {
            let (tx, rx) = oneshot::channel();
            let cmd = Command {
                name: name.clone(),
                args,
                reply: tx,
            };
            shared.to_main.send(cmd).await.ok()?;
            rx.await.ok()
        }
    }
}

/// The reply message; a non-empty text gets a trailing newline.
fn reply_json(reply: Reply, id: Value) -> Vec<u8> {
    let body = |mut s: String| {
        if !s.is_empty() && !s.ends_with('\n') {
            s.push('\n');
        }
        Value::String(s)
    };
    let mut m = Map::new();
    match reply {
        Ok(s) => {
            m.insert("result".into(), body(s));
            m.insert("error".into(), Value::Null);
        }
        Err(s) => {
            m.insert("result".into(), Value::Null);
            m.insert("error".into(), body(s));
        }
    }
    m.insert("id".into(), id);
    serde_json::to_vec(&Value::Object(m)).unwrap_or_default()
}

/// One client connection: requests in order, one at a time.
async fn serve(mut stream: UnixStream, shared: Arc<Shared>) {
    // The OVSDB client's framer: it cuts the stream into JSON values and refuses one
    // longer than MAX_MESSAGE.
    let mut framer = Framer::new(MAX_MESSAGE);
    let mut msgs: VecDeque<Value> = VecDeque::new();
    let mut chunk = vec![0u8; 8192];
    loop {
        let Some(msg) = msgs.pop_front() else {
            let n = match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            let mut got = Vec::new();
            if let Err(e) = framer.feed(&chunk[..n], &mut got) {
                tracing::warn!(target: "jsonrpc", "received bad JSON-RPC message ({e}), closing connection");
                return;
            }
            msgs.extend(got);
            continue;
        };
        let req = match parse_request(msg) {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(target: "unixctl", "{e}, closing connection");
                return;
            }
        };
        let params = serde_json::Value::Array(req.params.clone());
        tracing::debug!(target: "unixctl", "received request {}{params}, id={}", req.method, req.id);
        let main_loop = matches!(
            shared.commands.lookup(&req.method).map(|e| e.handler),
            Some(Handler::MainLoop)
        );
        if main_loop {
            shared.in_flight.enter();
        }
        let reply = dispatch(&req, &shared).await;
        let written = match reply {
            Some(reply) => {
                tracing::debug!(
                    target: "unixctl",
                    "replying with {}, id={}: \"{}\"",
                    if reply.is_ok() { "success" } else { "error" },
                    req.id,
                    reply.as_ref().unwrap_or_else(|e| e)
                );
                let bytes = reply_json(reply, req.id);
                stream.write_all(&bytes).await.is_ok()
            }
            None => false,
        };
        if main_loop {
            shared.in_flight.leave();
        }
        if !written {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    fn sock(tag: &str) -> PathBuf {
        std::env::temp_dir().join(format!("ovn-dd-unixctl-{}-{tag}.ctl", std::process::id()))
    }

    /// A test client that keeps what it read past a reply.
    struct Client {
        stream: UnixStream,
        framer: Framer,
        read: VecDeque<Value>,
    }

    impl Client {
        async fn connect(path: &Path) -> Client {
            Client {
                stream: UnixStream::connect(path).await.unwrap(),
                framer: Framer::new(MAX_MESSAGE),
                read: VecDeque::new(),
            }
        }
        async fn send(&mut self, raw: &[u8]) {
            let _ = self.stream.write_all(raw).await;
        }
        /// The next reply, or `None` once the server closed the connection.
        async fn reply(&mut self) -> Option<Value> {
            let mut chunk = [0u8; 4096];
            loop {
                if let Some(v) = self.read.pop_front() {
                    return Some(v);
                }
                match self.stream.read(&mut chunk).await {
                    Ok(0) | Err(_) => return None,
                    Ok(n) => {
                        let mut got = Vec::new();
                        self.framer.feed(&chunk[..n], &mut got).unwrap();
                        self.read.extend(got);
                    }
                }
            }
        }
    }

    /// Sends `raw` on a new connection and reads one reply.
    async fn ask(path: &Path, raw: &[u8]) -> Option<Value> {
        let mut c = Client::connect(path).await;
        c.send(raw).await;
        c.reply().await
    }

    fn request(method: &str, params: &[&str], id: u32) -> Vec<u8> {
        serde_json::to_vec(&json!({"method": method, "params": params, "id": id})).unwrap()
    }

    #[test]
    fn framer_splits_concatenated_messages() {
        // The shared framer, as the server uses it: complete values out, the rest kept.
        let data = br#" {"a":"}{\"x"} [1,[2]]{"b""#;
        let mut f = Framer::new(MAX_MESSAGE);
        let mut out = Vec::new();
        f.feed(data, &mut out).unwrap();
        assert_eq!(out, vec![json!({"a": "}{\"x"}), json!([1, [2]])]);
        out.clear();
        f.feed(br#":1}"#, &mut out).unwrap();
        assert_eq!(out, vec![json!({"b": 1})]);
        assert!(Framer::new(MAX_MESSAGE).feed(b"  42", &mut out).is_err());
    }

    #[test]
    fn builtins_arity_unknown_commands_and_main_loop_commands() {
        runtime().block_on(async {
            let path = sock("a");
            let commands = Commands::new();
            commands.register_defaults("prog 1.0\n".into());
            commands.register("exit", "", 0, 0);
            commands.register("parallel-build/set-n-threads", "N_THREADS", 1, 1);
            let (tx, mut rx) = mpsc::channel(4);
            let server = UnixctlServer::bind(&path, commands, tx).unwrap();
            // The "main loop": answers from the channel.
            tokio::spawn(async move {
                while let Some(cmd) = rx.recv().await {
                    match cmd.name.as_str() {
                        "exit" => cmd.ok(""),
                        _ => {
                            let a = cmd.args[0].clone();
                            cmd.err(format!("invalid n_threads: {a}"))
                        }
                    }
                }
            });
            let r = ask(&path, &request("version", &[], 1)).await.unwrap();
            assert_eq!(r, json!({"result": "prog 1.0\n", "error": null, "id": 1}));
            let r = ask(&path, &request("list-commands", &[], 2)).await.unwrap();
            assert_eq!(
                r["result"],
                "The available commands are:\n  exit                    \n  list-commands           \n  \
                 parallel-build/set-n-threads N_THREADS\n  version                 \n"
            );
            let r = ask(&path, &request("bogus", &[], 3)).await.unwrap();
            assert_eq!(
                r,
                json!({"result": null, "id": 3, "error":
                    "\"bogus\" is not a valid command (use \"list-commands\" to see a list of valid commands)\n"})
            );
            let r = ask(&path, &request("exit", &["1"], 4)).await.unwrap();
            assert_eq!(r["error"], "\"exit\" command takes at most 0 arguments\n");
            let r = ask(&path, &request("parallel-build/set-n-threads", &[], 5)).await.unwrap();
            assert_eq!(r["error"], "\"parallel-build/set-n-threads\" command requires at least 1 arguments\n");
            let r = ask(&path, br#"{"method":"parallel-build/set-n-threads","params":[1],"id":"x"}"#)
                .await
                .unwrap();
            assert_eq!(r["error"], "\"parallel-build/set-n-threads\" command has non-string argument\n");
            let r = ask(&path, &request("exit", &[], 6)).await.unwrap();
            assert_eq!(r, json!({"result": "", "error": null, "id": 6}));
            let r = ask(&path, &request("parallel-build/set-n-threads", &["0"], 7)).await.unwrap();
            assert_eq!(r["error"], "invalid n_threads: 0\n");
            server.close();
            assert!(!path.exists());
        });
    }

    #[test]
    fn pipelined_requests_and_concurrent_clients() {
        runtime().block_on(async {
            let path = sock("b");
            let commands = Commands::new();
            commands.register_defaults("v\n".into());
            commands.register("slow", "", 0, 0);
            let (tx, mut rx) = mpsc::channel::<Command>(4);
            let server = UnixctlServer::bind(&path, commands, tx).unwrap();
            // Holds the first "slow" until a second client has been served.
            let (held_tx, held_rx) = oneshot::channel::<Command>();
            tokio::spawn(async move {
                let first = rx.recv().await.unwrap();
                held_tx.send(first).unwrap();
            });
            let mut slow = Client::connect(&path).await;
            slow.send(&request("slow", &[], 1)).await;
            let held = held_rx.await.unwrap();
            // Another client is answered while the first waits for the main loop.
            let mut other = Client::connect(&path).await;
            let mut two = request("version", &[], 2);
            two.extend(request("list-commands", &[], 3));
            other.send(&two).await;
            assert_eq!(other.reply().await.unwrap()["id"], 2);
            assert_eq!(other.reply().await.unwrap()["id"], 3);
            held.ok("done");
            let r = slow.reply().await.unwrap();
            assert_eq!(r["result"], "done\n");
            server.drain(Duration::from_secs(1)).await;
            server.close();
        });
    }

    #[test]
    fn bad_input_closes_only_that_client() {
        runtime().block_on(async {
            let path = sock("c");
            let commands = Commands::new();
            commands.register_defaults("v\n".into());
            let (tx, _rx) = mpsc::channel(4);
            let server = UnixctlServer::bind(&path, commands, tx).unwrap();
            for bad in [
                &b"not json"[..],
                br#"{"method":"version","params":[]}"#, // a notification
                br#"{"result":"x","error":null,"id":1}"#,
                br#"{"method":"version","params":{},"id":1}"#,
                br#"{"method":"version","params":[],"id":1,"extra":2}"#,
                br#"{"method":"version","params":[],"id":1]"#,
            ] {
                assert_eq!(
                    ask(&path, bad).await,
                    None,
                    "{}",
                    String::from_utf8_lossy(bad)
                );
            }
            // Oversized: an endless string.
            let mut big = br#"{"method":"version","params":[""#.to_vec();
            big.resize(MAX_MESSAGE + 100_000, b'x');
            assert_eq!(ask(&path, &big).await, None);
            // The server still answers.
            let r = ask(&path, &request("version", &[], 9)).await.unwrap();
            assert_eq!(r["result"], "v\n");
            server.close();
        });
    }
}
