//! Helpers shared by the integration tests: the real binary, real nodes on port 0.

use std::io::{BufRead, BufReader, Lines};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, ChildStdout, Command, ExitStatus, Output, Stdio};
use std::sync::Arc;
use std::time::Duration;

use prost::bytes::{Buf, BufMut, Bytes};
use sismatch_alert::Alert;
use sismatch_core::CoreConfig;
use sismatch_grpc::convert::alert_out;
use sismatch_node::{Node, NodeOptions};
use sismatch_proto::v1;
use sismatch_proto::v1::matching_core_client::MatchingCoreClient;
use sismatch_proto::v1::national_node_client::NationalNodeClient;
use sismatch_serve::{LocalFederation, MAX_MESSAGE};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tonic::codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::transport::Channel;

/// Runs the `sismatch` binary built for this test run with `args`.
pub fn sismatch(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sismatch"))
        .args(args)
        .output()
        .expect("the sismatch binary runs")
}

/// Runs `sismatch` with `args`, expects success, and parses its standard output as JSON.
pub fn sismatch_json(args: &[&str]) -> serde_json::Value {
    let output = sismatch(args);
    assert!(
        output.status.success(),
        "sismatch {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("stdout is JSON")
}

/// A node served in this test process, on a loopback port chosen by the system: the server
/// stack of `sismatch node` (`sismatch-serve`), open mode, its audit log in `dir/audit`.
pub struct InProcessNode {
    pub addr: SocketAddr,
    pub node: Arc<Node>,
    federation: LocalFederation,
}

impl InProcessNode {
    /// Opens the node of `country` on `dir` and serves it.
    pub async fn start(country: &str, dir: &Path) -> InProcessNode {
        InProcessNode::start_with(country, dir, NodeOptions::default()).await
    }

    /// [`InProcessNode::start`] with settings other than the defaults.
    pub async fn start_with(country: &str, dir: &Path, options: NodeOptions) -> InProcessNode {
        let federation = LocalFederation::builder()
            .node(country, dir)
            .node_options(options)
            .without_core()
            .start()
            .await
            .expect("the node opens and serves");
        let local = &federation.nodes()[0];
        InProcessNode {
            addr: local.addr,
            node: Arc::clone(&local.node),
            federation,
        }
    }

    /// A client of this node.
    pub async fn client(&self) -> NationalNodeClient<Channel> {
        client(self.addr).await
    }

    /// Stops serving and closes the node, releasing its folders.
    pub async fn stop(self) {
        self.federation.stop().await.expect("the node stops");
    }

    /// Waits until every stored change is searchable.
    pub async fn wait_indexed(&self) {
        assert!(
            self.node.wait_indexed(Duration::from_secs(30)).await,
            "the index did not catch up within 30 s"
        );
    }
}

/// A client of the node at `addr`.
pub async fn client(addr: SocketAddr) -> NationalNodeClient<Channel> {
    NationalNodeClient::connect(format!("http://{addr}"))
        .await
        .expect("connects to the node")
        .max_decoding_message_size(MAX_MESSAGE)
}

/// Imports `alerts` through the streaming RPC in batches of `batch`; returns the
/// acknowledgements.
pub async fn import(
    client: &mut NationalNodeClient<Channel>,
    alerts: &[Alert],
    batch: usize,
) -> Vec<v1::ImportAlertsResponse> {
    let requests: Vec<v1::ImportAlertsRequest> = alerts
        .chunks(batch)
        .enumerate()
        .map(|(b, chunk)| v1::ImportAlertsRequest {
            items: chunk
                .iter()
                .enumerate()
                .map(|(i, alert)| v1::ImportItem {
                    line: (b * batch + i + 1) as u64,
                    alert: Some(alert_out(alert.clone())),
                })
                .collect(),
        })
        .collect();
    let mut acks = client
        .import_alerts(tokio_stream::iter(requests))
        .await
        .expect("import accepted")
        .into_inner();
    let mut all = Vec::new();
    while let Some(ack) = acks.message().await.expect("acknowledgement") {
        all.push(ack);
    }
    all
}

/// A `sismatch node` process on a loopback port chosen by the system.
pub struct NodeProcess {
    pub addr: SocketAddr,
    /// The metrics endpoint, when started with `--metrics`.
    pub metrics: Option<SocketAddr>,
    pub child: Child,
}

impl NodeProcess {
    /// Starts `sismatch node` for `country` on `dir` and reads the address it prints.
    pub fn spawn(country: &str, dir: &Path) -> NodeProcess {
        NodeProcess::spawn_on(country, dir, "127.0.0.1:0")
    }

    /// Starts `sismatch node` for `country` on `dir`, listening on `listen`.
    pub fn spawn_on(country: &str, dir: &Path, listen: &str) -> NodeProcess {
        NodeProcess::spawn_with(country, dir, &["--listen", listen])
    }

    /// Starts `sismatch node` for `country` on `dir` with `extra` flags (which must give
    /// `--listen`), and reads the addresses it prints: gRPC first, then metrics when
    /// `--metrics` is among `extra`.
    pub fn spawn_with(country: &str, dir: &Path, extra: &[&str]) -> NodeProcess {
        let log = std::fs::File::create(dir.with_extension("log")).expect("log file");
        let mut child = Command::new(env!("CARGO_BIN_EXE_sismatch"))
            .args(["node", "--country", country, "--data"])
            .arg(dir)
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("sismatch node starts");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let first = lines.next().expect("the node prints its address");
        let addr = first
            .expect("stdout readable")
            .trim()
            .parse()
            .expect("the first line is the bound address");
        let metrics = extra
            .contains(&"--metrics")
            .then(|| metrics_line(&mut lines));
        NodeProcess {
            addr,
            metrics,
            child,
        }
    }

    /// Kills the process with SIGKILL: no shutdown, no flush.
    pub fn kill(mut self) {
        self.child.kill().expect("kill -9");
        self.child.wait().expect("reaped");
    }
}

impl Drop for NodeProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A server process started by a test, killed when dropped: a failing test leaves nothing
/// running.
pub struct Running(pub Child);

impl Running {
    /// Starts `sismatch args` with standard error in `log`; returns it, the address it prints
    /// on its first line, and the rest of its standard output.
    pub fn spawn(
        args: &[String],
        log: &Path,
    ) -> (Running, SocketAddr, Lines<BufReader<ChildStdout>>) {
        let mut child = Command::new(env!("CARGO_BIN_EXE_sismatch"))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(log).expect("log file"))
            .spawn()
            .expect("sismatch starts");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let addr = lines
            .next()
            .expect("the server prints its address")
            .expect("stdout readable")
            .trim()
            .parse()
            .expect("the first line is the bound address");
        (Running(child), addr, lines)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A node, a core over it and a Yamaha partner, each its own process, alive while held.
pub struct Servers {
    pub node: SocketAddr,
    pub core: SocketAddr,
    pub partner: SocketAddr,
    _processes: (NodeProcess, Running, Running),
}

impl Servers {
    /// Starts the three processes with their data and logs in `dir`.
    pub fn spawn(dir: &Path) -> Servers {
        let node = NodeProcess::spawn("NL", &dir.join("nl"));
        let args: Vec<String> = ["core", "--listen", "127.0.0.1:0", "--node"]
            .iter()
            .map(ToString::to_string)
            .chain([format!("NL={}", node.addr)])
            .collect();
        let (core_process, core, _) = Running::spawn(&args, &dir.join("core.log"));
        let register = dir.join("register");
        let args: Vec<String> = ["partner", "--maker", "YAMAHA", "--listen", "127.0.0.1:0"]
            .iter()
            .map(ToString::to_string)
            .chain(["--data".to_string(), register.display().to_string()])
            .collect();
        let (partner_process, partner, _) = Running::spawn(&args, &dir.join("partner.log"));
        Servers {
            node: node.addr,
            core,
            partner,
            _processes: (node, core_process, partner_process),
        }
    }
}

/// Sends bytes as they are and reads answers as bytes.
#[derive(Debug, Clone, Copy)]
pub struct RawCodec;

impl Codec for RawCodec {
    type Encode = Vec<u8>;
    type Decode = Bytes;
    type Encoder = RawCodec;
    type Decoder = RawCodec;

    fn encoder(&mut self) -> RawCodec {
        RawCodec
    }

    fn decoder(&mut self) -> RawCodec {
        RawCodec
    }
}

impl Encoder for RawCodec {
    type Item = Vec<u8>;
    type Error = tonic::Status;

    fn encode(&mut self, item: Vec<u8>, buf: &mut EncodeBuf<'_>) -> Result<(), tonic::Status> {
        buf.put_slice(&item);
        Ok(())
    }
}

impl Decoder for RawCodec {
    type Item = Bytes;
    type Error = tonic::Status;

    fn decode(&mut self, buf: &mut DecodeBuf<'_>) -> Result<Option<Bytes>, tonic::Status> {
        Ok(Some(buf.copy_to_bytes(buf.remaining())))
    }
}

/// Sends SIGTERM to `child`, as Kubernetes does before a pod goes, and waits for it to exit
/// (at most 30 s, or the test fails).
pub async fn terminate(child: &mut Child) -> ExitStatus {
    let pid = child.id().to_string();
    let sent = Command::new("kill").args(["-TERM", &pid]).status();
    assert!(sent.is_ok_and(|s| s.success()), "kill -TERM {pid}");
    let started = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("the process can be waited for") {
            return status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no exit within 30 s of SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Reads the `metrics: ADDR` line a server prints after its gRPC address.
pub fn metrics_line(lines: &mut impl Iterator<Item = std::io::Result<String>>) -> SocketAddr {
    let line = lines
        .next()
        .expect("the server prints its metrics address")
        .expect("stdout readable");
    line.trim()
        .strip_prefix("metrics: ")
        .unwrap_or_else(|| panic!("'{line}' is not `metrics: ADDR`"))
        .parse()
        .expect("a socket address")
}

/// Scrapes `GET /metrics` at `addr` over plain HTTP/1.1 and returns the body.
pub async fn scrape(addr: SocketAddr) -> String {
    let mut stream = TcpStream::connect(addr).await.expect("metrics endpoint");
    stream
        .write_all(b"GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .expect("request sent");
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .await
        .expect("response read");
    let (head, body) = response.split_once("\r\n\r\n").expect("an HTTP response");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: text/plain"),
        "{head}"
    );
    body.to_string()
}

/// The value of the series `name{labels}` (labels in the exporter's order) in a scrape.
pub fn series(scrape: &str, name: &str, labels: &str) -> Option<f64> {
    let prefix = if labels.is_empty() {
        format!("{name} ")
    } else {
        format!("{name}{{{labels}}} ")
    };
    scrape
        .lines()
        .find_map(|line| line.strip_prefix(&prefix))
        .and_then(|value| value.trim().parse().ok())
}

/// A matching core served in this test process, on a loopback port chosen by the system: the
/// server stack of `sismatch core` (`sismatch-serve`), open mode, its audit log in a temporary
/// folder.
pub struct InProcessCore {
    pub addr: SocketAddr,
    federation: LocalFederation,
}

impl InProcessCore {
    /// Starts a core over `nodes` (`(name, country, address)`), with `deadline` as its default
    /// fan-out deadline.
    pub async fn start(nodes: &[(&str, &str, SocketAddr)], deadline: Duration) -> InProcessCore {
        let mut builder = LocalFederation::builder()
            .core_config(move |config: &mut CoreConfig| config.default_deadline = deadline);
        for (name, country, addr) in nodes {
            builder = builder.remote_node(name, country, &addr.to_string());
        }
        let federation = builder.start().await.expect("the core starts");
        let addr = federation.core().expect("a core").addr;
        InProcessCore { addr, federation }
    }

    /// A client of this core.
    pub async fn client(&self) -> MatchingCoreClient<Channel> {
        MatchingCoreClient::connect(format!("http://{}", self.addr))
            .await
            .expect("connects to the core")
            .max_decoding_message_size(MAX_MESSAGE)
    }

    /// Stops serving.
    pub async fn stop(self) {
        self.federation.stop().await.expect("the core stops");
    }
}

/// A TCP proxy on loopback that forwards to `upstream` and holds every answer back for
/// `delay`: a node made slow without touching its code.
pub async fn delaying_proxy(upstream: SocketAddr, delay: Duration) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local address");
    tokio::spawn(async move {
        while let Ok((inbound, _)) = listener.accept().await {
            tokio::spawn(async move {
                let Ok(outbound) = TcpStream::connect(upstream).await else {
                    return;
                };
                let (mut in_read, mut in_write) = inbound.into_split();
                let (mut out_read, mut out_write) = outbound.into_split();
                tokio::spawn(async move {
                    let _ = tokio::io::copy(&mut in_read, &mut out_write).await;
                });
                let mut buffer = vec![0_u8; 64 * 1024];
                loop {
                    let Ok(read) = out_read.read(&mut buffer).await else {
                        return;
                    };
                    if read == 0 {
                        return;
                    }
                    tokio::time::sleep(delay).await;
                    if in_write.write_all(&buffer[..read]).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    addr
}
