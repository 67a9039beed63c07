//! The server loop (`todo_api::server::serve`) on its own, over real TCP:
//! requests carry the peer's address; at the stop it refuses new
//! connections, closes idle ones, lets the request in flight finish, and
//! returns once every connection has closed. (`shutdown.rs` does the same
//! through the real binary and SIGTERM.)

use std::{net::SocketAddr, time::Duration};

use axum::{extract::ConnectInfo, routing::get, Router};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
    sync::oneshot,
    time::{sleep, timeout},
};

async fn read_to_end(stream: &mut TcpStream) -> String {
    let mut reply = Vec::new();
    timeout(Duration::from_secs(5), stream.read_to_end(&mut reply))
        .await
        .expect("the server closes the connection")
        .expect("read");
    String::from_utf8_lossy(&reply).into_owned()
}

#[tokio::test]
async fn requests_carry_the_peer_and_the_stop_closes_every_connection_gracefully() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    let router = Router::new()
        .route(
            "/peer",
            get(|ConnectInfo(peer): ConnectInfo<SocketAddr>| async move { peer.ip().to_string() }),
        )
        .route(
            "/slow",
            get(|| async {
                sleep(Duration::from_millis(400)).await;
                "done"
            }),
        );
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(todo_api::server::serve(listener, router, async {
        let _ = stopped.await;
    }));

    // The peer's address, on a connection the client closes.
    let mut peer = TcpStream::connect(address).await.expect("connect");
    peer.write_all(b"GET /peer HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .expect("write");
    let reply = read_to_end(&mut peer).await;
    assert!(reply.starts_with("HTTP/1.1 200 OK\r\n"), "{reply}");
    assert!(reply.ends_with("\r\n\r\n127.0.0.1"), "{reply}");

    // A kept-alive connection, idle after its request, and a request in flight.
    let mut idle = TcpStream::connect(address).await.expect("connect");
    idle.write_all(b"GET /peer HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .expect("write");
    let mut first = [0u8; 15];
    idle.read_exact(&mut first).await.expect("read");
    assert_eq!(&first, b"HTTP/1.1 200 OK");
    let mut slow = TcpStream::connect(address).await.expect("connect");
    slow.write_all(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .expect("write");
    sleep(Duration::from_millis(100)).await;

    stop.send(()).expect("the server is running");
    sleep(Duration::from_millis(100)).await;
    assert!(
        TcpStream::connect(address).await.is_err(),
        "no connection is accepted after the stop"
    );
    // The idle one is closed (what is left of its first reply, then the end).
    let rest = read_to_end(&mut idle).await;
    assert!(rest.ends_with("127.0.0.1"), "{rest}");
    assert!(
        !server.is_finished(),
        "the request in flight is still running"
    );
    // The one in flight gets its answer, then the close.
    let reply = read_to_end(&mut slow).await;
    assert!(reply.starts_with("HTTP/1.1 200 OK\r\n"), "{reply}");
    assert!(reply.ends_with("\r\n\r\ndone"), "{reply}");
    timeout(Duration::from_secs(2), server)
        .await
        .expect("the loop returns once every connection has closed")
        .expect("the loop does not panic");
}
