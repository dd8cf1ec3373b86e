//! The TSS with its IST stacks, the IDT, and the dispatcher every
//! interrupt entry stub (boot.rs) calls. CPU exceptions are reported and
//! end the guest.

use core::arch::asm;
use core::ptr::{addr_of, addr_of_mut};
use core::sync::atomic::{AtomicBool, Ordering};

use crate::boot::{halvm_gdt, halvm_isr_table, KERNEL_CS, TSS_SELECTOR};
use crate::{cpu, exit};

/// Vectors the platform uses for its own interrupts.
pub const VECTOR_TIMER: u8 = 0x30;
pub const VECTOR_XEN_UPCALL: u8 = 0x31;
pub const VECTOR_SPURIOUS: u8 = 0xff;
/// Where the legacy 8259 PICs are moved to (and then masked), so that a
/// stray PIC interrupt cannot look like a CPU exception.
pub const VECTOR_PIC_BASE: u8 = 0x20;

/// IST slots: external interrupts, exceptions, and the ones that can hit
/// while another exception is being handled (NMI, #DF, #MC).
const IST_INTERRUPTS: u8 = 1;
const IST_EXCEPTIONS: u8 = 2;
const IST_CRITICAL: u8 = 3;
const IST_STACK_SIZE: usize = 32 * 1024;

#[repr(C, align(16))]
struct IstStack([u8; IST_STACK_SIZE]);
static mut IST_STACKS: [IstStack; 3] = [const { IstStack([0; IST_STACK_SIZE]) }; 3];

#[repr(C, packed(4))]
struct Tss {
    reserved0: u32,
    rsp: [u64; 3],
    reserved1: u64,
    ist: [u64; 7],
    reserved2: u64,
    reserved3: u16,
    iomap_base: u16,
}
static mut TSS: Tss = Tss {
    reserved0: 0, rsp: [0; 3], reserved1: 0, ist: [0; 7], reserved2: 0, reserved3: 0,
    iomap_base: core::mem::size_of::<Tss>() as u16,
};

#[repr(C, align(16))]
#[derive(Clone, Copy)]
struct Gate([u64; 2]);
static mut IDT: [Gate; 256] = [Gate([0; 2]); 256];

/// What the common entry stub saved, lowest address first.
#[repr(C)]
pub struct Frame {
    pub r15: u64, pub r14: u64, pub r13: u64, pub r12: u64,
    pub r11: u64, pub r10: u64, pub r9: u64, pub r8: u64,
    pub rbp: u64, pub rdi: u64, pub rsi: u64, pub rdx: u64,
    pub rcx: u64, pub rbx: u64, pub rax: u64,
    pub vector: u64, pub error_code: u64,
    pub rip: u64, pub cs: u64, pub rflags: u64, pub rsp: u64, pub ss: u64,
}

/// Installs the TSS (with the IST stacks) and an IDT in which every vector
/// is an interrupt gate on an IST stack.
pub fn init() {
    // SAFETY: single CPU, interrupts off, during boot.
    unsafe {
        let tss = &mut *addr_of_mut!(TSS);
        let stacks = &*addr_of!(IST_STACKS);
        for (i, s) in stacks.iter().enumerate() {
            tss.ist[i] = s.0.as_ptr() as u64 + IST_STACK_SIZE as u64;
        }
        let base = addr_of!(TSS) as u64;
        let limit = core::mem::size_of::<Tss>() as u64 - 1;
        let gdt = &mut *addr_of_mut!(halvm_gdt);
        // 64-bit available-TSS descriptor: type 9, present.
        gdt[3] = (limit & 0xffff) | (base & 0xff_ffff) << 16 | 0x89 << 40
            | ((limit >> 16) & 0xf) << 48 | ((base >> 24) & 0xff) << 56;
        gdt[4] = base >> 32;
        asm!("ltr {0:x}", in(reg) TSS_SELECTOR, options(nostack, preserves_flags));

        let idt = &mut *addr_of_mut!(IDT);
        for (v, gate) in idt.iter_mut().enumerate() {
            let ist = match v {
                2 | 8 | 18 => IST_CRITICAL,
                0..=31 => IST_EXCEPTIONS,
                _ => IST_INTERRUPTS,
            };
            let handler = halvm_isr_table[v];
            gate.0[0] = (handler & 0xffff) | (KERNEL_CS as u64) << 16 | (ist as u64) << 32
                | 0x8e << 40 | ((handler >> 16) & 0xffff) << 48;
            gate.0[1] = handler >> 32;
        }
        #[repr(C, packed)]
        struct Pointer { limit: u16, base: u64 }
        let ptr = Pointer { limit: core::mem::size_of::<[Gate; 256]>() as u16 - 1, base: idt.as_ptr() as u64 };
        asm!("lidt [{}]", in(reg) &ptr, options(readonly, nostack, preserves_flags));
    }
}

