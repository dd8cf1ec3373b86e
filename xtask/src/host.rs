//! The host machine: the Debian packages the build and the tests need, and
//! the apt sources they come from. `cargo xtask build` installs what is
//! missing; `cargo xtask doctor` reports on it.
//!
//! Installing is the only thing that needs root, so it is split in two: a
//! pure [`plan`] of the root-only steps computed from what is missing, and
//! [`execute`], which runs them directly as root, through `sudo` for an
//! ordinary user, or (without sudo) stops with the commands to run as root.

use std::io::Write;
use std::path::Path;
use std::process::Stdio;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use halvm_bootkit::quote_args;
use serde::Deserialize;
use xshell::{cmd, Shell};

use crate::fetch::is_root;
use crate::layout::Layout;
use crate::progress::format_duration;

/// Where xtask keeps its apt sources: the deb-src entry for `apt-get source`
/// and bookworm-backports, where the machine's qemu-utils (and so our
/// qemu-system-x86) come from.
pub const APT_SOURCES_PATH: &str = "/etc/apt/sources.list.d/halvm.sources";
pub const APT_SOURCES: &str = "\
# Written by `cargo xtask build` (halvm): GHC source via apt-get source, and
# qemu-system-x86 from bookworm-backports to match the machine's qemu-utils.
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PackageList {
    package: Vec<Package>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Package {
    pub name: String,
    pub why: String,
    pub release: Option<String>,
}

pub fn packages(layout: &Layout) -> Result<Vec<Package>> {
    let path = layout.host_packages();
    let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let list: PackageList = toml::from_str(&text).with_context(|| format!("in {}", path.display()))?;
    Ok(list.package)
}

/// The installed version of a Debian package, if it is installed.
pub fn installed_version(sh: &Shell, name: &str) -> Option<String> {
    let format = "-f=${Status}\t${Version}";
    let out = cmd!(sh, "dpkg-query -W {format} {name}")
        .quiet()
        .ignore_stderr()
        .read()
        .ok()?;
    let (status, version) = out.split_once('\t')?;
    (status == "install ok installed").then(|| version.to_string())
}

pub fn apt_sources_in_place() -> bool {
    std::fs::read_to_string(APT_SOURCES_PATH).is_ok_and(|s| s == APT_SOURCES)
}

/// Installs the apt sources and every missing package. Does nothing (and
/// needs no root) when everything is in place already.
///
/// Only these apt steps need root; the build never does (a build run as
/// root leaves a build tree and cache the user cannot reuse). So an
/// ordinary user gets each step run through `sudo`, and without a working
/// sudo an error that prints the commands to run as root.
pub fn ensure(sh: &Shell, layout: &Layout) -> Result<()> {
    let missing: Vec<Package> = packages(layout)?
        .into_iter()
        .filter(|p| installed_version(sh, &p.name).is_none())
        .collect();
    let steps = plan(&missing, apt_sources_in_place());
    if steps.is_empty() {
        return Ok(());
    }
    eprintln!("==> the host needs set-up (as root)");
    for p in &missing {
        eprintln!("    missing package {}: {}", p.name, p.why);
    }
    execute(&steps, &root_access(), &mut std::io::stderr(), &mut |argv, stdin| run_command(sh, argv, stdin))
}

/// One step of the host set-up that only root can do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RootStep {
    /// What the step does, shown before it runs.
    pub purpose: String,
    /// The command root runs.
    pub argv: Vec<String>,
    /// What the command reads on standard input: the text of a file it writes.
    pub stdin: Option<String>,
}

impl RootStep {
    fn command(purpose: impl Into<String>, argv: &[&str]) -> RootStep {
        RootStep { purpose: purpose.into(), argv: argv.iter().map(|a| a.to_string()).collect(), stdin: None }
    }

