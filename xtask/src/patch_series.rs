//! Applying a patch series (`series` lists the patches in order) to a tree,
//! with a failure that names the patch, the file and the hunk.

use std::path::Path;

use anyhow::{bail, Context, Result};
use xshell::{cmd, Shell};

/// The patches named by `<dir>/series`, in order. Blank lines and `#`
/// comments are ignored; a listed patch that does not exist is an error.
pub fn read_series(dir: &Path) -> Result<Vec<String>> {
    let series = dir.join("series");
    let text = std::fs::read_to_string(&series).with_context(|| format!("reading {}", series.display()))?;
    let names: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(String::from)
        .collect();
    for name in &names {
        if !dir.join(name).is_file() {
            bail!("{} lists {name}, which is not in {}", series.display(), dir.display());
        }
    }
    Ok(names)
}

/// Applies every patch of the series in `patch_dir` to `tree`.
pub fn apply(sh: &Shell, patch_dir: &Path, tree: &Path) -> Result<()> {
    for name in read_series(patch_dir)? {
        let patch = patch_dir.join(&name);
        let _cwd = sh.push_dir(tree);
        let output = cmd!(sh, "patch -p1 --forward --batch --no-backup-if-mismatch -r - -i {patch}")
            .quiet()
            .ignore_status()
            .output()
            .context("running patch (is the `patch` package installed?)")?;
        if !output.status.success() {
            let text = String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr);
            bail!("patch {name} does not apply to {}:\n{}", tree.display(), describe_failure(&text));
        }
    }
    Ok(())
}

/// Turns patch(1)'s output into "file: hunk #N at line L failed" lines.
fn describe_failure(output: &str) -> String {
    let mut file = String::from("?");
    let mut lines = Vec::new();
    for line in output.lines() {
        if let Some(f) = line.strip_prefix("patching file ") {
            file = f.trim_matches(|c| c == '\'' || c == '`').to_string();
        } else if line.starts_with("Hunk #") && line.contains("FAILED") {
            lines.push(format!("  {file}: {line}"));
        } else if line.contains("can't find file to patch") || line.contains("No file to patch") {
            lines.push(format!("  {line}"));
        } else if line.contains("Reversed (or previously applied) patch detected") {
            lines.push(format!("  {file}: already applied (the tree is not pristine)"));
        }
    }
    if lines.is_empty() {
        return output.to_string();
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup(patch: &str) -> (tempfile::TempDir, Shell) {
        let tmp = tempfile::tempdir().unwrap();
        let tree = tmp.path().join("tree");
        std::fs::create_dir_all(tree.join("rts")).unwrap();
        std::fs::write(tree.join("rts/ghc.mk"), "one\ntwo\nthree\n").unwrap();
        let patches = tmp.path().join("patches");
        std::fs::create_dir_all(&patches).unwrap();
        std::fs::write(patches.join("series"), "# the series\n0001-x.patch\n").unwrap();
        std::fs::write(patches.join("0001-x.patch"), patch).unwrap();
        (tmp, Shell::new().unwrap())
    }

    const GOOD: &str = "Change two.\n--- a/rts/ghc.mk\n+++ b/rts/ghc.mk\n@@ -1,3 +1,3 @@\n one\n-two\n+TWO\n three\n";

    #[test]
    fn applies_the_series() {
        let (tmp, sh) = setup(GOOD);
        apply(&sh, &tmp.path().join("patches"), &tmp.path().join("tree")).unwrap();
        assert_eq!(std::fs::read_to_string(tmp.path().join("tree/rts/ghc.mk")).unwrap(), "one\nTWO\nthree\n");
    }

    #[test]
    fn a_failing_hunk_is_named() {
        let (tmp, sh) = setup(&GOOD.replace(" one\n-two", " uno\n-dos"));
        let err = format!("{:#}", apply(&sh, &tmp.path().join("patches"), &tmp.path().join("tree")).unwrap_err());
        assert!(err.contains("0001-x.patch"), "{err}");
        assert!(err.contains("rts/ghc.mk: Hunk #1 FAILED"), "{err}");
        assert!(!tmp.path().join("tree/rts/ghc.mk.rej").exists(), "no reject files left behind");
    }

    #[test]
    fn applying_twice_is_detected() {
        let (tmp, sh) = setup(GOOD);
        let (patches, tree) = (tmp.path().join("patches"), tmp.path().join("tree"));
        apply(&sh, &patches, &tree).unwrap();
        let err = format!("{:#}", apply(&sh, &patches, &tree).unwrap_err());
        assert!(err.contains("already applied"), "{err}");
    }

    #[test]
    fn a_missing_patch_in_the_series_is_an_error() {
        let (tmp, _) = setup(GOOD);
        std::fs::write(tmp.path().join("patches/series"), "0002-gone.patch\n").unwrap();
        let err = format!("{:#}", read_series(&tmp.path().join("patches")).unwrap_err());
        assert!(err.contains("0002-gone.patch"), "{err}");
    }
}
