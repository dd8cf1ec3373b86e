//! minlibc compared with glibc (see the suites in ../c). Case counts keep
//! the whole file to a few seconds; MINLIBC_TEST_SEED picks another seed.

use minlibc_host_tests::*;

fn check(suite: unsafe extern "C" fn(u64, std::os::raw::c_ulong, *mut std::os::raw::c_char, usize) -> std::os::raw::c_ulong, cases: u64) {
    if let Err(report) = run(suite, seed(), cases) {
        panic!("{report}");
    }
}

#[test]
fn printf_matches_glibc_on_random_specifications() {
    check(suite_printf, 150_000);
}

#[test]
fn printf_multi_conversion_n_m_and_positional() {
    check(suite_printf_fixed, 1);
}

#[test]
fn strtod_strtof_strtold_match_glibc() {
    check(suite_strtod, 40_000);
}

#[test]
fn strtod_round_trips_every_double_through_printf() {
    check(suite_strtod_fixed, 1);
}

#[test]
fn strtol_family_matches_glibc() {
    check(suite_strtol, 100_000);
}

#[test]
fn malloc_stress_keeps_contents_and_returns_memory() {
    check(suite_malloc, 300_000);
}

#[test]
fn malloc_reports_exhaustion_and_bad_arguments() {
    check(suite_malloc_limits, 1);
}

#[test]
fn qsort_and_bsearch_match_a_reference_sort() {
    check(suite_qsort, 3_000);
}

#[test]
fn iconv_matches_glibc_and_round_trips() {
    check(suite_iconv, 20_000);
}

#[test]
fn string_functions_and_strerror_match_glibc() {
    check(suite_strings, 50_000);
}

#[test]
fn ctype_tables_match_glibc() {
    check(suite_ctype, 1);
}

#[test]
fn time_conversions_match_glibc() {
    check(suite_time, 50_000);
}

#[test]
fn environment_starts_empty_and_setenv_putenv_unsetenv_clearenv_work() {
    check(suite_env, 1);
}

#[test]
fn stdio_buffers_on_the_console() {
    check(suite_stdio, 1);
}

#[test]
fn setjmp_locale_memory_signals_and_honest_failures() {
    check(suite_misc, 1);
}

#[test]
fn getrandom_getentropy_and_dev_urandom() {
    check(suite_entropy, 1);
}

extern "C" {
    /// c/suite_streams.c (declared here: the list in src/lib.rs is not
    /// this file's to change)
    fn suite_streams(seed: u64, cases: std::os::raw::c_ulong, report: *mut std::os::raw::c_char, cap: usize) -> std::os::raw::c_ulong;
}

#[test]
fn streams_on_any_descriptor_dup_and_splitmix_seeding() {
    check(suite_streams, 1);
}

/// Runs the exit_child program (src/bin/exit_child.rs), which calls
/// minlibc's exit or abort after registering handlers.
fn run_child(how: &str) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_exit_child")).arg(how).output().unwrap()
}

#[test]
fn exit_runs_atexit_handlers_in_reverse_and_flushes_stdout() {
    let out = run_child("exit");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "child output:\n{stdout}");
    assert_eq!(
        stdout, "unflushed[second][first]halvm: exit status 3\n",
        "expected the pending output, then handlers in reverse order, then the exit line"
    );
}

#[test]
fn abort_flushes_stdout_and_exits_134() {
    let out = run_child("abort");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(134), "child output:\n{stdout}");
    assert_eq!(stdout, "unflushedhalvm: exit status 134\n", "abort must flush but not run atexit handlers");
}
