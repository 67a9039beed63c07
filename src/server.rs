//! The HTTP/1.1 server loop `App::serve` runs.
//!
//! axum's `serve` first reads up to 24 bytes of each connection to tell an
//! HTTP/2 preface (which this build does not speak: axum has no `http2`
//! here), then hands them back to hyper in front of the socket. hyper's
//! read buffer starts with those bytes, so its next full read does not fit
//! and the buffer doubles, for as long as the connection lives. Serving
//! HTTP/1.1 straight keeps every open connection (a stream lives for hours)
//! at hyper's first buffer; what that saves with many streams open is in
//! `docs/benchmark.md`.
//!
//! Otherwise it does what axum's does: every request carries the peer's
//! address (`ConnectInfo`); on the stop signal the loop stops accepting,
//! asks each connection to finish the request in flight and close, and
//! returns once all have closed. Sockets go without Nagle's delay, so an
//! event written to a stream leaves at once, not after the client's
//! acknowledgement of the one before.

use std::{future::Future, io, net::SocketAddr, pin::pin, time::Duration};

use axum::{extract::ConnectInfo, Router};
use hyper::{body::Incoming, server::conn::http1, service::service_fn, Request};
use hyper_util::rt::TokioIo;
use tokio::{
    net::{TcpListener, TcpStream},
    sync::{mpsc, watch},
};
use tower::ServiceExt;

/// Serves `router` on `listener` until `stop` completes, then until every
/// connection has closed.
pub async fn serve(listener: TcpListener, router: Router, stop: impl Future<Output = ()>) {
    let (stopping, stop_seen) = watch::channel(false);
    // Each connection holds a sender; `recv` ends when the last is dropped.
    let (open, mut all_closed) = mpsc::channel::<()>(1);
    let mut stop = pin!(stop);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut stop => break,
        };
        match accepted {
            // Spawned as it is: wrapped in another `async` block, the
            // connection's future would be held twice in its task.
            Ok((stream, peer)) => drop(tokio::spawn(connection(
                stream,
                peer,
                router.clone(),
                stop_seen.clone(),
                open.clone(),
            ))),
            Err(error) => refused(&error).await,
        }
    }
    drop(listener);
    let _ = stopping.send(true);
    drop(open);
    let _ = all_closed.recv().await;
}

/// One connection, to its end or to the stop signal's graceful close;
/// `open` is dropped when it has closed.
async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    router: Router,
    mut stop: watch::Receiver<bool>,
    open: mpsc::Sender<()>,
) {
    if let Err(error) = stream.set_nodelay(true) {
        tracing::debug!(%error, "TCP_NODELAY could not be set");
    }
    let service = service_fn(move |mut request: Request<Incoming>| {
        request.extensions_mut().insert(ConnectInfo(peer));
        router.clone().oneshot(request)
    });
    let mut connection = pin!(http1::Builder::new()
        .serve_connection(TokioIo::new(stream), service)
        .with_upgrades());
    tokio::select! {
        result = connection.as_mut() => {
            if let Err(error) = result {
                tracing::trace!(%error, "connection ended with an error");
            }
        }
        () = async {
            // The guard `wait_for` returns is not `Send`: let it go here.
            let _ = stop.wait_for(|stopping| *stopping).await;
        } => {
            connection.as_mut().graceful_shutdown();
            if let Err(error) = connection.await {
                tracing::trace!(%error, "connection ended with an error");
            }
        }
    }
    drop(open);
}

/// An `accept` that failed. A connection reset or aborted before it was
/// accepted is the peer's business; anything else (out of file
/// descriptors, say) is logged and waited out for a second, as axum does.
async fn refused(error: &io::Error) {
    if matches!(
        error.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    ) {
        return;
    }
    tracing::error!(%error, "accepting a connection failed");
    tokio::time::sleep(Duration::from_secs(1)).await;
}
