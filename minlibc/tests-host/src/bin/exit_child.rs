//! The child process of tests/compare.rs's exit and abort tests: registers
//! atexit handlers, prints without a newline, then calls minlibc's exit
//! (`exit_child exit`) or abort (`exit_child abort`). A program of its own,
//! so the test harness never lists it as a test that asserts nothing.

fn main() {
    let how = match std::env::args().nth(1).as_deref() {
        Some("exit") => 0,
        Some("abort") => 1,
        other => {
            eprintln!("usage: exit_child exit|abort (got {other:?}); run by minlibc/tests-host/tests/compare.rs");
            std::process::exit(2);
        }
    };
    unsafe { minlibc_host_tests::exit_child(how) }
}
