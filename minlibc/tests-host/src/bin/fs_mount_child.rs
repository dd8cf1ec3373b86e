//! The child process of tests/files.rs's boot-time test: gives the host
//! platform a boot module holding a hostile tar entry ("evil/../x"), then
//! makes minlibc mount its file tree from the platform, which must end the
//! process with status 120 (HALVM_EXIT_BAD_FILES) and a console line.

extern crate minlibc_host_tests;

use std::os::raw::c_int;

extern "C" {
    fn host_set_files(embedded: *const u8, size: usize, module0: *const u8, module0_size: usize);
    fn ml___minlibc_fs_unmount();
    fn ml_open(path: *const std::os::raw::c_char, flags: c_int, ...) -> c_int;
}

/// One ustar header for an empty regular file named `name`, unchecked.
fn header(name: &[u8]) -> Vec<u8> {
    let mut h = vec![0u8; 512];
    h[..name.len()].copy_from_slice(name);
    h[100..108].copy_from_slice(b"0000644\0");
    h[124..136].copy_from_slice(b"00000000000\0");
    h[136..148].copy_from_slice(b"00000000000\0");
    h[156] = b'0';
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|&b| b as u32).sum();
    h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    h
}

fn main() {
    let mut archive = header(b"evil/../x");
    archive.extend_from_slice(&[0u8; 1024]);
    let archive = Box::leak(archive.into_boxed_slice());
    unsafe {
        host_set_files(std::ptr::null(), 0, archive.as_ptr(), archive.len());
        ml___minlibc_fs_unmount();
        ml_open(c"/x".as_ptr(), 0);
    }
    eprintln!("the hostile boot module was mounted");
    std::process::exit(1);
}
