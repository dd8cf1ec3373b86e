//! Making an installed GHC relocatable: no absolute path of the place it
//! was installed to may remain, so the tree works wherever it is copied.
//!
//! - package descriptions (`package.conf.d/*.conf`) name their directories
//!   through `${pkgroot}`, the directory holding the package database;
//! - wrapper scripts find their prefix from their own location.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use xshell::{cmd, Shell};

/// Rewrites every package description in `db` with `replacements` (applied
/// in order), then rebuilds the database cache with `real_ghc_pkg`.
pub fn package_db(sh: &Shell, db: &Path, real_ghc_pkg: &Path, replacements: &[(&str, &str)]) -> Result<()> {
    for entry in std::fs::read_dir(db).with_context(|| format!("reading {}", db.display()))? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "conf") {
            let text = std::fs::read_to_string(&path)?;
            std::fs::write(&path, replace_all(&text, replacements))?;
        } else {
            std::fs::remove_file(&path)?; // the stale cache and its lock
        }
    }
    cmd!(sh, "{real_ghc_pkg} --global-package-db {db} recache")
        .quiet()
        .run()
        .with_context(|| format!("ghc-pkg recache of {}", db.display()))
}

pub fn replace_all(text: &str, replacements: &[(&str, &str)]) -> String {
    replacements.iter().fold(text.to_string(), |t, (from, to)| t.replace(from, to))
}

/// The line a relocatable script starts with: `prefix` is the directory
/// above the one holding the script (symbolic links resolved).
pub const FIND_PREFIX: &str = "prefix=\"$(cd \"$(dirname \"$(readlink -f \"$0\")\")/..\" && pwd)\"";

/// Turns a script that names `old_prefix` into one that finds its prefix
/// at run time.
pub fn script(text: &str, old_prefix: &str) -> String {
    let body = text.replace(old_prefix, "$prefix");
    match body.split_once('\n') {
        Some((shebang, rest)) if shebang.starts_with("#!") => format!("{shebang}\n{FIND_PREFIX}\n{rest}"),
        _ => format!("#!/bin/sh\n{FIND_PREFIX}\n{body}"),
    }
}

/// Every regular file under `dir` whose bytes contain `needle`.
pub fn files_mentioning(dir: &Path, needle: &str) -> Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    for path in crate::fsutil::files_under(dir)? {
        let bytes = std::fs::read(&path)?;
        if bytes.windows(needle.len()).any(|w| w == needle.as_bytes()) {
            found.push(path);
        }
    }
    Ok(found)
}

pub fn check_nothing_mentions(dir: &Path, needle: &str) -> Result<()> {
    let found = files_mentioning(dir, needle)?;
    if !found.is_empty() {
        bail!("{} still names {needle} (not relocatable): {found:?}", dir.display());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_find_their_prefix() {
        let text = "#!/bin/sh\nexedir=\"/old/lib/x/bin\"\nexec \"$exedir/ghc\" -B\"/old/lib/x\" \"$@\"\n";
        let out = script(text, "/old");
        assert_eq!(
            out,
            format!("#!/bin/sh\n{FIND_PREFIX}\nexedir=\"$prefix/lib/x/bin\"\nexec \"$exedir/ghc\" -B\"$prefix/lib/x\" \"$@\"\n")
        );
    }

    #[test]
    fn relocated_script_runs_from_anywhere() {
        let tmp = tempfile::tempdir().unwrap();
        let bin = tmp.path().join("moved/bin");
        std::fs::create_dir_all(&bin).unwrap();
        let path = bin.join("where");
        std::fs::write(&path, script("#!/bin/sh\necho \"/old/lib\"\n", "/old")).unwrap();
        let out = std::process::Command::new("sh").arg(&path).output().unwrap();
        let expected = format!("{}/moved/lib\n", std::fs::canonicalize(tmp.path()).unwrap().display());
        assert_eq!(String::from_utf8_lossy(&out.stdout), expected);
    }

    #[test]
    fn finds_leftover_mentions() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(tmp.path().join("a/b")).unwrap();
        std::fs::write(tmp.path().join("a/b/f"), b"\x00bin /old/x").unwrap();
        std::fs::write(tmp.path().join("a/g"), b"clean").unwrap();
        assert_eq!(files_mentioning(tmp.path(), "/old").unwrap(), vec![tmp.path().join("a/b/f")]);
        assert!(check_nothing_mentions(tmp.path(), "/old").is_err());
        std::fs::remove_file(tmp.path().join("a/b/f")).unwrap();
        assert!(check_nothing_mentions(tmp.path(), "/old").is_ok());
    }
}
