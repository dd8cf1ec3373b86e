-- Arguments come from the kernel command line, shell-quoted.
import System.Environment

main :: IO ()
main = do
  args <- getArgs
  putStrLn ("argc " ++ show (length args))
  mapM_ (\(i, a) -> putStrLn (show i ++ ": " ++ show a)) (zip [1 :: Int ..] args)
