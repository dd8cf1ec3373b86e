-- The domain's identity from XenStore, through halvm-xen.
import Hypervisor.Domain

main :: IO ()
main = do
  p <- platform
  putStrLn ("platform: " ++ show p)
  i <- domainId
  n <- domainName
  putStrLn ("domain id: " ++ show i)
  putStrLn ("domain name: " ++ n)
