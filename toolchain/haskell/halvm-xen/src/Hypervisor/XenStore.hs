{-# LANGUAGE ForeignFunctionInterface #-}
-- | XenStore, the hierarchical key-value store Xen's domains share: read
-- and write keys, list directories, set permissions, group changes in
-- transactions (retried automatically when they conflict), and watch
-- keys for changes.
--
-- Only an ordinary Xen domain (created by a toolstack such as @xl@) has a
-- XenStore connection; elsewhere every operation throws a 'XenError' with
-- 'NoXenStore'. Relative paths are under the domain's own
-- @\/local\/domain\/\<id\>\/@; the toolstack lets a domain write under
-- @data\/@. Values are bytes, given and returned as 'String's of
-- characters 0 to 255.
--
-- > import Hypervisor.XenStore
-- >
-- > main :: IO ()
-- > main = do
-- >   writeKey store "data/greeting" "hello dom0"
-- >   readKey store "data/greeting" >>= putStrLn
-- >   -- count how often this program ran, safely against other writers
-- >   n <- withTransaction $ \tx -> do
-- >     old <- readKeyMaybe tx "data/runs"
-- >     let new = maybe 1 ((+ 1) . read) old :: Int
-- >     writeKey tx "data/runs" (show new)
-- >     pure new
-- >   print n
-- >   -- wait until dom0 runs: xenstore-write /local/domain/<id>/data/go yes
-- >   waitForKey "data/go" (\v -> if v == "yes" then Just () else Nothing)
--
-- Every call is one request to the store and its reply (at most 5 s;
-- then 'TimedOut'). Waiting for a watch blocks only the calling thread.
module Hypervisor.XenStore
  ( -- * Where operations apply
    Store
  , store
    -- * Values and directories
  , readKey
  , readKeyMaybe
  , writeKey
  , removeKey
  , listDirectory
    -- * Permissions
  , Permission (..)
  , Access (..)
  , getPermissions
  , setPermissions
    -- * Transactions
  , withTransaction
    -- * Watches
  , Watch
  , watch
  , nextChange
  , unwatch
  , withWatch
  , waitForKey
    -- * Errors
  , XenError (..)
  , XenErrorKind (..)
  ) where

import Control.Concurrent.MVar
import Control.Exception (bracket, mask, onException, throwIO, try)
import Data.Char (isDigit)
import Data.IORef
import Data.Word (Word32)
import Foreign.C.Error (Errno (..), eAGAIN)
import Foreign.C.String (CString, peekCAString, peekCAStringLen, withCAString, withCAStringLen)
import Foreign.C.Types (CChar, CInt (..), CLong (..), CSize (..))
import Foreign.Marshal.Alloc (alloca, allocaBytes)
import Foreign.Ptr (Ptr)
import Foreign.Storable (peek)
import System.IO.Unsafe (unsafePerformIO)

import Hypervisor.Internal.Errno
import Hypervisor.Internal.Wait

-- | Where an operation applies: the store itself ('store'), or the
-- snapshot of a transaction (given by 'withTransaction').
newtype Store = Store Word32

-- | The store itself, outside any transaction.
store :: Store
store = Store 0

foreign import ccall safe "halvm/xen.h halvm_xs_read"
  c_read :: Word32 -> CString -> Ptr CChar -> CSize -> IO CLong
foreign import ccall safe "halvm/xen.h halvm_xs_write"
  c_write :: Word32 -> CString -> Ptr CChar -> CSize -> IO CInt
foreign import ccall safe "halvm/xen.h halvm_xs_remove"
  c_remove :: Word32 -> CString -> IO CInt
foreign import ccall safe "halvm/xen.h halvm_xs_directory"
  c_directory :: Word32 -> CString -> Ptr CChar -> CSize -> IO CLong
foreign import ccall safe "halvm/xen.h halvm_xs_get_perms"
  c_get_perms :: Word32 -> CString -> Ptr CChar -> CSize -> IO CLong
foreign import ccall safe "halvm/xen.h halvm_xs_set_perms"
  c_set_perms :: Word32 -> CString -> Ptr CChar -> CSize -> IO CInt
foreign import ccall safe "halvm/xen.h halvm_xs_transaction_start"
  c_transaction_start :: Ptr Word32 -> IO CInt
foreign import ccall safe "halvm/xen.h halvm_xs_transaction_end"
  c_transaction_end :: Word32 -> CInt -> IO CInt
foreign import ccall safe "halvm/xen.h halvm_xs_watch"
  c_watch :: CString -> CString -> IO CInt
foreign import ccall safe "halvm/xen.h halvm_xs_unwatch"
  c_unwatch :: CString -> CString -> IO CInt
foreign import ccall unsafe "halvm/xen.h halvm_xs_watch_take"
  c_watch_take :: Ptr CChar -> CSize -> Ptr CChar -> CSize -> IO CInt

-- | Linux's EOVERFLOW (minlibc's errno.h), which base does not name.
eOVERFLOW :: Errno
eOVERFLOW = Errno 75

