//! halvm-run: booting a fresh image under QEMU, the errors before any
//! boot, and the xl configuration.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use common::*;
use halvm_tools::run::{COULD_NOT_BOOT, TIMED_OUT};

fn run(args: &[&str]) -> Output {
    tool("halvm-run").args(args).stdin(Stdio::null()).output().unwrap()
}

fn assert_could_not_boot(out: &Output, needle: &str) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(COULD_NOT_BOOT), "stderr: {err}");
    assert!(err.contains(needle), "stderr should say {needle:?}: {err}");
}

/// What an interactive boot showed.
struct Session {
    /// Console lines seen up to `ready`, while QEMU still ran.
    before_input: Vec<String>,
    /// The rest of the console.
    after_input: Vec<String>,
    status: Option<i32>,
    stderr: String,
}

/// Boots `image` with halvm-run `options` and guest `args` (a guest built
/// from ECHO_STATUS_GUEST), waits for its `ready` line, checks that QEMU
/// still runs (so the line was streamed, not printed at the end), then
/// types `input`.
fn boot_interactively(options: &[&str], image: &Path, args: &[&str], input: &[u8]) -> Session {
    let mut child = tool("halvm-run")
        .args(options)
        .arg(image)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (lines_tx, lines) = mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let _ = lines_tx.send(line.unwrap());
        }
    });
    let mut before_input = Vec::new();
    while !before_input.iter().any(|l: &String| l == "ready") {
        match lines.recv_timeout(Duration::from_secs(60)) {
            Ok(line) => before_input.push(line),
            Err(e) => {
                let _ = child.kill();
                panic!("no `ready` line while the guest runs ({e}); so far: {before_input:?}")
            }
        }
    }
    assert!(child.try_wait().unwrap().is_none(), "the guest waits for input: QEMU must still run");
    child.stdin.take().unwrap().write_all(input).unwrap();
    let status = child.wait().unwrap().code();
    let after_input = lines.iter().collect();
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    Session { before_input, after_input, status, stderr }
}

/// One boot shows what a user relies on:
/// the console streams while the guest runs, without the firmware's
/// output; input reaches the guest; arguments arrive as given (options
/// after IMAGE are the guest's); the status comes back whole (200 does
/// not fit QEMU's 7 bits).
#[test]
fn a_guest_streams_its_console_reads_input_and_exits_with_its_status() {
    let dir = tempfile::tempdir().unwrap();
    let image = link_image(dir.path(), "guest", ECHO_STATUS_GUEST, &[]);
    let s = boot_interactively(&["--accel", "tcg", "--mem", "64", "--timeout", "60"], &image, &["two words", "it's", "--mem"], b"200\n");
    assert_eq!(s.before_input, ["arg: [two words]", "arg: [it's]", "arg: [--mem]", "ready"]);
    assert_eq!(s.status, Some(200), "console: {:?}\nstderr: {}", s.after_input, s.stderr);
    assert!(s.after_input.starts_with(&["got status".to_string(), "halvm: exit status 200".to_string()]), "{:?}", s.after_input);
}

/// Without --accel: where /dev/kvm opens, the first run probes KVM (a
/// boot with `-accel kvm`) and remembers the verdict, and the next run
/// boots at once with the remembered accelerator; elsewhere TCG, no probe.
/// A wrapper in front of QEMU logs each run's accelerator.
#[test]
fn without_accel_kvm_is_probed_once_and_remembered() {
    let dir = tempfile::tempdir().unwrap();
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let log = dir.path().join("accels");
    let real = halvm_bootkit::qemu_binary().expect("QEMU is needed for this test");
    let wrapper = format!(
        "#!/bin/sh\nprev=\nfor a in \"$@\"; do [ \"$prev\" = -accel ] && echo \"$a\" >> '{}'; prev=$a; done\nexec '{}' \"$@\"\n",
        log.display(), real.display());
    halvm_bootkit::write_executable(&bin.join("qemu-system-x86_64"), wrapper).unwrap();
    let path = std::env::join_paths(std::iter::once(bin).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap()))).unwrap();
    let image = link_image(dir.path(), "guest", TRIVIAL_GUEST, &[]);
    let cache = dir.path().join("cache");
    let boot = || {
        let _ = std::fs::remove_file(&log);
        let out = tool("halvm-run").args(["--mem", "64", "--timeout", "60"]).arg(&image)
            .env("PATH", &path).env("XDG_CACHE_HOME", &cache).stdin(Stdio::null()).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
        std::fs::read_to_string(&log).unwrap().lines().map(String::from).collect::<Vec<_>>()
    };
    let first = boot();
    if halvm_bootkit::kvm_usable().is_err() {
        assert_eq!(first, ["tcg"], "no /dev/kvm to use: TCG without a probe");
        return;
    }
    assert_eq!(first.len(), 2, "a probe, then the boot: {first:?}");
    assert_eq!(first[0], "kvm", "the probe runs under KVM");
    assert!(cache.join("halvm/kvm-probe").is_file(), "the verdict is remembered");
    assert_eq!(boot(), [first[1].clone()], "the second run boots at once, as the first did");
}

