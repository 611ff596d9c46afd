//! Filesystem stores with S3's key layout and conditional-write semantics: `create` is
//! `If-None-Match: *`, `replace` is `If-Match` on a content hash (like an S3 ETag). Every
//! write holds an exclusive file lock on the key and lands by atomic rename, so several
//! processes can share one state directory safely.

use std::fs::{self, File, OpenOptions};
use std::io::Write as _;
use std::path::{Component, Path, PathBuf};

use lockgate_core::ports::{
    async_trait, ChartStore, ObjectVersion, PortError, StateStore, StoreError, Versioned,
};
use sha2::{Digest as _, Sha256};

/// A directory of objects addressed by S3-style keys.
#[derive(Debug, Clone)]
pub struct FsStore {
    root: PathBuf,
}

fn version_of(bytes: &[u8]) -> ObjectVersion {
    ObjectVersion(format!("\"{}\"", hex::encode(Sha256::digest(bytes))))
}

fn io(op: &str, key: &str, e: std::io::Error) -> StoreError {
    StoreError::Port(PortError::transient(format!("{op} {key}"), e))
}

impl FsStore {
    /// A store rooted at `root` (created when missing).
    pub fn new(root: impl Into<PathBuf>) -> std::io::Result<FsStore> {
        let root = root.into();
        fs::create_dir_all(root.join(".locks"))?;
        Ok(FsStore { root })
    }

    /// The root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn path(&self, key: &str) -> Result<PathBuf, StoreError> {
        let p = Path::new(key);
        let ok = !key.is_empty()
            && !key.ends_with('/')
            && !key.contains('\\')
            && !key.starts_with('.')
            && p.components().all(|c| matches!(c, Component::Normal(_)));
        if !ok {
            return Err(StoreError::Port(PortError::permanent(
                format!("key {key:?}"),
                "keys are relative paths of plain names (no '..', no leading '/' or '.')"
                    .to_string(),
            )));
        }
        Ok(self.root.join(p))
    }

    fn lock(&self, key: &str) -> Result<File, StoreError> {
        let name = hex::encode(Sha256::digest(key.as_bytes()));
        let f = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(self.root.join(".locks").join(name))
            .map_err(|e| io("lock", key, e))?;
        f.lock().map_err(|e| io("lock", key, e))?;
        Ok(f)
    }

    fn read(&self, key: &str) -> Result<Option<Versioned>, StoreError> {
        let path = self.path(key)?;
        match fs::read(&path) {
            Ok(bytes) => Ok(Some(Versioned {
                version: version_of(&bytes),
                bytes,
            })),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io("read", key, e)),
        }
    }

    fn write(&self, key: &str, bytes: &[u8]) -> Result<ObjectVersion, StoreError> {
        let path = self.path(key)?;
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(|e| io("write", key, e))?;
        }
        let tmp = path.with_extension(format!("tmp-{}", std::process::id()));
        let mut f = File::create(&tmp).map_err(|e| io("write", key, e))?;
        f.write_all(bytes).map_err(|e| io("write", key, e))?;
        f.sync_all().map_err(|e| io("write", key, e))?;
        fs::rename(&tmp, &path).map_err(|e| io("write", key, e))?;
        Ok(version_of(bytes))
    }

    /// `create`, synchronously.
    pub fn create_sync(&self, key: &str, bytes: &[u8]) -> Result<ObjectVersion, StoreError> {
        let _lock = self.lock(key)?;
        if self.read(key)?.is_some() {
            return Err(StoreError::AlreadyExists {
                key: key.to_string(),
            });
        }
        self.write(key, bytes)
    }

    /// `replace`, synchronously.
    pub fn replace_sync(
        &self,
        key: &str,
        bytes: &[u8],
        expected: &ObjectVersion,
    ) -> Result<ObjectVersion, StoreError> {
        let _lock = self.lock(key)?;
        match self.read(key)? {
            Some(cur) if &cur.version == expected => self.write(key, bytes),
            _ => Err(StoreError::VersionMismatch {
                key: key.to_string(),
                expected: expected.0.clone(),
            }),
        }
    }

    /// Keys under `prefix`, sorted.
    pub fn list_sync(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        let mut out = Vec::new();
        let mut stack = vec![self.root.clone()];
        while let Some(dir) = stack.pop() {
            let entries = match fs::read_dir(&dir) {
                Ok(e) => e,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(io("list", prefix, e)),
            };
            for entry in entries {
                let entry = entry.map_err(|e| io("list", prefix, e))?;
                let path = entry.path();
                let name = entry.file_name();
                let name = name.to_string_lossy();
                if name.starts_with('.') || name.contains(".tmp-") {
                    continue;
                }
                if path.is_dir() {
                    stack.push(path);
                } else if let Ok(rel) = path.strip_prefix(&self.root) {
                    let key = rel.to_string_lossy().replace('\\', "/");
                    if key.starts_with(prefix) {
                        out.push(key);
                    }
                }
            }
        }
        out.sort();
        Ok(out)
    }
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| StoreError::Port(PortError::transient("filesystem task", e.to_string())))?
}

#[async_trait]
impl StateStore for FsStore {
    async fn get(&self, key: &str) -> Result<Option<Versioned>, StoreError> {
        let (s, k) = (self.clone(), key.to_string());
        blocking(move || s.read(&k)).await
    }

    async fn create(&self, key: &str, bytes: Vec<u8>) -> Result<ObjectVersion, StoreError> {
        let (s, k) = (self.clone(), key.to_string());
        blocking(move || s.create_sync(&k, &bytes)).await
    }

    async fn replace(
        &self,
        key: &str,
        bytes: Vec<u8>,
        expected: &ObjectVersion,
    ) -> Result<ObjectVersion, StoreError> {
        let (s, k, v) = (self.clone(), key.to_string(), expected.clone());
        blocking(move || s.replace_sync(&k, &bytes, &v)).await
    }

