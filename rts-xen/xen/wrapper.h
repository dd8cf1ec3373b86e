/*
 * The parts of Xen's public interface rts-xen uses. build.rs runs bindgen
 * over this file so that every Xen structure layout and ABI number comes
 * from Xen's own headers (Debian package libxen-dev), never typed by hand.
 */
#define __XEN_INTERFACE_VERSION__ 0x00040e00 /* Xen 4.14 API: what 4.17 accepts */
#include <stdint.h> /* Xen's headers use the C99 integer types without including them */
#include <xen/xen.h>
#include <xen/arch-x86/hvm/start_info.h>
#include <xen/elfnote.h>
#include <xen/hvm/hvm_op.h>
#include <xen/hvm/params.h>
#include <xen/event_channel.h>
#include <xen/sched.h>
#include <xen/memory.h>
#include <xen/io/console.h>
#include <xen/vcpu.h>
#include <xen/grant_table.h>
#include <xen/io/libxenvchan.h>

/* DOMID_SELF is a function-like macro expression bindgen cannot evaluate;
 * an enumerator carries its value across. */
enum { HALVM_DOMID_SELF = DOMID_SELF };
