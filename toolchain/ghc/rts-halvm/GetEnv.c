/* GHC runtime OS layer for halvm: the program environment.
 * minlibc keeps an in-memory environment in `environ`. */

#include "PosixSource.h"
#include "Rts.h"

#include "GetEnv.h"

extern char **environ;

void getProgEnvv(int *out_envc, char **out_envv[])
{
    int envc = 0;

    while (environ != NULL && environ[envc] != NULL) {
        envc++;
    }
    *out_envc = envc;
    *out_envv = environ;
}

void freeProgEnvv(int envc STG_UNUSED, char *envv[] STG_UNUSED)
{
    /* getProgEnvv handed out minlibc's own array; nothing was copied. */
}
