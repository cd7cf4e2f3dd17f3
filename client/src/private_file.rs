//! Files only their owner may read (mode 600, in a directory of mode 700): the token cache here,
//! and the profiles of the command line. A file that others can read is refused, not used.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum PrivateFileError {
    #[error("{} is readable by other users (mode {mode:03o}); run `chmod 600 {}` and use it again", path.display(), path.display())]
    NotPrivate { path: PathBuf, mode: u32 },
    #[error("cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: io::Error },
    #[error("cannot write {}: {source}", path.display())]
    Write { path: PathBuf, source: io::Error },
}

/// The file's text; `None` when there is no such file.
pub fn read(path: &Path) -> Result<Option<String>, PrivateFileError> {
    let metadata = match std::fs::metadata(path) {
        Ok(metadata) => metadata,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(PrivateFileError::Read { path: path.to_owned(), source }),
    };
    if let Some(mode) = loose_mode(&metadata) {
        return Err(PrivateFileError::NotPrivate { path: path.to_owned(), mode });
    }
    std::fs::read_to_string(path).map(Some).map_err(|source| PrivateFileError::Read { path: path.to_owned(), source })
}

/// Writes the file whole (a temporary file renamed over it), readable by its owner only.
pub fn write(path: &Path, text: &str) -> Result<(), PrivateFileError> {
    let failed = |source| PrivateFileError::Write { path: path.to_owned(), source };
    if let Some(parent) = path.parent().filter(|parent| !parent.as_os_str().is_empty()) {
        private_dir_builder().create(parent).map_err(failed)?;
    }
    let temporary = path.with_extension(format!("tmp-{}", std::process::id()));
    let written = (|| {
        let mut file = private_file_options().open(&temporary)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        std::fs::rename(&temporary, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written.map_err(failed)
}

#[cfg(unix)]
fn loose_mode(metadata: &std::fs::Metadata) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    let mode = metadata.permissions().mode() & 0o777;
    (mode & 0o077 != 0).then_some(mode)
}

#[cfg(not(unix))]
fn loose_mode(_: &std::fs::Metadata) -> Option<u32> {
    None
}

#[cfg(unix)]
fn private_file_options() -> std::fs::OpenOptions {
    use std::os::unix::fs::OpenOptionsExt;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true).mode(0o600);
    options
}

#[cfg(not(unix))]
fn private_file_options() -> std::fs::OpenOptions {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    options
}

#[cfg(unix)]
fn private_dir_builder() -> std::fs::DirBuilder {
    use std::os::unix::fs::DirBuilderExt;
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true).mode(0o700);
    builder
}

#[cfg(not(unix))]
fn private_dir_builder() -> std::fs::DirBuilder {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    builder
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn written_files_are_private_and_loose_ones_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/profile.json");
        assert!(read(&path).unwrap().is_none());
        write(&path, "one").unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(std::fs::metadata(path.parent().unwrap()).unwrap().permissions().mode() & 0o777, 0o700);
        assert_eq!(read(&path).unwrap().as_deref(), Some("one"));

        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let error = read(&path).unwrap_err().to_string();
        assert!(error.contains("chmod 600") && error.contains("644"), "{error}");

        // Writing again replaces the loose file with a private one.
        write(&path, "two").unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(read(&path).unwrap().as_deref(), Some("two"));
    }
}
