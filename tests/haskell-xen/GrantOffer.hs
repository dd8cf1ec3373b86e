-- The granting side of a two-guest exchange (halvm-xen's Hypervisor.Grant
-- and Hypervisor.EventChannel): dom0 starts the peer (GrantTake.hs) and
-- writes its domain id into this guest's data/peer; this guest writes a
-- message into a page, grants the page to the peer, offers it an event
-- channel, publishes both in data/grant/ (readable by the peer only), and
-- waits for the peer's event; the peer's reply is in the same page.
import Control.Exception
import Foreign.C.String
import Foreign.Marshal.Utils (copyBytes)
import Foreign.Ptr
import Hypervisor.Domain
import Hypervisor.EventChannel
import Hypervisor.Grant
import Hypervisor.XenStore
import System.IO
import Text.Read (readMaybe)

message :: String
message = "hello from the granting domain"

-- Where in the page the peer writes its reply (the page is zeroed, so
-- both strings stay NUL-terminated).
replyOffset :: Int
replyOffset = 2048

main :: IO ()
main = do
  hSetBuffering stdout LineBuffering
  me <- domainId
  putStrLn "offer: waiting for dom0 to write data/peer"
  peer <- waitForKey "data/peer" (readMaybe :: String -> Maybe DomainId)
  putStrLn ("offer: the peer is domain " ++ show peer)
  page <- allocPage
  withCAStringLen message $ \(p, n) -> copyBytes (castPtr (pagePtr page)) p n
  ref <- grantAccess peer page ReadWriteGrant
  evt <- allocUnbound peer
  -- Each key readable by the peer alone; "ready" last, so that a peer
  -- that can read it finds the others complete.
  let publish key value = do
        writeKey store ("data/grant/" ++ key) value
        setPermissions store ("data/grant/" ++ key) [Permission me NoAccess, Permission peer ReadOnly]
  publish "ref" (show (grantRefNumber ref))
  publish "port" (show (portNumber evt))
  publish "ready" "yes"
  putStrLn ("offer: sent: " ++ message)
  waitEvent evt
  reply <- peekCAString (castPtr (pagePtr page `plusPtr` replyOffset))
  putStrLn ("offer: the peer signalled; received: " ++ reply)
  -- The peer unmapped the page before it signalled: the grant ends now.
  ended <- try (endAccess ref)
  putStrLn ("offer: grant ended: " ++ either (\e -> show (xenErrorKind e)) (const "yes") ended)
  close evt
