-- zlib with its bundled C library: compress, decompress, and the exact
-- compressed bytes (the same C code on both platforms).
import qualified Codec.Compression.GZip as GZip
import qualified Codec.Compression.Zlib as Zlib
import qualified Data.ByteString.Lazy.Char8 as L
import Numeric (showHex)

main :: IO ()
main = do
  let text = L.pack (concat (replicate 200 "halvm unikernels compress well. "))
      packed = Zlib.compress text
  print (L.length text, L.length packed)
  putStrLn (concatMap (\c -> showHex (fromEnum c) "") (L.unpack (L.take 16 packed)))
  print (Zlib.decompress packed == text)
  let gz = GZip.compress (L.pack "hello, gzip")
  print (GZip.decompress gz)
