//! Running the real `goalkeeper` binary for tests that need a live server.
#![allow(dead_code)]

use std::io::Write;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const BINARY: &str = env!("CARGO_BIN_EXE_goalkeeper");

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

pub fn wait_for_port(port: u16, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    while Instant::now() < deadline {
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

pub fn database_url(db: &Path) -> String {
    format!("sqlite://{}", db.display())
}

/// `goalkeeper user add`, with the password on standard input.
pub fn add_user(db: &Path, email: &str, name: &str, role: &str, password: &str) {
    let mut child = Command::new(BINARY)
        .args([
            "user", "add", "--email", email, "--name", name, "--role", role,
        ])
        .env("GOALKEEPER_DATABASE_URL", database_url(db))
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("start goalkeeper user add");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(format!("{password}\n").as_bytes())
        .expect("write password");
    assert!(
        child.wait().expect("user add finished").success(),
        "goalkeeper user add failed"
    );
}

/// A `goalkeeper serve` process on a free port; killed when dropped.
pub struct Server {
    pub child: Child,
    pub port: u16,
    pub db: PathBuf,
}

impl Server {
    pub fn start(db: &Path) -> Server {
        let port = free_port();
        let child = Command::new(BINARY)
            .arg("serve")
            .env("GOALKEEPER_DATABASE_URL", database_url(db))
            .env("GOALKEEPER_BIND", format!("127.0.0.1:{port}"))
            .env("GOALKEEPER_WORKERS", "2")
            .env("GOALKEEPER_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .expect("start goalkeeper serve");
        assert!(
            wait_for_port(port, Duration::from_secs(20)),
            "the server did not start listening"
        );
        Server {
            child,
            port,
            db: db.to_path_buf(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// SIGKILL: no shutdown, no flushing; what was committed must survive.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}
