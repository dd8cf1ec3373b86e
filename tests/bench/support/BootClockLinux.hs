-- The boot time on the guest's own clock, in the Linux guest: the
-- kernel's CLOCK_BOOTTIME when this program's main starts (/init runs it
-- first). On x86_64 Linux 6.1 that clock starts at 0 when the kernel
-- switches its scheduler clock to the TSC, early in setup_arch; it counts
-- neither the firmware, nor the boot loader, nor the kernel's own
-- decompression before it. Printed like BootClockHalvm.hs's last line.
import Data.Int (Int64)
import Foreign.C.Types (CInt (..))
import Foreign.Marshal.Array (allocaArray, peekArray)
import Foreign.Ptr (Ptr)
import System.Exit (exitFailure)

-- int clock_gettime(clockid_t, struct timespec *): two longs on x86_64.
foreign import ccall unsafe "clock_gettime" clockGettime :: CInt -> Ptr Int64 -> IO CInt

clockBoottime :: CInt
clockBoottime = 7

main :: IO ()
main = do
  r <- allocaArray 2 $ \p -> do
    rc <- clockGettime clockBoottime p
    ts <- peekArray 2 p
    return (rc, ts)
  case r of
    (0, [sec, nsec]) -> do
      putStrLn "bench-start: BootClock"
      putStrLn ("bench-boot-hs-main-ns: " ++ show (sec * 1000000000 + nsec))
    _ -> putStrLn "BootClockLinux: clock_gettime(CLOCK_BOOTTIME) failed" >> exitFailure
