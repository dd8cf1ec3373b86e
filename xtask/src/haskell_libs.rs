//! The Haskell libraries halvm ships in the prefix (toolchain/haskell/*,
//! today halvm-xen): each is built with Cabal's `Setup` (compiled by the
//! platform GHC, whose Cabal 3.4.1.0 is the cross compiler's) and the
//! prefix's own tools, installed beside GHC's boot libraries in
//! `<libdir>/<name>-<version>/`, registered in GHC's global package
//! database with `${pkgroot}`-relative paths (so the prefix stays
//! relocatable), and documented with the platform GHC's haddock under
//! `<prefix>/share/doc/<name>-<version>/html`.
//!
//! A library is rebuilt when its source, the platform headers it may
//! include (rts-xen/include) or the compiler changed; the key is kept in
//! its install directory, so it goes with the prefix.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use xshell::{cmd, Shell};

use crate::fsutil::files_under;
use crate::input_key::InputKey;
use crate::layout::Layout;
use crate::platform_ghc::PlatformGhc;
use crate::progress::Step;
use crate::{atomic_dir, target_sysroot::TARGET};

/// Where the sources are: one directory per package, each with its .cabal.
fn sources_dir(layout: &Layout) -> PathBuf {
    layout.repo.join("toolchain/haskell")
}

/// GHC's library directory in the prefix (holds package.conf.d).
pub fn ghc_libdir(prefix: &Path) -> PathBuf {
    prefix.join(format!("lib/{TARGET}-ghc-9.0.2"))
}

/// Builds, installs and registers every library whose key changed.
pub fn ensure(sh: &Shell, layout: &Layout, prefix: &Path, platform_ghc: &PlatformGhc) -> Result<()> {
    let mut packages: Vec<PathBuf> = std::fs::read_dir(sources_dir(layout))?
        .map(|e| e.map(|e| e.path()))
        .collect::<std::io::Result<_>>()?;
    packages.retain(|p| p.is_dir());
    packages.sort();
    let mut setup = None;
    for package in packages {
        let id = package_id(&package)?;
        let key = InputKey::new("halvm haskell library")
            .text("compiler", &atomic_dir::completed_key(prefix).context("the prefix is not complete")?)
            .text("platform ghc", &platform_ghc.version(sh)?)
            .tree(&layout.repo, &package)?
            .tree(&layout.repo, &layout.repo.join("rts-xen/include"))?
            .text("haddock", &haddock_options(&platform_ghc.libdir(sh)?))
            .finish();
        let installed = ghc_libdir(prefix).join(&id);
        let stamp = installed.join(".halvm-key");
        if std::fs::read_to_string(&stamp).ok().as_deref() == Some(key.as_str()) {
            continue;
        }
        let setup = match &setup {
            Some(s) => s,
            None => setup.insert(setup_program(sh, layout, platform_ghc)?),
        };
        let step = Step::start(&format!("building the Haskell library {id} with halvm-ghc"));
        build_and_install(sh, layout, prefix, platform_ghc, setup, &package, &id)?;
        std::fs::write(&stamp, &key)?;
        step.done();
    }
    Ok(())
}

/// What the HTML pages may load: MathJax from Debian's libjs-mathjax
/// rather than haddock's default CDN URL, which would make every page
/// fetch from the network when opened (lintian's
/// privacy-breach-uses-embedded-file; Debian's own Haskell packages do the
/// same). Cabal splits the value at spaces.
const MATHJAX: &str = "file:///usr/share/javascript/mathjax/MathJax.js";

/// haddock's options: its resources (CSS, JavaScript) from the platform
/// GHC's library directory, MathJax from MATHJAX.
fn haddock_options(platform_libdir: &Path) -> String {
    format!("--haddock-options=--lib={} --mathjax={MATHJAX}", platform_libdir.display())
}

/// `<name>-<version>` from the package's .cabal file.
fn package_id(package: &Path) -> Result<String> {
    let cabal = files_under(package)?
        .into_iter()
        .find(|p| p.extension().is_some_and(|e| e == "cabal") && p.parent() == Some(package))
        .with_context(|| format!("{} has no .cabal file", package.display()))?;
    let text = std::fs::read_to_string(&cabal)?;
    let field = |name: &str| {
        text.lines()
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                (k.trim().eq_ignore_ascii_case(name) && !l.starts_with(' ')).then(|| v.trim().to_string())
            })
            .with_context(|| format!("{} has no `{name}:` field", cabal.display()))
    };
    Ok(format!("{}-{}", field("name")?, field("version")?))
}

