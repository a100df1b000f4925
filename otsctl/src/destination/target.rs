//! Where `-o` may write, checked before the reveal: the path must end in a
//! file name, a new file must be creatable (proved by creating it empty as a
//! placeholder), and an existing one may be replaced only with `--force` and
//! only when it is a regular file we can write.

use std::fs::{self, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

use super::{create_private, show};
use crate::error::{Error, Exit, Result};

/// The empty file that reserves a new target's name until the secret
/// replaces it.
#[derive(Debug)]
pub(super) struct Placeholder {
    path: PathBuf,
    created: fs::Metadata,
}

impl Placeholder {
    /// Creates `path` empty and private; fails if anything is there.
    pub(super) fn create(path: &Path) -> Result<Self> {
        let file = create_private(path).map_err(|err| cannot_create(path, err))?;
        let created = file.metadata().map_err(|err| cannot_create(path, err))?;
        Ok(Self { path: path.to_path_buf(), created })
    }

    /// Whether the name still holds the empty file we created.
    pub(super) fn is_intact(&self) -> bool {
        fs::symlink_metadata(&self.path)
            .is_ok_and(|now| now.len() == 0 && same_file(&now, &self.created))
    }

    /// Removes the placeholder if it is still ours. Between the check and
    /// the removal only the owner of the file (or root) can swap it: in a
    /// sticky directory such as /tmp, nobody else may rename or remove it.
    pub(super) fn remove(&self) {
        if self.is_intact() {
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// Whether two metadata describe the same file.
#[cfg(unix)]
fn same_file(a: &fs::Metadata, b: &fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

/// Whether two metadata describe the same file (without inode numbers:
/// both are regular files).
#[cfg(not(unix))]
fn same_file(a: &fs::Metadata, b: &fs::Metadata) -> bool {
    a.is_file() && b.is_file()
}

/// Checks, without creating anything, that `target` names a file and that
/// an existing one may be replaced; returns whether it exists.
pub fn check_target(target: &Path, force: bool) -> Result<bool> {
    if !names_a_file(target) {
        return Err(Error::usage(format!("{} does not name a file", show(target)))
            .hint("end the path with a file name, such as secret.txt"));
    }
    match fs::symlink_metadata(target) {
        Ok(meta) => check_replaceable(target, &meta, force).map(|()| true),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(err) => Err(cannot_create(target, err)),
    }
}

/// Whether the path, as typed, ends in a file name: not in `/`, `.` or
/// `..` (`Path::file_name` would look past a trailing `/` or `.`).
fn names_a_file(path: &Path) -> bool {
    let bytes = path.as_os_str().as_encoded_bytes();
    let last = bytes.rsplit(|b| std::path::is_separator(char::from(*b))).next().unwrap_or_default();
    !matches!(last, b"" | b"." | b"..")
}

/// Refuses an existing target unless `force` is given and it is a regular
/// file that we may open for writing.
fn check_replaceable(target: &Path, meta: &fs::Metadata, force: bool) -> Result<()> {
    let shown = show(target);
    if let Some(kind) = special_kind(meta.file_type()) {
        let error = Error::usage(format!("{shown} is a {kind}, not a regular file"));
        return Err(match kind {
            "directory" => {
                error.hint(format!("to save the secret in it, name the file: {shown}/NAME"))
            }
            _ if force => error.hint("--force replaces only regular files"),
            _ => error,
        });
    }
    if !force {
        return Err(
            Error::usage(format!("{shown} already exists")).hint("pass --force to replace it")
        );
    }
    match OpenOptions::new().write(true).open(target) {
        Ok(_) => Ok(()),
        Err(err) => Err(Error::new(
            Exit::Usage,
            anyhow::Error::new(err).context(format!("cannot replace {shown}")),
        )),
    }
}

/// What a file that is not a regular file is, for messages.
fn special_kind(kind: fs::FileType) -> Option<&'static str> {
    if kind.is_file() {
        return None;
    }
    if kind.is_dir() {
        return Some("directory");
    }
    if kind.is_symlink() {
        return Some("symbolic link");
    }
    Some(device_kind(kind))
}

#[cfg(unix)]
fn device_kind(kind: fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if kind.is_fifo() {
        "named pipe"
    } else if kind.is_socket() {
        "socket"
    } else if kind.is_block_device() || kind.is_char_device() {
        "device"
    } else {
        "special file"
    }
}

#[cfg(not(unix))]
fn device_kind(_kind: fs::FileType) -> &'static str {
    "special file"
}

/// The usage error for a target that cannot be created.
fn cannot_create(target: &Path, err: io::Error) -> Error {
    let context = format!("cannot create {}", show(target));
    Error::new(Exit::Usage, anyhow::Error::new(err).context(context))
}

#[cfg(test)]
mod tests {
    use super::super::PendingFile;
    use super::super::tests::{entries, scratch};
    use super::*;

    /// Regression: `newdir/`, `afile/`, `x/.` and `..` passed the old check
    /// (`Path::file_name` looks past them) and failed only after the reveal.
    #[test]
    fn targets_that_name_no_file_are_refused_before_anything_is_created() {
        let dir = scratch("no-name");
        fs::write(dir.join("afile"), b"keep").expect("write");
        for name in ["newdir/", "afile/", "x/.", "x/..", ".", "..", "/", ""] {
            let target = if name.is_empty() { PathBuf::new() } else { dir.join(name) };
            let shown = show(&target);
            for force in [false, true] {
                let err = PendingFile::for_target(&target, force).expect_err(name);
                assert_eq!(err.exit(), Exit::Usage, "{name}");
                assert_eq!(
                    err.render(),
                    format!(
                        "otsctl: {shown} does not name a file\nhint: end the path with a file name, such as secret.txt\n"
                    ),
                    "{name}"
                );
            }
        }
        assert_eq!(entries(&dir), vec!["afile"]);
        assert_eq!(fs::read(dir.join("afile")).expect("read"), b"keep");
        fs::remove_dir_all(&dir).expect("cleanup");
    }

    /// Regression: a 256-byte name passed the old check (the temporary name
    /// is shorter) and failed only at the rename, after the reveal.
    #[test]
    fn names_that_cannot_exist_fail_before_the_reveal() {
        let dir = scratch("uncreatable");
        fs::write(dir.join("afile"), b"keep").expect("write");
        let long = dir.join("a".repeat(256));
        let err = PendingFile::for_target(&long, false).expect_err("too long");
        assert_eq!(err.exit(), Exit::Usage);
        assert_eq!(
            err.render(),
            format!("otsctl: cannot create {}: file name too long (os error 36)\n", show(&long))
        );
        let under_file = dir.join("afile/x");
        let err = PendingFile::for_target(&under_file, true).expect_err("not a directory");
        assert_eq!(
            err.render(),
            format!("otsctl: cannot create {}: not a directory (os error 20)\n", show(&under_file))
        );
        let missing = dir.join("nope/x");
        let err = PendingFile::for_target(&missing, false).expect_err("no directory");
        assert_eq!(
            err.render(),
            format!(
                "otsctl: cannot create {}: no such file or directory (os error 2)\n",
                show(&missing)
            )
        );
        assert_eq!(entries(&dir), vec!["afile"]);
        fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[cfg(unix)]
    #[test]
    fn force_refuses_everything_but_regular_files() {
        let dir = scratch("special");
        fs::create_dir(dir.join("sub")).expect("mkdir");
        fs::write(dir.join("file"), b"keep").expect("write");
        std::os::unix::fs::symlink("file", dir.join("link")).expect("symlink");
        let _socket = std::os::unix::net::UnixListener::bind(dir.join("sock")).expect("socket");
        let cases = [
            (dir.join("link"), "symbolic link"),
            (dir.join("sock"), "socket"),
            (PathBuf::from("/dev/null"), "device"),
        ];
        for (target, kind) in cases {
            let shown = show(&target);
            let err = PendingFile::for_target(&target, true).expect_err(kind);
            assert_eq!(err.exit(), Exit::Usage);
            assert_eq!(
                err.render(),
                format!(
                    "otsctl: {shown} is a {kind}, not a regular file\nhint: --force replaces only regular files\n"
                )
            );
            let err = PendingFile::for_target(&target, false).expect_err(kind);
            assert_eq!(err.render(), format!("otsctl: {shown} is a {kind}, not a regular file\n"));
        }
        let sub = dir.join("sub");
        let err = PendingFile::for_target(&sub, true).expect_err("directory");
        assert_eq!(
            err.render(),
            format!(
                "otsctl: {0} is a directory, not a regular file\nhint: to save the secret in it, name the file: {0}/NAME\n",
                show(&sub)
            )
        );
        assert_eq!(entries(&dir), vec!["file", "link", "sock", "sub"]);
        assert_eq!(fs::read(dir.join("file")).expect("read"), b"keep");
        fs::remove_dir_all(&dir).expect("cleanup");
    }
}
