-- primitive: byte arrays, typed arrays and mutable variables in ST/IO.
import Control.Monad (forM_)
import Control.Monad.ST (runST)
import Data.Primitive.ByteArray
import Data.Primitive.MutVar
import Data.Primitive.PrimArray
import Data.Word (Word8)

main :: IO ()
main = do
  let squares = runST $ do
        arr <- newPrimArray 20
        forM_ [0 .. 19] $ \i -> writePrimArray arr i (i * i :: Int)
        unsafeFreezePrimArray arr
  print (foldrPrimArray (+) 0 squares, indexPrimArray squares 19)
  bytes <- newByteArray 16
  fillByteArray bytes 0 16 0xab
  writeByteArray bytes 3 (7 :: Word8)
  frozen <- unsafeFreezeByteArray bytes
  print [indexByteArray frozen i :: Word8 | i <- [0 .. 5]]
  print (sizeofByteArray frozen)
  counter <- newMutVar (0 :: Int)
  forM_ [1 .. 1000] $ \i -> modifyMutVar' counter (+ i)
  readMutVar counter >>= print
