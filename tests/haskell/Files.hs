{-# LANGUAGE BangPatterns, ScopedTypeVariables #-}
-- Ordinary Haskell file I/O on a halvm image's file tree (README "Files"):
-- run with the test tree as the working directory (on Linux: a directory
-- holding the tree; in the image: its root, the tree embedded or given as
-- a boot module). Paths are relative so both read the same files. The one
-- argument names the run, for a /tmp file of its own.
import Control.Exception (IOException, evaluate, try)
import Control.Monad (forM_, when)
import Data.Array.Base (unsafeRead, unsafeWrite)
import Data.Array.ST (STUArray, newArray, newListArray, getElems)
import Data.Array.Unboxed (UArray, listArray, (!))
import Data.Bits (complement, rotateR, shiftL, shiftR, xor, (.&.), (.|.))
import qualified Data.ByteString as B
import qualified Data.ByteString.Lazy as BL
import qualified Data.ByteString.Unsafe as BU
import Data.List (sort)
import Data.Word (Word32, Word8)
import Control.Monad.ST (ST, runST)
import System.Directory
import System.Environment (getArgs)
import System.IO
import Text.Printf (printf)

main :: IO ()
main = do
  hSetBuffering stdout LineBuffering
  [tag] <- getArgs
  readFile "hello.txt" >>= putStr
  config <- readFile "etc/config.txt"
  putStrLn ("etc/config.txt: " ++ show (length (lines config)) ++ " lines, first " ++ show (head (lines config)))
  readFile "link.txt" >>= \s -> putStr ("through a symbolic link: " ++ s)

  big <- B.readFile "data/big.bin"
  putStrLn ("strict ByteString: " ++ show (B.length big) ++ " bytes, sha256 " ++ sha256 big)
  lazy <- BL.readFile "data/big.bin"
  putStrLn ("lazy ByteString: " ++ show (BL.length lazy) ++ " bytes, sha256 " ++ sha256 (BL.toStrict lazy))

  forM_ ["data", "etc", "data/sub"] $ \d -> do
    names <- getDirectoryContents d
    putStrLn ("getDirectoryContents " ++ d ++ ": " ++ unwords (sort names))
  listDirectory "etc" >>= \names -> putStrLn ("listDirectory etc: " ++ unwords (sort names))
  forM_ ["hello.txt", "data", "data/big.bin", "missing.txt", "data/sub"] $ \p -> do
    f <- doesFileExist p
    d <- doesDirectoryExist p
    putStrLn (p ++ ": doesFileExist " ++ show f ++ ", doesDirectoryExist " ++ show d)
  getFileSize "data/big.bin" >>= \n -> putStrLn ("getFileSize data/big.bin: " ++ show n)
  getFileSize "hello.txt" >>= \n -> putStrLn ("getFileSize hello.txt: " ++ show n)

  missing <- try (readFile "missing.txt" >>= evaluate . length) :: IO (Either IOException Int)
  putStrLn ("readFile missing.txt: " ++ either show show missing)
  missingDir <- try (getDirectoryContents "nowhere") :: IO (Either IOException [FilePath])
  putStrLn ("getDirectoryContents nowhere: " ++ either show show missingDir)
  notDir <- try (readFile "hello.txt/x" >>= evaluate . length) :: IO (Either IOException Int)
  putStrLn ("readFile hello.txt/x: " ++ either show show notDir)

  withFile "data/numbers.txt" ReadMode $ \h -> do
    size <- hFileSize h
    hSeek h AbsoluteSeek 6
    l <- hGetLine h
    putStrLn ("data/numbers.txt: hFileSize " ++ show size ++ ", line after seeking to 6: " ++ l)
  canonicalizePath "data/../link.txt" >>= \p -> putStrLn ("canonicalizePath ends in: " ++ reverse (takeWhile (/= '/') (reverse p)))

  -- /tmp: write, append, read back, list, delete
  let t = "/tmp/halvm-files-test-" ++ tag ++ ".txt"
  writeFile t "written\n"
  appendFile t "appended\n"
  back <- readFile t
  putStr back
  when (length back /= 17) $ putStrLn "short read"
  present <- doesFileExist t
  removeFile t
  gone <- doesFileExist t
  putStrLn ("/tmp file existed " ++ show present ++ ", after removeFile " ++ show gone)
  let d = "/tmp/halvm-files-dir-" ++ tag
  createDirectory d
  writeFile (d ++ "/a") "a"
  renameFile (d ++ "/a") (d ++ "/b")
  listDirectory d >>= \names -> putStrLn ("/tmp directory holds: " ++ unwords names)
  removeDirectoryRecursive d
  doesDirectoryExist d >>= \e -> putStrLn ("/tmp directory after removeDirectoryRecursive: " ++ show e)

-- SHA-256 (FIPS 180-4), as lowercase hex.
sha256 :: B.ByteString -> String
sha256 msg = concatMap (printf "%08x") (runST (digest padded))
  where
    len = B.length msg
    padded = B.concat [msg, B.singleton 0x80, B.replicate ((55 - len) `mod` 64) 0, B.pack lenBytes]
    lenBytes = [fromIntegral ((len * 8) `shiftR` (8 * i)) | i <- [7, 6 .. 0]] :: [Word8]

digest :: forall s. B.ByteString -> ST s [Word32]
digest m = do
  w <- newArray (0, 63) 0 :: ST s (STUArray s Int Word32)
  h <- newListArray (0, 7) [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]
         :: ST s (STUArray s Int Word32)
  let blocks = B.length m `div` 64
      byte i = fromIntegral (BU.unsafeIndex m i) :: Word32
      word i = byte i `shiftL` 24 .|. byte (i + 1) `shiftL` 16 .|. byte (i + 2) `shiftL` 8 .|. byte (i + 3)
      block b = do
        let off = b * 64
        forM_ [0 .. 15] $ \t -> unsafeWrite w t (word (off + 4 * t))
        forM_ [16 .. 63] $ \t -> do
          w2 <- unsafeRead w (t - 2)
          w7 <- unsafeRead w (t - 7)
          w15 <- unsafeRead w (t - 15)
          w16 <- unsafeRead w (t - 16)
          let s0 = rotateR w15 7 `xor` rotateR w15 18 `xor` shiftR w15 3
              s1 = rotateR w2 17 `xor` rotateR w2 19 `xor` shiftR w2 10
          unsafeWrite w t (w16 + s0 + w7 + s1)
        [a0, b0, c0, d0, e0, f0, g0, h0] <- mapM (unsafeRead h) [0 .. 7]
        let go :: Int -> Word32 -> Word32 -> Word32 -> Word32 -> Word32 -> Word32 -> Word32 -> Word32
               -> ST s (Word32, Word32, Word32, Word32, Word32, Word32, Word32, Word32)
            go !t !a !b' !c !d !e !f !g !hh
              | t == 64 = return (a, b', c, d, e, f, g, hh)
              | otherwise = do
                  wt <- unsafeRead w t
                  let s1 = rotateR e 6 `xor` rotateR e 11 `xor` rotateR e 25
                      ch = (e .&. f) `xor` (complement e .&. g)
                      t1 = hh + s1 + ch + (k ! t) + wt
                      s0 = rotateR a 2 `xor` rotateR a 13 `xor` rotateR a 22
                      maj = (a .&. b') `xor` (a .&. c) `xor` (b' .&. c)
                      t2 = s0 + maj
                  go (t + 1) (t1 + t2) a b' c (d + t1) e f g
        (a, b', c, d, e, f, g, hh) <- go 0 a0 b0 c0 d0 e0 f0 g0 h0
        forM_ (zip [0 ..] [a, b', c, d, e, f, g, hh]) $ \(i, v) -> unsafeRead h i >>= unsafeWrite h i . (+ v)
  forM_ [0 .. blocks - 1] block
  getElems h

k :: UArray Int Word32
k = listArray (0, 63)
  [ 0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5
  , 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174
  , 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da
  , 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967
  , 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85
  , 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070
  , 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3
  , 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
  ]
