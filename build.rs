//! Names the git commit in `order-tracking --version` when the binary is built from a checkout
//! (`0.1.0 (commit 5b62967)`); from a source archive, without git, the version alone.

use std::path::PathBuf;
use std::process::Command;

fn main() {
    let version = env!("CARGO_PKG_VERSION");
    let git = |args: &[&str]| {
        let output = Command::new("git").args(args).output().ok().filter(|output| output.status.success())?;
        Some(String::from_utf8(output.stdout).ok()?.trim().to_owned())
    };
    let described = match git(&["rev-parse", "--short=7", "HEAD"]) {
        Some(commit) => format!("{version} (commit {commit})"),
        None => version.to_owned(),
    };
    println!("cargo:rustc-env=ORDER_TRACKING_VERSION={described}");
    // Built again when HEAD moves: a commit, a checkout, or a fetch that packs the refs.
    if let Some(git_dir) = git(&["rev-parse", "--git-dir"]) {
        let git_dir = PathBuf::from(git_dir);
        println!("cargo:rerun-if-changed={}", git_dir.join("HEAD").display());
        println!("cargo:rerun-if-changed={}", git_dir.join("packed-refs").display());
        if let Some(reference) = git(&["symbolic-ref", "-q", "HEAD"]) {
            println!("cargo:rerun-if-changed={}", git_dir.join(reference).display());
        }
    }
    println!("cargo:rerun-if-changed=build.rs");
    // sqlx's `migrate!` embeds the migrations: a new file there must build the crate again.
    println!("cargo:rerun-if-changed=migrations");
}
