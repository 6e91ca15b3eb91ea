//! A TCP proxy between the cores and one node, in the runner: the network faults of a real
//! federation (a slow line, connections dropped) without touching the node's code.
//!
//! The cores are given the proxy's address for that node. In [`Mode::Pass`] bytes go through
//! as they come; in [`Mode::Delay`] every chunk of the node's answers is held back first; in
//! [`Mode::Drop`] open connections are cut and new ones closed as soon as they are accepted.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::{Context, Result};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// What the proxy does to the traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Forward as is.
    Pass,
    /// Hold every chunk of the node's answers back this long.
    Delay(Duration),
    /// Cut every connection.
    Drop,
}

/// The running proxy; switch its mode with [`Proxy::set`].
pub struct Proxy {
    /// Where the cores connect.
    pub addr: SocketAddr,
    mode: watch::Sender<Mode>,
}

impl Proxy {
    /// Listens on `addr` and forwards to `upstream`.
    pub async fn start(addr: SocketAddr, upstream: SocketAddr) -> Result<Proxy> {
        let listener = TcpListener::bind(addr)
            .await
            .with_context(|| format!("binding the proxy on {addr}"))?;
        let (mode, watcher) = watch::channel(Mode::Pass);
        tokio::spawn(accept(listener, upstream, watcher));
        Ok(Proxy { addr, mode })
    }

    /// Changes what the proxy does, for open connections too.
    pub fn set(&self, mode: Mode) {
        self.mode.send_replace(mode);
    }
}

async fn accept(listener: TcpListener, upstream: SocketAddr, mode: watch::Receiver<Mode>) {
    while let Ok((inbound, _)) = listener.accept().await {
        if *mode.borrow() == Mode::Drop {
            drop(inbound);
            continue;
        }
        tokio::spawn(connection(inbound, upstream, mode.clone()));
    }
}

/// One proxied connection, until either side closes it or the mode becomes [`Mode::Drop`].
async fn connection(inbound: TcpStream, upstream: SocketAddr, mut mode: watch::Receiver<Mode>) {
    let Ok(outbound) = TcpStream::connect(upstream).await else {
        return;
    };
    let _ = inbound.set_nodelay(true);
    let _ = outbound.set_nodelay(true);
    let (mut in_read, mut in_write) = inbound.into_split();
    let (mut out_read, mut out_write) = outbound.into_split();
    let requests = async {
        let _ = tokio::io::copy(&mut in_read, &mut out_write).await;
    };
    let answers_mode = mode.clone();
    let answers = async move {
        let mut buffer = vec![0_u8; 64 * 1024];
        loop {
            let read = match out_read.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(read) => read,
            };
            let current = *answers_mode.borrow();
            if let Mode::Delay(delay) = current {
                tokio::time::sleep(delay).await;
            }
            if in_write.write_all(&buffer[..read]).await.is_err() {
                return;
            }
        }
    };
    let cut = async {
        loop {
            if *mode.borrow_and_update() == Mode::Drop {
                return;
            }
            if mode.changed().await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    };
    // Whichever ends first closes both sockets (they are dropped with this task).
    tokio::select! {
        () = requests => {}
        () = answers => {}
        () = cut => {}
    }
}
