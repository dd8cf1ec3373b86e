-- The mapping side of a two-guest exchange (see GrantOffer.hs): dom0
-- writes the offerer's domain id into this guest's data/offerer; this
-- guest reads the grant reference and event-channel port the offerer
-- published under its data/grant/, maps the page, prints the message,
-- writes its reply into the page, unmaps it and signals the offerer.
import Control.Concurrent
import Control.Exception
import Foreign.C.String
import Foreign.Marshal.Utils (copyBytes)
import Foreign.Ptr
import Hypervisor.Domain
import Hypervisor.EventChannel
import Hypervisor.Grant
import Hypervisor.XenStore
import System.Exit
import System.IO
import Text.Read (readMaybe)

reply :: String
reply = "hello back from the mapping domain"

replyOffset :: Int
replyOffset = 2048

-- Reads another domain's key, retrying while it is missing or not yet
-- readable (the offerer writes it, then sets its permissions), for at
-- most 30 s.
readWhenReadable :: String -> IO String
readWhenReadable path = go (300 :: Int)
  where
    go 0 = do
      putStrLn ("take: " ++ path ++ " never became readable")
      exitWith (ExitFailure 1)
    go n = do
      r <- try (readKey store path)
      case r of
        Right v -> pure v
        Left e -> const (threadDelay 100000 >> go (n - 1)) (e :: XenError)

main :: IO ()
main = do
  hSetBuffering stdout LineBuffering
  offerer <- waitForKey "data/offerer" (readMaybe :: String -> Maybe DomainId)
  putStrLn ("take: the offerer is domain " ++ show offerer)
  let dir = "/local/domain/" ++ show offerer ++ "/data/grant/"
  _ <- readWhenReadable (dir ++ "ready")
  ref <- read <$> readKey store (dir ++ "ref")
  remote <- read <$> readKey store (dir ++ "port")
  page <- mapGrant offerer (grantRef ref) ReadWriteGrant
  msg <- peekCAString (castPtr (mappedPtr page))
  putStrLn ("take: received: " ++ msg)
  withCAStringLen reply $ \(p, n) -> copyBytes (castPtr (mappedPtr page `plusPtr` replyOffset)) p n
  putStrLn ("take: sent: " ++ reply)
  unmapGrant page
  evt <- bindInterdomain offerer remote
  notify evt
  putStrLn "take: signalled the offerer"
