{-# LANGUAGE OverloadedStrings #-}
-- The `network` package, unchanged: a TCP echo server (one forkIO thread
-- per connection) and its clients in the same program, over 127.0.0.1;
-- numeric getAddrInfo. The output is the same on Linux (no port numbers:
-- they are ephemeral).
--
-- `network-demo serve PORT [HTTP_PORT]` then goes on serving the echo on
-- 0.0.0.0:PORT for the host, until a connection's first bytes are "quit\n";
-- with HTTP_PORT also a small HTTP/1.0 server (`httpLoop`) there.
-- `network-demo resolve NAME...` looks the names up with getAddrInfo
-- (through DNS) and prints each answer or error. Only the host-side
-- checks use these modes, so they print what Linux cannot.
import Control.Concurrent
import Control.Exception
import Control.Monad
import qualified Data.ByteString as B
import qualified Data.ByteString.Char8 as C
import Data.Bits (shiftR)
import Data.Word (Word32, Word8)
import Network.Socket
import Network.Socket.ByteString (recv, sendAll)
import System.Environment (getArgs)
import System.Exit (exitSuccess)
import System.IO

main :: IO ()
main = do
  hSetBuffering stdout LineBuffering
  addressLookups
  server <- listenOn (tupleToHostAddress (127, 0, 0, 1)) 0
  port <- socketPort server
  quit <- newEmptyMVar
  _ <- forkIO (acceptLoop server quit)
  oneClient port
  manyClients port
  bulk port
  args <- getArgs
  case args of
    ("serve" : p : http) -> do
      public <- listenOn 0 (read p)
      _ <- forkIO (acceptLoop public quit)
      forM_ http $ \h -> do
        -- 32: the stack's largest pool of listeners, for the host's
        -- 50 connections at once
        web <- listenWithBacklog 32 0 (read h)
        _ <- forkIO (httpLoop web)
        putStrLn ("serving HTTP on port " ++ h)
      putStrLn ("serving the echo on port " ++ p)
      takeMVar quit
      putStrLn "quit received"
      exitSuccess
    ("resolve" : names) -> mapM_ resolve names >> close server
    _ -> close server

-- | getAddrInfo of a host name, as a program asks for a server's address:
-- one line with the IPv4 addresses and the canonical name, or the error.
resolve :: String -> IO ()
resolve name = do
  let hints = defaultHints { addrFlags = [AI_CANONNAME], addrFamily = AF_INET, addrSocketType = Stream }
  r <- try (getAddrInfo (Just hints) (Just name) (Just "http"))
  putStrLn $ case r of
    Right infos -> unwords (["resolve", name ++ ":"] ++ map (show . addrAddress) infos
                            ++ ["canonical", maybe "-" id (addrCanonName (head infos))])
    Left e -> "resolve " ++ name ++ ": error: " ++ show (e :: IOException)

-- | Numeric hosts and services only (no resolver is involved).
addressLookups :: IO ()
addressLookups = do
  let numeric = defaultHints { addrFlags = [AI_NUMERICHOST, AI_NUMERICSERV], addrSocketType = Stream }
  forM_ ["127.0.0.1", "10.0.2.15", "192.168.1.200"] $ \host -> do
    infos <- getAddrInfo (Just numeric) (Just host) (Just "7")
    forM_ infos $ \i -> putStrLn (unwords ["getAddrInfo", host, show (addrFamily i), show (addrSocketType i),
                                           show (addrAddress i)])
  passive <- getAddrInfo (Just numeric { addrFlags = [AI_PASSIVE, AI_NUMERICSERV], addrFamily = AF_INET })
                         Nothing (Just "8080")
  putStrLn ("passive: " ++ show (map addrAddress passive))
  bad <- try (getAddrInfo (Just numeric) (Just "not.a.number") Nothing) :: IO (Either IOException [AddrInfo])
  putStrLn ("a name with AI_NUMERICHOST fails: " ++ either (const "True") (const "False") bad)
  print (hostAddressToTuple (tupleToHostAddress (10, 0, 2, 15)))

listenOn :: HostAddress -> PortNumber -> IO Socket
listenOn = listenWithBacklog 16

listenWithBacklog :: Int -> HostAddress -> PortNumber -> IO Socket
listenWithBacklog backlog host port = do
  s <- socket AF_INET Stream defaultProtocol
  setSocketOption s ReuseAddr 1
  bind s (SockAddrInet port host)
  listen s backlog
  return s

-- | HTTP/1.0 for the host's checks, one thread per connection, each
-- answered once and closed: `GET /big` is `bigSize` bytes of `bigByte`,
-- `GET /hello/NAME` is "hello NAME\n". A client that goes away midway is
-- reported and only ends its own thread.
httpLoop :: Socket -> IO ()
httpLoop server = forever $ do
  (conn, _) <- accept server
  forkIO (handle goneAway (answer conn) `finally` close conn)
  where
    goneAway :: IOException -> IO ()
    goneAway e = putStrLn ("http: a client went away: " ++ show e)
    answer conn = do
      request <- requestHead conn B.empty
      case C.words (C.takeWhile (/= '\r') request) of
        ("GET" : "/big" : _) -> do
          sendAll conn (responseHead bigSize)
          forM_ [0, bigChunk .. bigSize - 1] $ \off -> sendAll conn (bigBytes off (min bigChunk (bigSize - off)))
        ("GET" : path : _) | Just name <- B.stripPrefix "/hello/" path -> do
          let body = B.concat ["hello ", name, "\n"]
          sendAll conn (responseHead (B.length body) <> body)
        _ -> sendAll conn "HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n"
    responseHead n = C.pack ("HTTP/1.0 200 OK\r\nContent-Length: " ++ show n ++ "\r\n\r\n")

-- | The request up to its blank line (or what came before the client
-- stopped sending, or its first 8 KiB).
requestHead :: Socket -> B.ByteString -> IO B.ByteString
requestHead conn got
  | "\r\n\r\n" `B.isInfixOf` got || B.length got > 8192 = return got
  | otherwise = do
      chunk <- recv conn 4096
      if B.null chunk then return got else requestHead conn (got <> chunk)

-- | 10 MiB, sent 64 KiB at a time so that it is never whole in memory.
bigSize, bigChunk :: Int
bigSize = 10 * 1024 * 1024
bigChunk = 65536

-- | The byte at offset i of the big response: the top byte of Knuth's
-- multiplicative hash of i, so that no short period hides a misplaced
-- chunk. The host's check computes the same.
bigByte :: Int -> Word8
bigByte i = fromIntegral ((fromIntegral i * 2654435761 :: Word32) `shiftR` 24)

bigBytes :: Int -> Int -> B.ByteString
bigBytes off n = fst (B.unfoldrN n (\i -> Just (bigByte i, i + 1)) off)

-- | One thread per connection; a connection that starts with "quit\n"
-- is answered "bye\n" and fills `quit`.
acceptLoop :: Socket -> MVar () -> IO ()
acceptLoop server quit = forever $ do
  (conn, _) <- accept server
  forkIO (echo conn `finally` close conn)
  where
    echo conn = do
      first <- recv conn 65536
      if first == "quit\n"
        then sendAll conn "bye\n" >> putMVar quit ()
        else unless (B.null first) (sendAll conn first >> loop conn)
    loop conn = do
      chunk <- recv conn 65536
      unless (B.null chunk) (sendAll conn chunk >> loop conn)

connectTo :: PortNumber -> IO Socket
connectTo port = do
  c <- socket AF_INET Stream defaultProtocol
  setSocketOption c NoDelay 1
  connect c (SockAddrInet port (tupleToHostAddress (127, 0, 0, 1)))
  return c

-- | Exactly n bytes (or fewer at the end of the stream).
recvExactly :: Socket -> Int -> IO B.ByteString
recvExactly c n = go [] 0
  where
    go acc got
      | got >= n = return (B.concat (reverse acc))
      | otherwise = do
          chunk <- recv c (n - got)
          if B.null chunk then return (B.concat (reverse acc)) else go (chunk : acc) (got + B.length chunk)

oneClient :: PortNumber -> IO ()
oneClient port = do
  c <- connectTo port
  SockAddrInet _ local <- getSocketName c
  SockAddrInet peerPort peer <- getPeerName c
  putStrLn ("client side: " ++ show (hostAddressToTuple local) ++ " to " ++ show (hostAddressToTuple peer)
            ++ ", the server's port: " ++ show (peerPort == port))
  let messages = ["hello", "from the client", "over TCP"]
  replies <- forM messages $ \m -> sendAll c m >> recvExactly c (B.length m)
  putStrLn ("echoed " ++ show (length messages) ++ " messages over 127.0.0.1: " ++ show (replies == messages))
  shutdown c ShutdownSend
  end <- recv c 16
  putStrLn ("after shutdown the server closes: " ++ show (B.null end))
  close c

-- | Ten clients at once, each in its own thread, each with its own words.
manyClients :: PortNumber -> IO ()
manyClients port = do
  results <- forM [1 .. 10 :: Int] $ \i -> do
    box <- newEmptyMVar
    _ <- forkIO $ do
      r <- try $ bracket (connectTo port) close $ \c -> do
        let m = C.pack (concat (replicate i ("client " ++ show i ++ "; ")))
        sendAll c m
        back <- recvExactly c (B.length m)
        return (back == m)
      putMVar box (either (\e -> const False (e :: SomeException)) id r)
    return box
  oks <- mapM takeMVar results
  putStrLn ("10 concurrent clients echoed: " ++ show (and oks))

-- | 1 MiB through the echo, sent by one thread while another reads.
bulk :: PortNumber -> IO ()
bulk port = do
  c <- connectTo port
  let payload = B.pack (take (1024 * 1024) (cycle [0 .. 250]))
  _ <- forkIO (sendAll c payload)
  back <- recvExactly c (B.length payload)
  putStrLn ("1 MiB echoed intact: " ++ show (back == payload))
  close c
