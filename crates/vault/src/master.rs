//! The master key and where it comes from. It never enters the database: it is read from a key
//! file (mode 0600), from the environment, or from any other [`KeyProvider`] (a KMS or HSM
//! client would implement the trait and unwrap data keys on the service's side instead).

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::VaultError;

/// Hex master keys, comma-separated, the last one current (older ones stay during a rotation).
pub const MASTER_KEY_ENV: &str = "WHEREABOUTS_MASTER_KEY";
/// A key file to use instead of the one beside the database.
pub const MASTER_KEY_FILE_ENV: &str = "WHEREABOUTS_MASTER_KEY_FILE";

const FILE_HEADER: &str = "# Whereabouts master keys. Keep this file outside the database and its backups,\n# readable by the service account only. One key per line; the last one is current.\n";
const LINE_PREFIX: &str = "mk1 ";

/// A master key's public name: the first 8 bytes of SHA-256 over a context and the key, in hex.
/// Knowing it tells nothing about the key.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MasterKeyId(String);

impl MasterKeyId {
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Reads an id as stored next to a wrapped key.
    #[must_use]
    pub fn from_stored(text: &str) -> Self {
        Self(text.to_owned())
    }
}

impl fmt::Display for MasterKeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for MasterKeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MasterKeyId({})", self.0)
    }
}

/// 32 bytes of key material. `Debug` shows only the id; the bytes are zeroed on drop.
#[derive(Clone)]
pub struct MasterKey {
    id: MasterKeyId,
    bytes: Zeroizing<[u8; 32]>,
}

impl MasterKey {
    #[must_use]
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        let bytes = Zeroizing::new(bytes);
        let mut hasher = Sha256::new();
        hasher.update(b"whereabouts/master-key-id/v1\0");
        hasher.update(bytes.as_slice());
        let digest = hasher.finalize();
        Self {
            id: MasterKeyId(hex::encode(&digest[..8])),
            bytes,
        }
    }

    /// A fresh random key.
    ///
    /// # Errors
    /// When the operating system has no randomness.
    pub fn generate() -> Result<Self, VaultError> {
        Ok(Self::from_bytes(crate::random_bytes()?))
    }

    fn parse_hex(text: &str, source_name: &str) -> Result<Self, VaultError> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        hex::decode_to_slice(text.trim(), bytes.as_mut_slice()).map_err(|_| {
            VaultError::BadKey {
                source_name: source_name.to_owned(),
                reason: "a master key is 64 hexadecimal digits".into(),
            }
        })?;
        Ok(Self::from_bytes(*bytes))
    }

    #[must_use]
    pub fn id(&self) -> &MasterKeyId {
        &self.id
    }

    pub(crate) fn bytes(&self) -> &[u8; 32] {
        &self.bytes
    }

    /// The key in hex, for writing a key file or an environment variable. Handle with care.
    #[must_use]
    pub fn expose_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(hex::encode(self.bytes.as_slice()))
    }
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MasterKey({}, <redacted>)", self.id)
    }
}

/// Where master keys come from. The store asks for the current key when it wraps a new data
/// key, and for a key by id when it unwraps one; a provider that learns of a new key (a
/// rotation while the server runs) answers the new id without a restart.
pub trait KeyProvider: Send + Sync {
    /// Where the keys come from, for messages (never the key).
    fn describe(&self) -> String;
    /// The key that wraps new data keys.
    ///
    /// # Errors
    /// When no key is available.
    fn current(&self) -> Result<MasterKey, VaultError>;
    /// The key with this id, current or older.
    ///
    /// # Errors
    /// [`VaultError::UnknownMasterKey`] when the provider does not hold it.
    fn get(&self, id: &MasterKeyId) -> Result<MasterKey, VaultError>;
    /// The ids of every key the provider holds, oldest first.
    ///
    /// # Errors
    /// When the source cannot be read.
    fn ids(&self) -> Result<Vec<MasterKeyId>, VaultError>;
}

impl fmt::Debug for dyn KeyProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyProvider({})", self.describe())
    }
}

fn parse_list<'a>(
    items: impl Iterator<Item = &'a str>,
    source_name: &str,
) -> Result<Vec<MasterKey>, VaultError> {
    let keys = items
        .map(|text| MasterKey::parse_hex(text, source_name))
        .collect::<Result<Vec<_>, _>>()?;
    if keys.is_empty() {
        return Err(VaultError::BadKey {
            source_name: source_name.to_owned(),
            reason: "holds no key".into(),
        });
    }
    Ok(keys)
}

fn find(keys: &[MasterKey], id: &MasterKeyId) -> Option<MasterKey> {
    keys.iter().find(|k| &k.id == id).cloned()
}

/// Keys given in memory (tests, or a caller that fetched them itself).
pub struct StaticKeyProvider {
    keys: Vec<MasterKey>,
}

impl StaticKeyProvider {
    /// # Errors
    /// When `keys` is empty.
    pub fn new(keys: Vec<MasterKey>) -> Result<Self, VaultError> {
        if keys.is_empty() {
            return Err(VaultError::NoMasterKey);
        }
        Ok(Self { keys })
    }
}