    /// Writes `contents` to `path`, mode 0644, without a shell: `install`
    /// copies its standard input, so `sudo` needs to run nothing but it.
    pub fn write_file(purpose: impl Into<String>, path: &str, contents: &str) -> RootStep {
        // A here-document (see `shell_command`) always ends with a newline.
        assert!(contents.ends_with('\n'), "file contents for {path} must end with a newline");
        RootStep { stdin: Some(contents.to_string()), ..RootStep::command(purpose, &["install", "-m", "0644", "/dev/stdin", path]) }
    }

    /// The step as a command to paste into a root shell. Standard input
    /// becomes a quoted here-document, which the shell does not expand.
    pub fn shell_command(&self) -> String {
        let line = quote_args(&self.argv);
        let Some(text) = &self.stdin else { return line };
        let mut end = "EOF".to_string();
        while text.lines().any(|l| l == end) {
            end.push('_');
        }
        format!("{line} <<'{end}'\n{text}{end}")
    }
}

/// The steps that put the apt sources and the `missing` packages in place,
/// in order; none when nothing is missing.
pub fn plan(missing: &[Package], sources_in_place: bool) -> Vec<RootStep> {
    let mut steps = Vec::new();
    if !sources_in_place {
        steps.push(RootStep::write_file(
            format!("adding apt sources {APT_SOURCES_PATH} (deb-src for the GHC source, bookworm-backports for QEMU)"),
            APT_SOURCES_PATH,
            APT_SOURCES,
        ));
    }
    if steps.is_empty() && missing.is_empty() {
        return steps;
    }
    steps.push(RootStep::command("updating apt's package lists", &["apt-get", "update", "-q"]));
    // One apt-get call per target release: `-t` applies to the whole call.
    let mut releases: Vec<Option<&str>> = missing.iter().map(|p| p.release.as_deref()).collect();
    releases.sort();
    releases.dedup();
    for release in releases {
        let names: Vec<&str> =
            missing.iter().filter(|p| p.release.as_deref() == release).map(|p| p.name.as_str()).collect();
        let mut argv =
            vec!["env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y", "-q", "--no-install-recommends"];
        if let Some(release) = release {
            argv.extend(["-t", release]);
        }
        argv.extend(&names);
        let from = release.map(|r| format!(" from {r}")).unwrap_or_default();
        steps.push(RootStep::command(format!("installing {}{from}", names.join(" ")), &argv));
    }
    steps
}

/// How this process can run the steps that need root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RootAccess {
    /// It is root: it runs them itself.
    IsRoot,
    /// An ordinary user: it runs each through `sudo`.
    Sudo,
    /// An ordinary user without sudo; says why.
    Unavailable(String),
}

pub fn root_access() -> RootAccess {
    if is_root() {
        return RootAccess::IsRoot;
    }
    let probe = std::process::Command::new("sudo")
        .arg("--version")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    match probe {
        Ok(status) if status.success() => RootAccess::Sudo,
        Ok(status) => RootAccess::Unavailable(format!("`sudo --version` failed ({status})")),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            RootAccess::Unavailable("sudo is not installed (no `sudo` on PATH)".into())
        }
        Err(err) => RootAccess::Unavailable(format!("sudo could not be started: {err}")),
    }
}

/// Runs `steps` in order with `access`, through `run` (argv and standard
/// input), saying what it does on `log`. Without root access it runs
/// nothing and fails with the commands to run as root; when a step fails
/// through sudo, it stops with the commands still to run.
pub fn execute(
    steps: &[RootStep],
    access: &RootAccess,
    log: &mut dyn Write,
    run: &mut dyn FnMut(&[String], Option<&str>) -> Result<()>,
) -> Result<()> {
    if let RootAccess::Unavailable(why) = access {
        bail!("{}", ask_root(&format!("the host set-up needs root, but {why}; nothing was changed"), steps));
    }
    for (i, step) in steps.iter().enumerate() {
        writeln!(log, "==> {}", step.purpose)?;
        let started = Instant::now();
        if *access == RootAccess::IsRoot {
            run(&step.argv, step.stdin.as_deref()).with_context(|| format!("{} failed", step.purpose))?;
        } else {
            let command = format!("sudo {}", step.shell_command());
            writeln!(log, "    running as root through sudo: {command}")?;
            let argv: Vec<String> = std::iter::once("sudo".to_string()).chain(step.argv.iter().cloned()).collect();
            if let Err(err) = run(&argv, step.stdin.as_deref()) {
                let first_line = command.lines().next().unwrap_or_default();
                let why = format!(
                    "`{first_line}` failed ({err:#}): sudo could not run it as root, or it failed as root; \
                     the steps before it are done"
                );
                bail!("{}", ask_root(&why, &steps[i..]));
            }
        }
        writeln!(log, "    done in {}", format_duration(started.elapsed().as_secs_f64()))?;
    }
    Ok(())
}

