-- A halvm-xen shutdown handler: `xl shutdown` runs it, it reports the
-- reason and reboots the domain instead (shutdown Reboot).
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
