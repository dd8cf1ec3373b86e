-- ByteString: building, splitting into words, searching, sorting and
-- hashing a buffer of pseudo-random text.
-- bench-sizes: quick=500000 full=3000000
import Bench
import qualified Data.ByteString as B
import qualified Data.ByteString.Char8 as C
import Data.Bits (xor)
import Data.Word (Word8)

-- Letters with a space about every sixth byte.
buffer :: Int -> B.ByteString
buffer n = fst (B.unfoldrN n step 7)
  where
    step :: Int -> Maybe (Word8, Int)
    step x =
      let x' = (x * 1103515245 + 12345) `mod` 2147483648
          r = (x' `div` 65536) `mod` 32
       in Just (if r < 5 then 32 else 97 + fromIntegral (r `mod` 26), x')

fnv1a :: B.ByteString -> Int
fnv1a = B.foldl' (\h w -> ((h `xor` fromIntegral w) * 16777619) `mod` 4294967296) 2166136261

main :: IO ()
main = benchPure "Bytes" $ \n ->
  let buf = buffer n
      ws = C.words buf
      longest = maximum (map B.length ws)
      sorted = B.sort buf
      found = length (B.breakSubstring (C.pack "abc") buf `seq` filter (C.isPrefixOf (C.pack "ab")) ws)
      rev = B.reverse buf
   in show (length ws, longest, B.count 32 sorted, found, fnv1a (B.take 4096 rev), B.index sorted (n `div` 2))
