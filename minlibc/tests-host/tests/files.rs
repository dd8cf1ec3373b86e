//! minlibc's file tree (src/fs_*.c) on the host: archives built with the
//! `tar` crate (what halvm-ghc --files and halvm-run --files write) and
//! hostile ones built by hand, mounted into the host copy of minlibc and
//! used through its POSIX calls (ml_-prefixed).

// the host copy of minlibc and the test platform are linked through the library
extern crate minlibc_host_tests;

use std::ffi::{CStr, CString};
use std::os::raw::{c_char, c_int, c_void};
use std::sync::Mutex;

extern "C" {
    fn ml___minlibc_fs_reset(tmp_limit: usize);
    fn ml___minlibc_fs_mount(archive: *const u8, len: usize, why: *mut c_char, cap: usize) -> c_int;
    fn ml___errno_location() -> *mut c_int;
    fn ml_open(path: *const c_char, flags: c_int, ...) -> c_int;
    fn ml_read(fd: c_int, buf: *mut c_void, n: usize) -> isize;
    fn ml_write(fd: c_int, buf: *const c_void, n: usize) -> isize;
    fn ml_pread(fd: c_int, buf: *mut c_void, n: usize, off: i64) -> isize;
    fn ml_lseek(fd: c_int, off: i64, whence: c_int) -> i64;
    fn ml_close(fd: c_int) -> c_int;
    fn ml_dup(fd: c_int) -> c_int;
    fn ml_stat(path: *const c_char, st: *mut u8) -> c_int;
    fn ml_lstat(path: *const c_char, st: *mut u8) -> c_int;
    fn ml_fstat(fd: c_int, st: *mut u8) -> c_int;
    fn ml_access(path: *const c_char, mode: c_int) -> c_int;
    fn ml_opendir(path: *const c_char) -> *mut c_void;
    fn ml_readdir(d: *mut c_void) -> *const u8;
    fn ml_closedir(d: *mut c_void) -> c_int;
    fn ml_getcwd(buf: *mut c_char, n: usize) -> *mut c_char;
    fn ml_chdir(path: *const c_char) -> c_int;
    fn ml_fchdir(fd: c_int) -> c_int;
    fn ml_realpath(path: *const c_char, out: *mut c_char) -> *mut c_char;
    fn ml_readlink(path: *const c_char, buf: *mut c_char, n: usize) -> isize;
    fn ml_mkdir(path: *const c_char, mode: u32) -> c_int;
    fn ml_rmdir(path: *const c_char) -> c_int;
    fn ml_unlink(path: *const c_char) -> c_int;
    fn ml_rename(a: *const c_char, b: *const c_char) -> c_int;
    fn ml_ftruncate(fd: c_int, len: i64) -> c_int;
    fn ml_poll(fds: *mut PollFd, n: u64, timeout: c_int) -> c_int;
    fn ml_free(p: *mut c_void);
    fn ml_sysconf(name: c_int) -> i64;
    fn ml_fopen(path: *const c_char, mode: *const c_char) -> *mut c_void;
    fn ml_fgetc(f: *mut c_void) -> c_int;
    fn ml_ungetc(c: c_int, f: *mut c_void) -> c_int;
    fn ml_fputs(s: *const c_char, f: *mut c_void) -> c_int;
    fn ml_fseek(f: *mut c_void, off: i64, whence: c_int) -> c_int;
    fn ml_ftell(f: *mut c_void) -> i64;
    fn ml_fclose(f: *mut c_void) -> c_int;
    static ml_stdout: *mut c_void;
}

#[repr(C)]
struct PollFd {
    fd: c_int,
    events: i16,
    revents: i16,
}

