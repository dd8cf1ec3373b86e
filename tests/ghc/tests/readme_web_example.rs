//! README.md's networking example, as a user would follow it: the files
//! its shell lines write, `halvm-cabal build`, `halvm-run --forward` and
//! `curl` from the host. Run by the cabal lane, whose pinned package
//! repository (HALVM_CABAL_LANE_DIR) stands in for Hackage.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const FIRST: &str = "    mkdir hello-web && cd hello-web";
const BUILD: &str = "    halvm-cabal build";

/// The example's lines from `mkdir` up to (not including) the build, as a
/// shell script without the markdown indentation.
fn example_setup(readme: &str) -> String {
    let start = readme.find(FIRST).expect("README.md has no `mkdir hello-web` example any more");
    let end = start + readme[start..].find(BUILD).expect("the example does not run `halvm-cabal build`");
    readme[start..end].lines().map(|l| l.strip_prefix("    ").unwrap_or(l)).collect::<Vec<_>>().join("\n") + "\n"
}

fn env_path(name: &str) -> PathBuf {
    PathBuf::from(std::env::var_os(name).unwrap_or_else(|| panic!("{name} is not set; run with `cargo xtask test --lane cabal`")))
}

fn run(dir: &Path, program: &str, args: &[&str], envs: &[(&str, &std::ffi::OsStr)]) -> String {
    let out = Command::new(program).args(args).current_dir(dir).envs(envs.iter().copied()).output()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{program} {args:?} failed:\n{text}");
    String::from_utf8_lossy(&out.stdout).to_string()
}

#[test]
fn the_readme_web_server_answers_curl_through_a_port_forward() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let readme = std::fs::read_to_string(repo.join("README.md")).unwrap();
    let prefix = env_path("HALVM_PREFIX");
    let cabal_dir = env_path("HALVM_CABAL_LANE_DIR");
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("setup.sh"), example_setup(&readme)).unwrap();
    run(tmp.path(), "sh", &["setup.sh"], &[]);
    let project = tmp.path().join("hello-web");
    let path = std::env::join_paths(std::iter::once(prefix.join("bin")).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()))).unwrap();
    let envs = [("PATH", path.as_os_str()), ("HALVM_CABAL_DIR", cabal_dir.as_os_str())];
    let cabal = prefix.join("bin/halvm-cabal");
    let cabal = cabal.to_str().unwrap();
    run(&project, cabal, &["build"], &envs);
    let image = run(&project, cabal, &["list-bin", "hello-web"], &envs).trim().to_string();

    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let console = tmp.path().join("console.log");
    // its own process group, so that QEMU goes with it at the end
    let mut guest = Command::new(prefix.join("bin/halvm-run"))
        .args(["--accel", "tcg", "--timeout", "120", "--forward", &format!("{port}:80"), &image])
        .stdout(std::fs::File::create(&console).unwrap())
        .stderr(Stdio::null())
        .stdin(Stdio::null())
        .process_group(0)
        .spawn()
        .unwrap();
    let started = Instant::now();
    let answer = loop {
        let out = Command::new("curl").args(["-sS", "--max-time", "5", &format!("http://127.0.0.1:{port}/")]).output()
            .expect("curl (toolchain/host-packages.toml installs it)");
        if out.status.success() && !out.stdout.is_empty() {
            break Ok(String::from_utf8_lossy(&out.stdout).to_string());
        }
        if started.elapsed() > Duration::from_secs(60) || guest.try_wait().unwrap().is_some() {
            break Err(String::from_utf8_lossy(&out.stderr).to_string());
        }
        std::thread::sleep(Duration::from_millis(250));
    };
    let _ = Command::new("kill").args(["-s", "TERM", "--", &format!("-{}", guest.id())]).status();
    let _ = guest.wait();
    let log = std::fs::read_to_string(&console).unwrap_or_default();
    match answer {
        Ok(body) => assert_eq!(body, "hello from halvm\n", "curl's answer; the console:\n{log}"),
        Err(e) => panic!("curl never got an answer ({e}); the console:\n{log}"),
    }
    assert!(log.contains("serving HTTP on port 80"), "the console:\n{log}");
    eprintln!("README web example: answered {:.1} s after halvm-run started", started.elapsed().as_secs_f64());
}
