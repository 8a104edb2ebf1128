//! The instance's Ed25519 signing key: generated on first start in the data directory (next to
//! the SQLite file, or `--key-dir`), readable by its owner only, never in the database or logs.
//! It signs checkpoints of the hash chain (`ward_store::chain`).

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use ed25519_dalek::SigningKey;

/// The private key file (64 hex digits) in the key directory.
pub const KEY_FILE: &str = "ward-instance.ed25519";
/// The public key file (64 hex digits), for outside verifiers.
pub const PUBLIC_KEY_FILE: &str = "ward-instance.ed25519.pub";

/// Where the instance key lives.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct KeyArgs {
    /// Directory of the instance signing key (default: the SQLite file's directory; the working
    /// directory for PostgreSQL).
    #[arg(long, env = "WARD_KEY_DIR")]
    pub key_dir: Option<PathBuf>,
}

impl KeyArgs {
    pub fn dir(&self, database_url: &str) -> PathBuf {
        if let Some(d) = &self.key_dir {
            return d.clone();
        }
        key_dir_for(database_url)
    }
}

/// The directory of the SQLite file of `database_url`, or `.`.
pub fn key_dir_for(database_url: &str) -> PathBuf {
    let Some(rest) = database_url.trim().strip_prefix("sqlite:") else { return PathBuf::from(".") };
    let path = rest.trim_start_matches("//").split('?').next().unwrap_or("");
    match Path::new(path).parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Loads the instance key from `dir`, generating it (and the public key file) when absent.
pub fn load_or_create(dir: &Path) -> anyhow::Result<SigningKey> {
    let path = dir.join(KEY_FILE);
    if path.exists() {
        return load(&path);
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating the key directory {}", dir.display()))?;
    let mut secret = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut secret);
    let key = SigningKey::from_bytes(&secret);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&path).with_context(|| format!("creating {}", path.display()))?;
    file.write_all(ward_store::chain::hex(&secret).as_bytes())?;
    file.sync_all()?;
    std::fs::write(dir.join(PUBLIC_KEY_FILE), format!("{}\n", ward_store::chain::hex(key.verifying_key().as_bytes())))?;
    tracing::info!(key.dir = %dir.display(), key.public = %ward_store::chain::hex(key.verifying_key().as_bytes()), "generated the instance signing key");
    Ok(key)
}

/// Loads an existing key, refusing one that others may read.
pub fn load(path: &Path) -> anyhow::Result<SigningKey> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).with_context(|| format!("reading {}", path.display()))?.permissions().mode();
        if mode & 0o077 != 0 {
            bail!("{} is readable by others (mode {:o}); run chmod 600 on it", path.display(), mode & 0o777);
        }
    }
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let bytes = ward_store::chain::unhex(text.trim()).and_then(|b| <[u8; 32]>::try_from(b).ok());
    match bytes {
        Some(b) => Ok(SigningKey::from_bytes(&b)),
        None => bail!("{} is not an Ed25519 key (64 hex digits expected)", path.display()),
    }
}

/// The public key of `dir`'s instance key, if there is one.
pub fn public_key(dir: &Path) -> anyhow::Result<Option<ed25519_dalek::VerifyingKey>> {
    let path = dir.join(KEY_FILE);
    if !path.exists() {
        return Ok(None);
    }
    Ok(Some(load(&path)?.verifying_key()))
}

/// Signs the chain head unless already signed; logs the checkpoint.
pub async fn checkpoint(store: &ward_store::Store, key: &SigningKey, why: &'static str) -> anyhow::Result<()> {
    if let Some(cp) = store.write_checkpoint(key, jiff::Timestamp::now()).await? {
        tracing::info!(chain.seq = cp.seq, chain.head = %cp.head_hash, reason = why, "signed a checkpoint of the hash chain");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_dir_follows_the_sqlite_file() {
        assert_eq!(key_dir_for("sqlite:/var/lib/ward/ward.db"), PathBuf::from("/var/lib/ward"));
        assert_eq!(key_dir_for("sqlite:ward.db"), PathBuf::from("."));
        assert_eq!(key_dir_for("postgres://u@h/db"), PathBuf::from("."));
    }

    #[test]
    fn generated_key_is_private_and_reloads() {
        let dir = tempfile::tempdir().unwrap();
        let key = load_or_create(dir.path()).unwrap();
        let again = load_or_create(dir.path()).unwrap();
        assert_eq!(key.to_bytes(), again.to_bytes());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(KEY_FILE)).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
            std::fs::set_permissions(dir.path().join(KEY_FILE), std::fs::Permissions::from_mode(0o644)).unwrap();
            assert!(load_or_create(dir.path()).is_err(), "a key others can read is refused");
        }
    }
}
