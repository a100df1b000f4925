//! Writing a revealed secret to a file without ever leaving a half-written or
//! world-readable one behind.
//!
//! The secret is consumed by the reveal, so the file is prepared first: a
//! temporary file is created next to the target (mode 0600), which proves
//! the directory is writable before anything is consumed. After the reveal
//! the data is written and synced, and the temporary file is moved into
//! place: by `rename` when replacing is allowed, else by a hard link, which
//! refuses atomically when the target has appeared meanwhile. Until then,
//! dropping the value removes the temporary file.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::Context as _;

use crate::error::{Error, Exit, Result};
use crate::output;

/// How many numbered names are tried before giving up.
const MAX_NUMBERED: u32 = 1000;
/// How many random temporary names are tried; more than one collision
/// means something is wrong with the directory.
const MAX_TEMP_ATTEMPTS: u32 = 8;
/// How much of the target's name goes into the temporary name.
const MAX_TEMP_STEM: usize = 100;

/// A temporary file waiting to become its target.
#[derive(Debug)]
pub struct PendingFile {
    temp: PathBuf,
    dir: PathBuf,
    file: Option<File>,
    done: bool,
}

impl PendingFile {
    /// Prepares writing to `target` (for `-o`): refuses an existing target
    /// unless `force`, and creates the temporary file next to it.
    pub fn for_target(target: &Path, force: bool) -> Result<Self> {
        let shown = show(target);
        let name = target
            .file_name()
            .ok_or_else(|| Error::usage(format!("{shown} does not name a file")))?;
        match fs::symlink_metadata(target) {
            Ok(meta) if meta.is_dir() => {
                return Err(Error::usage(format!("{shown} is a directory")));
            }
            Ok(_) if !force => {
                return Err(Error::usage(format!("{shown} already exists"))
                    .hint("pass --force to replace it"));
            }
            _ => {}
        }
        Self::in_dir(parent_dir(target), &name.to_string_lossy())
    }

    /// Prepares writing a new file named after `name` in `dir`.
    pub fn in_dir(dir: &Path, name: &str) -> Result<Self> {
        let stem: String = name
            .chars()
            .scan(0, |len, c| {
                *len += c.len_utf8();
                (*len <= MAX_TEMP_STEM).then_some(c)
            })
            .collect();
        for _ in 0..MAX_TEMP_ATTEMPTS {
            let temp = dir.join(format!(".{stem}.otsctl-{}", random_suffix()?));
            match create_private(&temp) {
                Ok(file) => {
                    let dir = dir.to_path_buf();
                    return Ok(Self { temp, dir, file: Some(file), done: false });
                }
                Err(err) if err.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(err) => {
                    let context = format!("cannot create a file in {}", show(dir));
                    return Err(anyhow::Error::new(err).context(context).into());
                }
            }
        }
        Err(Error::msg(Exit::Failure, format!("no free temporary name in {}", show(dir))))
    }

    /// Writes `data` and moves the file to `target`, replacing an existing
    /// one only when `replace` is set.
    pub fn commit(mut self, data: &[u8], target: &Path, replace: bool) -> Result<()> {
        self.write(data)?;
        let moved = if replace { fs::rename(&self.temp, target) } else { self.link(target) };
        match moved {
            Ok(()) => self.finish(),
            Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {
                let saved = self.commit_numbered_written(target)?;
                Err(Error::msg(
                    Exit::Failure,
                    format!(
                        "{} appeared while the secret was being revealed; the secret was saved to {} instead",
                        show(target),
                        show(&saved)
                    ),
                ))
            }
            Err(err) => Err(anyhow::Error::new(err)
                .context(format!("cannot move the secret into {}", show(target)))
                .into()),
        }
    }

    /// Writes `data` to a new file named `name`, or `name-1`, `name-2`, ...
    /// in the directory; returns the path used.
    pub fn commit_numbered(mut self, data: &[u8], name: &str) -> Result<PathBuf> {
        self.write(data)?;
        let target = self.dir.join(name);
        self.commit_numbered_written(&target)
    }

    fn commit_numbered_written(&mut self, target: &Path) -> Result<PathBuf> {
        let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        for n in 0..MAX_NUMBERED {
            let candidate = self.dir.join(numbered(&name, n));
            match self.link(&candidate) {
                Ok(()) => return self.finish().map(|()| candidate),
                Err(err) if err.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(err) => {
                    let context = format!("cannot save the secret as {}", show(&candidate));
                    return Err(anyhow::Error::new(err).context(context).into());
                }
            }
        }
        Err(Error::msg(
            Exit::Failure,
            format!("no free file name like {} in {}", name, show(&self.dir)),
        ))
    }

    /// Writes and syncs the data; the file stays private until it is moved.
    fn write(&mut self, data: &[u8]) -> Result<()> {
        let Some(mut file) = self.file.take() else {
            return Err(Error::msg(Exit::Failure, "the temporary file was already used"));
        };
        file.write_all(data)
            .and_then(|()| file.sync_all())
            .with_context(|| format!("cannot write {}", show(&self.temp)))?;
        Ok(())
    }

