-- An uncaught exception prints its message (prefixed by the program name)
-- and ends the program with status 1.
import Control.Exception

newtype Boom = Boom String deriving Show
instance Exception Boom

main :: IO ()
main = do
  putStrLn "about to throw"
  _ <- throwIO (Boom "kaboom")
  putStrLn "not reached"
