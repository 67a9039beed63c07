//! The real binary as a child process, for what only a real server shows:
//! slow clients over TCP, signals, what it writes to its logs.

use std::{
    io::{Read, Write},
    net::{TcpListener, TcpStream},
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

pub struct Service {
    pub child: Child,
    pub port: u16,
    pub dir: PathBuf,
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A plain HTTP/1.1 request; empty when nothing listens.
pub fn request(port: u16, head: &str) -> String {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return String::new();
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let _ = write!(stream, "{head}");
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer
}

pub fn get(port: u16, path: &str) -> String {
    request(
        port,
        &format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
    )
}

impl Service {
    /// Starts `todo_api-cli start` in development with a SQLite database of
    /// its own (unless `env` sets `DATABASE_URL`), its output in
    /// `dir/service.log`, and waits until `/_ping` answers.
    pub fn start(env: &[(&str, &str)]) -> Self {
        let port = free_port();
        let dir = std::env::temp_dir().join(format!("todo-service-{port}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a temp dir");
        let log = std::fs::File::create(dir.join("service.log")).expect("log file");
        let child = Command::new(env!("CARGO_BIN_EXE_todo_api-cli"))
            .arg("start")
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("LOCO_ENV", "development")
            .env("PORT", port.to_string())
            .env("BINDING", "127.0.0.1")
            .env(
                "DATABASE_URL",
                format!("sqlite://{}/db.sqlite?mode=rwc", dir.display()),
            )
            .env("BETTER_AUTH_URL", "")
            .env_remove("BETTER_AUTH_SECRET")
            .envs(env.iter().copied())
            .stdout(Stdio::from(log.try_clone().expect("log")))
            .stderr(Stdio::from(log))
            .spawn()
            .expect("start the service");
        let service = Self { child, port, dir };
        let started = Instant::now();
        while !get(port, "/_ping").contains("200 OK") {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the service did not start"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        service
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("service.log")).unwrap_or_default()
    }
}
