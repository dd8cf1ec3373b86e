//! Every minlibc header provides what it is for, on its own and together
//! with all the others, as the target compiles C (-nostdinc, minlibc
//! first), in strict ISO C11 and in GNU C.
//!
//! "What it is for" is [`USES`]: for each header, code that uses types,
//! macros, functions and objects the header itself must declare (not what
//! it merely includes). Each use is compiled after its header, and without
//! it, where it must fail: so a header that declared nothing would fail,
//! and a use that does not depend on its header is caught too.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// For each header, the body of a function that uses what the header
/// declares (C or POSIX names, or minlibc's own where it has no standard).
const USES: &[(&str, &str)] = &[
    ("_minlibc_types.h", "size_t n = 0; ssize_t s = 0; struct timespec t = { 0, 0 }; sigset_t m; (void)n; (void)s; (void)t; (void)sizeof m; (void)__MINLIBC__;"),
    ("alloca.h", "char *p = alloca(8); (void)p;"),
    ("arpa/inet.h", "(void)&inet_pton; (void)&inet_ntop; (void)&inet_addr;"),
    ("assert.h", "assert(1); static_assert(1, \"static_assert\");"),
    ("ctype.h", "(void)isalpha('a'); (void)toupper('a'); (void)&__ctype_b_loc;"),
    ("dirent.h", "struct dirent e; DIR *d = 0; (void)sizeof e; (void)d; (void)&opendir; (void)&readdir; (void)&closedir;"),
    ("dlfcn.h", "(void)&dlopen; (void)&dlsym; (void)RTLD_NOW;"),
    ("elf.h", "Elf64_Ehdr h; (void)sizeof h; (void)EM_X86_64; (void)ELF64_ST_BIND(0); (void)AT_PAGESZ;"),
    ("endian.h", "(void)htobe32(1u); (void)le64toh(1u); (void)BYTE_ORDER;"),
    ("errno.h", "errno = ENOENT; (void)EAGAIN;"),
    ("fcntl.h", "(void)&open; (void)&fcntl; (void)(O_RDONLY | O_CREAT | O_CLOEXEC); (void)F_GETFL;"),
    ("features.h", "\n#ifndef __MINLIBC__\n#error features.h does not identify the C library\n#endif\n"),
    ("fenv.h", "fenv_t e; (void)sizeof e; (void)&fegetround; (void)FE_TONEAREST;"),
    ("float.h", "(void)DBL_MANT_DIG; (void)FLT_MAX; (void)DBL_EPSILON;"),
    ("grp.h", "struct group g; (void)sizeof g; (void)&getgrnam; (void)&initgroups;"),
    ("iconv.h", "iconv_t cd = 0; (void)cd; (void)&iconv_open; (void)&iconv; (void)&iconv_close;"),
    ("inttypes.h", "intmax_t m = 0; (void)m; (void)&strtoimax; (void)PRId64; (void)SCNu32;"),
    ("iso646.h", "int t = 1 and 2; (void)(t or not t);"),
    ("langinfo.h", "nl_item i = CODESET; (void)i; (void)&nl_langinfo;"),
    ("libgen.h", "(void)&basename; (void)&dirname;"),
    ("limits.h", "(void)INT_MAX; (void)LONG_MIN; (void)PATH_MAX; (void)CHAR_BIT;"),
    ("link.h", "struct dl_phdr_info i; (void)sizeof i; (void)&dl_iterate_phdr;"),
    ("locale.h", "locale_t l = 0; (void)l; (void)LC_ALL; (void)&setlocale; (void)&localeconv;"),
    ("malloc.h", "(void)&malloc_usable_size;"),
    ("math.h", "(void)sin(1.0); (void)HUGE_VAL; (void)isnan(0.0); (void)M_PI; (void)FP_NAN;"),
    ("mntent.h", "struct mntent m; (void)sizeof m; (void)&setmntent; (void)&hasmntopt;"),
    ("net/if.h", "struct if_nameindex n; char name[IF_NAMESIZE]; (void)sizeof n; (void)name; (void)&if_nametoindex; (void)&if_indextoname;"),
    ("netdb.h", "struct addrinfo a; (void)sizeof a; (void)&getaddrinfo; (void)EAI_NONAME;"),
    ("netinet/in.h", "struct sockaddr_in s; (void)sizeof s; (void)INADDR_ANY; (void)IPPROTO_TCP; (void)htons(1);"),
    ("netinet/tcp.h", "(void)TCP_NODELAY;"),
    ("poll.h", "struct pollfd p = { 0, POLLIN, 0 }; (void)p; (void)&poll;"),
    ("pthread.h", "pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER; (void)m; (void)&pthread_create; (void)&pthread_mutex_lock;"),
    ("pty.h", "(void)&openpty;"),
    ("pwd.h", "struct passwd p; (void)sizeof p; (void)&getpwuid;"),
    ("regex.h", "regex_t r; (void)sizeof r; (void)&regcomp; (void)REG_EXTENDED;"),
    ("sched.h", "cpu_set_t s; CPU_ZERO(&s); (void)&sched_yield;"),
    ("semaphore.h", "sem_t s; (void)sizeof s; (void)&sem_init; (void)SEM_FAILED;"),
    ("setjmp.h", "jmp_buf b; (void)sizeof b; (void)&longjmp;"),
    ("signal.h", "struct sigaction a; sig_atomic_t f = 0; (void)sizeof a; (void)f; (void)&sigaction; (void)SIGINT; (void)SIG_DFL;"),
    ("stdalign.h", "alignas(8) char c = 0; (void)c; (void)alignof(int);"),
    ("stdarg.h", "va_list ap; (void)sizeof ap;\n#if !defined(va_start) || !defined(va_arg) || !defined(va_end) || !defined(va_copy)\n#error stdarg.h lacks a macro\n#endif\n"),
    ("stdbool.h", "bool b = true; (void)b; (void)false;"),
    ("stddef.h", "struct two { int a, b; }; size_t n = offsetof(struct two, b); ptrdiff_t d = 0; max_align_t m; (void)n; (void)d; (void)sizeof m; (void)NULL;"),
    ("stdint.h", "int64_t a = INT64_MAX; uint8_t b = UINT8_MAX; uintptr_t p = 0; (void)a; (void)b; (void)p; (void)SIZE_MAX;"),
    ("stdio.h", "FILE *f = stdout; (void)f; (void)EOF; (void)BUFSIZ; (void)&fopen; (void)&fprintf;"),
    ("stdlib.h", "(void)EXIT_FAILURE; (void)RAND_MAX; (void)&malloc; (void)&strtod;"),
    ("stdnoreturn.h", "noreturn void never_returns(void); (void)&never_returns;"),
    ("string.h", "(void)&strlen; (void)&memcpy; (void)&strerror;"),
    ("strings.h", "(void)&strcasecmp; (void)&ffs;"),
    ("sys/auxv.h", "(void)&getauxval;"),
    ("sys/cdefs.h", "\n#if !defined(__BEGIN_DECLS) || !defined(__END_DECLS)\n#error sys/cdefs.h lacks __BEGIN_DECLS\n#endif\n"),
    ("sys/epoll.h", "struct epoll_event e; (void)sizeof e; (void)&epoll_create1; (void)EPOLLIN;"),
    ("sys/errno.h", "errno = EINVAL;"),
    ("sys/eventfd.h", "eventfd_t v = 0; (void)v; (void)&eventfd; (void)EFD_CLOEXEC;"),
    ("sys/fcntl.h", "(void)&open; (void)O_RDWR;"),
    ("sys/file.h", "(void)&flock; (void)LOCK_EX;"),
    ("sys/ioctl.h", "struct winsize w; (void)sizeof w; (void)&ioctl; (void)TIOCGWINSZ;"),
    ("sys/mman.h", "(void)&mmap; (void)(PROT_READ | MAP_PRIVATE | MAP_ANONYMOUS); (void)MAP_FAILED;"),
    ("sys/param.h", "(void)MAXPATHLEN; (void)MIN(1, 2);"),
    ("sys/poll.h", "struct pollfd p = { 0, POLLOUT, 0 }; (void)p; (void)&poll;"),
    ("sys/random.h", "(void)&getrandom; (void)GRND_NONBLOCK;"),
    ("sys/resource.h", "struct rlimit r; struct rusage u; (void)sizeof r; (void)sizeof u; (void)&getrlimit; (void)RLIMIT_STACK;"),
    ("sys/select.h", "fd_set s; FD_ZERO(&s); FD_SET(1, &s); (void)FD_ISSET(1, &s); (void)&select;"),
    ("sys/signal.h", "(void)SIGTERM; (void)&raise;"),
    ("sys/socket.h", "struct sockaddr s; socklen_t l = 0; struct msghdr m = { 0 }; (void)sizeof s; (void)l; (void)&socket; (void)(AF_INET + SOCK_STREAM); (void)CMSG_FIRSTHDR(&m); (void)CMSG_SPACE(4);"),
    ("sys/stat.h", "struct stat s; (void)sizeof s; (void)&stat; (void)S_ISDIR(0u);"),
    ("sys/statfs.h", "struct statfs s; (void)sizeof s; (void)&fstatfs;"),
    ("sys/statvfs.h", "struct statvfs s; (void)sizeof s; (void)&statvfs;"),
    ("sys/sysmacros.h", "(void)major(0ul); (void)makedev(1, 2);"),
    ("sys/time.h", "struct timeval t; struct itimerval i; (void)sizeof t; (void)sizeof i; (void)&gettimeofday;"),
    ("sys/timerfd.h", "(void)&timerfd_create; (void)TFD_CLOEXEC;"),
    ("sys/times.h", "struct tms t; (void)sizeof t; (void)&times;"),
    ("sys/types.h", "pid_t p = 0; off_t o = 0; u_int32_t u = 0; (void)p; (void)o; (void)u;"),
    ("sys/uio.h", "struct iovec v; (void)sizeof v; (void)&writev;"),
    ("sys/un.h", "struct sockaddr_un a; (void)sizeof a.sun_path;"),
    ("sys/unistd.h", "(void)&read; (void)STDOUT_FILENO;"),
    ("sys/utsname.h", "struct utsname u; (void)sizeof u; (void)&uname;"),
    ("sys/vfs.h", "struct statfs s; (void)sizeof s; (void)&statfs;"),
    ("sys/wait.h", "(void)&waitpid; (void)WIFEXITED(0); (void)WNOHANG;"),
    ("termios.h", "struct termios t; speed_t s = B9600; (void)sizeof t; (void)s; (void)&tcgetattr; (void)(ECHO | ICANON); (void)TCSANOW;"),
    ("time.h", "struct tm t; (void)sizeof t; (void)&mktime; (void)CLOCKS_PER_SEC; (void)CLOCK_MONOTONIC;"),
    ("unistd.h", "(void)&read; (void)&_exit; (void)STDIN_FILENO; (void)_SC_PAGESIZE; (void)R_OK;"),
    ("utime.h", "struct utimbuf u; (void)sizeof u; (void)&utime;"),
    ("wchar.h", "wchar_t w = L'a'; mbstate_t s; (void)w; (void)sizeof s; (void)&wcslen; (void)WEOF;"),
    ("wctype.h", "wctype_t t = wctype(\"alpha\"); wctrans_t m = wctrans(\"toupper\"); (void)iswctype(65, t); (void)towctrans(97, m); (void)&iswblank; (void)WEOF;"),
];

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().parent().unwrap().to_path_buf()
}

