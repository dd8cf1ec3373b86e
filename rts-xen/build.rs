//! Generates rts-xen's Xen ABI bindings from Xen's public headers, and the
//! assembly stubs for all 256 interrupt vectors.

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::PathBuf;

/// Where Debian's libxen-dev installs Xen's public headers.
const XEN_INCLUDE: &str = "/usr/include";

fn main() {
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    generate_xen_bindings(&out);
    generate_api_constants(&out);
    generate_interrupt_stubs(&out);
    println!("cargo:rerun-if-changed=xen/wrapper.h");
    println!("cargo:rerun-if-changed=include/halvm/platform.h");
    println!("cargo:rerun-if-changed=build.rs");
}

fn generate_xen_bindings(out: &std::path::Path) {
    let probe = PathBuf::from(XEN_INCLUDE).join("xen/xen.h");
    if !probe.exists() {
        panic!(
            "{} is missing: rts-xen generates its Xen ABI types from Xen's public headers. \
             Install them with `apt-get install libxen-dev` (or run `cargo xtask build`, \
             which installs toolchain/host-packages.toml).",
            probe.display()
        );
    }
    let bindings = bindgen::Builder::default()
        .header("xen/wrapper.h")
        .clang_arg(format!("-I{XEN_INCLUDE}"))
        .clang_arg("--target=x86_64-unknown-linux-gnu")
        .use_core()
        .ctypes_prefix("core::ffi")
        .layout_tests(false)
        .derive_default(true)
        .derive_debug(false)
        .generate_comments(false)
        .allowlist_type("hvm_start_info|hvm_memmap_table_entry|hvm_modlist_entry")
        .allowlist_type("shared_info|vcpu_info|vcpu_time_info")
        .allowlist_type("xencons_interface")
        .allowlist_type("xen_hvm_param|xen_hvm_evtchn_upcall_vector")
        .allowlist_type("evtchn_bind_virq|evtchn_send|evtchn_unmask|evtchn_close")
        .allowlist_type("sched_shutdown|xen_add_to_physmap|xen_memory_map")
        .allowlist_var("XEN_HVM_START_MAGIC_VALUE|XEN_HVM_MEMMAP_TYPE_.*|SIF_.*")
        .allowlist_var("XEN_ELFNOTE_PHYS32_ENTRY")
        .allowlist_var("__HYPERVISOR_.*|CONSOLEIO_.*|SCHEDOP_.*|SHUTDOWN_.*")
        .allowlist_var("EVTCHNOP_.*|VIRQ_.*|HVMOP_.*|HVM_PARAM_.*|XENMEM_.*|XENMAPSPACE_.*")
        .allowlist_var("VCPUOP_.*")
        // event channels, grant tables and vchan for programs (xen/evtchn_api.rs, grant_table.rs, vchan.rs)
        .allowlist_type("evtchn_alloc_unbound|evtchn_bind_interdomain|xen_memory_reservation")
        .allowlist_type("gnttab_map_grant_ref|gnttab_unmap_grant_ref|gnttab_query_size|grant_entry_v1|vchan_interface")
        .allowlist_var("GNTTABOP_.*|GTF_.*|_?GNTMAP_.*|GNTST_.*|GNTTAB_NR_RESERVED_ENTRIES|VCHAN_NOTIFY_.*")
        .allowlist_item("HALVM_DOMID_SELF")
        .generate()
        .unwrap_or_else(|e| {
            panic!(
                "bindgen could not read Xen's headers ({e}); it needs libclang \
                 (apt-get install libclang-dev clang)"
            )
        });
    bindings
        .write_to_file(out.join("xen_bindings.rs"))
        .expect("write xen_bindings.rs");
}

/// The constants of the C API (exit statuses, sizes) from platform.h
/// itself, so that the header and the implementation cannot disagree.
fn generate_api_constants(out: &std::path::Path) {
    bindgen::Builder::default()
        .header("include/halvm/platform.h")
        .clang_arg("--target=x86_64-unknown-linux-gnu")
        .use_core()
        .ctypes_prefix("core::ffi")
        .allowlist_var("HALVM_.*")
        .generate()
        .unwrap_or_else(|e| panic!("bindgen could not read include/halvm/platform.h: {e}"))
        .write_to_file(out.join("api_constants.rs"))
        .expect("write api_constants.rs");
}

/// CPU exceptions that push an error code (Intel SDM vol. 3, table 6-1).
const VECTORS_WITH_ERROR_CODE: [u32; 10] = [8, 10, 11, 12, 13, 14, 17, 21, 29, 30];

/// One entry stub per vector: push a dummy error code where the CPU does
/// not push one, push the vector number, jump to the common handler.
/// Generated because 256 near-identical stubs are not worth hand-writing.
fn generate_interrupt_stubs(out: &std::path::Path) {
    let mut s = String::new();
    s.push_str(".section .text.halvm_isr, \"ax\"\n.code64\n");
    for v in 0..256u32 {
        writeln!(s, ".p2align 4\nhalvm_isr_{v}:").unwrap();
        if !VECTORS_WITH_ERROR_CODE.contains(&v) {
            s.push_str("    pushq $0\n");
        }
        writeln!(s, "    pushq ${v}\n    jmp halvm_isr_common").unwrap();
    }
    s.push_str(".section .rodata.halvm_isr_table, \"a\"\n.p2align 3\n.globl halvm_isr_table\nhalvm_isr_table:\n");
    for v in 0..256u32 {
        writeln!(s, "    .quad halvm_isr_{v}").unwrap();
    }
    fs::write(out.join("isr_stubs.s"), s).expect("write isr_stubs.s");
}