const O_RDONLY: c_int = 0;
const O_WRONLY: c_int = 1;
const O_RDWR: c_int = 2;
const O_CREAT: c_int = 0o100;
const O_EXCL: c_int = 0o200;
const O_NOCTTY: c_int = 0o400;
const O_TRUNC: c_int = 0o1000;
const O_APPEND: c_int = 0o2000;
const O_NONBLOCK: c_int = 0o4000;
const O_DIRECTORY: c_int = 0o200000;
const ENOENT: c_int = 2;
const EBADF: c_int = 9;
const EEXIST: c_int = 17;
const ENOTDIR: c_int = 20;
const EISDIR: c_int = 21;
const EINVAL: c_int = 22;
const ENOSPC: c_int = 28;
const ESPIPE: c_int = 29;
const EROFS: c_int = 30;
const ELOOP: c_int = 40;
const ENOTEMPTY: c_int = 39;
const EXDEV: c_int = 18;
const S_IFMT: u32 = 0o170000;
const S_IFDIR: u32 = 0o040000;
const S_IFREG: u32 = 0o100000;
const S_IFLNK: u32 = 0o120000;

/// minlibc has one thread; the test harness has several.
static SERIAL: Mutex<()> = Mutex::new(());

fn c(s: &str) -> CString {
    CString::new(s).unwrap()
}

fn errno() -> c_int {
    unsafe { *ml___errno_location() }
}

/// st_mode and st_size of struct stat (x86_64 layout).
fn mode_size(st: &[u8; 144]) -> (u32, i64) {
    (u32::from_ne_bytes(st[24..28].try_into().unwrap()), i64::from_ne_bytes(st[48..56].try_into().unwrap()))
}

fn stat(path: &str) -> Result<(u32, i64), c_int> {
    let mut st = [0u8; 144];
    if unsafe { ml_stat(c(path).as_ptr(), st.as_mut_ptr()) } == 0 { Ok(mode_size(&st)) } else { Err(errno()) }
}

fn lstat(path: &str) -> Result<(u32, i64), c_int> {
    let mut st = [0u8; 144];
    if unsafe { ml_lstat(c(path).as_ptr(), st.as_mut_ptr()) } == 0 { Ok(mode_size(&st)) } else { Err(errno()) }
}

fn open(path: &str, flags: c_int) -> Result<c_int, c_int> {
    let fd = unsafe { ml_open(c(path).as_ptr(), flags, 0o666 as c_int) };
    if fd >= 0 { Ok(fd) } else { Err(errno()) }
}

fn read_all(fd: c_int) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0u8; 1000];
    loop {
        let n = unsafe { ml_read(fd, buf.as_mut_ptr().cast(), buf.len()) };
        assert!(n >= 0, "read failed: errno {}", errno());
        if n == 0 {
            return out;
        }
        out.extend_from_slice(&buf[..n as usize]);
    }
}

fn read_file(path: &str) -> Result<Vec<u8>, c_int> {
    let fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK)?;
    let data = read_all(fd);
    assert_eq!(unsafe { ml_close(fd) }, 0);
    Ok(data)
}

fn write_file(path: &str, data: &[u8]) -> Result<(), c_int> {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC)?;
    let n = unsafe { ml_write(fd, data.as_ptr().cast(), data.len()) };
    let e = errno();
    unsafe { ml_close(fd) };
    if n == data.len() as isize { Ok(()) } else if n < 0 { Err(e) } else { Err(-(n as c_int)) }
}

fn list(path: &str) -> Result<Vec<String>, c_int> {
    let d = unsafe { ml_opendir(c(path).as_ptr()) };
    if d.is_null() {
        return Err(errno());
    }
    let mut names = Vec::new();
    loop {
        let e = unsafe { ml_readdir(d) };
        if e.is_null() {
            break;
        }
        names.push(unsafe { CStr::from_ptr(e.add(19).cast()) }.to_string_lossy().into_owned());
    }
    assert_eq!(unsafe { ml_closedir(d) }, 0);
    Ok(names)
}

/// An archive as the tools write it: the tar crate, GNU headers (long
/// names as ././@LongLink records), mtime 0.
struct Archive(tar::Builder<Vec<u8>>);

