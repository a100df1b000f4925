//! Writing a revealed secret to a file without ever losing it, leaving a
//! half-written or world-readable one behind, or replacing what it must not.
//!
//! The secret is consumed by the reveal, so everything that can be checked
//! is checked first. For `-o`, the target must end in a file name; a new
//! target is created empty (mode 0600) as a placeholder, which proves the
//! name can exist (no missing directory, no name too long); an existing one
//! is replaced only with `--force`, and only when it is a regular file we
//! may write. A temporary file is created next to it (mode 0600), which
//! proves the directory is writable.
//!
//! After the reveal the data is written and synced, and the temporary file
//! is moved into place: by `rename` when replacing is allowed or the target
//! is still our placeholder, else by a hard link, which refuses atomically
//! when someone else's file is there. Once the whole secret is in the
//! temporary file, nothing is deleted any more: if the move fails, the
//! error says where the secret is. Only a failure before that (no secret
//! written, or only part of it) removes the temporary file and the
//! placeholder.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Exit, Result};
use crate::output;

mod target;

use target::Placeholder;
pub use target::check_target;

/// How many numbered names are tried before giving up.
const MAX_NUMBERED: u32 = 1000;
/// How many random temporary names are tried; more than one collision
/// means something is wrong with the directory.
const MAX_TEMP_ATTEMPTS: u32 = 8;
/// How much of the target's name goes into the temporary name.
const MAX_TEMP_STEM: usize = 100;

/// How far a pending file has come.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    /// Created empty; dropping it removes it.
    Prepared,
    /// Holds the whole secret: it is never removed, even on failure.
    Written,
    /// Moved into place.
    Done,
}

/// A temporary file waiting to become its target.
#[derive(Debug)]
pub struct PendingFile {
    temp: PathBuf,
    dir: PathBuf,
    file: Option<File>,
    placeholder: Option<Placeholder>,
    stage: Stage,
}

