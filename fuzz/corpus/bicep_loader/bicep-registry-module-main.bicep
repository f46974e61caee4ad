// A registry module (through a bicepconfig.json alias), read from the module cache, and one
// that is not restored (its resources are unknown, with a note to run `bicep restore`).
module nsg 'br/corp:network/nsg:1.0.0' = {
  name: 'nsg'
  params: {
    name: 'nsg-registry'
    rdpSource: '*'
  }
}

module missing 'br:example.azurecr.io/modules/network/other:2.0.0' = {
  name: 'missing'
}

resource vnet 'Microsoft.Network/virtualNetworks@2024-05-01' = {
  name: 'vnet-registry'
  location: 'westeurope'
  properties: {
    addressSpace: { addressPrefixes: ['10.5.0.0/16'] }
    subnets: [
      {
        name: 'mgmt'
        properties: {
          addressPrefix: '10.5.0.0/24'
          networkSecurityGroup: { id: nsg.outputs.resourceId }
        }
      }
    ]
  }
}