impl Archive {
    fn new() -> Self {
        Archive(tar::Builder::new(Vec::new()))
    }
    fn header(kind: tar::EntryType, size: u64, mode: u32) -> tar::Header {
        let mut h = tar::Header::new_gnu();
        h.set_entry_type(kind);
        h.set_size(size);
        h.set_mode(mode);
        h.set_mtime(0);
        h
    }
    fn file(mut self, path: &str, data: &[u8]) -> Self {
        let mut h = Self::header(tar::EntryType::Regular, data.len() as u64, 0o644);
        self.0.append_data(&mut h, path, data).unwrap();
        self
    }
    fn dir(mut self, path: &str) -> Self {
        let mut h = Self::header(tar::EntryType::Directory, 0, 0o755);
        self.0.append_data(&mut h, path, &[][..]).unwrap();
        self
    }
    fn link(mut self, path: &str, target: &str) -> Self {
        let mut h = Self::header(tar::EntryType::Symlink, 0, 0o777);
        self.0.append_link(&mut h, path, target).unwrap();
        self
    }
    /// An entry whose name is written raw, unchecked (the crate refuses
    /// "..", which is the point of these tests).
    fn raw(mut self, name: &[u8], kind: tar::EntryType, data: &[u8]) -> Self {
        let mut h = tar::Header::new_ustar();
        h.as_old_mut().name[..name.len()].copy_from_slice(name);
        h.set_entry_type(kind);
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_mtime(0);
        h.set_cksum();
        self.0.append(&h, data).unwrap();
        self
    }
    fn bytes(self) -> Vec<u8> {
        self.0.into_inner().unwrap()
    }
}

/// Mounts archives over a fresh tree; Err carries minlibc's message.
fn mount(archives: &[&[u8]], tmp_limit: usize) -> Result<(), String> {
    unsafe { ml___minlibc_fs_reset(tmp_limit) };
    for a in archives {
        let mut why = [0 as c_char; 512];
        if unsafe { ml___minlibc_fs_mount(a.as_ptr(), a.len(), why.as_mut_ptr(), why.len()) } != 0 {
            return Err(unsafe { CStr::from_ptr(why.as_ptr()) }.to_string_lossy().into_owned());
        }
    }
    Ok(())
}

fn sample() -> Vec<u8> {
    let long = format!("deep/{}/file.txt", "d".repeat(150));
    Archive::new()
        .dir("etc")
        .file("etc/config.txt", b"name = halvm\n")
        .file("data/numbers.txt", b"1\n2\n3\n")
        .file(&long, b"long name\n")
        .file("empty", b"")
        .link("etc/alias", "config.txt")
        .link("up", "etc/../data/numbers.txt")
        .link("abs", "/etc/config.txt")
        .link("loop1", "loop2")
        .link("loop2", "loop1")
        .bytes()
}

