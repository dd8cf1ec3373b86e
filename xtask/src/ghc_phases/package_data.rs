//! How many files a package compiles, read from the `package-data.mk` that
//! ghc-cabal writes when make configures the package (always before its
//! first compile).

use std::path::Path;

/// The variables whose words are each compiled into one object file, with
/// `<dir>_<dist>_` in front. `_MODULES` already holds `_HIDDEN_MODULES`.
const COMPILED_LISTS: &[&str] = &["MODULES", "C_SRCS", "CMM_SRCS", "S_SRCS"];

/// The number of object files `<tree>/<dir>/<dist>/package-data.mk` says the
/// package compiles, or None when the file is missing or lacks `_MODULES`
/// (then there is no honest total to show).
pub fn compiled_files(tree: &Path, dir: &str, dist: &str) -> Option<usize> {
    let text = std::fs::read_to_string(tree.join(dir).join(dist).join("package-data.mk")).ok()?;
    count(&text, &format!("{dir}_{dist}_"))
}

fn count(text: &str, prefix: &str) -> Option<usize> {
    let mut total = 0;
    let mut saw_modules = false;
    for line in text.lines() {
        let Some((name, value)) = line.split_once('=') else { continue };
        let Some(list) = name.trim_end().strip_prefix(prefix) else { continue };
        if !COMPILED_LISTS.contains(&list) {
            continue;
        }
        saw_modules |= list == "MODULES";
        // GHC.Prim is listed for registration but built into the compiler
        // (ghc.mk's ghc-prim PACKAGE_MAGIC filters it out before building).
        total += value.split_whitespace().filter(|word| *word != "GHC.Prim").count();
    }
    saw_modules.then_some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_modules_and_foreign_sources() {
        // Shaped like utils/hsc2hs/dist/package-data.mk: hidden modules are
        // repeated in _MODULES, and other packages' variables do not count.
        let text = "utils/hsc2hs_dist_VERSION = 0.68.7\n\
            utils/hsc2hs_dist_MODULES = Main C Common Paths_hsc2hs\n\
            utils/hsc2hs_dist_HIDDEN_MODULES = C Common Paths_hsc2hs\n\
            utils/hsc2hs_dist_S_SRCS = \n\
            utils/hsc2hs_dist_C_SRCS  = cbits/utils.c\n\
            utils/hsc2hs_dist_CMM_SRCS = a.cmm b.cmm\n\
            utils/other_dist_MODULES = X Y Z\n";
        assert_eq!(count(text, "utils/hsc2hs_dist_"), Some(4 + 1 + 2));
    }

    #[test]
    fn ghc_prim_is_not_compiled() {
        let text = "libraries/ghc-prim_dist-install_MODULES = GHC.CString GHC.Classes GHC.Prim GHC.Types\n";
        assert_eq!(count(text, "libraries/ghc-prim_dist-install_"), Some(3));
    }

    #[test]
    fn no_module_list_means_no_total() {
        assert_eq!(count("rts_dist_C_SRCS = a.c\n", "rts_dist_"), None);
        let tree = tempfile::tempdir().unwrap();
        assert_eq!(compiled_files(tree.path(), "rts", "dist"), None);
    }

    #[test]
    fn reads_the_file_of_the_package() {
        let tree = tempfile::tempdir().unwrap();
        let dir = tree.path().join("libraries/containers/containers/dist-install");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("package-data.mk"),
            "libraries/containers/containers_dist-install_MODULES = Data.Map Data.Set\n",
        )
        .unwrap();
        assert_eq!(compiled_files(tree.path(), "libraries/containers/containers", "dist-install"), Some(2));
    }
}
