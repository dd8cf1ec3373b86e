//! The machine-level start of an image: the Xen PVH ELF note, the 32-bit
//! entry point that switches to long mode, the boot stack with its guard
//! page, the GDT, and the interrupt entry stubs.
//!
//! This is assembly because it must be: it runs before there is a stack,
//! paging or SSE, all of which compiled Rust code on this target assumes.

use core::arch::global_asm;

use crate::exit::EXIT_BAD_BOOT_MAGIC;
use crate::xen::abi::{XEN_ELFNOTE_PHYS32_ENTRY, XEN_HVM_START_MAGIC_VALUE};

/// Size of the boot stack, the stack main() and the GHC runtime's C code
/// run on (Haskell threads have their own stacks on the heap).
pub const STACK_SIZE: usize = 512 * 1024;

/// GDT selectors set up by the entry code.
pub const KERNEL_CS: u16 = 0x08;
pub const TSS_SELECTOR: u16 = 0x18;

extern "C" {
    /// First byte of the image (linker script).
    pub static __image_start: u8;
    /// First byte after the image, including .bss and the boot stack.
    pub static __image_end: u8;
    /// The unmapped page directly below the boot stack.
    pub static halvm_stack_guard: u8;
    /// The boot page tables built by the entry code (identity map of the
    /// first 4 GiB in 2 MiB pages).
    pub static mut halvm_boot_pdpt: [u64; 512];
    pub static mut halvm_boot_pd: [[u64; 512]; 4];
    /// The GDT; slot 3-4 receives the TSS descriptor at run time.
    pub static mut halvm_gdt: [u64; 5];
    /// The TSC at the entry code's first instructions (in .data, not
    /// .bss: the entry code clears .bss after writing it).
    pub static halvm_boot_tsc: u64;
    /// Addresses of the 256 interrupt entry stubs, by vector.
    pub static halvm_isr_table: [u64; 256];
}

// The PVH entry note: Xen and QEMU's -kernel loader both start the image at
// this 32-bit physical address, with %ebx pointing at hvm_start_info. The
// descriptor is 8 bytes, as Linux emits it; both loaders accept that size.
global_asm!(
    r#"
    .section .note.Xen, "a", @note
    .p2align 2
    .long 4
    .long 8
    .long {phys32_entry}
    .asciz "Xen"
    .p2align 2
    .quad halvm_start32
    .p2align 2
    "#,
    phys32_entry = const XEN_ELFNOTE_PHYS32_ENTRY,
    options(att_syntax)
);

// 32-bit entry: note the TSC (the boot-time figure of measure.rs starts
// here; RDTSC changes only %eax and %edx, and the PVH start state has
// CR4.TSD clear), check the start-info magic, clear .bss, identity-map the
// first 4 GiB, enable PAE + SSE (OSFXSR, OSXMMEXCPT) + long mode + paging,
// and jump to 64-bit code. SSE must be on before any compiled code runs:
// the compiler uses SSE registers freely on this target.
global_asm!(
    r#"
    .section .text.halvm_boot32, "ax"
    .code32
    .globl halvm_start32
    .type halvm_start32, @function
halvm_start32:
    cli
    cld
    rdtsc
    movl %eax, halvm_boot_tsc
    movl %edx, halvm_boot_tsc + 4
    cmpl ${magic}, (%ebx)
    jne .Lbad_magic

    movl $__bss_start, %edi
    movl $__bss_end, %ecx
    subl %edi, %ecx
    xorl %eax, %eax
    rep stosb

    movl $halvm_boot_pdpt, %eax
    orl $3, %eax
    movl %eax, halvm_boot_pml4
    movl $halvm_boot_pd, %eax
    orl $3, %eax
    movl %eax, halvm_boot_pdpt
    addl $4096, %eax
    movl %eax, halvm_boot_pdpt + 8
    addl $4096, %eax
    movl %eax, halvm_boot_pdpt + 16
    addl $4096, %eax
    movl %eax, halvm_boot_pdpt + 24

    xorl %ecx, %ecx
1:  movl %ecx, %eax
    shll $21, %eax
    orl $0x83, %eax
    movl %eax, halvm_boot_pd(,%ecx,8)
    movl %ecx, %edx
    shrl $11, %edx
    movl %edx, halvm_boot_pd + 4(,%ecx,8)
    incl %ecx
    cmpl $2048, %ecx
    jne 1b

    movl $((1 << 5) | (1 << 9) | (1 << 10)), %eax
    movl %eax, %cr4
    movl $halvm_boot_pml4, %eax
    movl %eax, %cr3
    movl $0xC0000080, %ecx
    rdmsr
    orl $(1 << 8), %eax
    wrmsr
    movl %cr0, %eax
    andl $~((1 << 2) | (1 << 3)), %eax
    orl $((1 << 31) | (1 << 5) | (1 << 1) | 1), %eax
    movl %eax, %cr0
    lgdt halvm_gdt_ptr
    ljmp ${kernel_cs}, $halvm_start64

.Lbad_magic:
    movl $.Lbad_magic_msg, %esi
    movw $0x3f8, %dx
2:  movb (%esi), %al
    testb %al, %al
    jz 3f
    outb %al, %dx
    incl %esi
    jmp 2b
3:  movw $0xf4, %dx
    movb ${bad_magic_status}, %al
    outb %al, %dx
4:  hlt
    jmp 4b

    .section .rodata.halvm_boot32, "a"
.Lbad_magic_msg:
    .asciz "halvm: not started by a PVH loader (hvm_start_info magic wrong); boot this image with Xen (PVH) or qemu -kernel\n"

    .section .text.halvm_boot64, "ax"
    .code64
halvm_start64:
    movw $0x10, %ax
    movw %ax, %ds
    movw %ax, %es
    movw %ax, %ss
    movw %ax, %fs
    movw %ax, %gs
    leaq halvm_stack_top(%rip), %rsp
    xorl %ebp, %ebp
    fninit
    movl %ebx, %edi
    call halvm_rust_entry
    ud2

    .section .data.halvm_boot_tsc, "aw"
    .p2align 3
    .globl halvm_boot_tsc
halvm_boot_tsc:
    .quad 0

    .section .data.halvm_gdt, "aw"
    .p2align 4
    .globl halvm_gdt
halvm_gdt:
    .quad 0
    .quad 0x00AF9A000000FFFF
    .quad 0x00CF92000000FFFF
    .quad 0
    .quad 0
.Lgdt_end:
    .p2align 3
halvm_gdt_ptr:
    .word .Lgdt_end - halvm_gdt - 1
    .quad halvm_gdt

    .section .bss.halvm_boot, "aw", @nobits
    .p2align 12
    .globl halvm_boot_pml4, halvm_boot_pdpt, halvm_boot_pd
halvm_boot_pml4:
    .skip 4096
halvm_boot_pdpt:
    .skip 4096
halvm_boot_pd:
    .skip 4 * 4096
    .globl halvm_stack_guard
halvm_stack_guard:
    .skip 4096
    .skip {stack_size}
halvm_stack_top:
    "#,
    magic = const XEN_HVM_START_MAGIC_VALUE,
    kernel_cs = const KERNEL_CS,
    bad_magic_status = const EXIT_BAD_BOOT_MAGIC,
    stack_size = const STACK_SIZE,
    options(att_syntax)
);