-- | A buffer every result fits in: HALVM_XS_PAYLOAD_MAX + 1 bytes.
resultSize :: Int
resultSize = 4097

-- | Runs a platform call that fills a buffer and returns the result's
-- length (or a negative errno), and gives the bytes.
withResult :: String -> String -> (Ptr CChar -> CSize -> IO CLong) -> IO String
withResult op path call = allocaBytes resultSize $ \buf -> do
  n <- throwIfNegative op path (call buf (fromIntegral resultSize))
  peekCAStringLen (buf, fromIntegral n)

-- | The value at a path. Throws 'XenError' ('NoSuchKey' if there is none).
readKey :: Store -> String -> IO String
readKey (Store tx) path =
  withCAString path $ \p -> withResult "readKey" path (c_read tx p)

-- | The value at a path, or 'Nothing' if there is no such key.
readKeyMaybe :: Store -> String -> IO (Maybe String)
readKeyMaybe s path = do
  r <- try (readKey s path)
  case r of
    Right v -> pure (Just v)
    Left e | xenErrorKind e == NoSuchKey -> pure Nothing
           | otherwise -> throwIO e

-- | Sets a key (creating it and its missing parents).
writeKey :: Store -> String -> String -> IO ()
writeKey (Store tx) path value =
  withCAString path $ \p -> withCAStringLen value $ \(v, n) -> do
    _ <- throwIfNegative "writeKey" path (c_write tx p v (fromIntegral n))
    pure ()

-- | Removes a key and everything under it.
removeKey :: Store -> String -> IO ()
removeKey (Store tx) path =
  withCAString path $ \p -> do
    _ <- throwIfNegative "removeKey" path (c_remove tx p)
    pure ()

-- | The names of a key's children.
listDirectory :: Store -> String -> IO [String]
listDirectory (Store tx) path =
  withCAString path $ \p -> splitNul <$> withResult "listDirectory" path (c_directory tx p)

-- | Splits "a\0b\0" into ["a", "b"].
splitNul :: String -> [String]
splitNul s = case break (== '\0') s of
  ("", []) -> []
  (x, []) -> [x]
  (x, _ : rest) -> x : splitNul rest

-- | What a domain may do with a key.
data Access = NoAccess | ReadOnly | WriteOnly | ReadWrite
  deriving (Eq, Show)

-- | One entry of a key's permissions.
data Permission = Permission { permDomain :: Word32, permAccess :: Access }
  deriving (Eq, Show)

accessLetter :: Access -> Char
accessLetter a = case a of
  NoAccess -> 'n'
  ReadOnly -> 'r'
  WriteOnly -> 'w'
  ReadWrite -> 'b'

parsePermission :: String -> Maybe Permission
parsePermission (c : digits@(_ : _)) | all isDigit digits = do
  access <- lookup c [('n', NoAccess), ('r', ReadOnly), ('w', WriteOnly), ('b', ReadWrite)]
  let n = read digits :: Integer
  if n > fromIntegral (maxBound :: Word32) then Nothing else Just (Permission (fromIntegral n) access)
parsePermission _ = Nothing

-- | A key's permissions. The first entry names the owner (who may do
-- anything) and what every domain not listed may do; the others grant
-- listed domains their access.
getPermissions :: Store -> String -> IO [Permission]
getPermissions (Store tx) path = withCAString path $ \p -> do
  raw <- withResult "getPermissions" path (c_get_perms tx p)
  case mapM parsePermission (splitNul raw) of
    Just ps -> pure ps
    Nothing -> throwIO (XenError "getPermissions" path ProtocolError)

-- | Sets a key's permissions (the domain must own the key), in the form
-- 'getPermissions' gives.
setPermissions :: Store -> String -> [Permission] -> IO ()
setPermissions (Store tx) path perms =
  withCAString path $ \p -> withCAStringLen wire $ \(w, n) -> do
    _ <- throwIfNegative "setPermissions" path (c_set_perms tx p w (fromIntegral n))
    pure ()
  where
    wire = concat [accessLetter a : show d ++ "\0" | Permission d a <- perms]