    /// Links the temporary file as `target`, failing if `target` exists.
    fn link(&self, target: &Path) -> io::Result<()> {
        match fs::hard_link(&self.temp, target) {
            Ok(()) => Ok(()),
            Err(err) if err.kind() == io::ErrorKind::AlreadyExists => Err(err),
            // Some file systems have no hard links: check, then rename.
            Err(_) if fs::symlink_metadata(target).is_ok() => {
                Err(io::Error::from(io::ErrorKind::AlreadyExists))
            }
            Err(_) => fs::rename(&self.temp, target),
        }
    }

    /// Removes the temporary name (a no-op after a rename) and syncs the
    /// directory so the new name survives a crash.
    fn finish(&mut self) -> Result<()> {
        self.done = true;
        if let Err(err) = fs::remove_file(&self.temp)
            && err.kind() != io::ErrorKind::NotFound
        {
            output::warn(&format!("cannot remove {}: {err}", show(&self.temp)));
        }
        if let Ok(dir) = File::open(&self.dir) {
            // Not every file system can sync a directory; the data itself is synced.
            let _ = dir.sync_all();
        }
        Ok(())
    }
}

impl Drop for PendingFile {
    fn drop(&mut self) {
        if !self.done {
            self.file = None;
            let _ = fs::remove_file(&self.temp);
        }
    }
}

/// The directory a path lives in (`.` for a bare name).
fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

/// Creates a new file readable and writable by its owner only.
fn create_private(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// Twelve random hex characters, so temporary names cannot be predicted.
fn random_suffix() -> Result<String> {
    let mut bytes = [0u8; 6];
    getrandom::fill(&mut bytes)
        .map_err(|err| anyhow::anyhow!("the system's random number generator failed: {err}"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// `name` for 0, else a number before the extension: `secret-1.bin`,
/// `.env-1`, `id_ed25519-2`.
fn numbered(name: &str, n: u32) -> String {
    if n == 0 {
        return name.to_owned();
    }
    match name.rfind('.') {
        Some(dot) if dot > 0 => format!("{}-{n}{}", &name[..dot], &name[dot..]),
        _ => format!("{name}-{n}"),
    }
}

/// A path as it may be shown on a terminal.
pub fn show(path: &Path) -> String {
    output::escape(&path.display().to_string(), 300)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("otsctl-dest-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("create scratch dir");
        dir
    }

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .expect("read dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn numbered_names() {
        assert_eq!(numbered("secret.bin", 0), "secret.bin");
        assert_eq!(numbered("secret.bin", 1), "secret-1.bin");
        assert_eq!(numbered(".env", 2), ".env-2");
        assert_eq!(numbered("id_ed25519", 3), "id_ed25519-3");
    }

    #[test]
    fn commit_writes_private_file_and_leaves_no_temp() {
        let dir = scratch("commit");
        let target = dir.join("out.txt");
        let pending = PendingFile::for_target(&target, false).expect("prepare");
        assert_eq!(entries(&dir).len(), 1, "the temporary file exists before the reveal");
        pending.commit(b"a\r\nb\0", &target, false).expect("commit");
        assert_eq!(fs::read(&target).expect("read"), b"a\r\nb\0");
        assert_eq!(entries(&dir), vec!["out.txt"]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&target).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn existing_target_is_refused_unless_forced() {
        let dir = scratch("exists");
        let target = dir.join("out.txt");
        fs::write(&target, b"old").expect("write");
        let err = PendingFile::for_target(&target, false).expect_err("exists");
        assert_eq!(err.exit(), Exit::Usage);
        assert_eq!(entries(&dir), vec!["out.txt"]);

        let pending = PendingFile::for_target(&target, true).expect("forced");
        pending.commit(b"new", &target, true).expect("commit");
        assert_eq!(fs::read(&target).expect("read"), b"new");
        assert_eq!(entries(&dir), vec!["out.txt"]);
        fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn dropping_removes_the_temporary_file() {
        let dir = scratch("drop");
        let pending = PendingFile::for_target(&dir.join("x"), false).expect("prepare");
        drop(pending);
        assert!(entries(&dir).is_empty());
        fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn numbered_commit_never_overwrites() {
        let dir = scratch("numbered");
        fs::write(dir.join("secret.bin"), b"first").expect("write");
        let pending = PendingFile::in_dir(&dir, "secret.bin").expect("prepare");
        let saved = pending.commit_numbered(b"second", "secret.bin").expect("commit");
        assert_eq!(saved, dir.join("secret-1.bin"));
        assert_eq!(fs::read(dir.join("secret.bin")).expect("read"), b"first");
        assert_eq!(fs::read(&saved).expect("read"), b"second");
        assert_eq!(entries(&dir), vec!["secret-1.bin", "secret.bin"]);
        fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn target_appearing_late_is_not_overwritten() {
        let dir = scratch("race");
        let target = dir.join("out.txt");
        let pending = PendingFile::for_target(&target, false).expect("prepare");
        fs::write(&target, b"someone else").expect("write");
        let err = pending.commit(b"secret", &target, false).expect_err("appeared");
        assert_eq!(fs::read(&target).expect("read"), b"someone else");
        assert_eq!(fs::read(dir.join("out-1.txt")).expect("read"), b"secret");
        assert!(err.render().contains("was saved to"), "{}", err.render());
        fs::remove_dir_all(&dir).expect("cleanup");
    }
}
