{-# LANGUAGE ForeignFunctionInterface #-}
-- | Xen grant tables: share pages of this domain with another domain, and
-- map pages another domain shared with this one.
--
-- > import Foreign.Storable
-- > import Hypervisor.Grant
-- >
-- > -- Share a page with domain 0, read-only, holding one number.
-- > main :: IO ()
-- > main = do
-- >   page <- allocPage
-- >   pokeByteOff (pagePtr page) 0 (42 :: Int)
-- >   ref <- grantAccess 0 page ReadOnlyGrant
-- >   putStrLn ("grant reference " ++ show (grantRefNumber ref))
--
-- Mapping a foreign grant works for PVH guests of Xen 4.17 from any other
-- domain that granted to this one; mapping a domain's own grant is refused
-- (Xen would take the page away from its original address). Only under
-- Xen; under bare QEMU every call throws 'XenError' with 'NoXenStore'.
module Hypervisor.Grant
  ( Page
  , pagePtr
  , allocPage
  , freePage
  , GrantAccess (..)
  , GrantRef
  , grantRefNumber
  , grantRef
  , grantAccess
  , endAccess
  , MappedPage
  , mappedPtr
  , mapGrant
  , unmapGrant
  , XenError (..)
  , XenErrorKind (..)
  ) where

import Control.Exception (throwIO)
import Data.Word (Word32, Word8)
import Foreign.C.Error (eNOMEM)
import Foreign.C.Types (CInt (..), CSize (..))
import Foreign.Marshal.Alloc (alloca)
import Foreign.Ptr (Ptr, nullPtr)
import Foreign.Storable (peek)

import Hypervisor.Domain (DomainId)
import Hypervisor.Internal.Errno

-- | A page (4096 bytes, zeroed when allocated) of this domain's memory.
newtype Page = Page (Ptr Word8)

-- | Where the page is.
pagePtr :: Page -> Ptr Word8
pagePtr (Page p) = p

-- | How the other domain may use a granted page.
data GrantAccess = ReadOnlyGrant | ReadWriteGrant
  deriving (Eq, Show)

-- | A grant reference, for the other domain to map.
newtype GrantRef = GrantRef Word32
  deriving (Eq, Show)

grantRefNumber :: GrantRef -> Word32
grantRefNumber (GrantRef r) = r

-- | A reference another domain gave this one (e.g. through XenStore).
grantRef :: Word32 -> GrantRef
grantRef = GrantRef

-- | Another domain's page, mapped here.
newtype MappedPage = MappedPage (Ptr Word8)

mappedPtr :: MappedPage -> Ptr Word8
mappedPtr (MappedPage p) = p

foreign import ccall unsafe "halvm/platform.h halvm_alloc_pages" c_alloc_pages :: CSize -> IO (Ptr Word8)
foreign import ccall unsafe "halvm/platform.h halvm_free_pages" c_free_pages :: Ptr Word8 -> CSize -> IO ()
foreign import ccall unsafe "halvm/xen.h halvm_gnttab_grant" c_grant :: Word32 -> Ptr Word8 -> CInt -> IO CInt
foreign import ccall unsafe "halvm/xen.h halvm_gnttab_end" c_end :: Word32 -> IO CInt
foreign import ccall safe "halvm/xen.h halvm_gnttab_map" c_map :: Word32 -> Word32 -> CInt -> Ptr (Ptr Word8) -> IO CInt
foreign import ccall safe "halvm/xen.h halvm_gnttab_unmap" c_unmap :: Ptr Word8 -> IO CInt

-- | A fresh zeroed page. Throws 'XenError' ('OtherError' ENOMEM) when
-- memory is exhausted.
allocPage :: IO Page
allocPage = do
  p <- c_alloc_pages 1
  if p == nullPtr
    then throwIO (XenError "allocPage" "1 page" (OtherError eNOMEM))
    else pure (Page p)

-- | Returns a page (end its grants first).
freePage :: Page -> IO ()
freePage (Page p) = c_free_pages p 1

-- | Lets a domain map the page. The page must stay allocated until
-- 'endAccess' succeeded.
grantAccess :: DomainId -> Page -> GrantAccess -> IO GrantRef
grantAccess dom (Page p) access =
  GrantRef . fromIntegral
    <$> throwIfNegative "grantAccess" ("domain " ++ show dom) (c_grant dom p (if access == ReadOnlyGrant then 1 else 0))

-- | Ends a grant. Throws 'XenError' with 'OtherError' EBUSY while the other
-- domain still has it mapped (nothing changes; try again later).
endAccess :: GrantRef -> IO ()
endAccess (GrantRef r) = () <$ throwIfNegative "endAccess" ("grant " ++ show r) (c_end r)

-- | Maps a page another domain granted to this one.
mapGrant :: DomainId -> GrantRef -> GrantAccess -> IO MappedPage
mapGrant dom (GrantRef r) access = alloca $ \out -> do
  _ <- throwIfNegative "mapGrant" ("domain " ++ show dom ++ " grant " ++ show r)
         (c_map dom r (if access == ReadOnlyGrant then 1 else 0) out)
  MappedPage <$> peek out

-- | Unmaps a mapped page.
unmapGrant :: MappedPage -> IO ()
unmapGrant (MappedPage p) = () <$ throwIfNegative "unmapGrant" "page" (c_unmap p)