impl PendingFile {
    /// Prepares writing to `target` (for `-o`): checks that it names a file
    /// that may be written, creates it as a placeholder when it does not
    /// exist, and creates the temporary file next to it.
    pub fn for_target(target: &Path, force: bool) -> Result<Self> {
        let exists = check_target(target, force)?;
        let placeholder = if exists { None } else { Some(Placeholder::create(target)?) };
        let name = target.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
        match Self::in_dir(parent_dir(target), &name) {
            Ok(mut pending) => {
                pending.placeholder = placeholder;
                Ok(pending)
            }
            Err(err) => {
                placeholder.iter().for_each(Placeholder::remove);
                Err(err)
            }
        }
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
                    let (placeholder, stage) = (None, Stage::Prepared);
                    return Ok(Self { temp, dir, file: Some(file), placeholder, stage });
                }
                Err(err) if err.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(err) => {
                    let context = format!("cannot create a file in {}", show(dir));
                    return Err(Error::new(Exit::Usage, anyhow::Error::new(err).context(context)));
                }
            }
        }
        Err(Error::msg(Exit::Failure, format!("no free temporary name in {}", show(dir))))
    }

    /// Writes `data` and moves the file to `target`, replacing an existing
    /// one only when `replace` is set. `lost` is the hint given when the
    /// secret could not be written at all.
    pub fn commit(mut self, data: &[u8], target: &Path, replace: bool, lost: &str) -> Result<()> {
        self.write(data, lost)?;
        self.place(target, replace)?;
        self.finish();
        Ok(())
    }

    /// Writes `data` to a new file named `name`, or `name-1`, `name-2`, ...
    /// in the directory; returns the path used. `lost` is as for `commit`.
    pub fn commit_numbered(mut self, data: &[u8], name: &str, lost: &str) -> Result<PathBuf> {
        self.write(data, lost)?;
        let target = self.dir.join(name);
        let saved = self.link_numbered(&target)?;
        self.finish();
        Ok(saved)
    }

    /// Writes and syncs the data; the file stays private until it is moved.
    fn write(&mut self, data: &[u8], lost: &str) -> Result<()> {
        let Some(mut file) = self.file.take() else {
            return Err(Error::msg(Exit::Failure, "the temporary file was already used"));
        };
        if let Err(err) = file.write_all(data) {
            // Only part of the secret is in the file: dropping `self`
            // removes it, and the placeholder with it.
            let context = format!("cannot write the secret to {}", show(&self.temp));
            return Err(
                Error::new(Exit::Failure, anyhow::Error::new(err).context(context)).hint(lost)
            );
        }
        self.stage = Stage::Written;
        file.sync_all().map_err(|err| self.kept(err, format!("cannot sync {}", show(&self.temp))))
    }

    /// Moves the written file to `target`.
    fn place(&mut self, target: &Path, replace: bool) -> Result<()> {
        let ours = self.placeholder.as_ref().is_some_and(Placeholder::is_intact);
        if replace || ours {
            return fs::rename(&self.temp, target).map_err(|err| {
                self.kept(err, format!("cannot move the secret into {}", show(target)))
            });
        }
        match self.link(target) {
            Ok(()) => Ok(()),
            Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {
                let saved = self.link_numbered(target)?;
                self.finish();
                Err(Error::msg(
                    Exit::Failure,
                    format!(
                        "{} was created or changed by someone else while the secret was being revealed; the secret was saved to {} instead",
                        show(target),
                        show(&saved)
                    ),
                ))
            }
            Err(err) => {
                Err(self.kept(err, format!("cannot move the secret into {}", show(target))))
            }
        }
    }

    /// Links the written file as the first free numbered name like
    /// `target`.
    fn link_numbered(&self, target: &Path) -> Result<PathBuf> {
        let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        for n in 0..MAX_NUMBERED {
            let candidate = self.dir.join(numbered(&name, n));
            match self.link(&candidate) {
                Ok(()) => return Ok(candidate),
                Err(err) if err.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(err) => {
                    return Err(
                        self.kept(err, format!("cannot save the secret as {}", show(&candidate)))
                    );
                }
            }
        }
        let message = format!("no free file name like {} in {}", name, show(&self.dir));
        Err(Error::msg(Exit::Failure, message).hint(self.saved_in()))
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

    /// The error for a failure after the whole secret was written: it says
    /// where the secret is, since that file is kept.
    fn kept(&self, err: io::Error, context: String) -> Error {
        Error::new(Exit::Failure, anyhow::Error::new(err).context(context)).hint(self.saved_in())
    }

    /// The hint naming the kept temporary file.
    fn saved_in(&self) -> String {
        format!("the secret is saved in {}; move it yourself", show(&self.temp))
    }

    /// Removes the temporary name (a no-op after a rename) and syncs the
    /// directory so the new name survives a crash.
    fn finish(&mut self) {
        self.stage = Stage::Done;
        if let Err(err) = fs::remove_file(&self.temp)
            && err.kind() != io::ErrorKind::NotFound
        {
            output::warn(&format!("cannot remove {}: {err}", show(&self.temp)));
        }
        if let Ok(dir) = File::open(&self.dir) {
            // Not every file system can sync a directory; the data itself is synced.
            let _ = dir.sync_all();
        }
    }
}

