//! `cargo xtask build` run by an ordinary user: only the apt steps need
//! root, they go through sudo, and without a working sudo the build stops
//! before changing anything, printing the commands to run as root.
//!
//! The tests that switch to an ordinary account (created if missing) need
//! root for that, so they run only as root and say SKIPPED otherwise.
//! They run a copy of the xtask binary, because the account cannot read
//! the target directory (nor run cargo); the host set-up is the first thing
//! `build` does, so the copy reaches it.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

const USER: &str = "halvm-test-user";

/// The tests write small executables and run them; one at a time, because
/// a fork in a parallel test thread can briefly hold such a file open for
/// writing, which makes its exec fail with "text file busy".
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
/// A package that no archive has, so it is never installed.
const ABSENT: &str = "halvm-test-absent-package";
/// A package the build needs anyway, so it is installed on a build machine.
const INSTALLED: &str = "make";
const INSTALL: &str = "env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends";
const UPDATE: &str = "apt-get update -q";
const SOURCES_PATH: &str = "/etc/apt/sources.list.d/halvm.sources";
const WRITE_SOURCES: &str = "install -m 0644 /dev/stdin /etc/apt/sources.list.d/halvm.sources";

/// Whether this test may switch users; says SKIPPED when not. The only
/// cause is the effective user id, so no failure can turn into a skip.
fn running_as_root(test: &str) -> bool {
    // SAFETY: geteuid has no preconditions.
    let euid = unsafe { geteuid() };
    if euid == 0 {
        return true;
    }
    eprintln!("SKIPPED {test}: it creates an account and runs xtask as that account, which needs root (euid 0, not {euid})");
    false
}

extern "C" {
    fn geteuid() -> u32;
}

struct Account {
    uid: u32,
    gid: u32,
    home: PathBuf,
}

/// The ordinary account the tests run as, created once if missing.
fn account() -> &'static Account {
    static ACCOUNT: OnceLock<Account> = OnceLock::new();
    ACCOUNT.get_or_init(|| {
        let exists = Command::new("id").arg("-u").arg(USER).output().expect("running id").status.success();
        if !exists {
            let status = Command::new("useradd")
                .args(["--create-home", "--user-group", "--shell", "/usr/sbin/nologin", USER])
                .status()
                .expect("running useradd (package passwd)");
            assert!(status.success(), "useradd {USER}: {status}");
        }
        let entry = Command::new("getent").args(["passwd", USER]).output().expect("running getent");
        let entry = String::from_utf8(entry.stdout).unwrap();
        let fields: Vec<&str> = entry.trim_end().split(':').collect();
        assert_eq!(fields.len(), 7, "getent passwd {USER}: {entry:?}");
        let account = Account {
            uid: fields[2].parse().unwrap(),
            gid: fields[3].parse().unwrap(),
            home: PathBuf::from(fields[5]),
        };
        assert_ne!(account.uid, 0, "{USER} must be an ordinary account");
        account
    })
}

/// A scratch directory owned by the account: a copy of xtask, package
/// lists, and PATH directories with a chosen `sudo` (or none).
struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    fn new() -> Scratch {
        let scratch = Scratch { dir: tempfile::tempdir().unwrap() };
        scratch.give(scratch.path());
        let xtask = scratch.path().join("xtask");
        halvm_bootkit::copy_executable(Path::new(env!("CARGO_BIN_EXE_xtask")), &xtask).unwrap();
        scratch.give(&xtask);
        scratch
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn give(&self, path: &Path) {
        let a = account();
        std::os::unix::fs::lchown(path, Some(a.uid), Some(a.gid)).unwrap();
    }

    fn write(&self, name: &str, text: &str, executable: bool) -> PathBuf {
        let path = self.path().join(name);
        let parent = path.parent().unwrap();
        if !parent.exists() {
            std::fs::create_dir_all(parent).unwrap();
            self.give(parent);
        }
        if executable {
            halvm_bootkit::write_executable(&path, text).unwrap();
        } else {
            std::fs::write(&path, text).unwrap();
        }
        self.give(&path);
        path
    }

    /// A package list naming `names`.
    fn packages(&self, file: &str, names: &[&str]) -> PathBuf {
        let list: String =
            names.iter().map(|n| format!("[[package]]\nname = \"{n}\"\nwhy = \"the halvm test asks for it\"\n\n")).collect();
        self.write(file, &list, false)
    }

    /// A PATH directory holding dpkg-query (xtask asks it what is
    /// installed) and, if given, a `sudo` script; never the real sudo.
    fn path_dir(&self, name: &str, sudo: Option<&str>) -> PathBuf {
        let dpkg_query = find_program("dpkg-query");
        self.write(&format!("{name}/dpkg-query"), &format!("#!/bin/sh\nexec {} \"$@\"\n", dpkg_query.display()), true);
        if let Some(script) = sudo {
            self.write(&format!("{name}/sudo"), script, true);
        }
        self.path().join(name)
    }

    /// Runs the copy of xtask as the account, with nothing from this
    /// process's environment but what is given here.
    fn run_as_user(&self, path: &Path, packages: &Path, cache: &Path, args: &[&str]) -> Output {
        let a = account();
        // Found on this process's PATH: the account's PATH is only `path`.
        Command::new(find_program("setpriv"))
            .args(["--reuid", &a.uid.to_string(), "--regid", &a.gid.to_string(), "--init-groups", "--"])
            .arg(self.path().join("xtask"))
            .args(args)
            .env_clear()
            .env("PATH", path)
            .env("HOME", &a.home)
            .env("USER", USER)
            .env("LOGNAME", USER)
            .env("HALVM_BUILD_DIR", self.path().join("build"))
            .env("HALVM_CACHE_DIR", cache)
            .env("HALVM_HOST_PACKAGES", packages)
            .current_dir(self.path())
            .output()
            .expect("running setpriv (package util-linux)")
    }

    /// Every entry below the scratch directory belongs to the account.
    fn assert_nothing_owned_by_root(&self) {
        for entry in walkdir::WalkDir::new(self.path()) {
            let entry = entry.unwrap();
            let uid = entry.metadata().unwrap().uid();
            assert_eq!(uid, account().uid, "{} is owned by uid {uid}, not {USER}", entry.path().display());
        }
    }

    fn assert_not_created(&self, names: &[&str]) {
        for name in names {
            let path = self.path().join(name);
            assert!(!path.exists(), "{} was created", path.display());
        }
    }
}

