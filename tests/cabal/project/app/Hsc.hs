-- Prints what hsc2hs computed for Structs (see Structs.hsc).
import Structs (table)

main :: IO ()
main = mapM_ (\(name, value) -> putStrLn (name ++ " = " ++ show value)) table