impl Drop for PendingFile {
    fn drop(&mut self) {
        // Once written, the target or the temporary file named in the error
        // holds the secret, and nothing is removed.
        if self.stage == Stage::Prepared {
            self.file = None;
            let _ = fs::remove_file(&self.temp);
            self.placeholder.iter().for_each(Placeholder::remove);
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
/// `env-1`, `id_ed25519-2`.
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

    const LOST: &str = "lost";

    pub(super) fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("otsctl-dest-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("create scratch dir");
        dir
    }

    pub(super) fn entries(dir: &Path) -> Vec<String> {
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
        assert_eq!(
            entries(&dir).len(),
            2,
            "placeholder and temporary file exist before the reveal"
        );
        assert_eq!(fs::read(&target).expect("placeholder"), b"");
        pending.commit(b"a\r\nb\0", &target, false, LOST).expect("commit");
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
        pending.commit(b"new", &target, true, LOST).expect("commit");
        assert_eq!(fs::read(&target).expect("read"), b"new");
        assert_eq!(entries(&dir), vec!["out.txt"]);
        fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn dropping_removes_the_temporary_file_and_the_placeholder() {
        let dir = scratch("drop");
        let pending = PendingFile::for_target(&dir.join("x"), false).expect("prepare");
        assert_eq!(entries(&dir).len(), 2);
        drop(pending);
        assert!(entries(&dir).is_empty());
        fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn dropping_leaves_a_placeholder_someone_else_wrote_to() {
        let dir = scratch("drop-taken");
        let pending = PendingFile::for_target(&dir.join("x"), false).expect("prepare");
        fs::write(dir.join("x"), b"theirs").expect("write");
        drop(pending);
        assert_eq!(entries(&dir), vec!["x"]);
        fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn numbered_commit_never_overwrites() {
        let dir = scratch("numbered");
        fs::write(dir.join("secret.bin"), b"first").expect("write");
        let pending = PendingFile::in_dir(&dir, "secret.bin").expect("prepare");
        let saved = pending.commit_numbered(b"second", "secret.bin", LOST).expect("commit");
        assert_eq!(saved, dir.join("secret-1.bin"));
        assert_eq!(fs::read(dir.join("secret.bin")).expect("read"), b"first");
        assert_eq!(fs::read(&saved).expect("read"), b"second");
        assert_eq!(entries(&dir), vec!["secret-1.bin", "secret.bin"]);
        fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn target_changed_during_the_reveal_is_not_overwritten() {
        let dir = scratch("race");
        let target = dir.join("out.txt");
        let pending = PendingFile::for_target(&target, false).expect("prepare");
        fs::write(&target, b"someone else").expect("write");
        let err = pending.commit(b"secret", &target, false, LOST).expect_err("changed");
        assert_eq!(fs::read(&target).expect("read"), b"someone else");
        assert_eq!(fs::read(dir.join("out-1.txt")).expect("read"), b"secret");
        assert_eq!(entries(&dir), vec!["out-1.txt", "out.txt"]);
        assert_eq!(
            err.render(),
            format!(
                "otsctl: {} was created or changed by someone else while the secret was being revealed; the secret was saved to {} instead\n",
                show(&target),
                show(&dir.join("out-1.txt"))
            )
        );
        fs::remove_dir_all(&dir).expect("cleanup");
    }

    #[test]
    fn placeholder_removed_during_the_reveal_is_simply_taken() {
        let dir = scratch("race-removed");
        let target = dir.join("out.txt");
        let pending = PendingFile::for_target(&target, false).expect("prepare");
        fs::remove_file(&target).expect("remove placeholder");
        pending.commit(b"secret", &target, false, LOST).expect("commit");
        assert_eq!(fs::read(&target).expect("read"), b"secret");
        assert_eq!(entries(&dir), vec!["out.txt"]);
        fs::remove_dir_all(&dir).expect("cleanup");
    }

    /// Regression: a failed rename used to delete the temporary file that
    /// held the only copy of a consumed secret.
    #[test]
    fn failed_move_keeps_the_written_secret_and_says_where() {
        let dir = scratch("kept");
        let target = dir.join("out");
        let pending = PendingFile::for_target(&target, true).expect("prepare");
        fs::remove_file(&target).expect("remove placeholder");
        fs::create_dir(&target).expect("mkdir");
        fs::write(target.join("inside"), b"x").expect("write");
        let temp = pending.temp.clone();

        let err = pending.commit(b"secret", &target, true, LOST).expect_err("is a directory");
        assert_eq!(err.exit(), Exit::Failure);
        assert_eq!(
            err.render(),
            format!(
                "otsctl: cannot move the secret into {}: is a directory (os error 21)\nhint: the secret is saved in {}; move it yourself\n",
                show(&target),
                show(&temp)
            )
        );
        assert_eq!(fs::read(&temp).expect("kept"), b"secret");
        fs::remove_dir_all(&dir).expect("cleanup");
    }
}
