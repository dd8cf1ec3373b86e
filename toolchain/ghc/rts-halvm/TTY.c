/* GHC runtime OS layer for halvm: terminal settings.
 *
 * base saves a descriptor's termios here before changing it (hSetEcho,
 * hSetBuffering on stdin) and the POSIX RTS restores it at exit. The
 * store is kept so base's save/lookup pair works; restoring is pointless
 * because the console's state does not outlive the guest. */

#include "PosixSource.h"
#include "Rts.h"

#include "RtsUtils.h"
#include "posix/TTY.h"

static void *saved_termios[3] = { NULL, NULL, NULL };

void *__hscore_get_saved_termios(int fd)
{
    if (fd >= 0 && fd < 3) {
        return saved_termios[fd];
    }
    return NULL;
}

void __hscore_set_saved_termios(int fd, void *ts)
{
    if (fd >= 0 && fd < 3) {
        saved_termios[fd] = ts;
    }
}

/* Nothing to restore: no terminal state survives the guest. */
void resetTerminalSettings(void)
{
}
