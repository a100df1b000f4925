//! `otsctl completions SHELL`.

use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::{Cli, CompletionsArgs};
use crate::error::Result;
use crate::output;

/// Prints the completion script for the shell.
pub fn run(args: &CompletionsArgs) -> Result<()> {
    output::stdout(&script(args.shell))?;
    Ok(())
}

/// The completion script for `shell`, generated from the clap model.
pub fn script(shell: Shell) -> Vec<u8> {
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "otsctl", &mut buf);
    buf
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use clap_complete::Generator as _;

    use super::*;

    /// Every shell with a committed script in `completions/`.
    const SHELLS: [Shell; 5] =
        [Shell::Bash, Shell::Zsh, Shell::Fish, Shell::PowerShell, Shell::Elvish];

    fn committed(shell: Shell) -> PathBuf {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../completions");
        root.join(shell.file_name("otsctl"))
    }

    #[test]
    fn file_names_are_the_documented_ones() {
        let names: Vec<String> = SHELLS.iter().map(|s| s.file_name("otsctl")).collect();
        assert_eq!(names, ["otsctl.bash", "_otsctl", "otsctl.fish", "_otsctl.ps1", "otsctl.elv"]);
    }

    /// Fails while a committed script differs from what the clap model
    /// generates; `OTSCTL_UPDATE_COMPLETIONS=1` rewrites them instead.
    #[test]
    fn committed_scripts_are_fresh() {
        let update = std::env::var_os("OTSCTL_UPDATE_COMPLETIONS").is_some_and(|v| v == "1");
        let mut stale = Vec::new();
        for shell in SHELLS {
            let path = committed(shell);
            let fresh = script(shell);
            if std::fs::read(&path).ok().as_deref() == Some(fresh.as_slice()) {
                continue;
            }
            if update {
                std::fs::write(&path, &fresh).expect("the completions directory is writable");
            } else {
                stale.push(path.display().to_string());
            }
        }
        assert!(
            stale.is_empty(),
            "stale completion scripts: {stale:?}; run OTSCTL_UPDATE_COMPLETIONS=1 cargo test -p otsctl"
        );
    }
}
