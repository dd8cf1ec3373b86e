/* The C entry of halvm's ghc-iserv: start the RTS as GHC's own iserv
 * does. Code loaded later looks up closures at any time, so CAFs must be
 * kept; RTS options on iserv's command line (-opti+RTS ...) are allowed so
 * that a user can give the interpreter a bigger heap or stack. */
#include "Rts.h"

extern StgClosure ZCMain_main_closure;

int main(int argc, char *argv[])
{
    RtsConfig conf = defaultRtsConfig;
    conf.keep_cafs = 1;
    conf.rts_opts_enabled = RtsOptsAll;
    hs_main(argc, argv, &ZCMain_main_closure, conf);
}
