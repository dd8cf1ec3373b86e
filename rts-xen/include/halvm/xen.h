/*
 * halvm platform API extension: the Xen domain's identity and XenStore,
 * for programs and the Haskell libraries that talk to Xen. Implemented by
 * rts-xen (src/xen/xs_api.rs on the client of src/xenstore.rs); not read
 * by GHC's build, so it can grow without rebuilding the compiler.
 *
 * This header is freestanding: it includes nothing but the compiler's own
 * <stddef.h> and <stdint.h>, like platform.h.
 *
 * Where it works: an ordinary Xen domain (halvm_platform() ==
 * HALVM_PLATFORM_XEN_DOMU), which rts-xen connects to XenStore at
 * start-up. Xen's initial domain and bare QEMU have no connection: there
 * every function returns -ENODEV.
 *
 * Context: normal context only (never from a tick callback). Each call is
 * one request to the store and its reply; while waiting the CPU halts
 * (ticks and other events still run), for at most 5 s, after which the
 * call returns -ETIMEDOUT.
 *
 * Errors: negative errno values (minlibc's <errno.h>, Linux's numbers):
 *   -ENOENT, -EACCES, -EEXIST, -EINVAL, -EAGAIN, -E2BIG, -ENOSPC, ...
 *             the store refused the request with that error (XS_ERROR);
 *   -EINVAL   a NULL or malformed argument (an empty path, a bad
 *             permission entry, transaction 0 where one is needed);
 *   -E2BIG    a path longer than HALVM_XS_PATH_MAX or a request larger
 *             than the store's 4096-byte payload;
 *   -ETIMEDOUT the store did not answer in time;
 *   -EIO      the store broke the protocol (corrupt ring indices, an
 *             oversized or foreign reply), now or before: after that, or
 *             after a timeout, the connection is unusable and every call
 *             returns -EIO (the store's byte stream can no longer be
 *             trusted to line up with our requests);
 *   -ENODEV   no XenStore connection (Xen's initial domain, bare QEMU).
 *
 * Paths: relative paths ("data/x") are under the domain's own
 * /local/domain/<domid>/; the toolstack lets a guest write under data/.
 *
 * Results copied into a caller's buffer (values, listings, permissions)
 * are copied whole or not at all: those functions return the length of
 * the whole result, and copy it only if the buffer has room for it (plus
 * the NUL where one is added). A result larger than the buffer leaves the
 * buffer untouched; the caller retries with a buffer of the size returned
 * (plus one where a NUL is added). Buffers of HALVM_XS_PAYLOAD_MAX + 1
 * bytes always suffice.
 *
 * Transactions: every operation takes a transaction id, 0 for none.
 * Operations inside a transaction see and change its snapshot; its end
 * commits them all or none.
 */
#ifndef HALVM_XEN_H
#define HALVM_XEN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Version of this extension; bumped on any change. 2: event channels,
 * grant tables and vchan. */
#define HALVM_XEN_API_VERSION 2

/* Longest absolute path the store accepts (XENSTORE_ABS_PATH_MAX); a
 * relative path may have at most 2048 bytes. */
#define HALVM_XS_PATH_MAX 3072
/* The most a request or reply may carry (XENSTORE_PAYLOAD_MAX). */
#define HALVM_XS_PAYLOAD_MAX 4096
/* Longest watch token (bytes, without its NUL). */
#define HALVM_XS_TOKEN_MAX 64
/* Watch events that wait to be taken before newer ones are lost. */
#define HALVM_XS_WATCH_QUEUE 16
/* Different watch tokens that may be in use at once. */
#define HALVM_XS_WATCH_TOKENS 32

/* ---------------------------------------------------------------- identity */

/* Stores the domain's id (the store's `domid` key) in *domid. Returns 0,
 * or a negative errno (-EIO if the key is not a number). */
int halvm_xen_domid(uint32_t *domid);

/* The domain's name (the store's `name` key), as halvm_xs_read() gives a
 * value: returns its length and copies it, NUL-terminated, into `buf` if
 * `size` is more than that length. */
long halvm_xen_name(char *buf, size_t size);

/* ------------------------------------------------------------------ values */

