-- old-time: a `build-type: Configure` package (its configure script runs
-- for the target) with hsc2hs.
import System.Time

main :: IO ()
main = do
  let t = TOD 1000000000 0
  putStrLn (calendarTimeToString (toUTCTime t))
  print (ctYear (toUTCTime t), ctMonth (toUTCTime t), ctWDay (toUTCTime t))
  putStrLn (calendarTimeToString (toUTCTime (addToClockTime (noTimeDiff { tdDay = 1 }) t)))
  now <- getClockTime
  putStrLn ("now is after 2020: " ++ show (now > TOD 1577836800 0))
  putStrLn (timeDiffToString (diffClockTimes (TOD 90061 0) (TOD 0 0)))
