//! minlibc's ABI headers against glibc's: one generated C program prints
//! the value and size of every constant, the size and signedness of every
//! scalar type and the size and member offsets of every struct, once
//! compiled against glibc's headers and once against minlibc's (as the
//! target compiles: -nostdinc, minlibc first; both copies link against the
//! host's libc only to print). Every line must agree.
//!
//! The constants are all object-like macros the headers below define, read
//! from minlibc's files, so a constant added later is compared too; one
//! glibc lacks fails to compile, naming it.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Headers whose numbers are compared wholesale.
const HEADERS: &[&str] = &["elf.h", "link.h", "dlfcn.h", "mntent.h", "sys/statfs.h", "sys/vfs.h", "sys/auxv.h"];

/// Scalar types: size and signedness.
const SCALARS: &[&str] = &[
    "Elf32_Half", "Elf64_Half", "Elf32_Word", "Elf64_Word", "Elf32_Sword", "Elf64_Sword", "Elf32_Xword",
    "Elf64_Xword", "Elf32_Sxword", "Elf64_Sxword", "Elf32_Addr", "Elf64_Addr", "Elf32_Off", "Elf64_Off",
    "Elf32_Section", "Elf64_Section", "Elf32_Versym", "Elf64_Versym", "ElfW(Addr)", "ElfW(Half)",
];

/// Structs with all their members (compared by offset and size, and the
/// struct by size and alignment).
const STRUCTS: &[(&str, &[&str])] = &[
    ("Elf32_Ehdr", &["e_ident", "e_type", "e_machine", "e_version", "e_entry", "e_phoff", "e_shoff", "e_flags", "e_ehsize", "e_phentsize", "e_phnum", "e_shentsize", "e_shnum", "e_shstrndx"]),
    ("Elf64_Ehdr", &["e_ident", "e_type", "e_machine", "e_version", "e_entry", "e_phoff", "e_shoff", "e_flags", "e_ehsize", "e_phentsize", "e_phnum", "e_shentsize", "e_shnum", "e_shstrndx"]),
    ("Elf32_Shdr", &["sh_name", "sh_type", "sh_flags", "sh_addr", "sh_offset", "sh_size", "sh_link", "sh_info", "sh_addralign", "sh_entsize"]),
    ("Elf64_Shdr", &["sh_name", "sh_type", "sh_flags", "sh_addr", "sh_offset", "sh_size", "sh_link", "sh_info", "sh_addralign", "sh_entsize"]),
    ("Elf32_Chdr", &["ch_type", "ch_size", "ch_addralign"]),
    ("Elf64_Chdr", &["ch_type", "ch_reserved", "ch_size", "ch_addralign"]),
    ("Elf32_Sym", &["st_name", "st_value", "st_size", "st_info", "st_other", "st_shndx"]),
    ("Elf64_Sym", &["st_name", "st_info", "st_other", "st_shndx", "st_value", "st_size"]),
    ("Elf32_Rel", &["r_offset", "r_info"]),
    ("Elf32_Rela", &["r_offset", "r_info", "r_addend"]),
    ("Elf64_Rel", &["r_offset", "r_info"]),
    ("Elf64_Rela", &["r_offset", "r_info", "r_addend"]),
    ("Elf32_Phdr", &["p_type", "p_offset", "p_vaddr", "p_paddr", "p_filesz", "p_memsz", "p_flags", "p_align"]),
    ("Elf64_Phdr", &["p_type", "p_flags", "p_offset", "p_vaddr", "p_paddr", "p_filesz", "p_memsz", "p_align"]),
    ("Elf32_Nhdr", &["n_namesz", "n_descsz", "n_type"]),
    ("Elf64_Nhdr", &["n_namesz", "n_descsz", "n_type"]),
    ("Elf32_Dyn", &["d_tag", "d_un.d_val", "d_un.d_ptr"]),
    ("Elf64_Dyn", &["d_tag", "d_un.d_val", "d_un.d_ptr"]),
    ("Elf32_auxv_t", &["a_type", "a_un.a_val"]),
    ("Elf64_auxv_t", &["a_type", "a_un.a_val"]),
    ("struct link_map", &["l_addr", "l_name", "l_ld", "l_next", "l_prev"]),
    ("struct mntent", &["mnt_fsname", "mnt_dir", "mnt_type", "mnt_opts", "mnt_freq", "mnt_passno"]),
    ("struct statfs", &["f_type", "f_bsize", "f_blocks", "f_bfree", "f_bavail", "f_files", "f_ffree", "f_fsid", "f_namelen", "f_frsize", "f_flags", "f_spare"]),
    ("fsid_t", &["__val"]),
];

/// Structs of which minlibc has a leading part of glibc's members (glibc
/// appends more; dl_iterate_phdr passes the size it fills): members only.
const PREFIX_STRUCTS: &[(&str, &[&str])] = &[("struct dl_phdr_info", &["dlpi_addr", "dlpi_name", "dlpi_phdr", "dlpi_phnum"])];

