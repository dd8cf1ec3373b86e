-- A halvm-xen shutdown handler: `xl shutdown` and `xl reboot` run it (the
-- lane tests both); it reports the reason it was given and reboots the
-- domain (shutdown Reboot), instead of powering off for `xl shutdown`.
import Control.Concurrent
import Control.Monad
import Hypervisor.Shutdown
import System.IO

main :: IO ()
main = do
  hSetBuffering stdout LineBuffering
  before <- shutdownRequested
  putStrLn ("request before: " ++ show before)
  onShutdownRequest $ \reason -> do
    putStrLn ("handler: asked to " ++ show reason ++ "; rebooting instead")
    shutdown Reboot
  putStrLn "serving until asked to stop"
  forever (threadDelay 100000)
