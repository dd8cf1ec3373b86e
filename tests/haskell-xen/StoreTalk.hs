-- XenStore through halvm-xen, against dom0's own tools: dom0 reads what
-- this guest writes, writes what it watches, and races its transaction.
import Control.Concurrent
import Control.Exception
import Control.Monad
import Data.IORef
import Hypervisor.Domain
import Hypervisor.XenStore
import System.IO

main :: IO ()
main = do
  hSetBuffering stdout LineBuffering
  me <- domainId
  writeKey store "data/halvm/greeting" "hello from Haskell"
  readKey store "data/halvm/greeting" >>= putStrLn . ("read back: " ++)
  writeKey store "data/halvm/sub/a" "1"
  writeKey store "data/halvm/sub/b" "2"
  listDirectory store "data/halvm/sub" >>= putStrLn . ("listing: " ++) . show
  perms <- getPermissions store "data/halvm/greeting"
  putStrLn ("owner is this domain: " ++ show (map permDomain (take 1 perms) == [me]))
  setPermissions store "data/halvm/greeting" [Permission me NoAccess, Permission 0 ReadOnly]
  getPermissions store "data/halvm/greeting" >>= putStrLn . ("permissions: " ++) . show . map permAccess
  missing <- try (readKey store "data/halvm/nothing-here")
  putStrLn ("missing key: " ++ either (\e -> show (xenErrorKind e)) id missing)
  removeKey store "data/halvm/sub"
  readKeyMaybe store "data/halvm/sub/a" >>= putStrLn . ("after remove: " ++) . show

  -- A ticker keeps printing while the main thread waits for dom0.
  ticks <- newIORef (0 :: Int)
  _ <- forkIO (forever (threadDelay 100000 >> modifyIORef' ticks (+ 1)))
  putStrLn "waiting for dom0 to write data/halvm/poke"
  v <- waitForKey "data/halvm/poke" (\x -> if null x then Nothing else Just x)
  putStrLn ("dom0 wrote: " ++ v)
  n <- readIORef ticks
  putStrLn ("other threads ran meanwhile: " ++ show (n > 0))

  -- A transaction that conflicts with dom0's write the first time round:
  -- dom0 changes data/halvm/counter while we hold our snapshot.
  writeKey store "data/halvm/counter" "10"
  attempts <- newIORef (0 :: Int)
  final <- withTransaction $ \tx -> do
    a <- atomicModifyIORef' attempts (\k -> (k + 1, k + 1))
    old <- read <$> readKey tx "data/halvm/counter" :: IO Int
    when (a == 1) $ do
      putStrLn "transaction: waiting for dom0 to change the counter"
      writeKey store "data/halvm/phase" "in-transaction" -- dom0 waits for this
      let waitChange = do
            v <- readKey store "data/halvm/counter"
            when (v == "10") (threadDelay 20000 >> waitChange)
      waitChange
    writeKey tx "data/halvm/counter" (show (old + 1))
    pure (old + 1)
  tries <- readIORef attempts
  putStrLn ("transaction retried: " ++ show (tries > 1) ++ ", counter now " ++ show final)
  readKey store "data/halvm/counter" >>= putStrLn . ("counter in the store: " ++)