fn headers(dir: &Path, base: &Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            headers(&path, base, out);
        } else if path.extension().is_some_and(|e| e == "h") {
            out.push(path.strip_prefix(base).unwrap().to_string_lossy().into_owned());
        }
    }
}

/// The headers minlibc has, sorted.
fn all_headers() -> Vec<String> {
    let include = repo().join("minlibc/include");
    let mut all = Vec::new();
    headers(&include, &include, &mut all);
    all.sort();
    all
}

/// The function using the `index`th entry of [`USES`].
fn use_function(index: usize) -> String {
    let (header, body) = USES[index];
    format!("/* uses of <{header}> */\nvoid use_{index}(void)\n{{\n{body}\n}}\n")
}

/// Compiles `source` (given on standard input) as the target compiles C.
fn compile(source: &str, std: &str) -> Result<(), String> {
    let repo = repo();
    let mut child = Command::new("gcc")
        .args(["-fsyntax-only", "-nostdinc", "-ffreestanding", "-Wall", "-Wextra", "-Werror", "-pedantic-errors"])
        .arg(format!("-std={std}"))
        .arg("-isystem")
        .arg(repo.join("minlibc/include"))
        .arg("-isystem")
        .arg(repo.join("rts-xen/include"))
        .args(["-x", "c", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("running gcc");
    child.stdin.take().unwrap().write_all(source.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

#[test]
fn every_header_has_uses_and_every_use_names_a_header() {
    let all = all_headers();
    let listed: Vec<String> = USES.iter().map(|(h, _)| h.to_string()).collect();
    let missing: Vec<&String> = all.iter().filter(|h| !listed.contains(h)).collect();
    let stale: Vec<&String> = listed.iter().filter(|h| !all.contains(h)).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "headers without an entry in USES (add one that uses what the header declares): {missing:?}; \
         entries for headers that do not exist: {stale:?}"
    );
}

#[test]
fn each_header_alone_declares_what_it_is_for() {
    let mut failures = Vec::new();
    for (i, (header, _)) in USES.iter().enumerate() {
        for std in ["c11", "gnu11"] {
            if let Err(e) = compile(&format!("#include <{header}>\n{}", use_function(i)), std) {
                failures.push(format!("<{header}> with -std={std}:\n{e}"));
            }
        }
        // Without the header the uses must not compile: they test it.
        if compile(&use_function(i), "c11").is_ok() {
            failures.push(format!("the uses of <{header}> compile without it: make them use what it declares"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn all_headers_together_declare_what_they_are_for() {
    let includes: String = all_headers().iter().map(|h| format!("#include <{h}>\n")).collect();
    let uses: String = (0..USES.len()).map(use_function).collect();
    let mut failures = Vec::new();
    for std in ["c11", "gnu11"] {
        if let Err(e) = compile(&format!("{includes}{uses}"), std) {
            failures.push(format!("all headers together with -std={std}:\n{e}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
