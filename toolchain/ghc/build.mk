# GHC build settings for the halvm cross compiler (copied to mk/build.mk).
# Based on mk/flavours/quick-cross-ncg.mk, spelled out so every setting
# that matters is visible here.

# Stage 1 only: a compiler that runs on the build machine and targets halvm.
Stage1Only           = YES
# ...and skip compiler/stage2, the `ghc` package built for the target: a
# Stage1Only build compiles it but never installs it (mk/config.mk.in, Note
# [Stage1Only vs stage=1]); it is the largest library of the build.
stage                = 1

# Native code generator (9.0.2 accepts only LLVM 9..12; Debian 12 has 14).
# -fasm is the default for x86_64, stated for clarity.
SRC_HC_OPTS          = -O0 -H64m
GhcStage1HcOpts      = -O2
GhcLibHcOpts         = -O -fasm

# Static libraries only, vanilla way; the RTS also in the debug way.
GhcLibWays           = v
GhcRTSWays           = debug
DYNAMIC_BY_DEFAULT   = NO
DYNAMIC_GHC_PROGRAMS = NO
BUILD_PROF_LIBS      = NO

# Every function and closure of the libraries in its own section (C files
# get -ffunction-sections -fdata-sections from the target wrapper), so the
# image link's --gc-sections keeps only what the program reaches. This is
# what Debian's own GHC does; without it hello is a 5 MB image.
SplitSections        = YES

# Integer without GMP: ghc-bignum's native Haskell backend.
BIGNUM_BACKEND       = native

# No documentation (HADDOCK_DOCS=YES is an error for a Stage1Only build).
HADDOCK_DOCS         = NO
BUILD_SPHINX_HTML    = NO
BUILD_SPHINX_PDF     = NO
BUILD_MAN            = NO

# No terminfo (haskeline and ghc-pkg without it; no curses on the target).
WITH_TERMINFO        = NO

# Programs GHC's make build would also link for the target: as halvm images
# they cannot run on the build machine and are useless in a unikernel, and
# each link needs every libc function they reference. The host-built
# hsc2hs, ghc-pkg, unlit and hp2ps (stage 0) are what gets installed.
utils/ghc-cabal_dist-install_NOT_NEEDED    = YES
utils/hsc2hs_dist-install_NOT_NEEDED       = YES
utils/hpc_dist-install_NOT_NEEDED          = YES
utils/runghc_dist-install_NOT_NEEDED       = YES
utils/hp2ps_dist-install_NOT_NEEDED        = YES
utils/unlit_dist-install_NOT_NEEDED        = YES
utils/compare_sizes_dist-install_NOT_NEEDED = YES
utils/iserv_stage2_NOT_NEEDED              = YES
