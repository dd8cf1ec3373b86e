#![no_std]
#[path = "xen/abi.rs"]
pub mod abi;
#[panic_handler]
fn p(_: &core::panic::PanicInfo) -> ! { loop {} }
