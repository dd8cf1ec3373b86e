-- The boot time on the guest's own clock, as a halvm image: rts-xen's
-- include/halvm/measure.h, through the FFI. The first instruction is the
-- PVH entry point, where rts-xen reads the TSC.
--
--   bench-boot-c-main-ns: N    first instruction to the call of C's main
--   bench-boot-hs-main-ns: N   first instruction to this program's main
import Data.Word (Word64)

foreign import ccall unsafe "halvm_boot_ns_to_main" bootNsToMain :: IO Word64
foreign import ccall unsafe "halvm_boot_ns_since_start" bootNsSinceStart :: IO Word64

main :: IO ()
main = do
  atMain <- bootNsSinceStart
  toCMain <- bootNsToMain
  putStrLn "bench-start: BootClock"
  putStrLn ("bench-boot-c-main-ns: " ++ show toCMain)
  putStrLn ("bench-boot-hs-main-ns: " ++ show atMain)
