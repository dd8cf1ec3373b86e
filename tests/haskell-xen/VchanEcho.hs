-- A vchan echo server in Haskell (halvm-xen's Hypervisor.Vchan), for
-- dom0's vchan-socket-proxy: it echoes until the peer has sent 1 MiB,
-- while a ticker thread keeps running (waits block only their thread).
import Control.Concurrent
import Control.Monad
import qualified Data.ByteString as B
import Data.IORef
import Hypervisor.Vchan
import System.IO

main :: IO ()
main = do
  hSetBuffering stdout LineBuffering
  ticks <- newIORef (0 :: Int)
  _ <- forkIO (forever (threadDelay 50000 >> modifyIORef' ticks (+ 1)))
  v <- serve 0 "data/vchan" 8192 8192
  putStrLn "vchan: serving"
  let loop total
        | total >= 1048576 = pure total
        | otherwise = do
            bytes <- receive v 65536
            if B.null bytes then pure total else send v bytes >> loop (total + B.length bytes)
  echoed <- loop 0
  putStrLn ("vchan: echoed " ++ show echoed ++ " bytes")
  close v
  n <- readIORef ticks
  putStrLn ("ticker ran while waiting: " ++ show (n > 0))