    async fn list(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        let (s, p) = (self.clone(), prefix.to_string());
        blocking(move || s.list_sync(&p)).await
    }
}

/// A local Helm chart repository: `NAME-VERSION.tgz` files and `index.yaml` in a
/// directory (serve it over HTTP and `helm repo add` works).
#[derive(Debug, Clone)]
pub struct FsChartStore {
    store: FsStore,
}

impl FsChartStore {
    /// A repository in `dir`.
    pub fn new(dir: impl Into<PathBuf>) -> std::io::Result<FsChartStore> {
        Ok(FsChartStore {
            store: FsStore::new(dir)?,
        })
    }

    /// The repository directory.
    pub fn dir(&self) -> &Path {
        self.store.root()
    }
}

#[async_trait]
impl ChartStore for FsChartStore {
    async fn put_archive(
        &self,
        name: &str,
        version: &str,
        bytes: Vec<u8>,
    ) -> Result<String, StoreError> {
        let key = format!("{name}-{version}.tgz");
        let s = self.store.clone();
        blocking(move || match s.create_sync(&key, &bytes) {
            Ok(_) => Ok(key),
            Err(StoreError::AlreadyExists { .. }) => match s.read(&key)? {
                Some(cur) if cur.bytes == bytes => Ok(key),
                _ => Err(StoreError::AlreadyExists { key }),
            },
            Err(e) => Err(e),
        })
        .await
    }

    async fn get_archive(&self, location: &str) -> Result<Vec<u8>, StoreError> {
        let (s, k) = (self.store.clone(), location.to_string());
        blocking(move || {
            s.read(&k)?.map(|v| v.bytes).ok_or_else(|| {
                StoreError::Port(PortError::permanent(
                    format!("get {k}"),
                    "no such chart archive".to_string(),
                ))
            })
        })
        .await
    }

    async fn get_index(&self) -> Result<Option<Versioned>, StoreError> {
        StateStore::get(&self.store, "index.yaml").await
    }

    async fn put_index(
        &self,
        bytes: Vec<u8>,
        expected: Option<&ObjectVersion>,
    ) -> Result<ObjectVersion, StoreError> {
        match expected {
            None => StateStore::create(&self.store, "index.yaml", bytes).await,
            Some(v) => StateStore::replace(&self.store, "index.yaml", bytes, v).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn create_is_if_none_match_and_replace_is_if_match() {
        let dir = tempfile::tempdir().unwrap();
        let s = FsStore::new(dir.path()).unwrap();
        let v1 = s
            .create("executions/a.json", b"one".to_vec())
            .await
            .unwrap();
        assert!(matches!(
            s.create("executions/a.json", b"two".to_vec()).await,
            Err(StoreError::AlreadyExists { .. })
        ));
        let v2 = s
            .replace("executions/a.json", b"two".to_vec(), &v1)
            .await
            .unwrap();
        assert!(matches!(
            s.replace("executions/a.json", b"three".to_vec(), &v1).await,
            Err(StoreError::VersionMismatch { .. })
        ));
        let got = s.get("executions/a.json").await.unwrap().unwrap();
        assert_eq!((got.bytes.as_slice(), got.version), (&b"two"[..], v2));
        assert!(s.get("executions/none.json").await.unwrap().is_none());
    }

    #[tokio::test]
    async fn keys_are_listed_by_prefix_and_hostile_keys_refused() {
        let dir = tempfile::tempdir().unwrap();
        let s = FsStore::new(dir.path()).unwrap();
        for k in ["apps/web/open/1", "apps/web/open/2", "apps/api/open/3"] {
            s.create(k, vec![]).await.unwrap();
        }
        assert_eq!(
            s.list("apps/web/open/").await.unwrap(),
            vec!["apps/web/open/1", "apps/web/open/2"]
        );
        for bad in ["../x", "/etc/passwd", "a/../../b", ".locks/x", ""] {
            assert!(s.get(bad).await.is_err(), "{bad}");
        }
    }

    #[test]
    fn concurrent_writers_never_lose_an_update() {
        let dir = tempfile::tempdir().unwrap();
        let s = FsStore::new(dir.path()).unwrap();
        s.create_sync("counter", b"0").unwrap();
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let s = s.clone();
                std::thread::spawn(move || {
                    for _ in 0..25 {
                        loop {
                            let cur = s.read("counter").unwrap().unwrap();
                            let n: u32 = std::str::from_utf8(&cur.bytes).unwrap().parse().unwrap();
                            if s.replace_sync(
                                "counter",
                                (n + 1).to_string().as_bytes(),
                                &cur.version,
                            )
                            .is_ok()
                            {
                                break;
                            }
                        }
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert_eq!(s.read("counter").unwrap().unwrap().bytes, b"100");
    }

    #[tokio::test]
    async fn chart_versions_are_immutable() {
        let dir = tempfile::tempdir().unwrap();
        let c = FsChartStore::new(dir.path()).unwrap();
        assert_eq!(
            c.put_archive("web", "1.0.0", b"a".to_vec()).await.unwrap(),
            "web-1.0.0.tgz"
        );
        assert_eq!(
            c.put_archive("web", "1.0.0", b"a".to_vec()).await.unwrap(),
            "web-1.0.0.tgz"
        );
        assert!(c.put_archive("web", "1.0.0", b"b".to_vec()).await.is_err());
        let v = c.put_index(b"x".to_vec(), None).await.unwrap();
        assert!(c.put_index(b"y".to_vec(), None).await.is_err());
        c.put_index(b"y".to_vec(), Some(&v)).await.unwrap();
    }
}