/*
 * Reads the value at `path`. Returns its length n (values may contain
 * NUL bytes); if n < size, `buf` holds the n bytes followed by a NUL,
 * otherwise `buf` is untouched. -ENOENT if there is no such key.
 */
long halvm_xs_read(uint32_t tx, const char *path, char *buf, size_t size);

/* Sets `path` to the `len` bytes at `value` (NULL if len is 0), creating
 * it and missing parents. Returns 0 or a negative errno (-E2BIG when path
 * and value exceed HALVM_XS_PAYLOAD_MAX). */
int halvm_xs_write(uint32_t tx, const char *path, const void *value, size_t len);

/* Removes `path` and everything under it (XS_RM). Returns 0 or a negative
 * errno (-ENOENT if it does not exist). */
int halvm_xs_remove(uint32_t tx, const char *path);

/*
 * Lists `path`'s children (XS_DIRECTORY): their names, each followed by a
 * NUL ("a\0b\0"). Returns the listing's length n in bytes (0: no
 * children), copied into `buf` if n <= size (no extra NUL is added),
 * otherwise `buf` is untouched and the caller retries with n bytes.
 */
long halvm_xs_directory(uint32_t tx, const char *path, char *buf, size_t size);

/* ------------------------------------------------------------- permissions */

/*
 * Permissions in the store's wire format: entries of a letter and a
 * domain id in decimal, each followed by a NUL: "n0\0r5\0". The first
 * entry names the owner (who may do anything) and what every domain not
 * listed may do; the others grant domains n (nothing), r (read), w
 * (write) or b (both).
 */

/* Gets `path`'s permissions as such a list into `buf` (whole or not at
 * all, like halvm_xs_directory). Returns the list's length or a negative
 * errno. */
long halvm_xs_get_perms(uint32_t tx, const char *path, char *buf, size_t size);

/* Sets `path`'s permissions to the list of `len` bytes at `perms` (every
 * entry NUL-terminated). Returns 0 or a negative errno (-EINVAL for a
 * malformed list, -EACCES if the domain does not own the key). */
int halvm_xs_set_perms(uint32_t tx, const char *path, const char *perms, size_t len);

/* ------------------------------------------------------------ transactions */

/* Starts a transaction; stores its id (never 0) in *tx. Returns 0 or a
 * negative errno. */
int halvm_xs_transaction_start(uint32_t *tx);

/*
 * Ends transaction `tx`: commits its changes if `commit` is non-zero,
 * discards them otherwise. Returns 0, or -EAGAIN when the commit
 * conflicts with a change made meanwhile (nothing of the transaction took
 * effect: run it again from halvm_xs_transaction_start), or another
 * negative errno (-EINVAL for tx 0).
 */
int halvm_xs_transaction_end(uint32_t tx, int commit);

/* ----------------------------------------------------------------- watches */

/*
 * Watches `path` and everything under it, with `token` (1 to
 * HALVM_XS_TOKEN_MAX bytes, NUL-terminated) naming the watch in its
 * events. The store fires every new watch once at once, then on every
 * change. Returns 0 or a negative errno (-ENOSPC when
 * HALVM_XS_WATCH_TOKENS different tokens are in use, -E2BIG for a longer
 * token).
 *
 * Events are queued inside rts-xen as they arrive (also while the program
 * computes and never waits), at most HALVM_XS_WATCH_QUEUE of them: when
 * the queue is full, newer events are dropped and the next
 * halvm_xs_watch_take() reports -EOVERFLOW once, before the queued
 * events; the caller should then re-read everything it watches. Events
 * for tokens no watch has (e.g. still in flight after an unwatch) and
 * malformed events from the store are dropped. An arriving event ends
 * halvm_block_until(), so a caller waits for events by halting there.
 */
int halvm_xs_watch(const char *path, const char *token);

/* Removes the watch of `path` with `token`. Returns 0 or a negative errno
 * (-ENOENT when no watch of ours has that token). Events queued before
 * remain to be taken. */
int halvm_xs_unwatch(const char *path, const char *token);

