-- clock: its FFI types and constants come from hsc2hs (#const, #type,
-- #peek), computed by halvm-hsc2hs in cross mode for the halvm build.
import System.Clock

main :: IO ()
main = do
  t0 <- getTime Monotonic
  t1 <- getTime Monotonic
  putStrLn ("monotonic never goes back: " ++ show (t1 >= t0))
  now <- getTime Realtime
  putStrLn ("realtime after 2020: " ++ show (sec now > 1577836800))
  res <- getRes Monotonic
  putStrLn ("monotonic resolution positive: " ++ show (toNanoSecs res > 0))
  print (toNanoSecs (TimeSpec 3 500), diffTimeSpec (TimeSpec 5 0) (TimeSpec 2 999999999))
  print (fromNanoSecs 1234567890123 :: TimeSpec)