/// The function-like macros, on arguments that use every bit they split.
const EXPRESSIONS: &[&str] = &[
    "ELF32_ST_BIND(0xf3)", "ELF32_ST_TYPE(0xf3)", "ELF32_ST_INFO(STB_WEAK, STT_FUNC)", "ELF32_ST_INFO(0x1f, 0x2f)",
    "ELF64_ST_BIND(0xa6)", "ELF64_ST_TYPE(0xa6)", "ELF64_ST_INFO(STB_GNU_UNIQUE, STT_GNU_IFUNC)",
    "ELF32_ST_VISIBILITY(0xff)", "ELF64_ST_VISIBILITY(0xfe)",
    "ELF32_R_SYM(0x12345678u)", "ELF32_R_TYPE(0x12345678u)", "ELF32_R_INFO(0x123456u, 0x7u)",
    "ELF64_R_SYM(0xfedcba9876543210ull)", "ELF64_R_TYPE(0xfedcba9876543210ull)",
    "ELF64_R_INFO(0x89abcdefu, R_X86_64_REX_GOTPCRELX)", "ELF64_R_INFO(0xffffffffu, 0xffffffffu)",
];

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().parent().unwrap().to_path_buf()
}

/// Object-like macros a header defines, but not its internal `_NAMES`.
fn constants(header: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(header).unwrap_or_else(|e| panic!("reading {}: {e}", header.display()));
    text.lines()
        .filter_map(|line| line.trim_start().strip_prefix("#define "))
        .filter_map(|rest| {
            let name: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            let function_like = rest[name.len()..].starts_with('(');
            let has_value = !rest[name.len()..].trim().is_empty();
            (!name.starts_with('_') && !function_like && has_value).then_some(name)
        })
        .collect()
}

fn program(names: &[String]) -> String {
    let mut c = String::from("#define _GNU_SOURCE\n#include <stdio.h>\n#include <stddef.h>\n");
    for h in HEADERS {
        c += &format!("#include <{h}>\n");
    }
    // a string constant prints as text, anything else as a number; both
    // with the size of the expression (its type's width)
    c += "#define SHOW(name, x) show(name, _Generic((x), char *: (const char *)(x), default: (const char *)0), \
          _Generic((x), char *: 0ull, default: (unsigned long long)(x)), sizeof(x))\n\
          static void show(const char *name, const char *s, unsigned long long v, size_t size)\n\
          { if (s) printf(\"%s = \\\"%s\\\" (size %zu)\\n\", name, s, size); else printf(\"%s = %#llx (size %zu)\\n\", name, v, size); }\n\
          int main(void)\n{\n";
    for n in names.iter().map(String::as_str).chain(EXPRESSIONS.iter().copied()) {
        c += &format!("    SHOW(\"{n}\", {n});\n");
    }
    for t in SCALARS {
        c += &format!("    printf(\"{t}: size %zu, signed %d\\n\", sizeof({t}), ({t})-1 < ({t})0);\n");
    }
    let structs = STRUCTS.iter().map(|&(t, m)| (t, m, true));
    for (t, members, whole) in structs.chain(PREFIX_STRUCTS.iter().map(|&(t, m)| (t, m, false))) {
        if whole {
            c += &format!("    printf(\"{t}: size %zu, align %zu\\n\", sizeof({t}), _Alignof({t}));\n");
        }
        for m in members {
            c += &format!("    printf(\"{t}.{m}: offset %zu, size %zu\\n\", offsetof({t}, {m}), sizeof((({t} *)0)->{m}));\n");
        }
    }
    c + "    return 0;\n}\n"
}

/// Compiles `source` with `flags` (then links with the host's libc) and
/// returns what the program prints.
fn run(dir: &Path, name: &str, source: &Path, flags: &[String]) -> String {
    let obj = dir.join(format!("{name}.o"));
    let exe = dir.join(name);
    let out = Command::new("gcc").args(["-std=gnu11", "-w", "-c"]).args(flags).arg(source).arg("-o").arg(&obj).output().expect("running gcc");
    assert!(out.status.success(), "compiling the comparison program for {name} failed:\n{}", String::from_utf8_lossy(&out.stderr));
    let out = Command::new("gcc").arg(&obj).arg("-o").arg(&exe).output().expect("running gcc");
    assert!(out.status.success(), "linking the comparison program for {name} failed:\n{}", String::from_utf8_lossy(&out.stderr));
    let out = Command::new(&exe).output().expect("running the comparison program");
    assert!(out.status.success(), "the comparison program for {name} failed: {:?}", out.status);
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn elf_auxv_link_mntent_statfs_match_glibc() {
    let repo = repo();
    let include = repo.join("minlibc/include");
    let names: Vec<String> = HEADERS.iter().flat_map(|h| constants(&include.join(h))).collect();
    assert!(names.len() > 300, "read only {} constants from {HEADERS:?}", names.len());
    let dir = std::env::temp_dir().join(format!("minlibc-glibc-abi-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let source = dir.join("abi.c");
    std::fs::write(&source, program(&names)).unwrap();

    let glibc = run(&dir, "glibc", &source, &[]);
    let minlibc_flags: Vec<String> = ["-nostdinc", "-isystem"]
        .iter()
        .map(|s| s.to_string())
        .chain([include.display().to_string(), "-isystem".into(), repo.join("rts-xen/include").display().to_string()])
        .collect();
    let minlibc = run(&dir, "minlibc", &source, &minlibc_flags);
    std::fs::remove_dir_all(&dir).ok();

    let (g, m): (Vec<&str>, Vec<&str>) = (glibc.lines().collect(), minlibc.lines().collect());
    assert_eq!(g.len(), m.len(), "the two programs printed different numbers of lines");
    let differences: Vec<String> =
        g.iter().zip(&m).filter(|(a, b)| a != b).map(|(a, b)| format!("glibc:   {a}\nminlibc: {b}")).collect();
    assert!(differences.is_empty(), "{} of {} lines differ:\n{}", differences.len(), g.len(), differences.join("\n"));
}
