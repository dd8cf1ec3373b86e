-- What only an image shows (README "Files"): everything outside /tmp is
-- read-only (EROFS as an IOException), and /tmp has a size limit (this
-- image is linked with halvm-ghc --tmp-size 1M) past which writes fail
-- with ENOSPC; removing a file frees its room. Checked line by line by
-- tests/ghc (no Linux comparison: a Linux directory is writable and its
-- /tmp has no such limit).
import Control.Exception (IOException, try)
import qualified Data.ByteString as B
import System.Directory
import System.IO

main :: IO ()
main = do
  hSetBuffering stdout LineBuffering
  r <- try (writeFile "new.txt" "x") :: IO (Either IOException ())
  putStrLn ("writeFile new.txt: " ++ either show (const "written") r)
  r <- try (appendFile "hello.txt" "x") :: IO (Either IOException ())
  putStrLn ("appendFile hello.txt: " ++ either show (const "written") r)
  r <- try (removeFile "hello.txt") :: IO (Either IOException ())
  putStrLn ("removeFile hello.txt: " ++ either show (const "removed") r)
  r <- try (createDirectory "newdir") :: IO (Either IOException ())
  putStrLn ("createDirectory newdir: " ++ either show (const "created") r)
  -- /tmp: 1 MiB; 600 KiB fits once, not twice
  let chunk = B.replicate (600 * 1024) 7
  B.writeFile "/tmp/one" chunk
  putStrLn "/tmp/one: 600 KiB written"
  r <- try (B.writeFile "/tmp/two" chunk) :: IO (Either IOException ())
  putStrLn ("/tmp/two: " ++ either show (const "written") r)
  removeFile "/tmp/two"
  removeFile "/tmp/one"
  B.writeFile "/tmp/two" chunk
  B.readFile "/tmp/two" >>= \b -> putStrLn ("/tmp/two after removing /tmp/one: " ++ show (B.length b) ++ " bytes")