/*
 * Takes the oldest queued watch event without blocking: copies the path
 * that changed (which may lie under the watched one) and the watch's token
 * into the buffers, each NUL-terminated, and returns 1; returns 0 when no
 * event is queued, -EOVERFLOW once after events were lost (see
 * halvm_xs_watch), or -ERANGE, leaving the event queued, when a buffer is
 * too small for it (buffers of HALVM_XS_PATH_MAX + 1 and
 * HALVM_XS_TOKEN_MAX + 1 bytes always suffice); -EINVAL for NULL buffers.
 */
int halvm_xs_watch_take(char *path, size_t path_size, char *token, size_t token_size);

/* ------------------------------------------------ shutdown, program side */

/*
 * The reason of the latest shutdown request the toolstack made (xl
 * shutdown: HALVM_SHUTDOWN_POWEROFF, xl reboot: HALVM_SHUTDOWN_REBOOT, the
 * values of platform.h's enum halvm_shutdown_reason), or
 * HALVM_SHUTDOWN_NONE (0) if none arrived. Unlike halvm_shutdown_take()
 * (which the GHC runtime uses to turn a request into a signal), this only
 * looks. Works everywhere (NONE without Xen). Interrupt-safe.
 */
int halvm_xen_shutdown_requested(void);

/*
 * Sets the reason halvm_exit() will give Xen's SCHEDOP_shutdown:
 * HALVM_SHUTDOWN_POWEROFF or HALVM_SHUTDOWN_REBOOT, for a program that
 * ends itself with a reboot (or a poweroff whatever its status). It
 * overrides the default (poweroff for status 0, crash otherwise) and any
 * toolstack request. Returns 0, or -EINVAL for another value. Under bare
 * QEMU the exit still goes through isa-debug-exit with the status.
 * Interrupt-safe.
 */
int halvm_xen_set_exit_reason(int reason);

/* ---------------------------------------------------------- event channels */

/*
 * Event channels the program owns (src/xen/evtchn_api.rs). Ports are
 * Xen's: 1 to HALVM_EVTCHN_PORTS - 1 (the 2-level ABI). A port this API
 * allocated or bound is the program's until halvm_evtchn_close(); every
 * other port, in particular those the platform uses itself (timer,
 * console, XenStore), is refused with -EBADF.
 *
 * Events: when a program port fires, the platform's upcall (interrupt
 * context) records it in a bitmap and ends halvm_block_until() (an event
 * just before the halt makes the next call return at once). Events are
 * not counted: several before a take are one. A program waits by polling
 * halvm_evtchn_pending() / halvm_evtchn_take() and halting in
 * halvm_block_until() between polls.
 *
 * Context: allocation, binding, notification and closing in normal
 * context; halvm_evtchn_take, halvm_evtchn_pending and
 * halvm_evtchn_take_fired are interrupt-safe (atomic operations only).
 *
 * Errors: negative errno: Xen's own (-EINVAL a bad domain id or port,
 * -ESRCH no such domain, -EPERM not allowed, -ENOSPC no free port, ...),
 * -EBADF a port that is not the program's, -ENODEV without Xen (bare
 * QEMU).
 */
#define HALVM_EVTCHN_PORTS 4096

/* Allocates a port that domain `remote_domid` may bind
 * (EVTCHNOP_alloc_unbound); returns it, or a negative errno. */
int halvm_evtchn_alloc_unbound(uint32_t remote_domid);

/* Binds the unbound port `remote_port` of `remote_domid` to a new local
 * port (EVTCHNOP_bind_interdomain); returns it, or a negative errno. */
int halvm_evtchn_bind_interdomain(uint32_t remote_domid, uint32_t remote_port);

/*
 * Binds virtual IRQ `virq` (Xen's VIRQ_* numbers) on vCPU 0; returns the
 * port, or a negative errno. VIRQ_TIMER (0) is the platform's: -EPERM.
 * For an ordinary PVH domain the useful one is VIRQ_DEBUG (1: Xen's
 * console key 'q' dumps the domains and signals it; the domU lane's
 * evtchn test binds it). The global VIRQs (VIRQ_CONSOLE, VIRQ_DOM_EXC,
 * ...) are meant for the initial domain or the domain the toolstack made
 * their handler; whether Xen lets another domain bind one is Xen's
 * decision, and its errno is returned as it is. The initial domain's
 * VIRQ_CONSOLE is the platform's own (Xen says -EEXIST).
 */