#[test]
fn files_read_list_and_resolve_like_linux() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let archive = sample();
    mount(&[&archive], 1 << 20).unwrap();
    assert_eq!(read_file("/etc/config.txt").unwrap(), b"name = halvm\n");
    assert_eq!(read_file("etc/alias").unwrap(), b"name = halvm\n");
    assert_eq!(read_file("/up").unwrap(), b"1\n2\n3\n");
    assert_eq!(read_file("/abs").unwrap(), b"name = halvm\n");
    assert_eq!(read_file(&format!("/deep/{}/file.txt", "d".repeat(150))).unwrap(), b"long name\n");
    assert_eq!(read_file("/empty").unwrap(), b"");
    assert_eq!(read_file("/etc/../etc/./config.txt").unwrap(), b"name = halvm\n");
    assert_eq!(read_file("/../../etc/config.txt").unwrap(), b"name = halvm\n", ".. at the root stays there");
    assert_eq!(read_file("/missing"), Err(ENOENT));
    assert_eq!(read_file("/etc/config.txt/x"), Err(ENOTDIR));
    assert_eq!(read_file("/etc/config.txt/"), Err(ENOTDIR));
    assert_eq!(read_file("/loop1"), Err(ELOOP));
    assert_eq!(read_file(""), Err(ENOENT));
    // directories open for reading, but do not read
    let fd = open("/etc", O_RDONLY).unwrap();
    let mut b = [0u8; 4];
    assert_eq!(unsafe { ml_read(fd, b.as_mut_ptr().cast(), 4) }, -1);
    assert_eq!(errno(), EISDIR);
    unsafe { ml_close(fd) };
    assert_eq!(open("/etc/config.txt", O_RDONLY | O_DIRECTORY), Err(ENOTDIR));

    assert_eq!(stat("/etc/config.txt").map(|(m, s)| (m & S_IFMT, s)), Ok((S_IFREG, 13)));
    assert_eq!(stat("/etc").map(|(m, _)| m & S_IFMT), Ok(S_IFDIR));
    assert_eq!(stat("/deep").map(|(m, _)| m & S_IFMT), Ok(S_IFDIR), "implicit parent directories exist");
    assert_eq!(lstat("/etc/alias").map(|(m, s)| (m & S_IFMT, s)), Ok((S_IFLNK, 10)));
    assert_eq!(stat("/etc/alias").map(|(m, _)| m & S_IFMT), Ok(S_IFREG));
    assert_eq!(stat("/nope/x"), Err(ENOENT));

    let mut names = list("/").unwrap();
    names.sort();
    assert_eq!(names, [".", "..", "abs", "data", "deep", "empty", "etc", "loop1", "loop2", "tmp", "up"]);
    assert_eq!(list("/etc").unwrap(), [".", "..", "alias", "config.txt"]);
    assert_eq!(list("/etc/config.txt"), Err(ENOTDIR));
    assert_eq!(list("/none"), Err(ENOENT));

    let mut buf = [0 as c_char; 256];
    assert!(!unsafe { ml_getcwd(buf.as_mut_ptr(), buf.len()) }.is_null());
    assert_eq!(unsafe { CStr::from_ptr(buf.as_ptr()) }.to_str().unwrap(), "/");
    assert_eq!(unsafe { ml_chdir(c("/etc").as_ptr()) }, 0);
    assert_eq!(read_file("config.txt").unwrap(), b"name = halvm\n");
    assert!(!unsafe { ml_getcwd(buf.as_mut_ptr(), buf.len()) }.is_null());
    assert_eq!(unsafe { CStr::from_ptr(buf.as_ptr()) }.to_str().unwrap(), "/etc");
    assert!(unsafe { ml_getcwd(buf.as_mut_ptr(), 3) }.is_null());
    assert_eq!(errno(), 34 /* ERANGE */);
    assert_eq!(unsafe { ml_chdir(c("config.txt").as_ptr()) }, -1);
    assert_eq!(errno(), ENOTDIR);
    assert_eq!(unsafe { ml_chdir(c("/").as_ptr()) }, 0);

    let r = unsafe { ml_realpath(c("/etc/alias").as_ptr(), std::ptr::null_mut()) };
    assert_eq!(unsafe { CStr::from_ptr(r) }.to_str().unwrap(), "/etc/config.txt");
    unsafe { ml_free(r.cast()) };
    let r = unsafe { ml_realpath(c("/up").as_ptr(), buf.as_mut_ptr()) };
    assert_eq!(unsafe { CStr::from_ptr(r) }.to_str().unwrap(), "/data/numbers.txt");
    assert!(unsafe { ml_realpath(c("/gone").as_ptr(), buf.as_mut_ptr()) }.is_null());
    assert_eq!(errno(), ENOENT);
    let n = unsafe { ml_readlink(c("/etc/alias").as_ptr(), buf.as_mut_ptr(), buf.len()) };
    assert_eq!(n, 10);
    assert_eq!(unsafe { ml_readlink(c("/etc/config.txt").as_ptr(), buf.as_mut_ptr(), buf.len()) }, -1);
    assert_eq!(errno(), EINVAL);

    assert_eq!(unsafe { ml_access(c("/etc/config.txt").as_ptr(), 4) }, 0);
    assert_eq!(unsafe { ml_access(c("/etc/config.txt").as_ptr(), 2) }, -1);
    assert_eq!(errno(), EROFS);
    assert_eq!(unsafe { ml_access(c("/etc/none").as_ptr(), 0) }, -1);
    assert_eq!(errno(), ENOENT);
}