/// Cabal's `Setup` for the host, compiled once per platform GHC version.
fn setup_program(sh: &Shell, layout: &Layout, platform_ghc: &PlatformGhc) -> Result<PathBuf> {
    let dir = layout.build.join("haskell-libs/setup");
    let program = dir.join("setup");
    let key = InputKey::new("cabal setup").text("ghc", &platform_ghc.version(sh)?).finish();
    crate::input_key::rebuild_unless_current(&program, &key, || {
        std::fs::create_dir_all(&dir)?;
        let source = dir.join("Setup.hs");
        std::fs::write(&source, "import Distribution.Simple\nmain :: IO ()\nmain = defaultMain\n")?;
        let ghc = platform_ghc.ghc();
        cmd!(sh, "{ghc} -v0 -O0 -outputdir {dir} {source} -o {program}")
            .run()
            .context("the platform GHC could not compile Cabal's Setup")
    })?;
    Ok(program)
}

fn build_and_install(
    sh: &Shell,
    layout: &Layout,
    prefix: &Path,
    platform_ghc: &PlatformGhc,
    setup: &Path,
    package: &Path,
    id: &str,
) -> Result<()> {
    let work = layout.build.join("haskell-libs").join(id);
    crate::fsutil::remove_if_exists(&work)?;
    let builddir = work.join("dist");
    let libdir = ghc_libdir(prefix);
    let docdir = prefix.join("share/doc").join(id);
    let bin = prefix.join("bin");
    let haddock = platform_ghc.libdir(sh)?.join("bin/haddock");
    let _dir = sh.push_dir(package);
    let tools = [
        format!("--with-compiler={}", bin.join("halvm-ghc").display()),
        format!("--with-hc-pkg={}", bin.join("halvm-ghc-pkg").display()),
        format!("--with-hsc2hs={}", bin.join("halvm-hsc2hs").display()),
        format!("--with-gcc={}", bin.join(format!("{TARGET}-gcc")).display()),
        format!("--with-ld={}", bin.join(format!("{TARGET}-ld")).display()),
        format!("--with-ar={}", bin.join(format!("{TARGET}-ar")).display()),
        format!("--with-haddock={}", haddock.display()),
    ];
    let dirs = [
        format!("--prefix={}", prefix.display()),
        format!("--libdir={}", libdir.display()),
        "--libsubdir=$pkgid".to_string(),
        format!("--docdir={}", docdir.display()),
        format!("--htmldir={}", docdir.join("html").display()),
    ];
    let builddir_arg = format!("--builddir={}", builddir.display());
    cmd!(sh, "{setup} configure {builddir_arg} --global {tools...} {dirs...} --disable-shared --disable-library-profiling --disable-tests --disable-benchmarks")
        .run()
        .with_context(|| format!("configuring {id}"))?;
    cmd!(sh, "{setup} build {builddir_arg}").run().with_context(|| format!("building {id}"))?;
    // Documentation is not worth failing the toolchain for: if haddock
    // fails, the build says so and goes on without it.
    // haddock finds its resources (CSS, JavaScript) relative to the GHC
    // library directory it is given, which is the cross compiler's: point
    // it at the platform GHC's, where Debian's haddock keeps them.
    let resources = haddock_options(&platform_ghc.libdir(sh)?);
    if let Err(e) = cmd!(sh, "{setup} haddock {builddir_arg} --html --hyperlink-source {resources}").run() {
        eprintln!("warning: no HTML documentation for {id}: the platform GHC's haddock failed ({e}); \
                   see toolchain/haskell/README.md");
    }
    cmd!(sh, "{setup} copy {builddir_arg}").run().with_context(|| format!("installing {id}"))?;
    let conf = work.join(format!("{id}.conf"));
    let gen = format!("--gen-pkg-config={}", conf.display());
    cmd!(sh, "{setup} register {builddir_arg} {gen}").run().with_context(|| format!("registering {id}"))?;
    let text = std::fs::read_to_string(&conf)?;
    let relocatable = relocatable_conf(&text, &libdir, prefix)?;
    let db = libdir.join("package.conf.d");
    let unit = relocatable
        .lines()
        .find_map(|l| l.strip_prefix("id:"))
        .map(|v| v.trim().to_string())
        .context("the generated registration has no id")?;
    // A rebuilt package gets a new unit id: the old registration must go,
    // or `-package` would find two units of the same name and version.
    for entry in std::fs::read_dir(&db)? {
        let path = entry?.path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if is_registration_of(&name, id) {
            std::fs::remove_file(&path)?;
        }
    }
    std::fs::write(db.join(format!("{unit}.conf")), relocatable)?;
    let ghc_pkg = bin.join("halvm-ghc-pkg");
    cmd!(sh, "{ghc_pkg} recache --global").run().context("recaching the prefix's package database")?;
    Ok(())
}

