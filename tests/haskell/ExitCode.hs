-- exitWith must reach the platform's exit with the same status.
import System.Exit
import System.IO

main :: IO ()
main = do
  putStrLn "exiting with status 3"
  hFlush stdout
  exitWith (ExitFailure 3)