#[test]
fn descriptors_seek_pread_dup_fstat_and_poll() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let archive = sample();
    mount(&[&archive], 1 << 20).unwrap();
    let fd = open("/data/numbers.txt", O_RDONLY).unwrap();
    assert_eq!(unsafe { ml_lseek(fd, 2, 0) }, 2);
    let copy = unsafe { ml_dup(fd) };
    assert_eq!(read_all(copy), b"2\n3\n", "a duplicate shares the offset");
    assert_eq!(unsafe { ml_lseek(fd, 0, 2) }, 6);
    assert_eq!(unsafe { ml_lseek(fd, -7, 1) }, -1);
    assert_eq!(errno(), EINVAL);
    let mut b = [0u8; 3];
    assert_eq!(unsafe { ml_pread(fd, b.as_mut_ptr().cast(), 3, 2) }, 3);
    assert_eq!(&b, b"2\n3");
    assert_eq!(unsafe { ml_lseek(fd, 0, 1) }, 6, "pread leaves the offset");
    let mut st = [0u8; 144];
    assert_eq!(unsafe { ml_fstat(fd, st.as_mut_ptr()) }, 0);
    assert_eq!(mode_size(&st).1, 6);
    assert_eq!(unsafe { ml_write(fd, b.as_ptr().cast(), 1) }, -1);
    assert_eq!(errno(), EBADF);
    let mut p = [PollFd { fd, events: 1 | 4, revents: 0 }];
    assert_eq!(unsafe { ml_poll(p.as_mut_ptr(), 1, 0) }, 1);
    assert_eq!(p[0].revents, 1, "readable (always, a regular file), not writable (read-only descriptor)");
    assert_eq!(unsafe { ml_close(fd) }, 0);
    assert_eq!(unsafe { ml_close(copy) }, 0);
    assert_eq!(unsafe { ml_close(copy) }, -1);
    assert_eq!(errno(), EBADF);
    // the console still refuses positions
    assert_eq!(unsafe { ml_pread(0, b.as_mut_ptr().cast(), 1, 0) }, -1);
    assert_eq!(errno(), ESPIPE);
    // descriptors are reused: the whole table can be opened and closed again
    let max = unsafe { ml_sysconf(4 /* _SC_OPEN_MAX */) } as usize;
    let fds: Vec<c_int> = (3..max).map(|_| open("/empty", O_RDONLY).unwrap()).collect();
    assert_eq!(open("/empty", O_RDONLY), Err(24 /* EMFILE */));
    for fd in fds {
        unsafe { ml_close(fd) };
    }
}

