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
fn environment() {
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

/// Runs this test binary again as a child that calls exit_child(how).
fn run_child(how: &str) -> std::process::Output {
    std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "exit_child_entry", "--nocapture", "--test-threads=1"])
        .env("MINLIBC_EXIT_CHILD", how)
        .output()
        .unwrap()
}

#[test]
fn exit_runs_atexit_handlers_in_reverse_and_flushes_stdout() {
    let out = run_child("exit");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "child output:\n{stdout}");
    assert!(
        stdout.contains("unflushed[second][first]halvm: exit status 3\n"),
        "expected the pending output, then handlers in reverse order, then the exit line; got:\n{stdout}"
    );
}

#[test]
fn abort_flushes_stdout_and_exits_134() {
    let out = run_child("abort");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(134), "child output:\n{stdout}");
    assert!(stdout.contains("unflushedhalvm: exit status 134\n"), "abort must flush but not run atexit handlers; got:\n{stdout}");
}

/// Not a test on its own: the child side of the two tests above.
#[test]
fn exit_child_entry() {
    match std::env::var("MINLIBC_EXIT_CHILD").as_deref() {
        Ok("exit") => unsafe { exit_child(0) },
        Ok("abort") => unsafe { exit_child(1) },
        _ => {}
    }
}