int halvm_evtchn_bind_virq(uint32_t virq);

/* Signals the other end of `port` (EVTCHNOP_send). Returns 0 or a
 * negative errno. */
int halvm_evtchn_notify(uint32_t port);

/* Closes `port` (EVTCHNOP_close) and forgets any event recorded on it.
 * Returns 0 or a negative errno. */
int halvm_evtchn_close(uint32_t port);

/* Takes the event recorded on `port`: 1 if it fired since the last take,
 * 0 if not, -EBADF if the port is not the program's. Interrupt-safe. */
int halvm_evtchn_take(uint32_t port);

/* Whether any program port fired and was not taken yet: 1 or 0. The
 * cheap check to make before anything else. Interrupt-safe. */
int halvm_evtchn_pending(void);

/* Takes up to `max` fired ports, lowest first, into `ports`; returns how
 * many (0: none). Ports not taken keep their event. -EINVAL for NULL with
 * max > 0. Interrupt-safe. */
long halvm_evtchn_take_fired(uint32_t *ports, size_t max);

/* ------------------------------------------------------------ grant tables */

/*
 * Grant tables, version 1 (src/xen/grant_table.rs). The table is set up on
 * first use: its frames are placed at guest frames rts-xen reserves
 * (XENMEM_add_to_physmap, XENMAPSPACE_grant_table, as PVH guests must),
 * at most HALVM_GNTTAB_FRAMES of them; references 0-7 are reserved by
 * Xen's ABI, so HALVM_GNTTAB_FRAMES * 512 - 8 grants can exist at once
 * (fewer if Xen allows the domain fewer frames).
 *
 * Context: normal context only.
 *
 * Errors: negative errno: -EINVAL a bad argument (a page not aligned,
 * NULL, a domain id above 65535), -ENOSPC no free reference or mapping
 * slot, -EBADF a reference the program did not grant, -EBUSY a grant
 * still mapped by its peer, -ENOMEM no memory for a mapping, -ESRCH,
 * -ENOENT, -EACCES, -EAGAIN Xen refused to map (no such domain, no such
 * or no longer a valid grant, not granted to us or read-only, try
 * again), -EIO the grant table could not be set up or another failure,
 * -ENODEV without Xen.
 */
#define HALVM_GNTTAB_FRAMES 4
/* Foreign pages mapped at once (halvm_gnttab_map and vchan clients). */
#define HALVM_GNTTAB_MAPS 1024

/*
 * Grants domain `domid` access to the page at `page` (page-aligned: from
 * halvm_alloc_pages, or aligned static data of the program), read-only if
 * `readonly` is non-zero. Returns the grant reference (>= 8) for the peer
 * to map, or a negative errno. The page must stay allocated until
 * halvm_gnttab_end() succeeded.
 */
int halvm_gnttab_grant(uint32_t domid, const void *page, int readonly);

/* Ends grant `ref`: 0, or -EBUSY while the peer still has it mapped (its
 * GTF_reading/GTF_writing flags are set; nothing changed: try again after
 * the peer unmapped), -EBADF if the program did not grant `ref`. */
int halvm_gnttab_end(uint32_t ref);

/*
 * Maps grant `ref` of domain `domid` (GNTTABOP_map_grant_ref with
 * GNTMAP_host_map, read-only if `readonly`), and stores the page's address
 * in *addr. Returns 0 or a negative errno. The mapping takes a page of
 * memory whose frame is handed back to Xen while the foreign page is there
 * (Xen 4.17 maps grants into a PVH guest's physical address space only,
 * replacing what is there). Works for PVH and HVM guests of Xen 4.17, from
 * any domain that granted to this one.
 */
int halvm_gnttab_map(uint32_t domid, uint32_t ref, int readonly, void **addr);

/* Unmaps the page halvm_gnttab_map() stored at `addr` and gives its memory
 * back. Returns 0 or a negative errno (-EINVAL: not a mapped page). */
int halvm_gnttab_unmap(void *addr);