#[test]
fn streams_on_files_seek_and_tell() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let archive = sample();
    mount(&[&archive], 1 << 20).unwrap();
    unsafe {
        let f = ml_fopen(c("/data/numbers.txt").as_ptr(), c("r").as_ptr());
        assert!(!f.is_null());
        assert_eq!(ml_fgetc(f), b'1' as c_int);
        assert_eq!(ml_ftell(f), 1, "the buffered input read ahead is not counted");
        assert_eq!(ml_ungetc(b'x' as c_int, f), b'x' as c_int);
        assert_eq!(ml_ftell(f), 0, "a pushed-back character is");
        assert_eq!(ml_fseek(f, 4, 0), 0);
        assert_eq!(ml_fgetc(f), b'3' as c_int);
        assert_eq!(ml_fseek(f, -1, 2), 0);
        assert_eq!(ml_fgetc(f), b'\n' as c_int);
        assert_eq!(ml_fgetc(f), -1);
        assert_eq!(ml_fseek(f, 0, 7), -1);
        assert_eq!(errno(), EINVAL);
        ml_fclose(f);
        let w = ml_fopen(c("/tmp/s").as_ptr(), c("w+").as_ptr());
        ml_fputs(c("abcdef").as_ptr(), w);
        assert_eq!(ml_ftell(w), 6, "buffered output is counted");
        assert_eq!(ml_fseek(w, 2, 0), 0);
        assert_eq!(ml_fgetc(w), b'c' as c_int);
        ml_fclose(w);
        assert_eq!(read_file("/tmp/s").unwrap(), b"abcdef");
        assert_eq!(ml_fseek(ml_stdout, 0, 0), -1);
        assert_eq!(errno(), ESPIPE, "the console has no position");
    }
}

#[test]
fn everything_outside_tmp_is_read_only() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let archive = sample();
    mount(&[&archive], 1 << 20).unwrap();
    assert_eq!(open("/etc/config.txt", O_WRONLY), Err(EROFS));
    assert_eq!(open("/etc/config.txt", O_RDWR), Err(EROFS));
    assert_eq!(open("/etc/new", O_WRONLY | O_CREAT), Err(EROFS));
    assert_eq!(open("/etc/config.txt", O_WRONLY | O_CREAT | O_EXCL), Err(EEXIST));
    assert_eq!(open("/nodir/new", O_WRONLY | O_CREAT), Err(ENOENT));
    assert_eq!(open("/etc", O_WRONLY), Err(EISDIR));
    assert_eq!(unsafe { ml_mkdir(c("/etc/sub").as_ptr(), 0o755) }, -1);
    assert_eq!(errno(), EROFS);
    assert_eq!(unsafe { ml_mkdir(c("/etc").as_ptr(), 0o755) }, -1);
    assert_eq!(errno(), EEXIST);
    assert_eq!(unsafe { ml_unlink(c("/etc/config.txt").as_ptr()) }, -1);
    assert_eq!(errno(), EROFS);
    assert_eq!(unsafe { ml_unlink(c("/etc/none").as_ptr()) }, -1);
    assert_eq!(errno(), ENOENT);
    assert_eq!(unsafe { ml_rmdir(c("/data").as_ptr()) }, -1);
    assert_eq!(errno(), EROFS);
    assert_eq!(unsafe { ml_rmdir(c("/tmp").as_ptr()) }, -1);
    assert_eq!(errno(), EROFS);
    assert_eq!(unsafe { ml_rename(c("/etc/config.txt").as_ptr(), c("/etc/x").as_ptr()) }, -1);
    assert_eq!(errno(), EROFS);
    assert_eq!(unsafe { ml_rename(c("/etc/config.txt").as_ptr(), c("/tmp/x").as_ptr()) }, -1);
    assert_eq!(errno(), EXDEV);
}