fn find_program(name: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("{name} is not on PATH"))
}

/// Every entry of /etc/apt with its owner, size and modification time.
fn etc_apt() -> Vec<(PathBuf, u32, u64, i64, i64)> {
    walkdir::WalkDir::new("/etc/apt")
        .sort_by_file_name()
        .into_iter()
        .map(|e| {
            let e = e.unwrap();
            let m = e.metadata().unwrap();
            (e.path().to_path_buf(), m.uid(), m.len(), m.mtime(), m.mtime_nsec())
        })
        .collect()
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

fn has_line(output: &str, line: &str) -> bool {
    output.lines().any(|l| l == line)
}

/// When the output lists the command that writes the apt sources, the
/// file it would write, which must differ from the one in place.
fn assert_sources_written_only_if_needed(out: &str) {
    let Some((_, rest)) = out.split_once(&format!("{WRITE_SOURCES} <<'EOF'\n")) else { return };
    let (text, _) = rest.split_once("\nEOF\n").expect("the here-document ends");
    let in_place = std::fs::read_to_string(SOURCES_PATH).ok();
    assert_ne!(in_place.as_deref(), Some(format!("{text}\n").as_str()), "{SOURCES_PATH} is in place already:\n{out}");
}

fn assert_installed(name: &str, installed: bool) {
    let status = Command::new("dpkg-query").args(["-W", "-f=${Status}", name]).output().expect("running dpkg-query");
    let found = String::from_utf8_lossy(&status.stdout) == "install ok installed";
    assert_eq!(found, installed, "the test needs {name} {}installed", if installed { "" } else { "not " });
}

#[test]
fn without_sudo_a_user_gets_the_root_commands_and_nothing_changes() {
    let _serial = one_at_a_time();
    if !running_as_root("without_sudo_a_user_gets_the_root_commands_and_nothing_changes") {
        return;
    }
    assert_installed(INSTALLED, true);
    assert_installed(ABSENT, false);
    let scratch = Scratch::new();
    let packages = scratch.packages("packages.toml", &[INSTALLED, ABSENT]);
    let path = scratch.path_dir("bin-without-sudo", None);
    let apt_before = etc_apt();

    let output = scratch.run_as_user(&path, &packages, &scratch.path().join("cache"), &["build"]);
    let out = text(&output);

    assert!(!output.status.success(), "{out}");
    assert!(out.contains("sudo is not installed"), "says why it cannot get root:\n{out}");
    assert!(out.contains("nothing was changed"), "{out}");
    assert!(has_line(&out, &format!("{INSTALL} {ABSENT}")), "the exact apt-get command, one line:\n{out}");
    assert!(has_line(&out, UPDATE), "{out}");
    assert_sources_written_only_if_needed(&out);
    assert!(out.contains("run `cargo xtask build` again as this same user"), "{out}");
    assert!(!out.contains("running as root through sudo"), "{out}");
    scratch.assert_not_created(&["build", "cache"]);
    scratch.assert_nothing_owned_by_root();
    assert_eq!(etc_apt(), apt_before, "/etc/apt changed");
}

#[test]
fn when_sudo_refuses_the_set_up_stops_with_the_root_commands() {
    let _serial = one_at_a_time();
    if !running_as_root("when_sudo_refuses_the_set_up_stops_with_the_root_commands") {
        return;
    }
    assert_installed(ABSENT, false);
    let scratch = Scratch::new();
    let packages = scratch.packages("packages.toml", &[ABSENT]);
    let calls = scratch.path().join("sudo-calls");
    // Stands in for a sudo that does not let this user in.
    let sudo = format!(
        "#!/bin/sh\n\
         if [ \"$1\" = --version ]; then echo 'Sudo version 1.9 (halvm test stand-in)'; exit 0; fi\n\
         echo \"$*\" >> {}\n\
         echo '{USER} is not in the sudoers file (halvm test stand-in)' >&2\n\
         exit 1\n",
        calls.display()
    );
    let path = scratch.path_dir("bin-refusing-sudo", Some(&sudo));
    let apt_before = etc_apt();

    let output = scratch.run_as_user(&path, &packages, &scratch.path().join("cache"), &["build"]);
    let out = text(&output);

    assert!(!output.status.success(), "{out}");
    // The first step: the apt sources if they are missing, else apt-get update.
    let said = out
        .lines()
        .find_map(|l| l.strip_prefix("    running as root through sudo: sudo "))
        .unwrap_or_else(|| panic!("says what it runs through sudo, before:\n{out}"));
    let first = said.strip_suffix(" <<'EOF'").unwrap_or(said);
    assert!(first == UPDATE || first == WRITE_SOURCES, "{first:?}");
    assert_sources_written_only_if_needed(&out);
    let called = std::fs::read_to_string(&calls).expect("sudo was run");
    assert_eq!(called, format!("{first}\n"), "sudo runs once: nothing after the failure");
    assert!(out.contains(&format!("`sudo {first}` failed")), "{out}");
    assert!(has_line(&out, &format!("{INSTALL} {ABSENT}")), "the commands left, one per line:\n{out}");
    assert!(out.contains("run `cargo xtask build` again as this same user"), "{out}");
    scratch.assert_not_created(&["build", "cache"]);
    scratch.assert_nothing_owned_by_root();
    assert_eq!(etc_apt(), apt_before, "/etc/apt changed");
}

#[test]
fn with_everything_installed_a_user_passes_the_host_step_without_root() {
    let _serial = one_at_a_time();
    if !running_as_root("with_everything_installed_a_user_passes_the_host_step_without_root") {
        return;
    }
    assert_installed(INSTALLED, true);
    let scratch = Scratch::new();
    let packages = scratch.packages("packages.toml", &[INSTALLED]);
    let path = scratch.path_dir("bin-without-sudo", None);
    // The step after the host set-up fetches the platform GHC into the
    // cache; a cache below a plain file stops it there, without network.
    scratch.write("not-a-directory", "", false);
    let cache = scratch.path().join("not-a-directory/cache");
    let apt_before = etc_apt();

    let output = scratch.run_as_user(&path, &packages, &cache, &["build", "--platform-ghc", "private"]);
    let out = text(&output);

    assert!(!output.status.success(), "{out}");
    assert!(!out.contains(INSTALL), "no package is missing:\n{out}");
    if out.contains(WRITE_SOURCES) {
        // This machine lacks the apt sources: they are all the set-up left.
        assert_sources_written_only_if_needed(&out);
    } else {
        assert!(out.contains(&cache.display().to_string()), "it stopped at the cache, past the host step:\n{out}");
        for word in ["sudo", "apt-get", "as root"] {
            assert!(!out.contains(word), "nothing about {word:?}:\n{out}");
        }
    }
    scratch.assert_nothing_owned_by_root();
    assert_eq!(etc_apt(), apt_before, "/etc/apt changed");
}

/// Runs as anyone: `HALVM_HOST_PACKAGES` (relative to the current
/// directory) is the list the host set-up reads.
#[test]
fn halvm_host_packages_names_the_package_list() {
    let _serial = one_at_a_time();
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("not-a-directory"), "").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["build", "--platform-ghc", "private"])
        .env("HALVM_HOST_PACKAGES", "no-such-list.toml")
        .env("HALVM_BUILD_DIR", tmp.path().join("build"))
        // Should the list be ignored, the build stops at this cache.
        .env("HALVM_CACHE_DIR", tmp.path().join("not-a-directory/cache"))
        .current_dir(tmp.path())
        .output()
        .unwrap();
    let out = text(&output);
    assert!(!output.status.success(), "{out}");
    let expected = tmp.path().join("no-such-list.toml");
    assert!(out.contains(&format!("reading {}", expected.display())), "{out}");
}