/* ------------------------------------------------------------------- vchan */

/*
 * vchan: a byte stream each way between two domains, in the wire format of
 * Xen's libxenvchan (xen/io/libxenvchan.h), so either end may be Xen's own
 * tools (vchan-socket-proxy) or programs using libxenvchan
 * (src/xen/vchan.rs, src/interdomain/vchan_ring.rs).
 *
 * The server grants a control page and ring pages to the client's domain,
 * allocates an unbound event channel for it, and writes PATH/ring-ref and
 * PATH/event-channel (permissions: the server owns them, the client's
 * domain may read them, nobody else anything). The client reads those,
 * binds the channel and maps the pages. PATH is a XenStore path of at most
 * HALVM_VCHAN_PATH_MAX bytes (relative: under the domain's own
 * /local/domain/<domid>/, e.g. "data/vchan"; a client names the server's
 * absolute path).
 *
 * Each channel has an event port, one of the program's
 * (halvm_vchan_port): a program that got -EAGAIN waits until
 * halvm_evtchn_take(port) returns 1, then tries again. Reads and writes
 * never block. The peer is not trusted: ring indices that claim more
 * than a ring holds make the channel return -EPROTO from then on, never
 * an access outside the rings.
 *
 * Handles are small integers >= 0, at most HALVM_VCHAN_MAX channels at
 * once. Context: normal context only.
 *
 * Errors: negative errno: -EAGAIN nothing to read / no room to write
 * now, -EPIPE writing after the peer closed, -EPROTO the peer broke the
 * protocol (indices, ring sizes), -EBADF not an open handle, -EINVAL a bad
 * argument (ring sizes above 1 MiB, an empty or too long path), -ENOSPC
 * no free handle, grant reference or port, -ENOMEM no memory, the
 * XenStore calls' errors (-ENOENT: the server's keys are not there yet),
 * the grant and event-channel calls' errors, -ENODEV without Xen.
 */
#define HALVM_VCHAN_MAX 16
#define HALVM_VCHAN_PATH_MAX 200

/*
 * Serves a vchan at `path` for domain `client_domid`, with rings of at
 * least `read_min` bytes (client to server) and `write_min` bytes (server
 * to client), at most 1 MiB each, chosen as libxenvchan chooses them
 * (rings of up to 1 KiB and 2 KiB live in the control page). Returns a
 * handle or a negative errno. The client may connect at any time after.
 */
int halvm_vchan_server(uint32_t client_domid, const char *path, size_t read_min, size_t write_min);

/* Connects to the vchan domain `server_domid` serves at `path`. Returns a
 * handle, or a negative errno (-ENOENT while the server has not written
 * its keys: try again later). */
int halvm_vchan_client(uint32_t server_domid, const char *path);

/* Reads up to `len` bytes into `buf`. Returns the count (> 0), 0 at the
 * end of the stream (the peer closed and everything it sent was read; also
 * for len 0), or a negative errno (-EAGAIN: nothing yet). */
long halvm_vchan_read(int vchan, void *buf, size_t len);

/* Writes up to `len` bytes of `buf`. Returns the count (> 0; fewer than
 * `len` when the ring is nearly full), 0 for len 0, or a negative errno
 * (-EAGAIN: the ring is full, -EPIPE: the peer closed). */
long halvm_vchan_write(int vchan, const void *buf, size_t len);

/* The peer's state: 1 connected, 2 a server's client has not connected
 * yet, 0 the peer closed; or a negative errno. */
int halvm_vchan_state(int vchan);

/* The channel's event port (the program's). */
int halvm_vchan_port(int vchan);

/* Bytes written that the peer has not read yet (the peer is then asked to
 * signal when it reads): a program waits for 0 before closing, so that
 * what it wrote is read before the peer sees the channel closed. */
long halvm_vchan_unsent(int vchan);

/* Closes the channel: the peer sees it closed; a server removes `path`
 * and ends its grants (those the client still maps end later, and their
 * pages are reused only then), a client unmaps. Returns 0 or -EBADF. */
int halvm_vchan_close(int vchan);

#ifdef __cplusplus
}
#endif

#endif /* HALVM_XEN_H */