#[test]
fn a_boot_past_its_timeout_is_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let image = link_image(dir.path(), "waits", ECHO_STATUS_GUEST, &[]);
    // Standard input is empty: the guest waits for ever.
    let out = run(&["--accel", "tcg", "--mem", "64", "--timeout", "2", image.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(TIMED_OUT), "stderr: {}", stderr(&out));
    assert!(stderr(&out).contains("--timeout of 2 s"), "{}", stderr(&out));
    assert!(stdout(&out).contains("ready"), "the console before the timeout is shown: {}", stdout(&out));
}

#[test]
fn a_missing_image_is_named() {
    assert_could_not_boot(&run(&["/no/such/image.xen"]), "/no/such/image.xen: no such file");
}

#[test]
fn a_file_that_is_not_an_image_is_refused_before_booting() {
    assert_could_not_boot(&run(&["/bin/true"]), "no Xen PVH entry note");
}

#[test]
fn missing_qemu_is_reported_with_how_to_install_it() {
    let dir = tempfile::tempdir().unwrap();
    let image = link_image(dir.path(), "guest", TRIVIAL_GUEST, &[]);
    let out = tool("halvm-run").arg(&image).env("PATH", dir.path()).output().unwrap();
    assert_could_not_boot(&out, "apt-get install -t bookworm-backports qemu-system-x86");
}

#[test]
fn usage_errors_are_could_not_boot_not_a_guest_status() {
    assert_could_not_boot(&run(&["--no-such-option", "x"]), "--no-such-option");
    assert_could_not_boot(&run(&["--xen", "--accel", "kvm", "/bin/true"]), "TCG only");
    assert_could_not_boot(&run(&["--xl-config", "--timeout", "3", "/bin/true"]), "boots nothing");
}

/// `key = value` settings of an xl configuration, comments skipped.
fn settings(config: &str) -> Vec<(String, String)> {
    config
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let (k, v) = l.split_once(" = ").unwrap_or_else(|| panic!("not a setting: {l:?}"));
            (k.to_string(), v.to_string())
        })
        .collect()
}

#[test]
fn xl_config_describes_a_pvh_guest_and_boots_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let image = link_image(dir.path(), "web server", TRIVIAL_GUEST, &[]);
    let out = tool("halvm-run")
        .args(["--xl-config", "--mem", "96"])
        .arg(&image)
        .args(["two words", "x"])
        .env("PATH", dir.path()) // no QEMU needed
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let kernel = std::fs::canonicalize(&image).unwrap();
    let want = [
        ("name", "\"web-server\"".to_string()),
        ("type", "\"pvh\"".to_string()),
        ("kernel", format!("\"{}\"", kernel.display())),
        ("memory", "96".to_string()),
        ("vcpus", "1".to_string()),
        ("cmdline", "\"'two words' x\"".to_string()),
        ("on_poweroff", "\"destroy\"".to_string()),
        ("on_reboot", "\"destroy\"".to_string()),
        ("on_crash", "\"destroy\"".to_string()),
    ];
    let want: Vec<(String, String)> = want.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
    assert_eq!(settings(&stdout(&out)), want);
}

#[test]
fn too_little_memory_is_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let image = link_image(dir.path(), "guest", TRIVIAL_GUEST, &[]);
    let out = run(&["--xl-config", "--mem", "2", image.to_str().unwrap()]);
    assert!(out.status.success());
    assert!(stderr(&out).contains("warning: --mem 2 is below"), "{}", stderr(&out));
    let quiet = run(&["--xl-config", "--mem", "64", image.to_str().unwrap()]);
    assert!(stderr(&quiet).is_empty(), "{}", stderr(&quiet));
}