#[test]
fn tmp_writes_reads_renames_deletes_and_fills_up() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    mount(&[], 64 * 1024).unwrap();
    write_file("/tmp/a.txt", b"hello").unwrap();
    assert_eq!(read_file("/tmp/a.txt").unwrap(), b"hello");
    let fd = open("/tmp/a.txt", O_WRONLY | O_APPEND).unwrap();
    assert_eq!(unsafe { ml_write(fd, b" world".as_ptr().cast(), 6) }, 6);
    unsafe { ml_close(fd) };
    assert_eq!(read_file("/tmp/a.txt").unwrap(), b"hello world");
    assert_eq!(open("/tmp/a.txt", O_WRONLY | O_CREAT | O_EXCL), Err(EEXIST));
    assert_eq!(unsafe { ml_mkdir(c("/tmp/d").as_ptr(), 0o755) }, 0);
    assert_eq!(unsafe { ml_rename(c("/tmp/a.txt").as_ptr(), c("/tmp/d/b.txt").as_ptr()) }, 0);
    assert_eq!(read_file("/tmp/a.txt"), Err(ENOENT));
    assert_eq!(read_file("/tmp/d/b.txt").unwrap(), b"hello world");
    assert_eq!(unsafe { ml_rmdir(c("/tmp/d").as_ptr()) }, -1);
    assert_eq!(errno(), ENOTEMPTY);
    let fd = open("/tmp/d/b.txt", O_RDWR).unwrap();
    assert_eq!(unsafe { ml_ftruncate(fd, 5) }, 0);
    assert_eq!(unsafe { ml_unlink(c("/tmp/d/b.txt").as_ptr()) }, 0);
    assert_eq!(read_all(fd), b"hello", "an unlinked file stays readable while open");
    unsafe { ml_close(fd) };
    assert_eq!(unsafe { ml_rmdir(c("/tmp/d").as_ptr()) }, 0);
    assert_eq!(list("/tmp").unwrap(), [".", ".."]);
    // a directory removed while open: still a directory, but unreachable
    assert_eq!(unsafe { ml_mkdir(c("/tmp/gone").as_ptr(), 0o755) }, 0);
    let fd = open("/tmp/gone", O_RDONLY | O_DIRECTORY).unwrap();
    assert_eq!(unsafe { ml_rmdir(c("/tmp/gone").as_ptr()) }, 0);
    assert_eq!(unsafe { ml_fchdir(fd) }, 0);
    let mut buf = [0 as c_char; 64];
    assert!(unsafe { ml_getcwd(buf.as_mut_ptr(), buf.len()) }.is_null());
    assert_eq!(errno(), ENOENT);
    assert_eq!(open("x", O_WRONLY | O_CREAT), Err(ENOENT), "nothing is created in a removed directory");
    assert_eq!(unsafe { ml_chdir(c("/").as_ptr()) }, 0);
    unsafe { ml_close(fd) };

    // full: the limit holds contents; a write that does not fit is cut,
    // the next one fails with ENOSPC; deleting frees the room again
    let big = vec![7u8; 40 * 1024];
    write_file("/tmp/one", &big).unwrap();
    let fd = open("/tmp/two", O_WRONLY | O_CREAT).unwrap();
    let n = unsafe { ml_write(fd, big.as_ptr().cast(), big.len()) };
    assert!(n > 0 && (n as usize) < big.len(), "a short write when /tmp fills ({n})");
    assert_eq!(unsafe { ml_write(fd, big.as_ptr().cast(), big.len()) }, -1);
    assert_eq!(errno(), ENOSPC);
    unsafe { ml_close(fd) };
    assert_eq!(unsafe { ml_unlink(c("/tmp/one").as_ptr()) }, 0);
    assert_eq!(unsafe { ml_unlink(c("/tmp/two").as_ptr()) }, 0);
    write_file("/tmp/three", &big).unwrap();
    assert_eq!(read_file("/tmp/three").unwrap(), big);
}

#[test]
fn later_archives_win_per_path_and_directories_merge() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let embedded = Archive::new().file("a/one", b"embedded").file("a/two", b"embedded").file("b", b"file").bytes();
    let module = Archive::new().file("a/one", b"module").dir("b").file("b/c", b"under b").bytes();
    mount(&[&embedded, &module], 1 << 20).unwrap();
    assert_eq!(read_file("/a/one").unwrap(), b"module");
    assert_eq!(read_file("/a/two").unwrap(), b"embedded");
    assert_eq!(read_file("/b/c").unwrap(), b"under b");
    drop(_one);

    // `tar -C dir -cf x.tar .` style: "./" for the root, "./name" below
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let dotted = Archive::new().raw(b"./", tar::EntryType::Directory, b"").raw(b"./x.txt", tar::EntryType::Regular, b"dot")
        .bytes();
    mount(&[&dotted], 1 << 20).unwrap();
    assert_eq!(read_file("/x.txt").unwrap(), b"dot");
}