/// Called by the common entry stub for every interrupt and exception.
#[no_mangle]
extern "C" fn halvm_interrupt_dispatch(frame: &mut Frame) {
    let vector = frame.vector as u8;
    match vector {
        0..=31 => cpu_fault(frame),
        VECTOR_TIMER => crate::timer::on_lapic_timer(),
        VECTOR_XEN_UPCALL => crate::xen::events::on_upcall(),
        VECTOR_SPURIOUS => {}
        v if v == VECTOR_PIC_BASE + crate::pic::IRQ_COM1 => {
            // Console input: taking the interrupt has ended any halt; the
            // data stays in the UART until halvm_console_read().
            crate::pic::eoi();
        }
        v if crate::net::owns_vector(v) => crate::net::on_interrupt(),
        v if (VECTOR_PIC_BASE..VECTOR_PIC_BASE + 16).contains(&v) => {
            // A spurious 8259 interrupt (IRQ 7 or 15); those take no EOI.
        }
        v => crate::kprintln!("halvm: warning: unexpected interrupt vector {v:#x} ignored"),
    }
}

static IN_FAULT: AtomicBool = AtomicBool::new(false);

fn cpu_fault(f: &Frame) -> ! {
    if IN_FAULT.swap(true, Ordering::Relaxed) {
        // A fault while reporting a fault: do not try to print again.
        exit::exit(exit::EXIT_CPU_FAULT);
    }
    let cr2 = cpu::read_cr2();
    crate::kprintln!(
        "halvm: CPU fault: vector {} ({}), error code {:#x}, RIP {:#018x}, RSP {:#018x}, CR2 {:#018x}",
        f.vector, exception_name(f.vector), f.error_code, f.rip, f.rsp, cr2
    );
    // CR2 alone is not enough: QEMU's emulation of nested SVM (how the
    // tests run Xen) leaves a guest's CR2 stale, so also look at RSP.
    if f.vector == 14 && (crate::paging::is_stack_guard(cr2) || crate::paging::is_stack_guard(f.rsp)) {
        crate::kprintln!("halvm: stack overflow: the fault hit the guard page below the {} KiB stack",
                         crate::boot::STACK_SIZE / 1024);
    }
    crate::kprintln!(
        "halvm: rax {:#x} rbx {:#x} rcx {:#x} rdx {:#x} rsi {:#x} rdi {:#x} rbp {:#x} rflags {:#x}",
        f.rax, f.rbx, f.rcx, f.rdx, f.rsi, f.rdi, f.rbp, f.rflags
    );
    exit::exit(exit::EXIT_CPU_FAULT)
}

fn exception_name(v: u64) -> &'static str {
    match v {
        0 => "#DE divide error",
        1 => "#DB debug",
        2 => "NMI",
        3 => "#BP breakpoint",
        4 => "#OF overflow",
        5 => "#BR bound range",
        6 => "#UD invalid opcode",
        7 => "#NM device not available",
        8 => "#DF double fault",
        10 => "#TS invalid TSS",
        11 => "#NP segment not present",
        12 => "#SS stack fault",
        13 => "#GP general protection",
        14 => "#PF page fault",
        16 => "#MF x87 floating point",
        17 => "#AC alignment check",
        18 => "#MC machine check",
        19 => "#XM SIMD floating point",
        20 => "#VE virtualization",
        21 => "#CP control protection",
        _ => "reserved",
    }
}