/// The error for a user who must run `steps` as root: the cause, the
/// commands (one per line, ready to paste), and what to run afterwards.
fn ask_root(why: &str, steps: &[RootStep]) -> String {
    let commands: Vec<String> = steps.iter().map(RootStep::shell_command).collect();
    format!(
        "{why}.\n\
         Run these commands as root (for example in a shell from `su -`):\n\n{}\n\n\
         then run `cargo xtask build` again as this same user, not as root: the build \
         directory and the cache must stay this user's.",
        commands.join("\n")
    )
}

fn run_command(sh: &Shell, argv: &[String], stdin: Option<&str>) -> Result<()> {
    let (program, args) = argv.split_first().context("an empty command")?;
    let mut command = sh.cmd(program).args(args).quiet();
    if let Some(text) = stdin {
        command = command.stdin(text);
    }
    command.run()?;
    Ok(())
}

/// Whether the machine looks like Debian 12, which the pinned inputs are for.
pub fn os_description() -> String {
    let text = std::fs::read_to_string(Path::new("/etc/os-release")).unwrap_or_default();
    text.lines()
        .find_map(|l| l.strip_prefix("PRETTY_NAME="))
        .map(|v| v.trim_matches('"').to_string())
        .unwrap_or_else(|| "unknown".into())
}