fn rejected(archive: &[u8]) -> String {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    match mount(&[archive], 1 << 20) {
        Ok(()) => panic!("a hostile archive was mounted"),
        Err(why) => why,
    }
}

#[test]
fn hostile_archives_are_refused_naming_the_entry() {
    use tar::EntryType::*;
    let why = rejected(&Archive::new().raw(b"../etc/passwd", Regular, b"x").bytes());
    assert!(why.contains("../etc/passwd") && why.contains(".."), "{why}");
    let why = rejected(&Archive::new().raw(b"a/../../b", Regular, b"x").bytes());
    assert!(why.contains("a/../../b"), "{why}");
    let why = rejected(&Archive::new().raw(b"/etc/passwd", Regular, b"x").bytes());
    assert!(why.contains("absolute"), "{why}");
    let why = rejected(&Archive::new().file("x", b"1").file("./x", b"2").bytes());
    assert!(why.contains("duplicate"), "{why}");
    let why = rejected(&Archive::new().file("x", b"1").file("x/y", b"2").bytes());
    assert!(why.contains("not a directory"), "{why}");
    let why = rejected(&Archive::new().link("esc", "../../outside").bytes());
    assert!(why.contains("above the root"), "{why}");
    let why = rejected(&Archive::new().dir("d").link("d/esc", "../..").bytes());
    assert!(why.contains("d/esc"), "{why}");
    let why = rejected(&Archive::new().raw(b"hard", Link, b"").bytes());
    assert!(why.contains("hard links"), "{why}");
    let why = rejected(&Archive::new().raw(b"dev", Char, b"").bytes());
    assert!(why.contains("device"), "{why}");
    let why = rejected(&Archive::new().raw(b"fifo", Fifo, b"").bytes());
    assert!(why.contains("FIFO"), "{why}");
    let why = rejected(&Archive::new().file("tmp/x", b"1").bytes());
    assert!(why.contains("/tmp"), "{why}");

    // sizes beyond the archive: a header claiming more data than follows
    let mut a = Archive::new().file("big", &[1u8; 1000]).bytes();
    a.truncate(512 + 512);
    let why = rejected(&a);
    assert!(why.contains("beyond the end"), "{why}");
    let mut h = tar::Header::new_ustar();
    h.set_path("huge").unwrap();
    h.set_size(u64::MAX >> 2);
    h.set_cksum();
    let why = rejected(h.as_bytes());
    assert!(why.contains("beyond the end"), "{why}");
    // a damaged header, a partial block, garbage
    let mut a = Archive::new().file("f", b"data").bytes();
    a[0] ^= 1;
    assert!(rejected(&a).contains("checksum"));
    let a = Archive::new().file("f", b"data").bytes();
    assert!(rejected(&a[..100]).contains("truncated"));
    assert!(rejected(&[0x55u8; 2048]).contains("checksum"));
    // every prefix of a good archive is refused or mounts part of it; none
    // crashes or reads beyond its end (the allocation ends there)
    let good = sample();
    for cut in (0..good.len()).step_by(37) {
        let piece = good[..cut].to_vec().into_boxed_slice();
        let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
        let _ = mount(&[&piece], 1 << 20);
    }
}

/// The boot-time path: a bad boot module ends the program with a console
/// line and status 120 (HALVM_EXIT_BAD_FILES), in a child process.
#[test]
fn a_bad_boot_module_ends_the_program_before_main() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_fs_mount_child")).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(120), "{stdout}");
    assert!(stdout.contains("boot module 0 is not a usable file archive") && stdout.contains("evil/../x"), "{stdout}");
}

