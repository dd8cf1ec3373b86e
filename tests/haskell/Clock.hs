-- Wall-clock and monotonic time from the platform.
import Data.Time.Clock
import Data.Time.Clock.POSIX (getPOSIXTime, utcTimeToPOSIXSeconds)
import GHC.Clock (getMonotonicTimeNSec)
import Control.Monad (replicateM)

main :: IO ()
main = do
  now <- getCurrentTime
  posix <- getPOSIXTime
  -- The clock is real: after 2024-01-01 and before 2100-01-01.
  putStrLn ("wall clock plausible: " ++ show (posix > 1704067200 && posix < 4102444800))
  putStrLn ("UTCTime and POSIX time agree: " ++ show (abs (realToFrac (utcTimeToPOSIXSeconds now - posix) :: Double) < 1))
  ts <- replicateM 1000 getMonotonicTimeNSec
  putStrLn ("monotonic never goes back: " ++ show (and (zipWith (<=) ts (tail ts))))
  putStrLn ("monotonic advances: " ++ show (last ts > head ts))