// Interrupt entry. Every vector has a stub (generated by build.rs) that
// pushes the vector number (and a zero where the CPU pushes no error
// code); the common part saves all general registers and the full
// FPU/SSE state (interrupted code and the tick callback both use SSE),
// calls the Rust dispatcher with a pointer to the saved frame, and returns.
// Every gate uses an IST stack, so the CPU aligns the stack to 16 bytes and
// the interrupted code's red zone is never touched.
global_asm!(include_str!(concat!(env!("OUT_DIR"), "/isr_stubs.s")), options(att_syntax));
global_asm!(
    r#"
    .section .text.halvm_isr, "ax"
    .code64
halvm_isr_common:
    pushq %rax
    pushq %rbx
    pushq %rcx
    pushq %rdx
    pushq %rsi
    pushq %rdi
    pushq %rbp
    pushq %r8
    pushq %r9
    pushq %r10
    pushq %r11
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    cld
    movq %rsp, %rbx
    subq $512, %rsp
    andq $-16, %rsp
    fxsave (%rsp)
    movq %rbx, %rdi
    call halvm_interrupt_dispatch
    fxrstor (%rsp)
    movq %rbx, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %r11
    popq %r10
    popq %r9
    popq %r8
    popq %rbp
    popq %rdi
    popq %rsi
    popq %rdx
    popq %rcx
    popq %rbx
    popq %rax
    addq $16, %rsp
    iretq
    "#,
    options(att_syntax)
);

// memcpy, memmove, memset and memcmp, which the precompiled `core` calls.
// They are weak so that minlibc's own definitions win when an image links
// both; weak linkage is not available in stable Rust, hence assembly.
global_asm!(
    r#"
    .section .text.halvm_memfns, "ax"
    .weak memcpy, memmove, memset, memcmp
    .type memcpy, @function
memcpy:
    movq %rdi, %rax
    movq %rdx, %rcx
    rep movsb
    ret
    .type memmove, @function
memmove:
    movq %rdi, %rax
    movq %rdx, %rcx
    cmpq %rsi, %rdi
    jbe 1f
    leaq -1(%rsi,%rdx), %rsi
    leaq -1(%rdi,%rdx), %rdi
    std
    rep movsb
    cld
    ret
1:  rep movsb
    ret
    .type memset, @function
memset:
    movq %rdi, %r9
    movzbl %sil, %eax
    movq %rdx, %rcx
    rep stosb
    movq %r9, %rax
    ret
    .type memcmp, @function
memcmp:
    xorl %eax, %eax
    movq %rdx, %rcx
    testq %rcx, %rcx
    jz 2f
    repe cmpsb
    je 2f
    movzbl -1(%rdi), %eax
    movzbl -1(%rsi), %ecx
    subl %ecx, %eax
2:  ret

    .weak rust_eh_personality
    .type rust_eh_personality, @function
rust_eh_personality:
    ud2
    "#,
    options(att_syntax)
);
