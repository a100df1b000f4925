//! `otsctl completions SHELL` prints exactly the committed scripts (their
//! freshness against the clap model is a unit test in the crate).

use crate::{otsctl, run, scratch};

#[test]
fn printed_scripts_match_the_committed_files() {
    let dir = scratch("completions");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../completions");
    let shells = [
        ("bash", "otsctl.bash"),
        ("zsh", "_otsctl"),
        ("fish", "otsctl.fish"),
        ("powershell", "_otsctl.ps1"),
        ("elvish", "otsctl.elv"),
    ];
    for (shell, file) in shells {
        let out = run(otsctl(&dir).args(["completions", shell]));
        assert_eq!(out.code, 0, "{shell}: {}", out.stderr);
        let committed = std::fs::read(root.join(file)).expect("committed script");
        assert!(out.stdout == committed, "{shell}: output differs from completions/{file}");
    }
}
