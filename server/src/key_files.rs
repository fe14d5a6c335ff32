//! Secret key files, and the server's signing key kept in one.
//!
//! A secret key file holds a 32-byte ed25519 seed as 64 hex digits and a newline, and
//! is readable only by its owner. The server reads its signing key (which signs the
//! review log and exports) from such a file, and makes the file when there is none;
//! `custody keygen` writes them too.

use std::io::Write as _;
use std::path::Path;

use anyhow::Context as _;

/// The server's signing key from `path`, made there (mode 0600) when there is none.
pub fn server_key(path: &Path) -> anyhow::Result<store::review_log::ServerKey> {
    own_seed(path, "the server's signing key").map(store::review_log::ServerKey::from_seed)
}

/// The seed of the secret key file at `path`, made there (mode 0600) when there is
/// none; `what` names the key in the log.
pub fn own_seed(path: &Path, what: &str) -> anyhow::Result<[u8; 32]> {
    if !path.exists() {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed)
            .map_err(|e| anyhow::anyhow!("no randomness from the OS: {e}"))?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        write_secret(path, &format!("{}\n", hex::encode(seed)))?;
        tracing::info!(path = %path.display(), "made {what}");
    }
    read_seed(path)
}

/// Refuses the signing key from `path` for `db` when the review log there is signed
/// with another key: a server or command given a key of its own, beside others
/// sharing the database, would append entries that no check of the log accepts.
pub async fn check_server_key(
    db: &store::Db,
    key: &store::review_log::ServerKey,
    path: &Path,
) -> anyhow::Result<()> {
    if !store::review_log::signed_with(db, key).await? {
        anyhow::bail!(
            "the review log in this database is signed with another key than {} (public key \
             {}): every server and command using one database must be given the same \
             signing key (--signing-key)",
            path.display(),
            key.public_key().to_hex()
        );
    }
    Ok(())
}

/// The 32-byte seed in the secret key file at `path`.
pub(crate) fn read_seed(path: &Path) -> anyhow::Result<[u8; 32]> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let bytes = hex::decode(text.trim())
        .ok()
        .and_then(|b| <[u8; 32]>::try_from(b).ok())
        .with_context(|| {
            format!(
                "{} is not a secret key file (64 hex digits, as `custody keygen` writes)",
                path.display()
            )
        })?;
    Ok(bytes)
}

/// Writes a secret key file: `text` into a new file at `path`, readable only by its
/// owner (mode 0600 on Unix).
pub(crate) fn write_secret(path: &Path, text: &str) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    file.write_all(text.as_bytes())
        .with_context(|| format!("writing {}", path.display()))
}