/// Whether a package.conf.d file name is a registration of package `id`
/// (`<name>-<version>`): `<id>.conf` or `<id>-<hash>.conf`, not of a
/// package whose name merely starts the same way.
fn is_registration_of(file: &str, id: &str) -> bool {
    match file.strip_suffix(".conf").and_then(|f| f.strip_prefix(id)) {
        Some("") => true,
        Some(rest) => rest.strip_prefix('-').is_some_and(|hash| !hash.is_empty() && !hash.contains('.')),
        None => false,
    }
}

/// The registration with the prefix's absolute paths replaced by
/// `${pkgroot}` (GHC's library directory) so that the prefix can move;
/// fails if an absolute path into the prefix remains.
fn relocatable_conf(text: &str, libdir: &Path, prefix: &Path) -> Result<String> {
    let libdir = libdir.display().to_string();
    let prefix = prefix.display().to_string();
    let out = text.replace(&libdir, "${pkgroot}").replace(&prefix, "${pkgroot}/../..");
    if out.contains(&prefix) {
        bail!("the registration still names the build prefix {prefix}:\n{out}");
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registrations_name_the_prefix_only_through_pkgroot() {
        let prefix = Path::new("/b/prefix");
        let libdir = ghc_libdir(prefix);
        let conf = format!(
            "name: halvm-xen\nimport-dirs: {0}/halvm-xen-0.1.0\nlibrary-dirs: {0}/halvm-xen-0.1.0\n\
             haddock-html: /b/prefix/share/doc/halvm-xen-0.1.0/html\n",
            libdir.display()
        );
        let out = relocatable_conf(&conf, &libdir, prefix).unwrap();
        assert_eq!(
            out,
            "name: halvm-xen\nimport-dirs: ${pkgroot}/halvm-xen-0.1.0\nlibrary-dirs: ${pkgroot}/halvm-xen-0.1.0\n\
             haddock-html: ${pkgroot}/../../share/doc/halvm-xen-0.1.0/html\n"
        );
    }

    #[test]
    fn an_old_registration_is_recognised_and_other_packages_are_not() {
        assert!(is_registration_of("halvm-xen-0.1.0-Bdqi7AvaFAo89CD8T0PGJl.conf", "halvm-xen-0.1.0"));
        assert!(is_registration_of("halvm-xen-0.1.0.conf", "halvm-xen-0.1.0"));
        assert!(!is_registration_of("halvm-xen-0.1.0.1-abc.conf", "halvm-xen-0.1.0"));
        assert!(!is_registration_of("halvm-xen-extra-0.1.0-abc.conf", "halvm-xen-0.1.0"));
        assert!(!is_registration_of("base-4.15.1.0.conf", "halvm-xen-0.1.0"));
    }

    #[test]
    fn documentation_loads_nothing_from_the_network() {
        let options = haddock_options(Path::new("/p/lib/ghc"));
        assert_eq!(options, "--haddock-options=--lib=/p/lib/ghc --mathjax=file:///usr/share/javascript/mathjax/MathJax.js");
        assert!(!options.contains("http"), "{options}");
    }

    #[test]
    fn the_shipped_libraries_have_a_name_and_version() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../toolchain/haskell/halvm-xen");
        assert_eq!(package_id(&dir).unwrap(), "halvm-xen-0.1.0");
    }
}
