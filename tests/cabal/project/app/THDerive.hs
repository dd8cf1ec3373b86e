{-# LANGUAGE TemplateHaskell #-}
-- A class whose instances a splice writes from th-abstraction's view of a
-- data type (reifyDatatype): each constructor's name and field count.
module THDerive (Fields (..), deriveFields) where

import Language.Haskell.TH
import Language.Haskell.TH.Datatype (ConstructorInfo (..), DatatypeInfo (..), reifyDatatype)
import Language.Haskell.TH.Syntax (lift)

class Fields a where
  -- The value's constructor and how many fields it has.
  fields :: a -> (String, Int)
  -- Every constructor of the type (the argument is not evaluated).
  constructors :: a -> [String]

deriveFields :: Name -> Q [Dec]
deriveFields ty = do
  info <- reifyDatatype ty
  let cons = datatypeCons info
      clause' c = do
        let n = constructorName c
        body <- lift (nameBase n, length (constructorFields c))
        return (Clause [RecP n []] (NormalB body) [])
  clauses <- mapM clause' cons
  names <- lift (map (nameBase . constructorName) cons)
  return
    [ InstanceD Nothing [] (AppT (ConT ''Fields) (ConT ty))
        [ FunD 'fields clauses
        , FunD 'constructors [Clause [WildP] (NormalB names) []]
        ]
    ]
