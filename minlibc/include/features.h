/* Present because portable code includes it; minlibc has no feature macros:
 * every declaration is always visible. */
#ifndef _FEATURES_H
#define _FEATURES_H
#include <_minlibc_types.h>
#endif