/// As the initial domain of Xen inside QEMU (TCG): the console (Xen's
/// log, then the guest's), input and the status pass through Xen.
/// Skipped, saying so, where Xen is not installed.
#[test]
fn under_xen_console_input_and_status_pass_through() {
    if !Path::new(halvm_bootkit::xen::PACKAGED).is_file() {
        eprintln!("SKIPPED: {} is not installed", halvm_bootkit::xen::PACKAGED);
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let image = link_image(dir.path(), "guest", ECHO_STATUS_GUEST, &[]);
    let s = boot_interactively(&["--xen", "--mem", "64", "--timeout", "60"], &image, &["x,y"], b"5\n");
    assert!(s.before_input.iter().any(|l| l.starts_with("(XEN)")), "Xen's log is shown: {:?}", s.before_input);
    assert!(s.before_input.contains(&"arg: [x,y]".to_string()), "{:?}", s.before_input);
    assert_eq!(s.status, Some(5), "console: {:?}\nstderr: {}", s.after_input, s.stderr);
}

/// A guest that prints /hello.txt (minlibc's file tree) and exits 0, or 7
/// when the file cannot be opened.
const FILE_GUEST: &str = r#"
#include <stdio.h>
int main(void) {
    FILE *f = fopen("/hello.txt", "r");
    if (!f) { printf("no /hello.txt\n"); return 7; }
    char line[100];
    while (fgets(line, sizeof line, f)) printf("file: %s", line);
    return 0;
}
"#;

/// --files DIR packs DIR and passes it as the boot module; with
/// --xl-config it becomes a ramdisk= line naming the packed archive.
#[test]
fn files_reach_the_guest_as_a_boot_module() {
    let dir = tempfile::tempdir().unwrap();
    let image = link_image(dir.path(), "reader", FILE_GUEST, &[]);
    let tree = dir.path().join("tree");
    std::fs::create_dir(&tree).unwrap();
    std::fs::write(tree.join("hello.txt"), "from halvm-run --files\n").unwrap();
    let out = run(&["--accel", "tcg", "--timeout", "60", "--files", tree.to_str().unwrap(), image.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).contains("file: from halvm-run --files"), "{}", stdout(&out));
    let without = run(&["--accel", "tcg", "--timeout", "60", image.to_str().unwrap()]);
    assert_eq!(without.status.code(), Some(7), "{}", stdout(&without));

    let config = tool("halvm-run")
        .args(["--xl-config", "--files"])
        .arg(&tree)
        .arg(&image)
        .output()
        .unwrap();
    assert!(config.status.success(), "{}", stderr(&config));
    let ramdisk = settings(&stdout(&config)).into_iter().find(|(k, _)| k == "ramdisk").expect("a ramdisk line").1;
    let archive = std::fs::read(ramdisk.trim_matches('"')).unwrap();
    assert_eq!(archive, halvm_tools::files::pack_dir(&tree).unwrap());

    std::os::unix::fs::symlink("../..", tree.join("escape")).unwrap();
    assert_could_not_boot(&run(&["--files", tree.to_str().unwrap(), image.to_str().unwrap()]), "\"escape\"");
}

/// A guest that greets each TCP connection on port 80 and exits after one
/// answers the greeting with "q" (a connection its client gave up on
/// meanwhile does not end it).
const GREETER_GUEST: &str = r#"
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
int main(void)
{
    int l = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(80) };
    if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof a) || listen(l, 1)) { perror("listen"); return 1; }
    const char *hello = "hello through the forward\n";
    for (;;) {
        int c = accept(l, NULL, NULL);
        if (c < 0) { perror("accept"); return 1; }
        write(c, hello, strlen(hello));
        char q = 0;
        ssize_t n = read(c, &q, 1);
        close(c);
        if (n == 1 && q == 'q')
            return 0;
    }
}
"#;

/// --forward HOST:GUEST: a connection to the host port reaches the guest's
/// listener; the guest's address comes from DHCP.
#[test]
fn forward_reaches_a_guest_listener() {
    use std::io::{Read, Write};
    const GREETING: &str = "hello through the forward\n";
    let dir = tempfile::tempdir().unwrap();
    let image = link_image(dir.path(), "greeter", GREETER_GUEST, &[]);
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = tool("halvm-run")
        .args(["--accel", "tcg", "--mem", "64", "--timeout", "60", "--forward", &format!("{port}:80")])
        .arg(&image)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // until the guest listens, QEMU takes the connection and closes it
    let started = std::time::Instant::now();
    let greeting = loop {
        let ended = child.try_wait().unwrap();
        if ended.is_some() || started.elapsed() >= Duration::from_secs(45) {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!("the guest never answered on port 80 ({}); halvm-run's output:\n{}\n{}",
                   if ended.is_some() { "halvm-run ended" } else { "45 s" }, stdout(&out), stderr(&out));
        }
        if let Ok(mut c) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            // QEMU accepts at once and then tries the guest, resending a
            // lost SYN after 3, 6, 12 s...: a try that hangs is dropped
            // for a fresh one rather than waited out (the guest, which
            // may still answer it, goes on to the next connection)
            c.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
            let mut text = vec![0u8; GREETING.len()];
            if c.read_exact(&mut text).is_ok() {
                c.write_all(b"q").unwrap();
                break String::from_utf8_lossy(&text).into_owned();
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(greeting, GREETING);
    let out = child.wait_with_output().unwrap();
    let console = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{console}\n{}", stderr(&out));
    assert!(console.contains("halvm: net: eth0 52:54:00:12:34:56 address 10.0.2.15/24"), "{console}");
}

#[test]
fn network_options_are_refused_where_they_cannot_work() {
    let dir = tempfile::tempdir().unwrap();
    let image = link_image(dir.path(), "guest", ECHO_STATUS_GUEST, &[]);
    let image = image.to_str().unwrap();
    assert_could_not_boot(&run(&["--xen", "--net", image]), "direct QEMU boots only");
    assert_could_not_boot(&run(&["--xl-config", "--forward", "8080:80", image]), "direct QEMU boots only");
    assert_could_not_boot(&run(&["--forward", "80", image]), "HOSTPORT:GUESTPORT");
}