impl KeyProvider for StaticKeyProvider {
    fn describe(&self) -> String {
        format!("{} key(s) in memory", self.keys.len())
    }
    fn current(&self) -> Result<MasterKey, VaultError> {
        self.keys.last().cloned().ok_or(VaultError::NoMasterKey)
    }
    fn get(&self, id: &MasterKeyId) -> Result<MasterKey, VaultError> {
        find(&self.keys, id).ok_or_else(|| VaultError::UnknownMasterKey(id.clone()))
    }
    fn ids(&self) -> Result<Vec<MasterKeyId>, VaultError> {
        Ok(self.keys.iter().map(|k| k.id.clone()).collect())
    }
}

/// Keys from [`MASTER_KEY_ENV`]: hex keys separated by commas, the last one current.
pub struct EnvKeyProvider {
    keys: Vec<MasterKey>,
}

impl EnvKeyProvider {
    /// `None` when the variable is unset or empty.
    ///
    /// # Errors
    /// When it is set but malformed.
    pub fn from_env() -> Result<Option<Self>, VaultError> {
        let Ok(text) = std::env::var(MASTER_KEY_ENV) else {
            return Ok(None);
        };
        let text = Zeroizing::new(text);
        if text.trim().is_empty() {
            return Ok(None);
        }
        let keys = parse_list(
            text.split(',').filter(|s| !s.trim().is_empty()),
            MASTER_KEY_ENV,
        )?;
        Ok(Some(Self { keys }))
    }
}

impl KeyProvider for EnvKeyProvider {
    fn describe(&self) -> String {
        format!("environment variable {MASTER_KEY_ENV}")
    }
    fn current(&self) -> Result<MasterKey, VaultError> {
        self.keys.last().cloned().ok_or(VaultError::NoMasterKey)
    }
    fn get(&self, id: &MasterKeyId) -> Result<MasterKey, VaultError> {
        find(&self.keys, id).ok_or_else(|| VaultError::UnknownMasterKey(id.clone()))
    }
    fn ids(&self) -> Result<Vec<MasterKeyId>, VaultError> {
        Ok(self.keys.iter().map(|k| k.id.clone()).collect())
    }
}

/// A key file: a comment header, then one `mk1 <64 hex digits>` line per key, the last one
/// current. Written with mode 0600. Read again whenever an unknown key id is asked for, so a
/// rotation done by another process is picked up without a restart.
pub struct FileKeyProvider {
    path: PathBuf,
    cache: Mutex<Arc<Vec<MasterKey>>>,
}

impl FileKeyProvider {
    /// Opens an existing key file.
    ///
    /// # Errors
    /// When the file is missing, unreadable or malformed.
    pub fn open(path: &Path) -> Result<Self, VaultError> {
        let keys = read_key_file(path)?;
        Ok(Self {
            path: path.to_path_buf(),
            cache: Mutex::new(Arc::new(keys)),
        })
    }

    /// Opens the key file, creating it with one fresh key (mode 0600) if it does not exist.
    ///
    /// # Errors
    /// When it cannot be created or read.
    pub fn open_or_create(path: &Path) -> Result<Self, VaultError> {
        if !path.exists() {
            let key = MasterKey::generate()?;
            write_key_file(path, std::slice::from_ref(&key), true)?;
        }
        Self::open(path)
    }

    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn keys(&self) -> Arc<Vec<MasterKey>> {
        self.cache
            .lock()
            .map_or_else(|p| Arc::clone(&p.into_inner()), |k| Arc::clone(&k))
    }

    fn reload(&self) -> Result<Arc<Vec<MasterKey>>, VaultError> {
        let keys = Arc::new(read_key_file(&self.path)?);
        if let Ok(mut cache) = self.cache.lock() {
            *cache = Arc::clone(&keys);
        }
        Ok(keys)
    }

    /// Appends a fresh key, which becomes current. Older keys stay until [`Self::retire`].
    ///
    /// # Errors
    /// When the file cannot be written.
    pub fn add_new_key(&self) -> Result<MasterKeyId, VaultError> {
        let mut keys = read_key_file(&self.path)?;
        let key = MasterKey::generate()?;
        let id = key.id.clone();
        keys.push(key);
        write_key_file(&self.path, &keys, false)?;
        self.reload()?;
        Ok(id)
    }

    /// Removes every key except the current one.
    ///
    /// # Errors
    /// When the file cannot be written.
    pub fn retire_old_keys(&self) -> Result<Vec<MasterKeyId>, VaultError> {
        let mut keys = read_key_file(&self.path)?;
        let current = keys.pop().ok_or(VaultError::NoMasterKey)?;
        let retired = keys.iter().map(|k| k.id.clone()).collect();
        write_key_file(&self.path, &[current], false)?;
        self.reload()?;
        Ok(retired)
    }
}

