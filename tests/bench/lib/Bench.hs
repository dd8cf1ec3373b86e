-- The frame every benchmark shares, so that the harness (xtask/src/bench)
-- reads the same three lines from each, under halvm and on Linux:
--
--   bench-start: NAME          printed first: the boot-time figure ends here
--   bench-result: TEXT         deterministic: must be equal on both sides
--   bench-time-ns: N           the work's own time, from the monotonic clock
--
-- The one argument is the problem size, so that `--quick` can shrink it.
module Bench (benchPure, benchIO) where

import Control.Exception (evaluate)
import GHC.Clock (getMonotonicTimeNSec)
import System.Environment (getArgs)
import System.Exit (exitWith, ExitCode (ExitFailure))
import System.IO
import Text.Read (readMaybe)

-- | A pure benchmark: the result's text is forced inside the timed part.
benchPure :: String -> (Int -> String) -> IO ()
benchPure name work = benchIO name (\n -> let s = work n in evaluate (length s) >> return s)

-- | A benchmark that runs in IO; its result's text is forced inside the
-- timed part.
benchIO :: String -> (Int -> IO String) -> IO ()
benchIO name work = do
  hSetBuffering stdout LineBuffering
  putStrLn ("bench-start: " ++ name)
  n <- sizeArgument name
  t0 <- getMonotonicTimeNSec
  result <- work n
  _ <- evaluate (length result)
  t1 <- getMonotonicTimeNSec
  putStrLn ("bench-result: " ++ result)
  putStrLn ("bench-time-ns: " ++ show (t1 - t0))

sizeArgument :: String -> IO Int
sizeArgument name = do
  args <- getArgs
  case args of
    [a] | Just n <- readMaybe a, n > 0 -> return n
    _ -> do
      hPutStrLn stderr (name ++ ": expected one argument, a positive problem size; got " ++ show args)
      exitWith (ExitFailure 2)