pub fn is_debian_12() -> bool {
    std::fs::read_to_string("/etc/os-release")
        .is_ok_and(|t| t.lines().any(|l| l == "VERSION_CODENAME=bookworm"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checked_in_package_list_parses() {
        let layout = Layout::with_dirs("/nonexistent", "/nonexistent");
        let pkgs = packages(&layout).unwrap();
        let qemu = pkgs.iter().find(|p| p.name == "qemu-system-x86").expect("qemu is listed");
        assert_eq!(qemu.release.as_deref(), Some("bookworm-backports"));
        assert!(pkgs.iter().all(|p| !p.why.is_empty()));
    }

    #[test]
    /// Every release the package list installs from is served by the apt
    /// sources, and bookworm has deb-src for `apt-get source ghc`.
    fn apt_sources_serve_every_release_the_package_list_names() {
        let stanzas: Vec<(Vec<&str>, Vec<&str>)> = APT_SOURCES
            .split("\n\n")
            .map(|stanza| {
                let field = |name: &str| -> Vec<&str> {
                    stanza
                        .lines()
                        .find_map(|l| l.strip_prefix(name))
                        .map(|v| v.split_whitespace().collect())
                        .unwrap_or_default()
                };
                (field("Types:"), field("Suites:"))
            })
            .collect();
        let serves = |kind: &str, suite: &str| stanzas.iter().any(|(t, s)| t.contains(&kind) && s.contains(&suite));
        let layout = Layout::with_dirs("/nonexistent", "/nonexistent");
        for p in packages(&layout).unwrap() {
            if let Some(release) = &p.release {
                assert!(serves("deb", release), "{} is installed from {release}, which {APT_SOURCES_PATH} does not serve", p.name);
            }
        }
        assert!(serves("deb-src", "bookworm"), "no deb-src for bookworm: `apt-get source ghc` fails");
    }

    fn package(name: &str, release: Option<&str>) -> Package {
        Package { name: name.into(), why: format!("{name} is needed"), release: release.map(Into::into) }
    }

    fn commands(steps: &[RootStep]) -> Vec<String> {
        steps.iter().map(RootStep::shell_command).collect()
    }

    const INSTALL: &str = "env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends";

    #[test]
    fn nothing_missing_needs_no_root_step() {
        assert_eq!(plan(&[], true), vec![]);
    }

    #[test]
    fn missing_sources_are_written_then_apt_lists_updated() {
        let steps = plan(&[], false);
        let argv: Vec<Vec<String>> = steps.iter().map(|s| s.argv.clone()).collect();
        assert_eq!(
            argv,
            [vec!["install", "-m", "0644", "/dev/stdin", APT_SOURCES_PATH], vec!["apt-get", "update", "-q"]]
        );
        assert_eq!(steps[0].stdin.as_deref(), Some(APT_SOURCES));
        assert_eq!(steps[1].stdin, None);
    }

    #[test]
    fn packages_are_installed_with_one_apt_call_per_release() {
        let missing = [
            package("aa", None),
            package("qemu-system-x86", Some("bookworm-backports")),
            package("bb", None),
            package("cc", Some("bookworm")),
            package("dd", Some("bookworm-backports")),
        ];
        let expected = [
            "apt-get update -q".to_string(),
            format!("{INSTALL} aa bb"),
            format!("{INSTALL} -t bookworm cc"),
            format!("{INSTALL} -t bookworm-backports qemu-system-x86 dd"),
        ];
        assert_eq!(commands(&plan(&missing, true)), expected);
        // With the sources missing too, they come first: apt must see them
        // before it updates its lists.
        let with_sources = commands(&plan(&missing, false));
        assert!(with_sources[0].starts_with(&format!("install -m 0644 /dev/stdin {APT_SOURCES_PATH} <<'EOF'\n")));
        assert_eq!(with_sources[1..], expected);
    }

    /// Runs a printed command in `sh` after pointing it at `dest`, as a
    /// person would paste it into a root shell.
    fn paste_into_sh(command: &str, dest: &Path) {
        let status = std::process::Command::new("sh").arg("-c").arg(command).status().unwrap();
        assert!(status.success(), "sh -c {command:?}: {status}");
        assert!(dest.exists(), "{command:?} did not write {}", dest.display());
    }

    #[test]
    fn the_printed_sources_command_writes_exactly_the_sources() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let dest = tmp.path().join("halvm.sources");
        let printed = plan(&[], false)[0].shell_command();
        paste_into_sh(&printed.replace(APT_SOURCES_PATH, dest.to_str().unwrap()), &dest);
        assert_eq!(std::fs::read_to_string(&dest).unwrap(), APT_SOURCES);
        assert_eq!(std::fs::metadata(&dest).unwrap().permissions().mode() & 0o777, 0o644);

        // Contents holding the usual delimiter, quotes and `$` survive too.
        let tricky = "EOF\nit's $HOME `date`\nEOF_\n";
        let other = tmp.path().join("tricky");
        paste_into_sh(&RootStep::write_file("t", other.to_str().unwrap(), tricky).shell_command(), &other);
        assert_eq!(std::fs::read_to_string(&other).unwrap(), tricky);
    }

    /// Records, in order, what `execute` says on its log and what it runs.
    #[derive(Default, Clone)]
    struct Events(std::rc::Rc<std::cell::RefCell<String>>);

    impl Write for Events {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.borrow_mut().push_str(&String::from_utf8_lossy(buf));
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// `execute` with a runner that records each command and fails on the
    /// `fail_at`-th call (counting from 0).
    fn execute_recorded(steps: &[RootStep], access: RootAccess, fail_at: Option<usize>) -> (Result<()>, Vec<String>, usize) {
        let events = Events::default();
        let mut log = events.clone();
        let mut calls = 0;
        let result = execute(steps, &access, &mut log, &mut |argv, stdin| {
            events.0.borrow_mut().push_str(&format!("RAN {} STDIN {}\n", argv.join(" "), stdin.is_some()));
            calls += 1;
            if fail_at == Some(calls - 1) {
                bail!("exit status: 1");
            }
            Ok(())
        });
        let recorded = events.0.borrow().lines().map(str::to_string).collect();
        (result, recorded, calls)
    }

    fn sample_steps() -> Vec<RootStep> {
        plan(&[package("aa", None), package("qq", Some("bookworm-backports"))], false)
    }

    #[test]
    fn as_root_each_step_runs_directly() {
        let steps = sample_steps();
        let (result, events, calls) = execute_recorded(&steps, RootAccess::IsRoot, None);
        result.unwrap();
        assert_eq!(calls, steps.len());
        let ran: Vec<&String> = events.iter().filter(|e| e.starts_with("RAN ")).collect();
        for (step, ran) in steps.iter().zip(ran) {
            assert_eq!(*ran, format!("RAN {} STDIN {}", step.argv.join(" "), step.stdin.is_some()));
        }
        assert!(!events.iter().any(|e| e.contains("sudo")), "{events:#?}");
    }

    #[test]
    fn as_a_user_each_step_runs_through_sudo_after_saying_so() {
        let steps = sample_steps();
        let (result, events, calls) = execute_recorded(&steps, RootAccess::Sudo, None);
        result.unwrap();
        assert_eq!(calls, steps.len());
        for step in &steps {
            let said = format!("    running as root through sudo: sudo {}", step.shell_command().lines().next().unwrap());
            let ran = format!("RAN sudo {} STDIN {}", step.argv.join(" "), step.stdin.is_some());
            let said_at = events.iter().position(|e| *e == said).unwrap_or_else(|| panic!("{said:?} in {events:#?}"));
            let ran_at = events.iter().position(|e| *e == ran).unwrap_or_else(|| panic!("{ran:?} in {events:#?}"));
            assert!(said_at < ran_at, "{events:#?}");
        }
        // The file's text is shown too, as the here-document sudo is fed.
        assert!(events.iter().any(|e| e == "Suites: bookworm-backports"), "{events:#?}");
    }

    /// Every printed command appears in `message` as whole lines.
    fn assert_lists_commands(message: &str, steps: &[RootStep]) {
        for command in commands(steps) {
            assert!(message.contains(&format!("\n{command}\n")), "{command:?} is not a line of:\n{message}");
        }
    }

    #[test]
    fn without_sudo_nothing_runs_and_the_root_commands_are_printed() {
        let steps = sample_steps();
        let why = "sudo is not installed (no `sudo` on PATH)";
        let (result, events, calls) = execute_recorded(&steps, RootAccess::Unavailable(why.into()), None);
        assert_eq!(calls, 0, "{events:#?}");
        let message = result.unwrap_err().to_string();
        assert!(message.contains(why), "{message}");
        assert!(message.contains("nothing was changed"), "{message}");
        assert_lists_commands(&message, &steps);
        assert!(message.contains(&format!("\n{INSTALL} aa\n")), "{message}");
        assert!(message.contains(&format!("\n{INSTALL} -t bookworm-backports qq\n")), "{message}");
        assert!(message.contains("run `cargo xtask build` again as this same user"), "{message}");
    }

    #[test]
    fn a_failing_sudo_step_stops_and_prints_the_commands_left() {
        let steps = sample_steps();
        assert_eq!(steps.len(), 4);
        let (result, _, calls) = execute_recorded(&steps, RootAccess::Sudo, Some(1));
        assert_eq!(calls, 2, "nothing runs after the failing step");
        let message = result.unwrap_err().to_string();
        assert!(message.contains("`sudo apt-get update -q` failed (exit status: 1)"), "{message}");
        assert_lists_commands(&message, &steps[1..]);
        assert!(!message.contains("install -m 0644"), "the step already done is not repeated:\n{message}");
    }

    #[test]
    fn as_root_a_failing_step_stops_the_set_up() {
        let steps = sample_steps();
        let (result, _, calls) = execute_recorded(&steps, RootAccess::IsRoot, Some(2));
        assert_eq!(calls, 3);
        let message = format!("{:#}", result.unwrap_err());
        assert!(message.contains("installing aa failed"), "{message}");
    }
}