impl KeyProvider for FileKeyProvider {
    fn describe(&self) -> String {
        format!("key file {}", self.path.display())
    }
    fn current(&self) -> Result<MasterKey, VaultError> {
        // Read again: another process may have rotated.
        self.reload()?
            .last()
            .cloned()
            .ok_or(VaultError::NoMasterKey)
    }
    fn get(&self, id: &MasterKeyId) -> Result<MasterKey, VaultError> {
        if let Some(key) = find(&self.keys(), id) {
            return Ok(key);
        }
        find(&self.reload()?, id).ok_or_else(|| VaultError::UnknownMasterKey(id.clone()))
    }
    fn ids(&self) -> Result<Vec<MasterKeyId>, VaultError> {
        Ok(self.reload()?.iter().map(|k| k.id.clone()).collect())
    }
}

fn file_error(path: &Path, reason: impl Into<String>) -> VaultError {
    VaultError::KeyFile {
        path: path.display().to_string(),
        reason: reason.into(),
    }
}

fn read_key_file(path: &Path) -> Result<Vec<MasterKey>, VaultError> {
    let text = Zeroizing::new(
        std::fs::read_to_string(path).map_err(|e| file_error(path, e.kind().to_string()))?,
    );
    let mut lines = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some(hex) = line.strip_prefix(LINE_PREFIX) else {
            return Err(file_error(
                path,
                format!("line {}: expected `mk1 <64 hex digits>`", number + 1),
            ));
        };
        lines.push((number + 1, hex));
    }
    let source_name = path.display().to_string();
    let keys = lines
        .into_iter()
        .map(|(number, hex)| MasterKey::parse_hex(hex, &format!("{source_name} line {number}")))
        .collect::<Result<Vec<_>, _>>()?;
    if keys.is_empty() {
        return Err(file_error(path, "holds no key"));
    }
    Ok(keys)
}

/// Writes the file through a temporary file and a rename, so a crash leaves the old or the new
/// file, never half of one. `create_new` refuses to replace an existing file.
fn write_key_file(path: &Path, keys: &[MasterKey], create_new: bool) -> Result<(), VaultError> {
    let mut text = Zeroizing::new(String::from(FILE_HEADER));
    for key in keys {
        text.push_str(LINE_PREFIX);
        text.push_str(&key.expose_hex());
        text.push('\n');
    }
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let result = (|| {
        let mut file = options
            .open(&tmp)
            .map_err(|e| file_error(&tmp, e.to_string()))?;
        file.write_all(text.as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(|e| file_error(&tmp, e.to_string()))?;
        if create_new && path.exists() {
            return Err(file_error(path, "already exists"));
        }
        std::fs::rename(&tmp, path).map_err(|e| file_error(path, e.to_string()))?;
        if let Some(dir) = dir
            && let Ok(handle) = std::fs::File::open(dir)
        {
            let _ = handle.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// The provider named by the environment: [`MASTER_KEY_ENV`] first, then
/// [`MASTER_KEY_FILE_ENV`] (created if missing). `None` when neither is set.
///
/// # Errors
/// When a variable is set but its key cannot be read.
pub fn provider_from_env() -> Result<Option<Arc<dyn KeyProvider>>, VaultError> {
    if let Some(env) = EnvKeyProvider::from_env()? {
        return Ok(Some(Arc::new(env)));
    }
    match std::env::var_os(MASTER_KEY_FILE_ENV) {
        Some(path) if !path.is_empty() => Ok(Some(Arc::new(FileKeyProvider::open_or_create(
            Path::new(&path),
        )?))),
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_file_is_private_and_rotates() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("master.key");
        let provider = FileKeyProvider::open_or_create(&path).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let first = provider.current().unwrap();
        // Opening again does not replace the key.
        let again = FileKeyProvider::open_or_create(&path).unwrap();
        assert_eq!(again.current().unwrap().id(), first.id());
        let second = provider.add_new_key().unwrap();
        assert_ne!(&second, first.id());
        // The other handle learns the new key without being reopened.
        assert_eq!(again.get(&second).unwrap().id(), &second);
        assert_eq!(again.current().unwrap().id(), &second);
        assert!(again.get(first.id()).is_ok());
        provider.retire_old_keys().unwrap();
        // A process started after the retirement no longer has the old key.
        let later = FileKeyProvider::open(&path).unwrap();
        assert!(matches!(
            later.get(first.id()),
            Err(VaultError::UnknownMasterKey(_))
        ));
    }

    #[test]
    fn secrets_never_print() {
        let key = MasterKey::from_bytes([7u8; 32]);
        let shown = format!("{key:?}");
        assert!(!shown.contains(&hex::encode([7u8; 32])));
        assert!(shown.contains("redacted"));
    }

    #[test]
    fn malformed_key_files_name_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.key");
        std::fs::write(&path, "# header\nmk1 00ff\n").unwrap();
        let error = FileKeyProvider::open(&path).err().unwrap().to_string();
        assert!(error.contains("line 2"), "{error}");
        std::fs::write(&path, "# only a comment\n").unwrap();
        assert!(FileKeyProvider::open(&path).is_err());
        std::fs::write(&path, "secret\n").unwrap();
        let error = FileKeyProvider::open(&path).err().unwrap().to_string();
        assert!(
            error.contains("line 1") && !error.contains("secret"),
            "{error}"
        );
    }
}
