//! The pure parts of talking to other domains (include/halvm/xen.h,
//! version 2): which event-channel ports belong to the program and which
//! of them fired, the grant references in use, and the vchan ring
//! protocol of Xen's libxenvchan. They touch no hypercall, so they run in
//! host tests; the machine side is xen/evtchn_api.rs, xen/grant_table.rs
//! and xen/vchan.rs.

pub mod grant_refs;
pub mod ports;
pub mod vchan_ring;

/// vchan channels open at once (HALVM_VCHAN_MAX).
pub const VCHAN_MAX: usize = 16;
/// Longest XenStore path of a vchan (HALVM_VCHAN_PATH_MAX; libxenvchan
/// itself formats `PATH/event-channel` into 64 bytes).
pub const VCHAN_PATH_MAX: usize = 200;
/// Foreign pages mapped at once (HALVM_GNTTAB_MAPS).
pub const GNTTAB_MAPS: usize = 1024;

#[cfg(test)]
mod tests {
    /// The limits include/halvm/xen.h promises are the implementation's.
    #[test]
    fn the_headers_limits_are_the_implementations() {
        let header = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/include/halvm/xen.h")).unwrap();
        let define = |name: &str| -> usize {
            let line = header.lines().find(|l| l.starts_with(&format!("#define {name} "))).unwrap();
            line.split_whitespace().nth(2).unwrap().parse().unwrap()
        };
        assert_eq!(define("HALVM_XEN_API_VERSION"), 2);
        assert_eq!(define("HALVM_EVTCHN_PORTS"), super::ports::PORTS as usize);
        assert_eq!(define("HALVM_GNTTAB_FRAMES"), super::grant_refs::MAX_FRAMES as usize);
        assert_eq!(define("HALVM_GNTTAB_MAPS"), super::GNTTAB_MAPS);
        assert_eq!(define("HALVM_VCHAN_MAX"), super::VCHAN_MAX);
        assert_eq!(define("HALVM_VCHAN_PATH_MAX"), super::VCHAN_PATH_MAX);
    }
}
