-- | Errors of the platform API (negative errno values) as one typed
-- exception, shared by the modules of this package.
module Hypervisor.Internal.Errno
  ( XenError (..)
  , XenErrorKind (..)
  , throwIfNegative
  , throwXenError
  ) where

import Control.Exception (Exception, throwIO)
import Foreign.C.Error
import Foreign.C.Types (CInt)

-- | What went wrong, by the errno the platform returned.
data XenErrorKind
  = NoSuchKey         -- ^ ENOENT: no such key (or watch)
  | PermissionDenied  -- ^ EACCES: the store's permissions forbid it
  | AlreadyExists     -- ^ EEXIST
  | InvalidArgument   -- ^ EINVAL: malformed path, permissions or argument
  | TryAgain          -- ^ EAGAIN: a transaction conflicted (retried by 'withTransaction')
  | TooBig            -- ^ E2BIG: path or value beyond the store's limits
  | NoSpace           -- ^ ENOSPC: the store's quota is used up
  | TimedOut          -- ^ ETIMEDOUT: the store did not answer within 5 s
  | ProtocolError     -- ^ EIO: the store broke the protocol; the connection is unusable
  | NoXenStore        -- ^ ENODEV: no XenStore here (bare QEMU or Xen's initial domain)
  | OtherError Errno  -- ^ any other errno
  deriving (Eq)

instance Show XenErrorKind where
  show k = case k of
    NoSuchKey -> "no such key (ENOENT)"
    PermissionDenied -> "permission denied (EACCES)"
    AlreadyExists -> "already exists (EEXIST)"
    InvalidArgument -> "invalid argument (EINVAL)"
    TryAgain -> "try again (EAGAIN)"
    TooBig -> "too big (E2BIG)"
    NoSpace -> "no space (ENOSPC)"
    TimedOut -> "timed out (ETIMEDOUT)"
    ProtocolError -> "XenStore protocol error (EIO)"
    NoXenStore -> "no XenStore connection: not an ordinary Xen domain (ENODEV)"
    OtherError (Errno e) -> "errno " ++ show e

-- | A failed operation: which one, on what, and why.
data XenError = XenError
  { xenOperation :: String       -- ^ e.g. @"readKey"@
  , xenSubject   :: String       -- ^ the path (or other subject) it was about
  , xenErrorKind :: XenErrorKind
  } deriving (Eq)

instance Show XenError where
  show e = "halvm-xen: " ++ xenOperation e ++ " " ++ show (xenSubject e) ++ ": " ++ show (xenErrorKind e)

instance Exception XenError

kindOf :: Errno -> XenErrorKind
kindOf e
  | e == eNOENT = NoSuchKey
  | e == eACCES = PermissionDenied
  | e == eEXIST = AlreadyExists
  | e == eINVAL = InvalidArgument
  | e == eAGAIN = TryAgain
  | e == e2BIG = TooBig
  | e == eNOSPC = NoSpace
  | e == eTIMEDOUT = TimedOut
  | e == eIO = ProtocolError
  | e == eNODEV = NoXenStore
  | otherwise = OtherError e

-- | Throws the 'XenError' for a negative errno result.
throwXenError :: String -> String -> CInt -> IO a
throwXenError op subject r = throwIO (XenError op subject (kindOf (Errno (negate r))))

-- | Passes a non-negative result through; throws for a negative one.
throwIfNegative :: Integral a => String -> String -> IO a -> IO a
throwIfNegative op subject act = do
  r <- act
  if r < 0 then throwXenError op subject (fromIntegral r) else pure r
