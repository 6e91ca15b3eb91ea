//! Helpers shared by the integration tests: the real binary, real nodes on port 0.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::time::Duration;

use sismatch_alert::Alert;
use sismatch_core::{Core, CoreConfig, MemberConfig};
use sismatch_grpc::convert::alert_out;
use sismatch_grpc::{CoreService, NodeService};
use sismatch_node::{Node, NodeConfig};
use sismatch_proto::v1;
use sismatch_proto::v1::matching_core_client::MatchingCoreClient;
use sismatch_proto::v1::matching_core_server::MatchingCoreServer;
use sismatch_proto::v1::national_node_client::NationalNodeClient;
use sismatch_proto::v1::national_node_server::NationalNodeServer;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tonic::transport::Channel;
use tonic::transport::server::TcpIncoming;

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

/// A node served in this test process, on a loopback port chosen by the system.
pub struct InProcessNode {
    pub addr: SocketAddr,
    pub node: Arc<Node>,
    stop: Option<oneshot::Sender<()>>,
    server: JoinHandle<()>,
}

impl InProcessNode {
    /// Opens the node of `country` on `dir` and serves it.
    pub async fn start(country: &str, dir: &Path) -> InProcessNode {
        let config = NodeConfig {
            country: country.to_string(),
            data_dir: dir.to_path_buf(),
        };
        let node = tokio::task::spawn_blocking(move || Node::open(config))
            .await
            .expect("open task")
            .expect("the node opens");
        let node = Arc::new(node);
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("local address");
        let (stop, stopped) = oneshot::channel::<()>();
        let service = NationalNodeServer::new(NodeService::new(Arc::clone(&node)))
            .max_decoding_message_size(16 * 1024 * 1024);
        let server = tokio::spawn(async move {
            tonic::transport::Server::builder()
                .add_service(service)
                .serve_with_incoming_shutdown(
                    TcpIncoming::from(listener).with_nodelay(Some(true)),
                    async {
                        let _ = stopped.await;
                    },
                )
                .await
                .expect("server runs");
        });
        InProcessNode {
            addr,
            node,
            stop: Some(stop),
            server,
        }
    }

    /// A client of this node.
    pub async fn client(&self) -> NationalNodeClient<Channel> {
        client(self.addr).await
    }

    /// Stops serving and closes the node, releasing its folders.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.server).await;
        let node = Arc::clone(&self.node);
        tokio::task::spawn_blocking(move || node.shutdown())
            .await
            .expect("shutdown task");
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
        .max_decoding_message_size(16 * 1024 * 1024)
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
    pub child: Child,
}

impl NodeProcess {
    /// Starts `sismatch node` for `country` on `dir` and reads the address it prints.
    pub fn spawn(country: &str, dir: &Path) -> NodeProcess {
        NodeProcess::spawn_on(country, dir, "127.0.0.1:0")
    }

    /// Starts `sismatch node` for `country` on `dir`, listening on `listen`.
    pub fn spawn_on(country: &str, dir: &Path, listen: &str) -> NodeProcess {
        let log = std::fs::File::create(dir.with_extension("log")).expect("log file");
        let mut child = Command::new(env!("CARGO_BIN_EXE_sismatch"))
            .args(["node", "--country", country, "--listen", listen, "--data"])
            .arg(dir)
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .expect("sismatch node starts");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("the node prints its address");
        let addr = line
            .trim()
            .parse()
            .expect("the first line is the bound address");
        NodeProcess { addr, child }
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

/// A matching core served in this test process, on a loopback port chosen by the system.
pub struct InProcessCore {
    pub addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    server: JoinHandle<()>,
}

impl InProcessCore {
    /// Starts a core over `nodes` (`(name, country, address)`), with `deadline` as its default
    /// fan-out deadline.
    pub async fn start(nodes: &[(&str, &str, SocketAddr)], deadline: Duration) -> InProcessCore {
        let members = nodes
            .iter()
            .map(|(name, country, addr)| MemberConfig {
                name: (*name).to_string(),
                country: (*country).to_string(),
                address: format!("http://{addr}"),
            })
            .collect();
        let mut config = CoreConfig::new(members);
        config.default_deadline = deadline;
        let core = Arc::new(Core::new(config).expect("valid core config"));
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("local address");
        let (stop, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            tonic::transport::Server::builder()
                .add_service(MatchingCoreServer::new(CoreService::new(core)))
                .serve_with_incoming_shutdown(
                    TcpIncoming::from(listener).with_nodelay(Some(true)),
                    async {
                        let _ = stopped.await;
                    },
                )
                .await
                .expect("core serves");
        });
        InProcessCore {
            addr,
            stop: Some(stop),
            server,
        }
    }

    /// A client of this core.
    pub async fn client(&self) -> MatchingCoreClient<Channel> {
        MatchingCoreClient::connect(format!("http://{}", self.addr))
            .await
            .expect("connects to the core")
            .max_decoding_message_size(16 * 1024 * 1024)
    }

    /// Stops serving.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = (&mut self.server).await;
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
