// Azure Verified Modules' tests deploy a module twice (`init`, then `idem`) to prove it is
// idempotent: both instances are the same NSG, so each finding is reported once.
module nsg './modules/nsg.bicep' = [
  for iteration in ['init', 'idem']: {
    name: 'nsg-${iteration}'
    params: {
      nsgName: 'nsg-twice'
    }
  }
]