-- | Runs the action in a transaction and commits it. Reads inside see one
-- consistent snapshot; the writes take effect all together or not at all.
-- When the commit conflicts with another domain's change, the whole
-- action runs again (its side effects outside the store must tolerate
-- that), up to 100 times; then the 'TryAgain' error is thrown. An
-- exception inside the action discards the transaction and propagates.
withTransaction :: (Store -> IO a) -> IO a
withTransaction action = attempt (1 :: Int)
  where
    attempt n = do
      result <- mask $ \restore -> do
        tx <- alloca $ \out -> do
          _ <- throwIfNegative "withTransaction" "start" (c_transaction_start out)
          peek out
        x <- restore (action (Store tx)) `onException` c_transaction_end tx 0
        r <- c_transaction_end tx 1
        pure (r, x)
      case result of
        (0, x) -> pure x
        (r, _) | Errno (negate r) == eAGAIN && n < 100 -> attempt (n + 1) -- a conflict
               | otherwise -> throwXenError "withTransaction" "commit" r

-- | A watch on a key and everything under it.
data Watch = Watch
  { watchPath :: String
  , watchToken :: String
  , watchEvents :: IORef [String] -- ^ changed paths not taken yet, newest first
  }

-- | The watches of this program, by token, for dispatching events.
registry :: MVar [(String, Watch)]
registry = unsafePerformIO (newMVar [])
{-# NOINLINE registry #-}

nextToken :: IORef Int
nextToken = unsafePerformIO (newIORef 0)
{-# NOINLINE nextToken #-}

-- | Starts watching a path. The store reports the watch once right away
-- (a first 'nextChange' returns the path itself), then every change of
-- the key or anything under it.
watch :: String -> IO Watch
watch path = do
  n <- atomicModifyIORef' nextToken (\i -> (i + 1, i))
  w <- Watch path ("hs" ++ show n) <$> newIORef []
  modifyMVar_ registry $ \ws -> do
    withCAString path $ \p -> withCAString (watchToken w) $ \t -> do
      _ <- throwIfNegative "watch" path (c_watch p t)
      pure ()
    pure ((watchToken w, w) : ws)
  pure w

-- | Stops watching; changes not taken yet are dropped.
unwatch :: Watch -> IO ()
unwatch w = modifyMVar_ registry $ \ws -> do
  withCAString (watchPath w) $ \p -> withCAString (watchToken w) $ \t -> do
    _ <- throwIfNegative "unwatch" (watchPath w) (c_unwatch p t)
    pure ()
  pure (filter ((/= watchToken w) . fst) ws)

-- | Watches a path for the duration of an action.
withWatch :: String -> (Watch -> IO a) -> IO a
withWatch path = bracket (watch path) unwatch

-- | Waits until a key (of this domain's store, not in a transaction)
-- holds a value that @accept@ takes, and returns what it made of it; a
-- missing key, or a value it refuses, is waited past. The key is read
-- after its watch is set, so a value written before the call is seen.
-- Blocks only the calling thread.
--
-- > peer <- waitForKey "data/peer" (readMaybe :: String -> Maybe DomainId)
waitForKey :: String -> (String -> Maybe a) -> IO a
waitForKey path accept = withWatch path $ \w -> do
  _ <- nextChange w -- the store reports a new watch once
  let loop = do
        v <- readKeyMaybe store path
        case v >>= accept of
          Just x -> pure x
          Nothing -> nextChange w >> loop
  loop

-- | Waits for the next change under the watched path and returns the path
-- that changed. Blocks only the calling thread. If the platform had to
-- drop events (more than 16 waiting), every watch gets its own path as a
-- change, so that callers re-read what they watch.
nextChange :: Watch -> IO String
nextChange w = pollUntil $ do
  dispatchEvents
  atomicModifyIORef' (watchEvents w) $ \evs -> case reverse evs of
    [] -> ([], Nothing)
    (oldest : rest) -> (reverse rest, Just oldest)

-- | Moves every queued platform event to its watch.
dispatchEvents :: IO ()
dispatchEvents = withMVar registry $ \ws ->
  allocaBytes 3073 $ \pathBuf -> allocaBytes 65 $ \tokenBuf -> do
    let deliver token changed = case lookup token ws of
          Just w -> modifyIORef' (watchEvents w) (changed :)
          Nothing -> pure () -- a watch removed meanwhile
        loop = do
          r <- c_watch_take pathBuf 3073 tokenBuf 65
          case r of
            1 -> do
              changed <- peekCAString pathBuf
              token <- peekCAString tokenBuf
              deliver token changed
              loop
            0 -> pure ()
            _ | Errno (negate r) == eOVERFLOW -> do -- events were lost
                  mapM_ (\(t, w') -> deliver t (watchPath w')) ws
                  loop
              | otherwise -> throwXenError "nextChange" "watch events" r
    loop
