//! Running the `ward` binary, starting servers, and fresh databases on both backends.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Output, Stdio};

/// A key directory for the whole test process, so no instance signing key is ever created in
/// the working directory (next to a PostgreSQL-backed server's current directory).
fn key_dir() -> &'static std::path::Path {
    static DIR: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("tempdir")).path()
}

pub fn ward() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ward"));
    c.env_remove("WARD_DATABASE_URL").env("WARD_LOG", "warn").env("WARD_KEY_DIR", key_dir());
    c
}

/// Runs `ward ARGS` with `stdin` and returns its output.
pub fn run(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = ward().args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn ward");
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    } else {
        drop(child.stdin.take());
    }
    child.wait_with_output().unwrap()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).trim().to_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A fresh database URL: a temporary SQLite file, or a new PostgreSQL database when
/// `postgres` and `WARD_TEST_POSTGRES_URL` is set (None otherwise; CI always sets it).
pub fn fresh_database(postgres: bool, dir: &tempfile::TempDir) -> Option<String> {
    if !postgres {
        return Some(format!("sqlite:{}", dir.path().join("ward.db").display()));
    }
    let Ok(admin) = std::env::var("WARD_TEST_POSTGRES_URL") else {
        assert!(std::env::var("CI").is_err(), "CI must set WARD_TEST_POSTGRES_URL");
        eprintln!("postgres: skipped (WARD_TEST_POSTGRES_URL not set)");
        return None;
    };
    let name = format!("ward_cli_{}", std::process::id() as u64 * 1000 + rand_suffix());
    let status = Command::new("psql").args([admin.as_str(), "-q", "-c", &format!("CREATE DATABASE {name}")]).status().expect("psql");
    assert!(status.success(), "creating {name}");
    let base = admin.split('?').next().unwrap();
    let cut = base.rfind('/').unwrap();
    Some(format!("{}/{name}", &base[..cut]))
}

fn rand_suffix() -> u64 {
    use std::time::{SystemTime, UNIX_EPOCH};
    (SystemTime::now().duration_since(UNIX_EPOCH).unwrap().subsec_nanos() % 1000) as u64
}

/// A `ward serve` process on a free loopback port.
pub struct Server {
    pub child: Child,
    pub url: String,
}

impl Server {
    pub fn start(database_url: &str) -> Server {
        let mut child = ward()
            .args(["serve", "--bind", "127.0.0.1:0", "--database-url", database_url])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn ward serve");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
        let url = line.trim().rsplit(' ').next().unwrap().trim_end_matches('/').to_owned();
        assert!(url.starts_with("http://127.0.0.1:"), "unexpected first line {line:?}");
        Server { child, url }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Creates an organisation, an analyst and a token; returns the token.
pub fn seed_user(db: &str, org: &str, email: &str) -> String {
    let o = run(&["admin", "create-org", org, "--type", "hospital", "--country", "DE", "--database-url", db], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run(&["admin", "create-user", "--org", org, "--email", email, "--role", "analyst", "--database-url", db], Some("a long test password\n"));
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run(&["admin", "create-token", "--email", email, "--database-url", db], None);
    assert!(o.status.success(), "{}", stderr(&o));
    stdout(&o)
}

/// Appends a figure line to `$WARD_TEST_REPORT_DIR/NAME.txt` so the test script can print it.
pub fn report(name: &str, line: &str) {
    if let Ok(dir) = std::env::var("WARD_TEST_REPORT_DIR") {
        let _ = std::fs::create_dir_all(&dir);
        if let Ok(mut f) = std::fs::OpenOptions::new().create(true).append(true).open(format!("{dir}/{name}.txt")) {
            let _ = writeln!(f, "{line}");
        }
    }
    eprintln!("{line}");
}

/// The Python with the OASIS tools (`WARD_TEST_PYTHON`, set by scripts/test). Without it the
/// caller skips `what` — except under CI, where its absence is a failure, never a skip.
pub fn test_python(what: &str) -> Option<String> {
    match std::env::var("WARD_TEST_PYTHON") {
        Ok(p) => Some(p),
        Err(_) => {
            assert!(std::env::var("CI").is_err(), "CI must set WARD_TEST_PYTHON (scripts/test does) so {what} runs");
            eprintln!("{what}: skipped (WARD_TEST_PYTHON not set)");
            None
        }
    }
}
